export * from './discovery.ts';
export * from './supervisor.ts';
