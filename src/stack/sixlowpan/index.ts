export * from './context.ts';
export * from './fragment.ts';
export * from './frame.ts';
export * from './iphc.ts';
export * from './link.ts';
export * from './reassembly.ts';
export * from './receive.ts';
