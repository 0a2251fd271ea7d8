/** ECHONET Lite codecs: frames, object helpers, class 0x0288 properties, FieldRoot DR EPCs. */
export * from './constants.ts';
export * from './eoj.ts';
export * from './frame.ts';
export * from './property-map.ts';
export * from './meter.ts';
export * from './fieldroot-dr.ts';
