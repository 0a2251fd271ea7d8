export { DecodeError, ensure } from './decode-error.ts';
export { ByteReader } from './byte-reader.ts';
export { ByteWriter } from './byte-writer.ts';
export { toHex, fromHex, bytesEqual, concatBytes } from './hex.ts';
