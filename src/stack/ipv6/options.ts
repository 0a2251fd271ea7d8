/**
 * Hop-by-Hop and Destination Options headers (RFC 8200 §4.2–§4.6) with the RPL Option
 * (RFC 6553 §3; option type 0x63, renumbered 0x23 by RFC 9008 — both decoded).
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';

export const IPV6_OPTION_TYPE = {
  PAD1: 0x00,
  PADN: 0x01,
  /** RFC 6553 §6 (still what Contiki-NG, RIOT and Wireshark's default expect). */
  RPL: 0x63,
  /** RFC 9008: the RPL Option without the "discard if unrecognised" action bits. */
  RPL_RFC9008: 0x23,
} as const;

/** What a node that does not recognise an option must do: the two top bits (RFC 8200 §4.2). */
export const IPV6_OPTION_ACTION = {
  SKIP: 0,
  DISCARD: 1,
  DISCARD_ICMP: 2,
  DISCARD_ICMP_UNLESS_MULTICAST: 3,
} as const;

export function optionAction(optionType: number): number {
  return optionType >> 6;
}

/** RFC 8200 §4.2: bit 3 (0x20) says the option data may change en route. */
export function optionMayChange(optionType: number): boolean {
  return (optionType & 0x20) !== 0;
}

/** RPL Packet Information carried in the RPL Option (RFC 6553 §3, RFC 6550 §11.2). */
export interface RplOptionData {
  /** Option type on the wire: 0x63 (RFC 6553) or 0x23 (RFC 9008). */
  optionType: number;
  /** O: the packet is going down (RFC 6550 §11.2). */
  down: boolean;
  /** R: rank error detected. */
  rankError: boolean;
  /** F: forwarding error (no route down, storing mode). */
  forwardingError: boolean;
  instanceId: number;
  senderRank: number;
  /** Sub-TLVs after the fixed 4 bytes (RFC 6553 §3); none defined, kept as bytes. */
  subTlvs: Uint8Array;
}

export type Ipv6Option =
  | { kind: 'rpl'; rpl: RplOptionData }
  | { kind: 'unknown'; optionType: number; data: Uint8Array };

/** Options header (HBH or Destination Options); padding is implicit: decoded away, added on encode. */
export interface OptionsHeader {
  nextHeader: number;
  options: Ipv6Option[];
}

const RPL_FLAG_O = 0x80;
const RPL_FLAG_R = 0x40;
const RPL_FLAG_F = 0x20;

function isRplType(t: number): boolean {
  return t === IPV6_OPTION_TYPE.RPL || t === IPV6_OPTION_TYPE.RPL_RFC9008;
}

function checkByte(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${what} ${v} out of range`);
}

function writeOption(w: ByteWriter, o: Ipv6Option): void {
  if (o.kind === 'rpl') {
    const r = o.rpl;
    if (!isRplType(r.optionType)) throw new RangeError(`RPL option type must be 0x63 or 0x23`);
    checkByte(r.instanceId, 'RPLInstanceID');
    if (!Number.isInteger(r.senderRank) || r.senderRank < 0 || r.senderRank > 0xffff) {
      throw new RangeError('SenderRank out of range');
    }
    if (r.subTlvs.length > 251) throw new RangeError('RPL option sub-TLVs too long');
    w.u8(r.optionType).u8(4 + r.subTlvs.length);
    w.u8((r.down ? RPL_FLAG_O : 0) | (r.rankError ? RPL_FLAG_R : 0) | (r.forwardingError ? RPL_FLAG_F : 0));
    w.u8(r.instanceId).u16be(r.senderRank).bytes(r.subTlvs);
    return;
  }
  if (o.optionType === IPV6_OPTION_TYPE.PAD1 || o.optionType === IPV6_OPTION_TYPE.PADN) {
    throw new RangeError('padding is added by the encoder, do not list it');
  }
  checkByte(o.optionType, 'option type');
  if (o.data.length > 255) throw new RangeError('option data longer than 255 bytes');
  w.u8(o.optionType).u8(o.data.length).bytes(o.data);
}

/** Option TLVs followed by the Pad1/PadN that bring `2 + length` to a multiple of 8. */
export function encodeOptionsBody(options: readonly Ipv6Option[]): Uint8Array {
  const w = new ByteWriter(32);
  for (const o of options) writeOption(w, o);
  const pad = (8 - ((2 + w.length) % 8)) % 8;
  if (pad === 1) w.u8(IPV6_OPTION_TYPE.PAD1);
  else if (pad > 1)
    w.u8(IPV6_OPTION_TYPE.PADN)
      .u8(pad - 2)
      .zeros(pad - 2);
  return w.finish();
}

/** Hop-by-Hop or Destination Options header, padded to a multiple of 8 bytes (RFC 8200 §4.3). */
export function encodeOptionsHeader(h: OptionsHeader): Uint8Array {
  checkByte(h.nextHeader, 'next header');
  const body = encodeOptionsBody(h.options);
  const total = 2 + body.length;
  if (total > 2048) throw new RangeError('options header longer than 2048 bytes');
  const w = new ByteWriter(total);
  w.u8(h.nextHeader)
    .u8(total / 8 - 1)
    .bytes(body);
  return w.finish();
}

/**
 * Parses the option TLVs of an options header (everything after Next Header and Hdr Ext Len).
 * Padding must be zero-filled and no run longer than 7 bytes (RFC 8200 §4.2, RFC 4942 §2.1.9.5).
 */
export function readOptionsBody(r: ByteReader): Ipv6Option[] {
  const options: Ipv6Option[] = [];
  let padRun = 0;
  while (!r.atEnd) {
    const at = r.offset;
    const type = r.u8('option type');
    if (type === IPV6_OPTION_TYPE.PAD1) {
      padRun += 1;
      if (padRun > 7) r.fail('more than 7 consecutive padding bytes', at);
      continue;
    }
    const len = r.u8('option length');
    const data = r.sub(len, `option 0x${type.toString(16)} data`);
    if (type === IPV6_OPTION_TYPE.PADN) {
      padRun += 2 + len;
      if (padRun > 7) r.fail('more than 7 consecutive padding bytes', at);
      for (let i = 0; i < len; i++) if (data.u8() !== 0) data.fail('PadN data not zero', i);
      continue;
    }
    padRun = 0;
    if (isRplType(type)) {
      // RFC 6553 §3: Opt Data Len is at least 4; reserved flag bits are ignored by receivers.
      if (len < 4) r.fail(`RPL option data length ${len}, need at least 4`, at + 1);
      const flags = data.u8('RPL option flags');
      const instanceId = data.u8('RPLInstanceID');
      const senderRank = data.u16be('SenderRank');
      options.push({
        kind: 'rpl',
        rpl: {
          optionType: type,
          down: (flags & RPL_FLAG_O) !== 0,
          rankError: (flags & RPL_FLAG_R) !== 0,
          forwardingError: (flags & RPL_FLAG_F) !== 0,
          instanceId,
          senderRank,
          subTlvs: data.rest(),
        },
      });
    } else {
      options.push({ kind: 'unknown', optionType: type, data: data.rest() });
    }
  }
  return options;
}

/** Reads one options header (Next Header, Hdr Ext Len in 8-byte units, options). */
export function readOptionsHeader(r: ByteReader, what: string): OptionsHeader {
  const nextHeader = r.u8(`${what} next header`);
  const len = (r.u8(`${what} length`) + 1) * 8 - 2;
  const body = r.sub(len, what);
  return { nextHeader, options: readOptionsBody(body) };
}

export function decodeOptionsHeader(bytes: Uint8Array, what = 'options header'): OptionsHeader {
  const r = new ByteReader(bytes, 'ipv6-options');
  const h = readOptionsHeader(r, what);
  r.end(what);
  return h;
}

/** The first RPL option in a list, if any. */
export function findRplOption(options: readonly Ipv6Option[]): RplOptionData | undefined {
  for (const o of options) if (o.kind === 'rpl') return o.rpl;
  return undefined;
}
