export * from './constants.ts';
export * from './packed-uint.ts';
export * from './datatypes.ts';
export * from './hdlc-lite.ts';
export * from './frame.ts';
export * from './properties.ts';
export * from './stream-raw.ts';
