/**
 * IEEE 802.15.4 MAC frame codec (802.15.4-2015 §7.2, §7.3; 802.15.4-2006 §7.2).
 *
 * The frame model is what is on air: PAN identifiers are present or absent exactly as transmitted
 * (the PAN ID Compression bit is derived from them), the sequence number is absent when suppressed,
 * header IEs are a raw list, and `payload` is every byte after the MAC header up to the FCS — for a
 * secured frame as decoded here that is (open payload ‖) ciphertext ‖ MIC; `unsecureFrame` replaces
 * it with the plaintext.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import type { AddressingMode, FrameType, FrameVersion } from './constants.ts';
import { ADDRESSING_MODE, CODEC, FRAME_TYPE, FRAME_VERSION, MIC_LENGTH } from './constants.ts';
import type { FcsLength } from './fcs.ts';
import { appendFcs, stripFcs } from './fcs.ts';
import { decodeFrameControl, encodeFrameControl, panIdPresence } from './frame-control.ts';
import type { HeaderIe } from './ie.ts';
import { decodeHeaderIes, encodeHeaderIes } from './ie.ts';
import type { AuxSecurityHeader } from './security-header.ts';
import { decodeAuxSecurityHeader, encodeAuxSecurityHeader } from './security-header.ts';

/** A short address (16-bit, `number`) or an extended address (64-bit, `bigint`, as printed). */
export type MacAddress = number | bigint;

export interface MacFrame {
  frameType: FrameType;
  frameVersion: FrameVersion;
  framePending: boolean;
  ackRequest: boolean;
  /** Absent only when suppressed (802.15.4-2015 §7.2.2.4, frame version 2). */
  sequenceNumber?: number;
  dstPanId?: number;
  dstAddress?: MacAddress;
  srcPanId?: number;
  srcAddress?: MacAddress;
  /** Present iff the Security Enabled bit is set (§7.2.2.2). */
  auxSecurityHeader?: AuxSecurityHeader;
  /** Present iff the IE Present bit is set (§7.2.2.7); termination IEs included as on air. */
  headerIes?: HeaderIe[];
  payload: Uint8Array;
}

export interface FrameCodecOptions {
  /** FCS octets appended on encode / verified and stripped on decode: 0 (none), 2 or 4 (SUN PHY). */
  fcsLength?: FcsLength;
}

function addressingMode(a: MacAddress | undefined): AddressingMode {
  if (a === undefined) return ADDRESSING_MODE.NONE;
  return typeof a === 'bigint' ? ADDRESSING_MODE.EXTENDED : ADDRESSING_MODE.SHORT;
}

function checkU16(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what} ${v} is not a u16`);
}

function writeAddress(w: ByteWriter, a: MacAddress, what: string): void {
  if (typeof a === 'bigint') {
    if (a < 0n || a > 0xffff_ffff_ffff_ffffn) throw new RangeError(`${what} is not a u64`);
    // §7.2.1 / §7.3: multi-octet fields are little-endian on air; the extended address is printed big-endian.
    w.u64le(a);
  } else {
    checkU16(a, what);
    w.u16le(a);
  }
}

/**
 * The MAC header (MHR) as transmitted: frame control through the last header IE. This is the
 * authenticated data of CCM* (802.15.4-2015 §9.3.5).
 */
export function encodeMacHeader(frame: MacFrame): Uint8Array {
  const dstAddrMode = addressingMode(frame.dstAddress);
  const srcAddrMode = addressingMode(frame.srcAddress);
  const hasDstPan = frame.dstPanId !== undefined;
  const hasSrcPan = frame.srcPanId !== undefined;
  let panIdCompression: boolean | undefined;
  for (const c of [false, true]) {
    const p = panIdPresence(frame.frameVersion, dstAddrMode, srcAddrMode, c);
    if (p && p.dst === hasDstPan && p.src === hasSrcPan) {
      panIdCompression = c;
      break;
    }
  }
  if (panIdCompression === undefined) {
    throw new RangeError(
      `PAN ID presence (dst ${hasDstPan}, src ${hasSrcPan}) is not allowed with addressing modes ` +
        `${dstAddrMode}/${srcAddrMode} in frame version ${frame.frameVersion}`,
    );
  }
  const version2 = frame.frameVersion === FRAME_VERSION.IEEE_802_15_4;
  if (frame.sequenceNumber === undefined && !version2) {
    throw new RangeError('sequence number suppression needs frame version 2');
  }
  if (frame.auxSecurityHeader && frame.frameVersion === FRAME_VERSION.IEEE_802_15_4_2003) {
    throw new RangeError('802.15.4-2003 security is not supported');
  }
  if (frame.auxSecurityHeader && !version2) {
    const h = frame.auxSecurityHeader;
    if (h.frameCounterSuppression || h.asnInNonce) {
      throw new RangeError('frame counter suppression / ASN in nonce need frame version 2');
    }
  }
  const w = new ByteWriter(32);
  w.u16le(
    encodeFrameControl({
      frameType: frame.frameType,
      securityEnabled: frame.auxSecurityHeader !== undefined,
      framePending: frame.framePending,
      ackRequest: frame.ackRequest,
      panIdCompression,
      sequenceNumberSuppression: frame.sequenceNumber === undefined,
      iePresent: frame.headerIes !== undefined,
      dstAddrMode,
      frameVersion: frame.frameVersion,
      srcAddrMode,
    }),
  );
  if (frame.sequenceNumber !== undefined) {
    if (!Number.isInteger(frame.sequenceNumber) || frame.sequenceNumber < 0 || frame.sequenceNumber > 0xff) {
      throw new RangeError(`sequence number ${frame.sequenceNumber} is not a u8`);
    }
    w.u8(frame.sequenceNumber);
  }
  // §7.2.1, Figure 7-1: Destination PAN ID, Destination Address, Source PAN ID, Source Address.
  if (frame.dstPanId !== undefined) {
    checkU16(frame.dstPanId, 'destination PAN ID');
    w.u16le(frame.dstPanId);
  }
  if (frame.dstAddress !== undefined) writeAddress(w, frame.dstAddress, 'destination address');
  if (frame.srcPanId !== undefined) {
    checkU16(frame.srcPanId, 'source PAN ID');
    w.u16le(frame.srcPanId);
  }
  if (frame.srcAddress !== undefined) writeAddress(w, frame.srcAddress, 'source address');
  if (frame.auxSecurityHeader) w.bytes(encodeAuxSecurityHeader(frame.auxSecurityHeader));
  if (frame.headerIes) {
    if (!version2) throw new RangeError('information elements need frame version 2');
    encodeHeaderIes(w, frame.headerIes);
  }
  return w.finish();
}

/** Encodes a frame as transmitted: MHR ‖ payload (‖ FCS). The payload is written as given. */
export function encodeFrame(frame: MacFrame, options: FrameCodecOptions = {}): Uint8Array {
  const header = encodeMacHeader(frame);
  const mpdu = new Uint8Array(header.length + frame.payload.length);
  mpdu.set(header);
  mpdu.set(frame.payload, header.length);
  return appendFcs(mpdu, options.fcsLength ?? 0);
}

/**
 * Length of the part of a 2003/2006 beacon or command payload that stays in the clear and is
 * authenticated with the header (802.15.4-2006 §7.6.3.4 "open payload"): for beacons the
 * superframe specification, GTS fields and pending address fields (§7.2.2.1.2–7.2.2.1.7), for
 * commands the command frame identifier (§7.2.2.4). Frame version 2 has none: its command ID and
 * payload IEs are part of the private payload (802.15.4-2015 §9.3.5; Wireshark agrees).
 * Throws DecodeError when the fields do not fit.
 */
export function openPayloadLength(
  frameType: FrameType,
  frameVersion: FrameVersion,
  r: ByteReader,
  limit: number,
): number {
  if (frameVersion === FRAME_VERSION.IEEE_802_15_4) return 0;
  const start = r.offset;
  const take = (n: number, what: string): void => {
    if (r.offset + n > limit) r.fail(`truncated ${what}`);
    r.skip(n, what);
  };
  if (frameType === FRAME_TYPE.MAC_COMMAND) {
    take(1, 'command frame identifier');
  } else if (frameType === FRAME_TYPE.BEACON) {
    take(2, 'superframe specification');
    if (r.offset + 1 > limit) r.fail('truncated GTS specification');
    const gtsSpec = r.u8('GTS specification');
    // §7.2.2.1.3: bits 0–2 GTS descriptor count, bits 3–6 reserved, bit 7 GTS permit.
    if (gtsSpec & 0x78) r.fail('reserved GTS specification bits are set', r.offset - 1);
    const gtsCount = gtsSpec & 0x07;
    if (gtsCount > 0) take(1 + 3 * gtsCount, 'GTS directions and list');
    if (r.offset + 1 > limit) r.fail('truncated pending address specification');
    const pas = r.u8('pending address specification');
    // §7.2.2.1.6: bits 0–2 short count, bit 3 reserved, bits 4–6 extended count, bit 7 reserved.
    if (pas & 0x88) r.fail('reserved pending address specification bits are set', r.offset - 1);
    take(2 * (pas & 0x07) + 8 * ((pas >> 4) & 0x07), 'pending address list');
  }
  return r.offset - start;
}

/** Result of parsing, with the layout the security code needs. */
export interface ParsedFrame {
  frame: MacFrame;
  /** The frame without FCS. */
  mpdu: Uint8Array;
  /** Length of the MHR inside `mpdu`. */
  headerLength: number;
  /** Length of the open (clear, authenticated) payload following the MHR. */
  openLength: number;
  /** MIC length from the security level (0 when unsecured). */
  micLength: number;
}

export function parseFrame(bytes: Uint8Array, options: FrameCodecOptions = {}): ParsedFrame {
  const mpdu = stripFcs(bytes, options.fcsLength ?? 0);
  const r: ByteReader = new ByteReader(mpdu, CODEC);
  const fc = decodeFrameControl(r);
  const frame: MacFrame = {
    frameType: fc.frameType,
    frameVersion: fc.frameVersion,
    framePending: fc.framePending,
    ackRequest: fc.ackRequest,
    payload: new Uint8Array(0),
  };
  if (!fc.sequenceNumberSuppression) frame.sequenceNumber = r.u8('sequence number');
  const pans = panIdPresence(fc.frameVersion, fc.dstAddrMode, fc.srcAddrMode, fc.panIdCompression);
  if (!pans) {
    // 802.15.4-2006 §7.2.1.1.5: PAN ID Compression only when both addresses are present.
    r.fail('PAN ID compression set without both addresses (frame version 0/1)', 0);
  }
  if (pans.dst) frame.dstPanId = r.u16le('destination PAN ID');
  if (fc.dstAddrMode === ADDRESSING_MODE.SHORT) frame.dstAddress = r.u16le('destination short address');
  if (fc.dstAddrMode === ADDRESSING_MODE.EXTENDED) frame.dstAddress = r.u64le('destination extended address');
  if (pans.src) frame.srcPanId = r.u16le('source PAN ID');
  if (fc.srcAddrMode === ADDRESSING_MODE.SHORT) frame.srcAddress = r.u16le('source short address');
  if (fc.srcAddrMode === ADDRESSING_MODE.EXTENDED) frame.srcAddress = r.u64le('source extended address');

  const legacy = fc.frameVersion !== FRAME_VERSION.IEEE_802_15_4;
  if (fc.frameType === FRAME_TYPE.ACKNOWLEDGMENT && legacy) {
    // 802.15.4-2006 §7.2.2.3: the acknowledgment frame is FC ‖ sequence number only.
    if (fc.dstAddrMode !== 0 || fc.srcAddrMode !== 0)
      r.fail('2003/2006 acknowledgment with addressing fields', 0);
    if (fc.securityEnabled) r.fail('2003/2006 acknowledgment with security enabled', 0);
    if (!r.atEnd) r.fail('2003/2006 acknowledgment with a payload');
  }
  if (fc.frameType === FRAME_TYPE.BEACON && legacy) {
    // 802.15.4-2006 §7.2.2.1.1: beacons carry only source addressing fields.
    if (fc.dstAddrMode !== 0) r.fail('2003/2006 beacon with a destination address', 0);
    if (fc.srcAddrMode === 0) r.fail('2003/2006 beacon without a source address', 0);
  }

  let micLength = 0;
  if (fc.securityEnabled) {
    if (fc.frameVersion === FRAME_VERSION.IEEE_802_15_4_2003) {
      // 802.15.4-2006 §7.5.8.2.3 (b): 2003 security (no auxiliary header) is a legacy format.
      r.fail('802.15.4-2003 frame security is not supported', 0);
    }
    const at = r.offset;
    const h = decodeAuxSecurityHeader(r);
    if (legacy && (h.frameCounterSuppression || h.asnInNonce)) {
      // 802.15.4-2006 Figure 95: security control bits 5–7 reserved.
      r.fail('security control bits 5–6 are reserved in frame version 1', at);
    }
    frame.auxSecurityHeader = h;
    micLength = MIC_LENGTH[h.securityLevel]!;
  }
  const limit = mpdu.length - micLength;
  if (r.offset > limit) r.fail(`frame too short for its ${micLength}-byte MIC`);
  if (fc.iePresent) frame.headerIes = decodeHeaderIes(r, limit);
  const headerLength = r.offset;
  let openLength = 0;
  if (fc.frameType === FRAME_TYPE.BEACON || fc.frameType === FRAME_TYPE.MAC_COMMAND) {
    openLength = openPayloadLength(
      fc.frameType,
      fc.frameVersion,
      r,
      fc.securityEnabled ? limit : mpdu.length,
    );
  }
  frame.payload = mpdu.slice(headerLength);
  return { frame, mpdu, headerLength, openLength, micLength };
}

/** Decodes a frame (verifying and stripping the FCS when `fcsLength` is given). Throws DecodeError. */
export function decodeFrame(bytes: Uint8Array, options: FrameCodecOptions = {}): MacFrame {
  return parseFrame(bytes, options).frame;
}
