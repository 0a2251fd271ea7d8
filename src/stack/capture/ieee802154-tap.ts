/**
 * IEEE 802.15.4 TAP packet (LINKTYPE_IEEE802_15_4_TAP = 283), per "IEEE 802.15.4 TAP Link Type
 * Specification" v1.1 (Exegin, github.com/jkcko/ieee802.15.4-tap), as dissected by Wireshark's
 * packet-ieee802154.c: header {version 0, reserved 0, length u16} then TLVs {type u16, length u16,
 * value zero-padded to 4 bytes}, all little-endian, then the PHY payload with its FCS.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';

export const TAP_CODEC = 'ieee802154-tap';

/** TLV types (TAP spec §3; Wireshark ieee802154_info_type_t). */
export const TAP_TLV_TYPE = {
  FCS_TYPE: 0,
  RSS: 1,
  BIT_RATE: 2,
  CHANNEL_ASSIGNMENT: 3,
  SUN_PHY_INFORMATION: 4,
  SOF_TIMESTAMP: 5,
  EOF_TIMESTAMP: 6,
  ASN: 7,
  SLOT_START_TIMESTAMP: 8,
  TIMESLOT_LENGTH: 9,
  LQI: 10,
  CHANNEL_FREQUENCY: 11,
  CHANNEL_PLAN: 12,
} as const;

/** FCS Type TLV values (TAP spec §3.1). */
export const TAP_FCS_TYPE = { NONE: 0, FCS_16: 1, FCS_32: 2 } as const;
export type TapFcsType = 0 | 1 | 2;

export interface TapInfo {
  fcsType: TapFcsType;
  /** Channel number and page (Channel Assignment TLV, 802.15.4-2015 §10.1.2). */
  channel?: number;
  page?: number;
  /** Received signal strength in dBm (IEEE-754 single). */
  rssiDbm?: number;
  lqi?: number;
  /** TLVs this codec does not interpret, kept raw. */
  otherTlvs?: { type: number; value: Uint8Array }[];
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function tlv(w: ByteWriter, type: number, value: Uint8Array): void {
  w.u16le(type).u16le(value.length).bytes(value).zeros(pad4(value.length));
}

/** TAP header and TLVs followed by `frame` (the PSDU as on air, with its FCS when fcsType ≠ 0). */
export function encodeTapPacket(info: TapInfo, frame: Uint8Array): Uint8Array {
  const w = new ByteWriter(32 + frame.length);
  w.u8(0).u8(0).u16le(0); // version 0, reserved, length patched below
  if (info.fcsType !== 0 && info.fcsType !== 1 && info.fcsType !== 2)
    throw new RangeError('FCS type is 0, 1 or 2');
  tlv(w, TAP_TLV_TYPE.FCS_TYPE, new Uint8Array([info.fcsType]));
  if (info.rssiDbm !== undefined) {
    if (!Number.isFinite(info.rssiDbm)) throw new RangeError('RSS must be finite');
    const v = new Uint8Array(4);
    new DataView(v.buffer).setFloat32(0, info.rssiDbm, true);
    tlv(w, TAP_TLV_TYPE.RSS, v);
  }
  if (info.channel !== undefined || info.page !== undefined) {
    const ch = info.channel ?? 0;
    const page = info.page ?? 0;
    if (!Number.isInteger(ch) || ch < 0 || ch > 0xffff) throw new RangeError(`channel ${ch} is not a u16`);
    if (!Number.isInteger(page) || page < 0 || page > 0xff) throw new RangeError(`page ${page} is not a u8`);
    tlv(w, TAP_TLV_TYPE.CHANNEL_ASSIGNMENT, new Uint8Array([ch & 0xff, ch >> 8, page]));
  }
  if (info.lqi !== undefined) {
    if (!Number.isInteger(info.lqi) || info.lqi < 0 || info.lqi > 0xff) throw new RangeError('LQI is a u8');
    tlv(w, TAP_TLV_TYPE.LQI, new Uint8Array([info.lqi]));
  }
  for (const o of info.otherTlvs ?? []) {
    if (o.value.length > 0xffff) throw new RangeError('TLV too long');
    tlv(w, o.type, o.value);
  }
  const headerLength = w.length;
  if (headerLength > 0xffff) throw new RangeError('TAP header too long');
  w.bytes(frame);
  const out = w.finish();
  new DataView(out.buffer).setUint16(2, headerLength, true);
  return out;
}

const FIXED_LENGTH: Partial<Record<number, number>> = {
  [TAP_TLV_TYPE.FCS_TYPE]: 1,
  [TAP_TLV_TYPE.RSS]: 4,
  [TAP_TLV_TYPE.CHANNEL_ASSIGNMENT]: 3,
  [TAP_TLV_TYPE.LQI]: 1,
};

/** Decodes a TAP packet into its metadata and the frame (with FCS as captured). Throws DecodeError. */
export function decodeTapPacket(data: Uint8Array): { info: TapInfo; frame: Uint8Array } {
  const r: ByteReader = new ByteReader(data, TAP_CODEC);
  const version = r.u8('version');
  if (version !== 0) r.fail(`unsupported TAP version ${version}`, 0);
  if (r.u8('reserved') !== 0) r.fail('reserved byte is not zero', 1);
  const length = r.u16le('header length');
  // Spec §2.1: length covers header and TLVs, at least 4, a multiple of 4.
  if (length < 4 || length % 4 !== 0) r.fail(`bad TAP header length ${length}`, 2);
  if (length - 4 > r.remaining) r.fail(`TAP header length ${length} exceeds the packet`, 2);
  const tlvs = r.sub(length - 4, 'TLVs');
  const info: TapInfo = { fcsType: 0 };
  const seen = new Set<number>();
  while (!tlvs.atEnd) {
    const at = tlvs.offset;
    const type = tlvs.u16le('TLV type');
    const len = tlvs.u16le('TLV length');
    const value = tlvs.bytesView(len, `TLV ${type} value`);
    const padding = tlvs.bytesView(pad4(len), `TLV ${type} padding`);
    // Spec §2.2: padding bits must be zero.
    if (padding.some((b) => b !== 0)) tlvs.fail(`TLV ${type} padding is not zero`, at);
    const fixed = FIXED_LENGTH[type];
    if (fixed !== undefined) {
      if (len !== fixed) tlvs.fail(`TLV ${type} has length ${len}, expected ${fixed}`, at);
      if (seen.has(type)) tlvs.fail(`duplicate TLV ${type}`, at);
      seen.add(type);
    }
    const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
    switch (type) {
      case TAP_TLV_TYPE.FCS_TYPE: {
        const t = value[0]!;
        if (t > 2) tlvs.fail(`unknown FCS type ${t}`, at);
        info.fcsType = t as TapFcsType;
        break;
      }
      case TAP_TLV_TYPE.RSS:
        info.rssiDbm = dv.getFloat32(0, true);
        break;
      case TAP_TLV_TYPE.CHANNEL_ASSIGNMENT:
        info.channel = dv.getUint16(0, true);
        info.page = value[2]!;
        break;
      case TAP_TLV_TYPE.LQI:
        info.lqi = value[0]!;
        break;
      default:
        (info.otherTlvs ??= []).push({ type, value: value.slice() });
    }
  }
  const frame = r.rest();
  const fcsLength = info.fcsType === 1 ? 2 : info.fcsType === 2 ? 4 : 0;
  if (frame.length < fcsLength) r.fail(`frame shorter than its ${fcsLength}-byte FCS`);
  return { info, frame };
}
