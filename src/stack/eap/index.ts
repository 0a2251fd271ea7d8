export * from './constants.ts';
export * from './packet.ts';
export * from './psk.ts';
export * from './tls.ts';
export * from './method.ts';
export * from './psk-peer.ts';
export * from './psk-server.ts';
