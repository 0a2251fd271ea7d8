export * from './clock.ts';
export * from './errors.ts';
export * from './serial-link.ts';
export * from './serialport-link.ts';
export * from './psdu-limit.ts';
export * from './dongle.ts';
export * from './trace.ts';
