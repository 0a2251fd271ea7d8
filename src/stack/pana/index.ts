export * from './constants.ts';
export * from './codec.ts';
export * from './auth.ts';
export * from './key-wrap.ts';
