/**
 * Information Elements (802.15.4-2015 §7.4). Header IEs are kept as a raw list (element id and
 * content); payload IEs can be split off a plaintext MAC payload with `decodePayloadIes`.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { CODEC } from './constants.ts';

/** Header IE element IDs that the codec itself needs (802.15.4-2015 Table 7-7). */
export const HEADER_IE_ELEMENT_ID = {
  /** Header Termination 1: payload IEs follow. */
  HT1: 0x7e,
  /** Header Termination 2: no payload IEs, the MAC payload follows. */
  HT2: 0x7f,
} as const;

/** Payload IE group IDs (802.15.4-2015 Table 7-15). */
export const PAYLOAD_IE_GROUP_ID = {
  ESDU: 0x0,
  MLME: 0x1,
  VENDOR_SPECIFIC: 0x2,
  /** Payload Termination IE. */
  PAYLOAD_TERMINATION: 0xf,
} as const;

export interface HeaderIe {
  /** 8-bit Element ID (802.15.4-2015 Figure 7-21). */
  elementId: number;
  /** Content, 0..127 bytes; empty for the termination IEs. */
  content: Uint8Array;
}

export interface PayloadIe {
  /** 4-bit Group ID (802.15.4-2015 Figure 7-46). */
  groupId: number;
  /** Content, 0..2047 bytes (nested IEs of the MLME group are left raw). */
  content: Uint8Array;
}

const IE_TYPE_PAYLOAD = 0x8000; // bit 15: 0 header IE, 1 payload IE (§7.4.1)

export function isHeaderTermination(elementId: number): boolean {
  return elementId === HEADER_IE_ELEMENT_ID.HT1 || elementId === HEADER_IE_ELEMENT_ID.HT2;
}

export function encodeHeaderIes(w: ByteWriter, ies: readonly HeaderIe[]): void {
  ies.forEach((ie, i) => {
    if (!Number.isInteger(ie.elementId) || ie.elementId < 0 || ie.elementId > 0xff) {
      throw new RangeError(`header IE element id ${ie.elementId} is not 0..255`);
    }
    if (ie.content.length > 0x7f) throw new RangeError('header IE content longer than 127 bytes');
    if (isHeaderTermination(ie.elementId)) {
      // §7.4.2.18/§7.4.2.19: termination IEs are empty and end the header IE list.
      if (ie.content.length !== 0) throw new RangeError('header termination IE must be empty');
      if (i !== ies.length - 1) throw new RangeError('header termination IE must be the last header IE');
    }
    // §7.4.2.1, Figure 7-21: length bits 0–6, element id bits 7–14, type 0 in bit 15.
    w.u16le(ie.content.length | (ie.elementId << 7));
    w.bytes(ie.content);
  });
}

/**
 * Reads header IEs up to a termination IE or up to `limit` (offset in the reader, e.g. the start of
 * the MIC). Throws DecodeError.
 */
export function decodeHeaderIes(r: ByteReader, limit: number): HeaderIe[] {
  const ies: HeaderIe[] = [];
  while (r.offset < limit) {
    const at = r.offset;
    if (limit - at < 2) r.fail('truncated header IE descriptor', at);
    const d = r.u16le('header IE descriptor');
    if (d & IE_TYPE_PAYLOAD)
      r.fail('payload IE where a header IE is expected (no header termination IE)', at);
    const length = d & 0x7f;
    const elementId = (d >> 7) & 0xff;
    if (r.offset + length > limit)
      r.fail(`header IE 0x${elementId.toString(16)} overruns the MAC header`, at);
    const content = r.bytesCopy(length, 'header IE content');
    if (isHeaderTermination(elementId)) {
      if (length !== 0) r.fail('header termination IE with non-zero length', at);
      ies.push({ elementId, content });
      break;
    }
    ies.push({ elementId, content });
  }
  return ies;
}

export function encodePayloadIes(ies: readonly PayloadIe[]): Uint8Array {
  const w = new ByteWriter();
  ies.forEach((ie, i) => {
    if (!Number.isInteger(ie.groupId) || ie.groupId < 0 || ie.groupId > 0xf) {
      throw new RangeError(`payload IE group id ${ie.groupId} is not 0..15`);
    }
    if (ie.content.length > 0x7ff) throw new RangeError('payload IE content longer than 2047 bytes');
    if (ie.groupId === PAYLOAD_IE_GROUP_ID.PAYLOAD_TERMINATION) {
      if (ie.content.length !== 0) throw new RangeError('payload termination IE must be empty');
      if (i !== ies.length - 1) throw new RangeError('payload termination IE must be the last payload IE');
    }
    // §7.4.3.1, Figure 7-46: length bits 0–10, group id bits 11–14, type 1 in bit 15.
    w.u16le(ie.content.length | (ie.groupId << 11) | IE_TYPE_PAYLOAD);
    w.bytes(ie.content);
  });
  return w.finish();
}

/**
 * Splits payload IEs (up to and including a Payload Termination IE, or to the end) off a plaintext
 * MAC payload whose header ended with HT1. Throws DecodeError.
 */
export function decodePayloadIes(payload: Uint8Array): { ies: PayloadIe[]; rest: Uint8Array } {
  const r = new ByteReader(payload, CODEC);
  const ies: PayloadIe[] = [];
  while (!r.atEnd) {
    const at = r.offset;
    const d = r.u16le('payload IE descriptor');
    if (!(d & IE_TYPE_PAYLOAD)) r.fail('header IE where a payload IE is expected', at);
    const length = d & 0x7ff;
    const groupId = (d >> 11) & 0x0f;
    const content = r.bytesCopy(length, `payload IE group ${groupId} content`);
    ies.push({ groupId, content });
    if (groupId === PAYLOAD_IE_GROUP_ID.PAYLOAD_TERMINATION) {
      if (length !== 0) r.fail('payload termination IE with non-zero length', at);
      break;
    }
  }
  return { ies, rest: r.rest() };
}
