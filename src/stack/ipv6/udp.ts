/**
 * UDP over IPv6 (RFC 768, RFC 8200 §8.1): the checksum is mandatory; a zero checksum is refused
 * (RFC 6935/6936 zero-checksum tunnels are not used on the mesh).
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import type { Ipv6Address } from './address.ts';
import { pseudoHeaderChecksum } from './checksum.ts';
import { IP_PROTOCOL } from './constants.ts';

export interface UdpDatagram {
  sourcePort: number;
  destinationPort: number;
  payload: Uint8Array;
}

export const UDP_HEADER_LENGTH = 8;

function port(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what} ${v} out of range`);
  return v;
}

/** Encodes with the checksum; a computed 0 is sent as 0xffff (RFC 8200 §8.1). */
export function encodeUdp(d: UdpDatagram, source: Ipv6Address, destination: Ipv6Address): Uint8Array {
  const length = UDP_HEADER_LENGTH + d.payload.length;
  if (length > 0xffff) throw new RangeError('UDP datagram longer than 65535 bytes');
  const w = new ByteWriter(length);
  w.u16be(port(d.sourcePort, 'source port')).u16be(port(d.destinationPort, 'destination port'));
  w.u16be(length).u16be(0).bytes(d.payload);
  const out = w.finish();
  const sum = pseudoHeaderChecksum(source, destination, IP_PROTOCOL.UDP, out) || 0xffff;
  out[6] = sum >> 8;
  out[7] = sum & 0xff;
  return out;
}

/** Decodes and verifies. The length field must equal the bytes given (the IPv6 payload). */
export function decodeUdp(bytes: Uint8Array, source: Ipv6Address, destination: Ipv6Address): UdpDatagram {
  const r = new ByteReader(bytes, 'udp');
  const sourcePort = r.u16be('source port');
  const destinationPort = r.u16be('destination port');
  const length = r.u16be('length');
  const checksum = r.u16be('checksum');
  if (length !== bytes.length) r.fail(`length field ${length}, datagram has ${bytes.length} bytes`, 4);
  if (checksum === 0) r.fail('zero checksum is not allowed over IPv6 (RFC 8200 §8.1)', 6);
  if (pseudoHeaderChecksum(source, destination, IP_PROTOCOL.UDP, bytes) !== 0) {
    r.fail(`bad checksum 0x${checksum.toString(16).padStart(4, '0')}`, 6);
  }
  return { sourcePort, destinationPort, payload: r.rest() };
}
