export * from './constants.ts';
export * from './packet.ts';
export * from './psk.ts';
export * from './tls.ts';
