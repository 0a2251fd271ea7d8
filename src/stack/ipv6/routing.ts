/**
 * Routing header (RFC 8200 §4.4) and its RPL Source Route type 3 (RFC 6554 §3): addresses elide
 * the first CmprI (Address[1..n-1]) or CmprE (Address[n]) bytes they share with the IPv6
 * Destination Address of the packet that carries the header.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { assertAddress, commonPrefixBytes, isMulticast, type Ipv6Address } from './address.ts';
import { ROUTING_TYPE_RPL_SOURCE_ROUTE } from './constants.ts';

export interface SourceRouteHeader {
  routingType: typeof ROUTING_TYPE_RPL_SOURCE_ROUTE;
  nextHeader: number;
  segmentsLeft: number;
  /** Address[1..n], full 16-byte addresses. */
  addresses: Ipv6Address[];
  /** On decode: the elision found on the wire. On encode: optional; the smallest is chosen when absent. */
  compression?: { cmprI: number; cmprE: number };
}

/** Any other routing type, kept opaque (a router acts on Segments Left per RFC 8200 §4.4). */
export interface OtherRoutingHeader {
  routingType: number;
  nextHeader: number;
  segmentsLeft: number;
  /** Type-specific data after the first 4 bytes. */
  data: Uint8Array;
}

export type RoutingHeader = SourceRouteHeader | OtherRoutingHeader;

export function isSourceRouteHeader(h: RoutingHeader): h is SourceRouteHeader {
  return h.routingType === ROUTING_TYPE_RPL_SOURCE_ROUTE;
}

/** The smallest CmprI/CmprE for `addresses` relative to `destination` (each capped at 15, RFC 6554 §3). */
export function bestSourceRouteCompression(
  addresses: readonly Ipv6Address[],
  destination: Ipv6Address,
): { cmprI: number; cmprE: number } {
  if (addresses.length === 0) throw new RangeError('a source route needs at least one address');
  const last = addresses[addresses.length - 1]!;
  const cmprE = Math.min(15, commonPrefixBytes(last, destination));
  if (addresses.length === 1) return { cmprI: cmprE, cmprE };
  let cmprI = 15;
  for (let i = 0; i < addresses.length - 1; i++) {
    cmprI = Math.min(cmprI, commonPrefixBytes(addresses[i]!, destination));
  }
  return { cmprI, cmprE };
}

function sourceRouteLayout(n: number, cmprI: number, cmprE: number): { pad: number; total: number } {
  const addrBytes = (n - 1) * (16 - cmprI) + (16 - cmprE);
  const pad = (8 - (addrBytes % 8)) % 8;
  return { pad, total: 8 + addrBytes + pad };
}

function checkByte(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${what} ${v} out of range`);
}

/** Encodes a routing header; a type-3 header is compressed relative to `destination` (RFC 6554 §3). */
export function encodeRoutingHeader(h: RoutingHeader, destination: Ipv6Address): Uint8Array {
  checkByte(h.nextHeader, 'next header');
  checkByte(h.segmentsLeft, 'segments left');
  if (!isSourceRouteHeader(h)) {
    checkByte(h.routingType, 'routing type');
    const total = 4 + h.data.length;
    if (total % 8 !== 0 || total > 2048)
      throw new RangeError('routing header data must pad the header to 8n bytes');
    return new ByteWriter(total)
      .u8(h.nextHeader)
      .u8(total / 8 - 1)
      .u8(h.routingType)
      .u8(h.segmentsLeft)
      .bytes(h.data)
      .finish();
  }
  assertAddress(destination, 'destination');
  const n = h.addresses.length;
  if (n === 0) throw new RangeError('a source route needs at least one address');
  if (h.segmentsLeft > n) throw new RangeError(`segments left ${h.segmentsLeft} exceeds ${n} addresses`);
  for (const a of h.addresses) assertAddress(a, 'source route address');
  const { cmprI, cmprE } = h.compression ?? bestSourceRouteCompression(h.addresses, destination);
  if (cmprI < 0 || cmprI > 15 || cmprE < 0 || cmprE > 15)
    throw new RangeError('CmprI/CmprE out of range 0..15');
  h.addresses.forEach((a, i) => {
    const c = i === n - 1 ? cmprE : cmprI;
    if (commonPrefixBytes(a, destination) < c) {
      throw new RangeError(`address ${i + 1} does not share ${c} bytes with the destination`);
    }
  });
  const { pad, total } = sourceRouteLayout(n, cmprI, cmprE);
  if (total > 2048) throw new RangeError('source route header longer than 2048 bytes');
  const w = new ByteWriter(total);
  w.u8(h.nextHeader)
    .u8(total / 8 - 1)
    .u8(ROUTING_TYPE_RPL_SOURCE_ROUTE)
    .u8(h.segmentsLeft);
  w.u8((cmprI << 4) | cmprE)
    .u8(pad << 4)
    .u16be(0); // Pad(4) ‖ Reserved(20)
  h.addresses.forEach((a, i) => w.bytes(a.subarray(i === n - 1 ? cmprE : cmprI)));
  w.zeros(pad);
  return w.finish();
}

/**
 * Reads a routing header. A type-3 header is validated per RFC 6554 §4.2: n computed from Hdr Ext
 * Len, Pad, CmprI and CmprE must be a whole number ≥ 1, Pad must be the padding that layout needs,
 * Segments Left must not exceed n, and neither the destination nor any address may be multicast.
 */
export function readRoutingHeader(r: ByteReader, destination: Ipv6Address): RoutingHeader {
  const start = r.offset;
  const nextHeader = r.u8('routing next header');
  const hdrExtLen = r.u8('routing header length');
  const routingType = r.u8('routing type');
  const segmentsLeft = r.u8('segments left');
  const body = r.sub(hdrExtLen * 8 + 4, 'routing header data');
  if (routingType !== ROUTING_TYPE_RPL_SOURCE_ROUTE) {
    return { routingType, nextHeader, segmentsLeft, data: body.rest() };
  }
  const cmpr = body.u8('CmprI/CmprE');
  const cmprI = cmpr >> 4;
  const cmprE = cmpr & 0x0f;
  const pad = body.u8('Pad') >> 4; // low 4 bits and the next 2 bytes are Reserved: ignored (RFC 6554 §3)
  body.skip(2, 'reserved');
  // RFC 6554 §4.2: n = (((Hdr Ext Len * 8) - Pad - (16 - CmprE)) / (16 - CmprI)) + 1
  const numerator = hdrExtLen * 8 - pad - (16 - cmprE);
  if (numerator < 0 || numerator % (16 - cmprI) !== 0) {
    r.fail(
      `source route length ${hdrExtLen}, Pad ${pad}, CmprI ${cmprI}, CmprE ${cmprE} do not give a whole number of addresses`,
      start + 1,
    );
  }
  const n = numerator / (16 - cmprI) + 1;
  const expectedPad = sourceRouteLayout(n, cmprI, cmprE).pad;
  if (pad !== expectedPad) r.fail(`source route Pad ${pad}, layout needs ${expectedPad}`, start + 5);
  if (segmentsLeft > n) r.fail(`segments left ${segmentsLeft} exceeds the ${n} addresses`, start + 3);
  if (isMulticast(destination)) r.fail('source route header on a packet to a multicast destination', start);
  const addresses: Ipv6Address[] = [];
  for (let i = 0; i < n; i++) {
    const c = i === n - 1 ? cmprE : cmprI;
    const a = destination.slice();
    const at = body.offset;
    a.set(body.bytesView(16 - c, `source route address ${i + 1}`), c);
    if (isMulticast(a)) body.fail(`source route address ${i + 1} is multicast`, at);
    addresses.push(a);
  }
  body.skip(pad, 'source route padding'); // content of the padding is not specified; not checked
  body.end('source route header');
  return {
    routingType: ROUTING_TYPE_RPL_SOURCE_ROUTE,
    nextHeader,
    segmentsLeft,
    addresses,
    compression: { cmprI, cmprE },
  };
}

export function decodeRoutingHeader(bytes: Uint8Array, destination: Ipv6Address): RoutingHeader {
  const r = new ByteReader(bytes, 'ipv6-routing');
  const h = readRoutingHeader(r, destination);
  r.end('routing header');
  return h;
}

/**
 * The final destination of a packet (RFC 8200 §8.1, used in upper-layer checksums): the last
 * source-route address while segments remain, else the IPv6 destination.
 */
export function finalDestination(destination: Ipv6Address, routing: RoutingHeader | undefined): Ipv6Address {
  if (routing && isSourceRouteHeader(routing) && routing.segmentsLeft > 0) {
    return routing.addresses[routing.addresses.length - 1]!;
  }
  return destination;
}
