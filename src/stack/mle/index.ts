export * from './constants.ts';
export * from './link-keys.ts';
export * from './tlv.ts';
export * from './message.ts';
export * from './challenges.ts';
export * from './link-sync.ts';
