/**
 * RPL control messages (RFC 6550 §6): the body after the 4-byte ICMPv6 header, decoded per
 * code. Flags and reserved fields that the RFC says receivers MUST ignore are ignored and sent
 * as zero. Secure variants (codes 0x80+, §6.1) are refused.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import type { Icmpv6Message, Ipv6Address } from '../ipv6/index.ts';
import { RPL_CODE } from './constants.ts';
import { readRplOptions, writeRplOption, type RplOption } from './options.ts';

const CODEC = 'rpl';

/** DODAG Information Solicitation (§6.2). */
export interface Dis {
  kind: 'dis';
  options: RplOption[];
}

/** DODAG Information Object (§6.3.1). */
export interface Dio {
  kind: 'dio';
  instanceId: number;
  version: number;
  rank: number;
  grounded: boolean;
  /** Mode of Operation, 3 bits (see MOP). */
  mop: number;
  /** DODAGPreference, 3 bits, 7 most preferred. */
  preference: number;
  dtsn: number;
  dodagId: Ipv6Address;
  options: RplOption[];
}

/** Destination Advertisement Object (§6.4.1). The D flag is `dodagId !== undefined`. */
export interface Dao {
  kind: 'dao';
  instanceId: number;
  /** K: the sender expects a DAO-ACK. */
  expectAck: boolean;
  sequence: number;
  dodagId?: Ipv6Address;
  options: RplOption[];
}

/** DAO-ACK (§6.5). The D flag is `dodagId !== undefined`. */
export interface DaoAck {
  kind: 'dao-ack';
  instanceId: number;
  sequence: number;
  /** 0 accept, 1..127 accept with reservation, ≥128 reject (§6.5.1). */
  status: number;
  dodagId?: Ipv6Address;
  options: RplOption[];
}

export type RplMessage = Dis | Dio | Dao | DaoAck;

function range(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} out of range 0..${max}`);
  return v;
}

function address(a: Uint8Array, what: string): Uint8Array {
  if (a.length !== 16) throw new RangeError(`${what} must be 16 bytes`);
  return a;
}

export function rplCode(m: RplMessage): number {
  return m.kind === 'dis'
    ? RPL_CODE.DIS
    : m.kind === 'dio'
      ? RPL_CODE.DIO
      : m.kind === 'dao'
        ? RPL_CODE.DAO
        : RPL_CODE.DAO_ACK;
}

/** The message body (after the ICMPv6 type, code and checksum). */
export function encodeRplMessage(m: RplMessage): Uint8Array {
  const w = new ByteWriter(64);
  switch (m.kind) {
    case 'dis':
      w.u8(0).u8(0); // Flags, Reserved (§6.2.1)
      break;
    case 'dio':
      w.u8(range(m.instanceId, 255, 'RPLInstanceID')).u8(range(m.version, 255, 'Version'));
      w.u16be(range(m.rank, 0xffff, 'Rank'));
      w.u8((m.grounded ? 0x80 : 0) | (range(m.mop, 7, 'MOP') << 3) | range(m.preference, 7, 'Prf'));
      w.u8(range(m.dtsn, 255, 'DTSN'))
        .u8(0)
        .u8(0); // Flags, Reserved
      w.bytes(address(m.dodagId, 'DODAGID'));
      break;
    case 'dao':
      w.u8(range(m.instanceId, 255, 'RPLInstanceID'));
      w.u8((m.expectAck ? 0x80 : 0) | (m.dodagId ? 0x40 : 0)).u8(0); // K D Flags, Reserved
      w.u8(range(m.sequence, 255, 'DAOSequence'));
      if (m.dodagId) w.bytes(address(m.dodagId, 'DODAGID'));
      break;
    case 'dao-ack':
      w.u8(range(m.instanceId, 255, 'RPLInstanceID')).u8(m.dodagId ? 0x80 : 0);
      w.u8(range(m.sequence, 255, 'DAOSequence')).u8(range(m.status, 255, 'Status'));
      if (m.dodagId) w.bytes(address(m.dodagId, 'DODAGID'));
      break;
  }
  for (const o of m.options) writeRplOption(w, o);
  return w.finish();
}

/** Decodes the body of an RPL control message of ICMPv6 code `code`. */
export function decodeRplMessage(code: number, body: Uint8Array): RplMessage {
  const r = new ByteReader(body, CODEC);
  if (code & 0x80) r.fail(`secure RPL not supported (code 0x${code.toString(16)})`, 0);
  switch (code) {
    case RPL_CODE.DIS: {
      r.skip(2, 'DIS flags and reserved');
      return { kind: 'dis', options: readRplOptions(r) };
    }
    case RPL_CODE.DIO: {
      const instanceId = r.u8('RPLInstanceID');
      const version = r.u8('Version');
      const rank = r.u16be('Rank');
      const g = r.u8('G MOP Prf');
      const dtsn = r.u8('DTSN');
      r.skip(2, 'DIO flags and reserved');
      const dodagId = r.bytesCopy(16, 'DODAGID');
      return {
        kind: 'dio',
        instanceId,
        version,
        rank,
        grounded: (g & 0x80) !== 0,
        mop: (g >> 3) & 7,
        preference: g & 7,
        dtsn,
        dodagId,
        options: readRplOptions(r),
      };
    }
    case RPL_CODE.DAO: {
      const instanceId = r.u8('RPLInstanceID');
      const f = r.u8('K D flags');
      r.skip(1, 'reserved');
      const sequence = r.u8('DAOSequence');
      const m: Dao = { kind: 'dao', instanceId, expectAck: (f & 0x80) !== 0, sequence, options: [] };
      if (f & 0x40) m.dodagId = r.bytesCopy(16, 'DODAGID');
      m.options = readRplOptions(r);
      return m;
    }
    case RPL_CODE.DAO_ACK: {
      const instanceId = r.u8('RPLInstanceID');
      const f = r.u8('D flag');
      const sequence = r.u8('DAOSequence');
      const status = r.u8('Status');
      const m: DaoAck = { kind: 'dao-ack', instanceId, sequence, status, options: [] };
      if (f & 0x80) m.dodagId = r.bytesCopy(16, 'DODAGID');
      m.options = readRplOptions(r);
      return m;
    }
    default:
      return r.fail(`unknown RPL control message code 0x${code.toString(16)}`, 0);
  }
}

/** As the ICMPv6 message that carries it (type 155). */
export function rplToIcmpv6(m: RplMessage): Icmpv6Message {
  return { kind: 'rpl', code: rplCode(m), body: encodeRplMessage(m) };
}

/** From a decoded ICMPv6 message; throws DecodeError for bad RPL content. */
export function rplFromIcmpv6(m: Extract<Icmpv6Message, { kind: 'rpl' }>): RplMessage {
  return decodeRplMessage(m.code, m.body);
}

/** RPLInstanceIDs with the top bit set are local instances (RFC 6550 §5.1). */
export function isLocalInstance(instanceId: number): boolean {
  return (instanceId & 0x80) !== 0;
}
