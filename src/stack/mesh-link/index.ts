export * from './drops.ts';
export * from './join-traffic.ts';
export type { InstallKeyOptions, KeyInfo, KeyState } from './key-store.ts';
export { FRAME_COUNTER_MAX } from './replay-table.ts';
export * from './mesh-link.ts';
export * from './join-beacon.ts';
