/**
 * Non-storing mode source routes (RFC 6550 §9.7, RFC 6554): the root builds a route from the DAO
 * parent graph; every router on the way processes the RPL Source Route Header (RFC 6554 §4.2).
 */
import {
  ROUTING_TYPE_RPL_SOURCE_ROUTE,
  addressesEqual,
  isMulticast,
  type Ipv6Address,
  type SourceRouteHeader,
} from '../ipv6/index.ts';

export type SourceRouteFailure = 'unknown-target' | 'unknown-parent' | 'loop' | 'too-long';

export type SourceRouteResult =
  | { ok: true; /** First hop after the root … the target. */ hops: Ipv6Address[] }
  | { ok: false; reason: SourceRouteFailure; /** The address where the walk stopped. */ at: Ipv6Address };

/**
 * Walks DAO parents from `target` up to `root`. Fails on a target or parent without a route
 * (`parentOf` returns undefined), on a cycle, and on paths longer than `maxHops` hops.
 */
export function computeSourceRoute(
  root: Ipv6Address,
  target: Ipv6Address,
  parentOf: (a: Ipv6Address) => Ipv6Address | undefined,
  maxHops: number,
): SourceRouteResult {
  const hops: Ipv6Address[] = [target];
  let cur = target;
  // maxHops + 1 iterations bound the walk whatever the graph holds.
  for (let i = 0; i <= maxHops; i++) {
    const parent = parentOf(cur);
    if (!parent) return { ok: false, reason: i === 0 ? 'unknown-target' : 'unknown-parent', at: cur };
    if (addressesEqual(parent, root)) return { ok: true, hops };
    if (hops.some((h) => addressesEqual(h, parent))) return { ok: false, reason: 'loop', at: parent };
    hops.unshift(parent);
    if (hops.length > maxHops) return { ok: false, reason: 'too-long', at: parent };
    cur = parent;
  }
  return { ok: false, reason: 'too-long', at: cur };
}

/**
 * True when making `parent` the DAO parent of `target` closes a cycle: `target` is already an
 * ancestor of `parent` (or is `parent`). Bounded by `limit` steps; a longer chain counts as a loop.
 */
export function wouldCreateLoop(
  target: Ipv6Address,
  parent: Ipv6Address,
  parentOf: (a: Ipv6Address) => Ipv6Address | undefined,
  limit: number,
): boolean {
  let cur: Ipv6Address | undefined = parent;
  for (let i = 0; i <= limit && cur; i++) {
    if (addressesEqual(cur, target)) return true;
    cur = parentOf(cur);
  }
  return cur !== undefined;
}

/**
 * The IPv6 destination and routing header for a source route (RFC 6554 §4.1): the first hop goes
 * into the Destination Address, the remaining hops (ending with the target) into Address[1..n].
 * A one-hop route needs no routing header.
 */
export function sourceRouteFor(hops: readonly Ipv6Address[]): {
  destination: Ipv6Address;
  routing?: Omit<SourceRouteHeader, 'nextHeader'>;
} {
  const first = hops[0];
  if (!first) throw new RangeError('a source route needs at least one hop');
  if (hops.length === 1) return { destination: first };
  const addresses = hops.slice(1).map((a) => a.slice());
  return {
    destination: first,
    routing: { routingType: ROUTING_TYPE_RPL_SOURCE_ROUTE, segmentsLeft: addresses.length, addresses },
  };
}

export type Rh3Result =
  /** Segments Left is 0: the packet is for this node's upper layer. */
  | { action: 'deliver' }
  /** Send to `destination` (the new IPv6 destination, a neighbour) with the updated header. */
  | { action: 'forward'; destination: Ipv6Address; routing: Omit<SourceRouteHeader, 'nextHeader'> }
  | {
      action: 'drop';
      reason: 'segments-left-exceeds' | 'multicast' | 'loop' | 'hop-limit';
      /** RFC 6554 §4.2 asks for an ICMPv6 error in these cases; the caller builds it. */
      icmp: 'parameter-problem' | 'time-exceeded' | 'none';
    };

/**
 * RFC 6554 §4.2 processing at a router that is the packet's current IPv6 destination.
 * `ownAddresses` are this node's addresses; `hopLimit` is the received Hop Limit.
 */
export function processSourceRoute(
  header: Omit<SourceRouteHeader, 'nextHeader'>,
  destination: Ipv6Address,
  hopLimit: number,
  ownAddresses: readonly Ipv6Address[],
): Rh3Result {
  if (header.segmentsLeft === 0) return { action: 'deliver' };
  const n = header.addresses.length;
  // RFC 6554 §4.2: Segments Left > n → Parameter Problem, Code 0.
  if (header.segmentsLeft > n)
    return { action: 'drop', reason: 'segments-left-exceeds', icmp: 'parameter-problem' };
  const segmentsLeft = header.segmentsLeft - 1;
  const i = n - segmentsLeft; // 1-based index of the next address
  const next = header.addresses[i - 1]!;
  // RFC 6554 §4.2: a multicast Address[i] or IPv6 destination → discard.
  if (isMulticast(next) || isMulticast(destination))
    return { action: 'drop', reason: 'multicast', icmp: 'none' };
  // RFC 6554 §4.2: two or more of Address[1..n] assigned to this node, separated by at least one
  // address that is not, means a loop → discard, Parameter Problem Code 0.
  if (hasLocalLoop(header.addresses, ownAddresses))
    return { action: 'drop', reason: 'loop', icmp: 'parameter-problem' };
  // RFC 8200 §4.4 / RFC 6554 §4.2: Hop Limit ≤ 1 → Time Exceeded.
  if (hopLimit <= 1) return { action: 'drop', reason: 'hop-limit', icmp: 'time-exceeded' };
  const addresses = header.addresses.map((a) => a.slice());
  addresses[i - 1] = destination.slice(); // swap the destination and Address[i]
  return {
    action: 'forward',
    destination: next.slice(),
    routing: { routingType: ROUTING_TYPE_RPL_SOURCE_ROUTE, segmentsLeft, addresses },
  };
}

function hasLocalLoop(addresses: readonly Ipv6Address[], own: readonly Ipv6Address[]): boolean {
  let seenLocal = false;
  let foreignSinceLocal = false;
  for (const a of addresses) {
    const local = own.some((o) => addressesEqual(o, a));
    if (local) {
      if (seenLocal && foreignSinceLocal) return true;
      seenLocal = true;
      foreignSinceLocal = false;
    } else if (seenLocal) {
      foreignSinceLocal = true;
    }
  }
  return false;
}
