export * from './trickle.ts';
