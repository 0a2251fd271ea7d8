/**
 * The changes the root makes to IPv6 packets it routes, each a pure function on the packet model
 * of src/stack/ipv6. Where the RPL data plane needs headers the packet did not carry, the choice
 * follows RFC 9008 §7 (see `encapsulateWithSourceRoute`).
 */
import {
  IP_PROTOCOL,
  IPV6_HEADER_LENGTH,
  IPV6_MIN_MTU,
  UNSPECIFIED_ADDRESS,
  addressesEqual,
  decodePacket,
  isMulticast,
  isIcmpv6Error,
  ICMPV6_TYPE,
  type Icmpv6Message,
  type Ipv6Address,
  type Ipv6Packet,
} from '../../stack/ipv6/index.ts';
import { sourceRouteFor } from '../../stack/rpl/index.ts';

/** RFC 2473 §6.3: the tunnel entry point's Hop Limit, the default of the IPv6 node (RFC 8200: 64 is usual). */
export const TUNNEL_HOP_LIMIT = 64;
/** Hop Limit of packets the root originates into the mesh or northbound. */
export const DEFAULT_HOP_LIMIT = 64;

/**
 * The packet as it leaves the RPL domain: the RPL Option (RFC 6553) removed from the Hop-by-Hop
 * header, and the header removed when nothing else is in it.
 *
 * Why: an RPL Option of type 0x63 has the action bits 01 ("discard if unrecognised", RFC 8200
 * §4.2), so any router on the Internet path that does not know it would drop the packet; RFC 6553
 * §5 confines the option to the RPL domain, and RFC 9008 §2/§7 has the 6LBR (the root) remove the
 * RPI of traffic leaving the domain. Options the root does not know are left alone.
 */
export function withoutRplOption(p: Ipv6Packet): Ipv6Packet {
  if (!p.hopByHop) return p;
  const rest = p.hopByHop.filter((o) => o.kind !== 'rpl');
  const out: Ipv6Packet = { ...p };
  if (rest.length > 0) out.hopByHop = rest;
  else delete out.hopByHop;
  return out;
}

export function hasRplOption(p: Ipv6Packet): boolean {
  return p.hopByHop?.some((o) => o.kind === 'rpl') ?? false;
}

/** RFC 8200 §3: a router decrements the Hop Limit by one when it forwards. */
export function decrementedHopLimit(p: Ipv6Packet): Ipv6Packet {
  return { ...p, hopLimit: p.hopLimit - 1 };
}

/**
 * A packet the root itself originates, source-routed to a mesh node: RFC 6554 §4.1 puts the
 * first hop in the Destination Address and the rest (ending with the target) in the RH3. The
 * root is the source, so adding the header is not an insertion (RFC 8200 §4; RFC 9008 §7.2.1,
 * "6LBR to RAL": RH3 without encapsulation). `hops` = first hop … target.
 */
export function withSourceRoute(p: Ipv6Packet, hops: readonly Ipv6Address[]): Ipv6Packet {
  const { destination, routing } = sourceRouteFor(hops);
  const out: Ipv6Packet = { ...p, destination };
  if (routing) out.routing = routing;
  else delete out.routing;
  return out;
}

/**
 * A packet the root forwards (from the head-end, or from one mesh node to another in
 * non-storing mode) to a target more than one hop away. RFC 8200 §4 forbids inserting extension
 * headers into a packet in transit, and RFC 9008 §7.2 (Non-Storing, "Internet to RAL" and "RAL to
 * RAL") has the 6LBR encapsulate in IPv6-in-IPv6 (RFC 2473) with the RH3 in the outer header,
 * the outer destination being the target: the target decapsulates. The inner packet is unchanged
 * (its Hop Limit already decremented by the caller).
 */
export function encapsulateWithSourceRoute(
  inner: Uint8Array,
  rootAddress: Ipv6Address,
  hops: readonly Ipv6Address[],
): Ipv6Packet {
  return withSourceRoute(
    {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: TUNNEL_HOP_LIMIT,
      source: rootAddress.slice(),
      destination: hops[hops.length - 1]!.slice(),
      upper: { kind: 'raw', nextHeader: IP_PROTOCOL.IPV6, bytes: inner },
    },
    hops,
  );
}

/** The inner packet of an IPv6-in-IPv6 packet (RFC 2473 §3), or undefined when it is not one. Throws DecodeError. */
export function decapsulate(p: Ipv6Packet): { packet: Ipv6Packet; bytes: Uint8Array } | undefined {
  if (p.upper.kind !== 'raw' || p.upper.nextHeader !== IP_PROTOCOL.IPV6) return undefined;
  return { packet: decodePacket(p.upper.bytes), bytes: p.upper.bytes };
}

/**
 * RFC 4443 §2.4 (e): no error message in answer to an error message, to a packet sent to a
 * multicast address (except Packet Too Big / Parameter Problem code 2, not sent here), or to a
 * packet whose source does not identify a single node.
 */
export function mayAnswerWithError(invoking: Ipv6Packet): boolean {
  if (isMulticast(invoking.destination) || isMulticast(invoking.source)) return false;
  if (addressesEqual(invoking.source, UNSPECIFIED_ADDRESS)) return false;
  if (invoking.upper.kind === 'icmpv6') {
    const m = invoking.upper.message;
    const type =
      m.kind === 'other'
        ? m.type
        : m.kind === 'destination-unreachable'
          ? ICMPV6_TYPE.DESTINATION_UNREACHABLE
          : m.kind === 'time-exceeded'
            ? ICMPV6_TYPE.TIME_EXCEEDED
            : m.kind === 'packet-too-big'
              ? ICMPV6_TYPE.PACKET_TOO_BIG
              : m.kind === 'parameter-problem'
                ? ICMPV6_TYPE.PARAMETER_PROBLEM
                : ICMPV6_TYPE.ECHO_REQUEST;
    if (isIcmpv6Error(type)) return false;
  }
  return true;
}

/**
 * Room for the invoking packet in an error sent into the mesh: RFC 4443 §2.4 (c) says "as much as
 * possible without exceeding the minimum MTU"; the root may add an RH3 of up to 16 addresses
 * (rpl/root.ts maxSourceRouteHops) to the error, so that much less is quoted.
 */
export const MESH_ERROR_MAX_INVOKING = IPV6_MIN_MTU - IPV6_HEADER_LENGTH - 8 - (8 + 16 * 16);
/** Northbound errors carry no RH3: RFC 4443 §2.4 (c) exactly. */
export const NORTHBOUND_ERROR_MAX_INVOKING = IPV6_MIN_MTU - IPV6_HEADER_LENGTH - 8;

export function icmpErrorPacket(
  message: Extract<Icmpv6Message, { kind: 'destination-unreachable' | 'time-exceeded' }>['kind'],
  code: number,
  invoking: Uint8Array,
  maxInvoking: number,
  source: Ipv6Address,
  destination: Ipv6Address,
): Ipv6Packet {
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: DEFAULT_HOP_LIMIT,
    source: source.slice(),
    destination: destination.slice(),
    upper: { kind: 'icmpv6', message: { kind: message, code, invoking: invoking.slice(0, maxInvoking) } },
  };
}
