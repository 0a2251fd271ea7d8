/**
 * Property maps 0x9D (status-change announcement), 0x9E (Set), 0x9F (Get) (APPENDIX §2, device
 * object super class; "Property map description format", Part II Appendix 1):
 *
 *  - fewer than 16 properties: count, then the EPCs themselves (PDC = 1 + count);
 *  - 16 or more: count, then a 16-byte bitmap (PDC = 17). EPC 0xXY (X = 8..F) is bit (X − 8) of
 *    byte Y: byte i holds EPCs 0x8i, 0x9i, …, 0xFi from bit 0 up.
 *
 * Decoded as the ascending list of EPCs. Strict: EPCs in 0x80–0xFF, no duplicates, the count
 * must match the listed EPCs or the bits set.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';

const CODEC = 'echonet-property-map';
const BITMAP_THRESHOLD = 16;

export function decodePropertyMap(edt: Uint8Array): number[] {
  const r = new ByteReader(edt, CODEC);
  const count = r.u8('property count');
  const epcs: number[] = [];
  if (count < BITMAP_THRESHOLD) {
    const seen = new Set<number>();
    for (let i = 0; i < count; i++) {
      const epc = r.u8('EPC');
      if (epc < 0x80) r.fail(`EPC 0x${epc.toString(16)} is below 0x80`, r.offset - 1);
      if (seen.has(epc)) r.fail(`EPC 0x${epc.toString(16)} listed twice`, r.offset - 1);
      seen.add(epc);
      epcs.push(epc);
    }
    epcs.sort((a, b) => a - b);
  } else {
    const bitmap = r.bytesView(16, 'property bitmap');
    for (let hi = 0; hi < 8; hi++) {
      for (let lo = 0; lo < 16; lo++) if ((bitmap[lo]! >> hi) & 1) epcs.push(0x80 + (hi << 4) + lo);
    }
    if (epcs.length !== count) r.fail(`count ${count} but ${epcs.length} bits set`, 0);
  }
  r.end('property map');
  return epcs;
}

export function encodePropertyMap(epcs: readonly number[]): Uint8Array {
  const sorted = [...new Set(epcs)].sort((a, b) => a - b);
  if (sorted.length !== epcs.length) throw new RangeError('duplicate EPC in property map');
  for (const e of sorted) {
    if (!Number.isInteger(e) || e < 0x80 || e > 0xff) throw new RangeError(`EPC ${e} outside 0x80–0xFF`);
  }
  const w = new ByteWriter(17).u8(sorted.length);
  if (sorted.length < BITMAP_THRESHOLD) {
    for (const e of sorted) w.u8(e);
  } else {
    const bitmap = new Uint8Array(16);
    for (const e of sorted) bitmap[e & 0x0f]! |= 1 << ((e >> 4) - 8);
    w.bytes(bitmap);
  }
  return w.finish();
}
