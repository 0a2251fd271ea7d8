/**
 * Spinel packed unsigned integer (format letter `i`): 7-bit groups, least significant first, the top
 * bit of every byte but the last set (spinel.h "Packed Unsigned Integer", based on EXI's unsigned
 * integer). spinel.h limits the value to what three bytes hold, 2,097,151; example 1337 → `b9 0a`.
 *
 * Decoding is strict: more than three bytes, a truncated value (continuation bit on the last byte
 * available) and non-minimal encodings (a trailing `00` group, e.g. `80 00` for 0) are refused, so
 * every value has exactly one encoding.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { SPINEL_MAX_UINT_PACKED } from './constants.ts';

const MAX_PACKED_BYTES = 3;

function checkPackedRange(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > SPINEL_MAX_UINT_PACKED) {
    throw new RangeError(`packed uint out of range 0..${SPINEL_MAX_UINT_PACKED}: ${value}`);
  }
}

/** Encoded length of `value` (1–3 bytes). */
export function packedUintSize(value: number): number {
  checkPackedRange(value);
  if (value < 1 << 7) return 1;
  if (value < 1 << 14) return 2;
  return 3;
}

export function writePackedUint(w: ByteWriter, value: number): void {
  checkPackedRange(value);
  let v = value;
  while (v >= 0x80) {
    w.u8((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  w.u8(v);
}

export function encodePackedUint(value: number): Uint8Array {
  const w = new ByteWriter(MAX_PACKED_BYTES);
  writePackedUint(w, value);
  return w.finish();
}

export function readPackedUint(r: ByteReader, what = 'packed uint'): number {
  const start = r.offset;
  let value = 0;
  for (let i = 0; i < MAX_PACKED_BYTES; i++) {
    if (r.atEnd) {
      r.fail(i === 0 ? `missing ${what}` : `truncated ${what}: continuation bit set on its last byte`, start);
    }
    const b = r.u8(what);
    value |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) {
      if (i > 0 && b === 0) r.fail(`non-minimal ${what} encoding`, start);
      return value;
    }
  }
  return r.fail(`${what} longer than ${MAX_PACKED_BYTES} bytes (max ${SPINEL_MAX_UINT_PACKED})`, start);
}

/** Decodes a buffer that holds exactly one packed uint. */
export function decodePackedUint(bytes: Uint8Array, codec = 'spinel'): number {
  const r = new ByteReader(bytes, codec);
  const v = readPackedUint(r);
  r.end('packed uint');
  return v;
}
