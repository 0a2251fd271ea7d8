/**
 * Auxiliary security header and CCM* nonce (802.15.4-2015 §9.4, §9.3.2.2; 802.15.4-2006 §7.6.2).
 */
import type { SecurityLevel } from '../crypto/provider.ts';
import type { ByteReader } from '../wire/index.ts';
import { ByteWriter } from '../wire/index.ts';

/**
 * The auxiliary security header as decoded. `frameCounter` is 0 when `frameCounterSuppression` is
 * set (the field is then absent on air and the ASN takes its place in the nonce, §9.4.2.4).
 * `keySource` is present for key id modes 2 (4 bytes) and 3 (8 bytes), `keyIndex` for modes 1–3.
 * The two 2015 flags are present (and true) only when set on air.
 */
export interface AuxSecurityHeader {
  securityLevel: SecurityLevel;
  keyIdMode: 0 | 1 | 2 | 3;
  frameCounter: number;
  keySource?: Uint8Array;
  keyIndex?: number;
  frameCounterSuppression?: boolean;
  asnInNonce?: boolean;
}

// Security Control field bits (802.15.4-2015 Figure 9-11).
const SC_LEVEL_MASK = 0x07; // bits 0–2
const SC_KEY_ID_MODE_SHIFT = 3; // bits 3–4
const SC_FRAME_COUNTER_SUPPRESSION = 0x20; // bit 5 (2015)
const SC_ASN_IN_NONCE = 0x40; // bit 6 (2015)
const SC_RESERVED = 0x80; // bit 7

/** Key Source length for key id modes 0..3 (802.15.4-2015 Table 9-7 / §9.4.4). */
const KEY_SOURCE_LENGTH = [0, 0, 4, 8] as const;

/** Length on air of an auxiliary security header (802.15.4-2015 §9.4). */
export function auxSecurityHeaderLength(
  h: Pick<AuxSecurityHeader, 'keyIdMode' | 'frameCounterSuppression'>,
): number {
  return (
    1 + (h.frameCounterSuppression ? 0 : 4) + (h.keyIdMode === 0 ? 0 : 1 + KEY_SOURCE_LENGTH[h.keyIdMode])
  );
}

export function encodeAuxSecurityHeader(h: AuxSecurityHeader): Uint8Array {
  if (!Number.isInteger(h.securityLevel) || h.securityLevel < 0 || h.securityLevel > 7) {
    throw new RangeError(`security level ${h.securityLevel} is not 0..7`);
  }
  if (!Number.isInteger(h.keyIdMode) || h.keyIdMode < 0 || h.keyIdMode > 3) {
    throw new RangeError(`key id mode ${h.keyIdMode} is not 0..3`);
  }
  const w = new ByteWriter(14);
  let sc = h.securityLevel | (h.keyIdMode << SC_KEY_ID_MODE_SHIFT);
  if (h.frameCounterSuppression) sc |= SC_FRAME_COUNTER_SUPPRESSION;
  if (h.asnInNonce) sc |= SC_ASN_IN_NONCE;
  w.u8(sc);
  if (!h.frameCounterSuppression) {
    // §9.4.3: 4-octet frame counter, little-endian like every MAC field (§7.2.1).
    if (!Number.isInteger(h.frameCounter) || h.frameCounter < 0 || h.frameCounter > 0xffffffff) {
      throw new RangeError(`frame counter ${h.frameCounter} is not a u32`);
    }
    w.u32le(h.frameCounter);
  } else if (h.frameCounter !== 0) {
    throw new RangeError('frame counter must be 0 when frame counter suppression is set');
  }
  const srcLen = KEY_SOURCE_LENGTH[h.keyIdMode];
  if (h.keyIdMode === 0) {
    if (h.keySource !== undefined || h.keyIndex !== undefined) {
      throw new RangeError('key id mode 0 carries no key source or key index');
    }
    return w.finish();
  }
  if (srcLen === 0) {
    if (h.keySource !== undefined) throw new RangeError('key id mode 1 carries no key source');
  } else if (h.keySource?.length !== srcLen) {
    throw new RangeError(`key id mode ${h.keyIdMode} needs a ${srcLen}-byte key source`);
  }
  const idx = h.keyIndex;
  if (idx === undefined || !Number.isInteger(idx) || idx < 0 || idx > 0xff) {
    throw new RangeError(`key id mode ${h.keyIdMode} needs a key index 0..255, got ${idx}`);
  }
  // §9.4.4: Key Source (if any) then Key Index.
  if (h.keySource) w.bytes(h.keySource);
  w.u8(idx);
  return w.finish();
}

/** Decodes an auxiliary security header at the reader's position (§9.4). Throws DecodeError. */
export function decodeAuxSecurityHeader(r: ByteReader): AuxSecurityHeader {
  const at = r.offset;
  const sc = r.u8('security control');
  // §9.4.2: bit 7 reserved.
  if (sc & SC_RESERVED) r.fail('reserved bit 7 of security control is set', at);
  const securityLevel = (sc & SC_LEVEL_MASK) as SecurityLevel;
  const keyIdMode = ((sc >> SC_KEY_ID_MODE_SHIFT) & 0x03) as 0 | 1 | 2 | 3;
  const h: AuxSecurityHeader = { securityLevel, keyIdMode, frameCounter: 0 };
  if (sc & SC_FRAME_COUNTER_SUPPRESSION) h.frameCounterSuppression = true;
  if (sc & SC_ASN_IN_NONCE) h.asnInNonce = true;
  if (!h.frameCounterSuppression) h.frameCounter = r.u32le('frame counter');
  if (keyIdMode !== 0) {
    const srcLen = KEY_SOURCE_LENGTH[keyIdMode];
    if (srcLen > 0) h.keySource = r.bytesCopy(srcLen, 'key source');
    h.keyIndex = r.u8('key index');
  }
  return h;
}

/**
 * CCM* nonce (802.15.4-2015 §9.3.2.2, Figure 9-4): source extended address (big-endian, i.e. as
 * printed; the reverse of its on-air order) ‖ frame counter big-endian ‖ security level.
 */
export function ccmStarNonce(
  sourceExtendedAddress: bigint,
  frameCounter: number,
  securityLevel: SecurityLevel,
): Uint8Array {
  if (sourceExtendedAddress < 0n || sourceExtendedAddress > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError('extended address is not a u64');
  }
  if (!Number.isInteger(frameCounter) || frameCounter < 0 || frameCounter > 0xffffffff) {
    throw new RangeError(`frame counter ${frameCounter} is not a u32`);
  }
  if (!Number.isInteger(securityLevel) || securityLevel < 0 || securityLevel > 7) {
    throw new RangeError(`security level ${securityLevel} is not 0..7`);
  }
  return new ByteWriter(13).u64be(sourceExtendedAddress).u32be(frameCounter).u8(securityLevel).finish();
}
