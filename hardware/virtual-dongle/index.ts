export * from './radio-port.ts';
export * from './loopback-radio.ts';
export * from './rcp.ts';
export * from './pty.ts';
export * from './virtual-dongle.ts';
