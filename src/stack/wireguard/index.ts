/** WireGuard codecs and handshake computations (whitepaper §5.4). */
export * from './constants.ts';
export * from './messages.ts';
export * from './cookie.ts';
export * from './tai64n.ts';
export * from './noise.ts';
export * from './noise-handshake.ts';
export * from './transport.ts';
