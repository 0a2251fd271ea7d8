/** The fixed IPv6 header (RFC 8200 §3). */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { assertAddress, type Ipv6Address } from './address.ts';
import { IPV6_HEADER_LENGTH } from './constants.ts';

export interface Ipv6Header {
  /** 8 bits: DSCP (6) ‖ ECN (2). */
  trafficClass: number;
  /** 20 bits. */
  flowLabel: number;
  /** Protocol number of the first extension header or upper layer. */
  nextHeader: number;
  hopLimit: number;
  source: Ipv6Address;
  destination: Ipv6Address;
}

function checkRange(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} out of range 0..${max}`);
}

export function writeIpv6Header(w: ByteWriter, h: Ipv6Header, payloadLength: number): void {
  checkRange(h.trafficClass, 0xff, 'traffic class');
  checkRange(h.flowLabel, 0xfffff, 'flow label');
  checkRange(h.nextHeader, 0xff, 'next header');
  checkRange(h.hopLimit, 0xff, 'hop limit');
  // Jumbograms (RFC 2675) do not exist on a 6LoWPAN mesh.
  checkRange(payloadLength, 0xffff, 'payload length');
  assertAddress(h.source, 'source');
  assertAddress(h.destination, 'destination');
  w.u32be(((6 << 28) | (h.trafficClass << 20) | h.flowLabel) >>> 0);
  w.u16be(payloadLength).u8(h.nextHeader).u8(h.hopLimit);
  w.bytes(h.source).bytes(h.destination);
}

export function encodeIpv6Header(h: Ipv6Header, payloadLength: number): Uint8Array {
  const w = new ByteWriter(IPV6_HEADER_LENGTH);
  writeIpv6Header(w, h, payloadLength);
  return w.finish();
}

/** Reads the 40-byte header; returns it with the payload length field (not yet checked against the data). */
export function readIpv6Header(r: ByteReader): { header: Ipv6Header; payloadLength: number } {
  const start = r.offset;
  const first = r.u32be('IPv6 header');
  const version = first >>> 28;
  if (version !== 6) r.fail(`IP version ${version}, expected 6`, start);
  const payloadLength = r.u16be('payload length');
  const nextHeader = r.u8('next header');
  const hopLimit = r.u8('hop limit');
  const source = r.bytesCopy(16, 'source address');
  const destination = r.bytesCopy(16, 'destination address');
  return {
    header: {
      trafficClass: (first >>> 20) & 0xff,
      flowLabel: first & 0xfffff,
      nextHeader,
      hopLimit,
      source,
      destination,
    },
    payloadLength,
  };
}

/**
 * Splits an IPv6 datagram into header and payload. The payload length field must match the bytes
 * present exactly (RFC 8200 §3; a zero length would be a jumbogram, which the mesh does not carry).
 */
export function decodeIpv6Header(bytes: Uint8Array): { header: Ipv6Header; payload: Uint8Array } {
  const r = new ByteReader(bytes, 'ipv6');
  const { header, payloadLength } = readIpv6Header(r);
  if (payloadLength !== r.remaining) {
    r.fail(`payload length field says ${payloadLength}, datagram carries ${r.remaining}`, 4);
  }
  return { header, payload: r.rest() };
}
