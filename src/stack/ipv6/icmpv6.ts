/**
 * ICMPv6 (RFC 4443): echo, the four error messages, RPL control messages (type 155, body handed to
 * `src/stack/rpl`) and any other type kept as bytes. The checksum covers the pseudo-header
 * (RFC 4443 §2.3): the encoder computes it, the decoder refuses a wrong one.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import type { Ipv6Address } from './address.ts';
import { pseudoHeaderChecksum } from './checksum.ts';
import { ICMPV6_TYPE, IP_PROTOCOL, IPV6_HEADER_LENGTH, IPV6_MIN_MTU } from './constants.ts';

export type Icmpv6Message =
  | { kind: 'echo-request' | 'echo-reply'; identifier: number; sequence: number; data: Uint8Array }
  | { kind: 'destination-unreachable' | 'time-exceeded'; code: number; invoking: Uint8Array }
  | { kind: 'packet-too-big'; code: number; mtu: number; invoking: Uint8Array }
  | { kind: 'parameter-problem'; code: number; pointer: number; invoking: Uint8Array }
  /** RFC 6550 §6: `body` is everything after the 4-byte ICMPv6 header. */
  | { kind: 'rpl'; code: number; body: Uint8Array }
  | { kind: 'other'; type: number; code: number; body: Uint8Array };

/** Longest invoking packet an error may quote so the whole error fits the minimum MTU (RFC 4443 §2.4 (c)). */
export const ICMPV6_ERROR_MAX_INVOKING = IPV6_MIN_MTU - IPV6_HEADER_LENGTH - 8;

/** The invoking packet cut to what an error message may carry. */
export function truncateInvoking(packet: Uint8Array): Uint8Array {
  return packet.slice(0, ICMPV6_ERROR_MAX_INVOKING);
}

/** Error messages have types 0..127 (RFC 4443 §2.1). */
export function isIcmpv6Error(type: number): boolean {
  return type < 128;
}

function u(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} out of range 0..${max}`);
  return v;
}

function typeAndCode(m: Icmpv6Message): [number, number] {
  switch (m.kind) {
    case 'echo-request':
      return [ICMPV6_TYPE.ECHO_REQUEST, 0];
    case 'echo-reply':
      return [ICMPV6_TYPE.ECHO_REPLY, 0];
    case 'destination-unreachable':
      return [ICMPV6_TYPE.DESTINATION_UNREACHABLE, m.code];
    case 'time-exceeded':
      return [ICMPV6_TYPE.TIME_EXCEEDED, m.code];
    case 'packet-too-big':
      return [ICMPV6_TYPE.PACKET_TOO_BIG, m.code];
    case 'parameter-problem':
      return [ICMPV6_TYPE.PARAMETER_PROBLEM, m.code];
    case 'rpl':
      return [ICMPV6_TYPE.RPL_CONTROL, m.code];
    case 'other':
      return [m.type, m.code];
  }
}

const KNOWN_TYPES: ReadonlySet<number> = new Set(Object.values(ICMPV6_TYPE));

/** Encodes `m` with its checksum. `destination` is the final destination (RFC 8200 §8.1). */
export function encodeIcmpv6(m: Icmpv6Message, source: Ipv6Address, destination: Ipv6Address): Uint8Array {
  const [type, code] = typeAndCode(m);
  u(type, 0xff, 'ICMPv6 type');
  u(code, 0xff, 'ICMPv6 code');
  if (m.kind === 'other' && KNOWN_TYPES.has(type))
    throw new RangeError(`use the typed form for ICMPv6 type ${type}`);
  const w = new ByteWriter(64);
  w.u8(type).u8(code).u16be(0);
  switch (m.kind) {
    case 'echo-request':
    case 'echo-reply':
      w.u16be(u(m.identifier, 0xffff, 'identifier'))
        .u16be(u(m.sequence, 0xffff, 'sequence'))
        .bytes(m.data);
      break;
    case 'destination-unreachable':
    case 'time-exceeded':
      w.u32be(0).bytes(m.invoking); // Unused (RFC 4443 §3.1, §3.3)
      break;
    case 'packet-too-big':
      w.u32be(u(m.mtu, 0xffffffff, 'MTU')).bytes(m.invoking);
      break;
    case 'parameter-problem':
      w.u32be(u(m.pointer, 0xffffffff, 'pointer')).bytes(m.invoking);
      break;
    case 'rpl':
    case 'other':
      w.bytes(m.body);
      break;
  }
  const out = w.finish();
  if (out.length > 0xffff) throw new RangeError('ICMPv6 message longer than 65535 bytes');
  const sum = pseudoHeaderChecksum(source, destination, IP_PROTOCOL.IPV6_ICMP, out);
  out[2] = sum >> 8;
  out[3] = sum & 0xff;
  return out;
}

/** Decodes and verifies an ICMPv6 message. `destination` is the final destination (RFC 8200 §8.1). */
export function decodeIcmpv6(
  bytes: Uint8Array,
  source: Ipv6Address,
  destination: Ipv6Address,
): Icmpv6Message {
  const r = new ByteReader(bytes, 'icmpv6');
  const type = r.u8('type');
  const code = r.u8('code');
  const checksum = r.u16be('checksum');
  if (pseudoHeaderChecksum(source, destination, IP_PROTOCOL.IPV6_ICMP, bytes) !== 0) {
    r.fail(`bad checksum 0x${checksum.toString(16).padStart(4, '0')}`, 2);
  }
  switch (type) {
    case ICMPV6_TYPE.ECHO_REQUEST:
    case ICMPV6_TYPE.ECHO_REPLY: {
      if (code !== 0) r.fail(`echo code ${code}, expected 0`, 1);
      const identifier = r.u16be('identifier');
      const sequence = r.u16be('sequence');
      return {
        kind: type === ICMPV6_TYPE.ECHO_REQUEST ? 'echo-request' : 'echo-reply',
        identifier,
        sequence,
        data: r.rest(),
      };
    }
    case ICMPV6_TYPE.DESTINATION_UNREACHABLE:
    case ICMPV6_TYPE.TIME_EXCEEDED:
      r.skip(4, 'unused'); // MUST be ignored by the receiver (RFC 4443 §3.1)
      return {
        kind: type === ICMPV6_TYPE.TIME_EXCEEDED ? 'time-exceeded' : 'destination-unreachable',
        code,
        invoking: r.rest(),
      };
    case ICMPV6_TYPE.PACKET_TOO_BIG: {
      const mtu = r.u32be('MTU');
      return { kind: 'packet-too-big', code, mtu, invoking: r.rest() };
    }
    case ICMPV6_TYPE.PARAMETER_PROBLEM: {
      const pointer = r.u32be('pointer');
      return { kind: 'parameter-problem', code, pointer, invoking: r.rest() };
    }
    case ICMPV6_TYPE.RPL_CONTROL:
      return { kind: 'rpl', code, body: r.rest() };
    default:
      return { kind: 'other', type, code, body: r.rest() };
  }
}
