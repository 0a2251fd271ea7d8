/**
 * Whole IPv6 datagrams as typed layers: header, optional Hop-by-Hop options, optional routing
 * header, and the upper layer (ICMPv6, UDP, or bytes for anything else).
 */
import { ByteReader, ByteWriter, concatBytes } from '../wire/index.ts';
import type { Ipv6Address } from './address.ts';
import { IP_PROTOCOL, IPV6_HEADER_LENGTH } from './constants.ts';
import { readIpv6Header, writeIpv6Header } from './header.ts';
import { decodeIcmpv6, encodeIcmpv6, type Icmpv6Message } from './icmpv6.ts';
import { encodeOptionsHeader, readOptionsHeader, type Ipv6Option } from './options.ts';
import {
  encodeRoutingHeader,
  finalDestination,
  readRoutingHeader,
  type OtherRoutingHeader,
  type RoutingHeader,
  type SourceRouteHeader,
} from './routing.ts';
import { decodeUdp, encodeUdp, type UdpDatagram } from './udp.ts';

export type UpperLayer =
  | { kind: 'icmpv6'; message: Icmpv6Message }
  | { kind: 'udp'; datagram: UdpDatagram }
  /** Any other next header (TCP, fragment, destination options, no next header...), undecoded. */
  | { kind: 'raw'; nextHeader: number; bytes: Uint8Array };

/** Routing header without its Next Header field (the packet model chains the layers itself). */
export type PacketRouting = Omit<SourceRouteHeader, 'nextHeader'> | Omit<OtherRoutingHeader, 'nextHeader'>;

export interface Ipv6Packet {
  trafficClass: number;
  flowLabel: number;
  hopLimit: number;
  source: Ipv6Address;
  destination: Ipv6Address;
  /** Hop-by-Hop options (padding implicit). Absent: no Hop-by-Hop header. */
  hopByHop?: Ipv6Option[];
  routing?: PacketRouting;
  upper: UpperLayer;
}

function upperProtocol(u: UpperLayer): number {
  return u.kind === 'icmpv6' ? IP_PROTOCOL.IPV6_ICMP : u.kind === 'udp' ? IP_PROTOCOL.UDP : u.nextHeader;
}

/** Serialises a packet, computing payload length, Next Header chain and upper-layer checksum. */
export function encodePacket(p: Ipv6Packet): Uint8Array {
  const upperNh = upperProtocol(p.upper);
  if (p.upper.kind === 'raw' && (upperNh === IP_PROTOCOL.IPV6_ICMP || upperNh === IP_PROTOCOL.UDP)) {
    throw new RangeError('use the typed upper layer for ICMPv6 and UDP');
  }
  const routingBytes = p.routing
    ? encodeRoutingHeader({ ...p.routing, nextHeader: upperNh } as RoutingHeader, p.destination)
    : undefined;
  const afterHbh = routingBytes ? IP_PROTOCOL.IPV6_ROUTE : upperNh;
  const hbhBytes = p.hopByHop
    ? encodeOptionsHeader({ nextHeader: afterHbh, options: p.hopByHop })
    : undefined;
  const firstNh = hbhBytes ? IP_PROTOCOL.HOPOPT : afterHbh;
  const finalDst = finalDestination(p.destination, p.routing as RoutingHeader | undefined);
  const upperBytes =
    p.upper.kind === 'icmpv6'
      ? encodeIcmpv6(p.upper.message, p.source, finalDst)
      : p.upper.kind === 'udp'
        ? encodeUdp(p.upper.datagram, p.source, finalDst)
        : p.upper.bytes;
  const payload = concatBytes(hbhBytes ?? new Uint8Array(0), routingBytes ?? new Uint8Array(0), upperBytes);
  const w = new ByteWriter(IPV6_HEADER_LENGTH + payload.length);
  writeIpv6Header(
    w,
    {
      trafficClass: p.trafficClass,
      flowLabel: p.flowLabel,
      nextHeader: firstNh,
      hopLimit: p.hopLimit,
      source: p.source,
      destination: p.destination,
    },
    payload.length,
  );
  return w.bytes(payload).finish();
}

/**
 * Walks the header chain: Hop-by-Hop only directly after the IPv6 header (RFC 8200 §4.1), at most
 * one routing header, then ICMPv6 or UDP decoded and verified against the final destination;
 * anything else is returned as raw bytes with its protocol number.
 */
export function decodePacket(bytes: Uint8Array): Ipv6Packet {
  const r = new ByteReader(bytes, 'ipv6');
  const { header, payloadLength } = readIpv6Header(r);
  if (payloadLength !== r.remaining) {
    r.fail(`payload length field says ${payloadLength}, datagram carries ${r.remaining}`, 4);
  }
  const packet: Partial<Ipv6Packet> & Pick<Ipv6Packet, 'source' | 'destination'> = {
    trafficClass: header.trafficClass,
    flowLabel: header.flowLabel,
    hopLimit: header.hopLimit,
    source: header.source,
    destination: header.destination,
  };
  let nh = header.nextHeader;
  let routing: RoutingHeader | undefined;
  if (nh === IP_PROTOCOL.HOPOPT) {
    const hbh = readOptionsHeader(r, 'hop-by-hop header');
    packet.hopByHop = hbh.options;
    nh = hbh.nextHeader;
  }
  if (nh === IP_PROTOCOL.HOPOPT) r.fail('hop-by-hop header not directly after the IPv6 header');
  if (nh === IP_PROTOCOL.IPV6_ROUTE) {
    routing = readRoutingHeader(r, header.destination);
    const { nextHeader, ...rest } = routing;
    packet.routing = rest;
    nh = nextHeader;
    if (nh === IP_PROTOCOL.HOPOPT) r.fail('hop-by-hop header not directly after the IPv6 header');
    if (nh === IP_PROTOCOL.IPV6_ROUTE) r.fail('second routing header');
  }
  const upperBytes = r.rest();
  const finalDst = finalDestination(header.destination, routing);
  if (nh === IP_PROTOCOL.IPV6_ICMP) {
    packet.upper = { kind: 'icmpv6', message: decodeIcmpv6(upperBytes, header.source, finalDst) };
  } else if (nh === IP_PROTOCOL.UDP) {
    packet.upper = { kind: 'udp', datagram: decodeUdp(upperBytes, header.source, finalDst) };
  } else {
    packet.upper = { kind: 'raw', nextHeader: nh, bytes: upperBytes };
  }
  return packet as Ipv6Packet;
}
