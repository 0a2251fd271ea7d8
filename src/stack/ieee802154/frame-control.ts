/**
 * Frame Control field (802.15.4-2015 §7.2.2, Figure 7-2; 802.15.4-2006 §7.2.1.1, Figure 42).
 */
import type { ByteReader } from '../wire/index.ts';
import type { AddressingMode, FrameType, FrameVersion } from './constants.ts';
import { ADDRESSING_MODE, FRAME_TYPE, FRAME_VERSION } from './constants.ts';

export interface FrameControl {
  frameType: FrameType;
  securityEnabled: boolean;
  framePending: boolean;
  ackRequest: boolean;
  panIdCompression: boolean;
  /** 2015 only (bit 8); reserved (0) in 2003/2006. */
  sequenceNumberSuppression: boolean;
  /** 2015 only (bit 9); reserved (0) in 2003/2006. */
  iePresent: boolean;
  dstAddrMode: AddressingMode;
  frameVersion: FrameVersion;
  srcAddrMode: AddressingMode;
}

// Bit positions, 802.15.4-2015 Figure 7-2.
const FC_SECURITY_ENABLED = 1 << 3;
const FC_FRAME_PENDING = 1 << 4;
const FC_AR = 1 << 5;
const FC_PAN_ID_COMPRESSION = 1 << 6;
const FC_RESERVED_7 = 1 << 7;
const FC_SEQUENCE_NUMBER_SUPPRESSION = 1 << 8;
const FC_IE_PRESENT = 1 << 9;
const FC_DST_ADDR_MODE_SHIFT = 10;
const FC_FRAME_VERSION_SHIFT = 12;
const FC_SRC_ADDR_MODE_SHIFT = 14;

export function encodeFrameControl(fc: FrameControl): number {
  if (fc.frameType < 0 || fc.frameType > 3)
    throw new RangeError(`frame type ${fc.frameType} is not supported`);
  if (fc.frameVersion < 0 || fc.frameVersion > 2) throw new RangeError(`frame version ${fc.frameVersion}`);
  for (const m of [fc.dstAddrMode, fc.srcAddrMode]) {
    if (m !== 0 && m !== 2 && m !== 3) throw new RangeError(`addressing mode ${String(m)} is not 0, 2 or 3`);
  }
  if (fc.frameVersion < FRAME_VERSION.IEEE_802_15_4 && (fc.sequenceNumberSuppression || fc.iePresent)) {
    // 802.15.4-2006 Figure 42: bits 7–9 reserved.
    throw new RangeError('sequence number suppression and IE present need frame version 2 (802.15.4-2015)');
  }
  let v = fc.frameType;
  if (fc.securityEnabled) v |= FC_SECURITY_ENABLED;
  if (fc.framePending) v |= FC_FRAME_PENDING;
  if (fc.ackRequest) v |= FC_AR;
  if (fc.panIdCompression) v |= FC_PAN_ID_COMPRESSION;
  if (fc.sequenceNumberSuppression) v |= FC_SEQUENCE_NUMBER_SUPPRESSION;
  if (fc.iePresent) v |= FC_IE_PRESENT;
  v |= fc.dstAddrMode << FC_DST_ADDR_MODE_SHIFT;
  v |= fc.frameVersion << FC_FRAME_VERSION_SHIFT;
  v |= fc.srcAddrMode << FC_SRC_ADDR_MODE_SHIFT;
  return v;
}

/** Reads and validates the 2-byte little-endian Frame Control field. Throws DecodeError. */
export function decodeFrameControl(r: ByteReader): FrameControl {
  const at = r.offset;
  const v = r.u16le('frame control');
  const frameType = v & 0x07;
  // 802.15.4-2015 Table 7-1: 0b100 reserved, 0b101 multipurpose, 0b110 fragment/Frak, 0b111 extended.
  if (frameType === FRAME_TYPE.MULTIPURPOSE) r.fail('multipurpose frames (type 5) are not supported', at);
  if (frameType === FRAME_TYPE.FRAGMENT) r.fail('fragment/Frak frames (type 6) are not supported', at);
  if (frameType === FRAME_TYPE.EXTENDED) r.fail('extended frame type (7) is not supported', at);
  if (frameType === FRAME_TYPE.RESERVED) r.fail('reserved frame type 4', at);
  // 802.15.4-2015 Figure 7-2: bit 7 reserved.
  if (v & FC_RESERVED_7) r.fail('reserved frame control bit 7 is set', at);
  const frameVersion = (v >> FC_FRAME_VERSION_SHIFT) & 0x03;
  // 802.15.4-2015 Table 7-4: 0b11 reserved.
  if (frameVersion === 3) r.fail('reserved frame version 3', at);
  const dstAddrMode = (v >> FC_DST_ADDR_MODE_SHIFT) & 0x03;
  const srcAddrMode = (v >> FC_SRC_ADDR_MODE_SHIFT) & 0x03;
  // 802.15.4-2015 Table 7-3: addressing mode 0b01 reserved.
  if (dstAddrMode === ADDRESSING_MODE.RESERVED) r.fail('reserved destination addressing mode 1', at);
  if (srcAddrMode === ADDRESSING_MODE.RESERVED) r.fail('reserved source addressing mode 1', at);
  const sequenceNumberSuppression = (v & FC_SEQUENCE_NUMBER_SUPPRESSION) !== 0;
  const iePresent = (v & FC_IE_PRESENT) !== 0;
  if (frameVersion < FRAME_VERSION.IEEE_802_15_4 && (sequenceNumberSuppression || iePresent)) {
    // 802.15.4-2006 Figure 42: bits 7–9 reserved in frame versions 0 and 1.
    r.fail(`frame control bits 8–9 are reserved in frame version ${frameVersion}`, at);
  }
  return {
    frameType: frameType as FrameType,
    securityEnabled: (v & FC_SECURITY_ENABLED) !== 0,
    framePending: (v & FC_FRAME_PENDING) !== 0,
    ackRequest: (v & FC_AR) !== 0,
    panIdCompression: (v & FC_PAN_ID_COMPRESSION) !== 0,
    sequenceNumberSuppression,
    iePresent,
    dstAddrMode: dstAddrMode as AddressingMode,
    frameVersion: frameVersion as FrameVersion,
    srcAddrMode: srcAddrMode as AddressingMode,
  };
}

/**
 * Which PAN identifiers are present on air, given the addressing modes and the PAN ID Compression
 * bit; `undefined` when the combination is invalid.
 * Versions 0/1: 802.15.4-2006 §7.2.1.1.5. Version 2: 802.15.4-2015 §7.2.2.6, Table 7-2.
 */
export function panIdPresence(
  frameVersion: FrameVersion,
  dstAddrMode: AddressingMode,
  srcAddrMode: AddressingMode,
  panIdCompression: boolean,
): { dst: boolean; src: boolean } | undefined {
  const dst = dstAddrMode !== ADDRESSING_MODE.NONE;
  const src = srcAddrMode !== ADDRESSING_MODE.NONE;
  if (frameVersion < FRAME_VERSION.IEEE_802_15_4) {
    // 2006 §7.2.1.1.5: compression only when both addresses are present (source PAN ID omitted).
    if (dst && src) return { dst: true, src: !panIdCompression };
    if (panIdCompression) return undefined;
    return { dst, src };
  }
  // 2015 Table 7-2.
  if (!dst && !src) return { dst: panIdCompression, src: false }; // rows 1, 2
  if (dst && !src) return { dst: !panIdCompression, src: false }; // rows 3, 4
  if (!dst && src) return { dst: false, src: !panIdCompression }; // rows 5, 6
  if (dstAddrMode === ADDRESSING_MODE.EXTENDED && srcAddrMode === ADDRESSING_MODE.EXTENDED) {
    return { dst: !panIdCompression, src: false }; // rows 7, 8
  }
  return { dst: true, src: !panIdCompression }; // rows 9–14
}
