/**
 * Frame check sequences (802.15.4-2015 §7.2.10).
 * - 2-octet FCS: ITU-T CRC-16, G(x) = x^16 + x^12 + x^5 + 1, initial remainder 0, bits processed
 *   LSB first (the CRC-16/KERMIT parametrisation), transmitted low octet first.
 * - 4-octet FCS (SUN and TVWS PHYs, macFcsType = 1): ANSI X3.66 / ITU-T CRC-32, initial remainder
 *   all ones, final complement (the CRC-32/ISO-HDLC parametrisation), transmitted low octet first.
 */
import { ByteReader } from '../wire/index.ts';
import { CODEC } from './constants.ts';

export type FcsLength = 0 | 2 | 4;

const CRC16_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1; // 0x1021 reflected
    t[i] = c;
  }
  return t;
})();

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1; // 0x04C11DB7 reflected
    t[i] = c >>> 0;
  }
  return t;
})();

/** 802.15.4 16-bit FCS over `data` (CRC-16/KERMIT: "123456789" → 0x2189). */
export function crc16Itut(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) crc = (crc >>> 8) ^ CRC16_TABLE[(crc ^ b) & 0xff]!;
  return crc & 0xffff;
}

/** 802.15.4 32-bit FCS over `data` (CRC-32/ISO-HDLC: "123456789" → 0xCBF43926). */
export function crc32Itut(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of data) crc = (crc >>> 8) ^ CRC32_TABLE[(crc ^ b) & 0xff]!;
  return (crc ^ 0xffffffff) >>> 0;
}

/** The FCS octets for `mpdu` as transmitted (little-endian, §7.2.10). */
export function computeFcs(mpdu: Uint8Array, fcsLength: 2 | 4): Uint8Array {
  const out = new Uint8Array(fcsLength);
  const v = new DataView(out.buffer);
  if (fcsLength === 2) v.setUint16(0, crc16Itut(mpdu), true);
  else v.setUint32(0, crc32Itut(mpdu), true);
  return out;
}

/** `mpdu` with its FCS appended; `fcsLength` 0 returns a copy. */
export function appendFcs(mpdu: Uint8Array, fcsLength: FcsLength): Uint8Array {
  const out = new Uint8Array(mpdu.length + fcsLength);
  out.set(mpdu);
  if (fcsLength !== 0) out.set(computeFcs(mpdu, fcsLength), mpdu.length);
  return out;
}

export function checkFcs(frameWithFcs: Uint8Array, fcsLength: 2 | 4): boolean {
  if (frameWithFcs.length < fcsLength) return false;
  const body = frameWithFcs.subarray(0, frameWithFcs.length - fcsLength);
  const expect = computeFcs(body, fcsLength);
  for (let i = 0; i < fcsLength; i++) if (frameWithFcs[body.length + i] !== expect[i]) return false;
  return true;
}

/** Verifies and strips the FCS; throws DecodeError when it is missing or wrong. */
export function stripFcs(frameWithFcs: Uint8Array, fcsLength: FcsLength): Uint8Array {
  if (fcsLength === 0) return frameWithFcs;
  if (frameWithFcs.length < fcsLength) {
    new ByteReader(frameWithFcs, CODEC).fail(`frame shorter than its ${fcsLength}-byte FCS`);
  }
  if (!checkFcs(frameWithFcs, fcsLength)) {
    new ByteReader(frameWithFcs, CODEC).fail(
      `${fcsLength * 8}-bit FCS mismatch`,
      frameWithFcs.length - fcsLength,
    );
  }
  return frameWithFcs.subarray(0, frameWithFcs.length - fcsLength);
}
