/**
 * Forwarding decisions of an RPL router (RFC 6550 §11): data packets go up to the preferred
 * parent, or down along a storing-mode route, carrying the RPL Option (RFC 6553) whose SenderRank
 * and O/R/F flags detect loops; in non-storing mode, packets from the root carry a Source Routing
 * Header (RFC 6554) that the node processes. Pure decisions: the caller rewrites the packet.
 */
import {
  IPV6_OPTION_TYPE,
  ROUTING_TYPE_RPL_SOURCE_ROUTE,
  addressFromPrefixAndIid,
  isMulticast,
  type Ipv6Address,
  type PacketRouting,
  type RplOptionData,
  type SourceRouteHeader,
} from '../ipv6/index.ts';
import { MOP } from './constants.ts';
import type { RplNode } from './node.ts';
import { dagRank } from './objective-function.ts';
import { processSourceRoute } from './source-route.ts';

export interface ForwardRequest {
  source: Ipv6Address;
  destination: Ipv6Address;
  hopLimit: number;
  /** The RPL Option from the Hop-by-Hop header, if any. */
  rpl?: RplOptionData;
  routing?: PacketRouting;
  /** Link-local address of the neighbour it came from; absent for packets this node originates. */
  from?: Ipv6Address;
}

export type ForwardDropReason =
  | 'not-joined'
  | 'rank-error'
  | 'forwarding-error'
  | 'no-route'
  | 'hop-limit'
  | 'multicast'
  | 'source-route-loop'
  | 'source-route-invalid'
  | 'instance-mismatch';

export type ForwardDecision =
  | { action: 'deliver' }
  | {
      action: 'forward';
      /** Link-local address of the neighbour to hand the packet to. */
      nextHop: Ipv6Address;
      /** The IPv6 destination to send with (changed by source routing). */
      destination: Ipv6Address;
      /** The RPL Option to send with (absent on source-routed packets without one). */
      rpl?: RplOptionData;
      routing?: Omit<SourceRouteHeader, 'nextHeader'>;
    }
  | { action: 'drop'; reason: ForwardDropReason; icmp?: 'parameter-problem' | 'time-exceeded' };

const LINK_LOCAL_PREFIX = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0);

/** Neighbours' link-local addresses share the IID of their global address (both from the EUI-64, RFC 4944 §6). */
export function linkLocalFor(address: Ipv6Address): Ipv6Address {
  return addressFromPrefixAndIid(LINK_LOCAL_PREFIX, address.subarray(8));
}

export function forwardDecision(node: RplNode, p: ForwardRequest): ForwardDecision {
  if (isMulticast(p.destination)) return { action: 'drop', reason: 'multicast' };
  if (node.isOwnAddress(p.destination)) {
    if (!p.routing || p.routing.segmentsLeft === 0) return { action: 'deliver' };
    if (p.routing.routingType !== ROUTING_TYPE_RPL_SOURCE_ROUTE)
      return { action: 'drop', reason: 'source-route-invalid', icmp: 'parameter-problem' };
    const r = processSourceRoute(
      p.routing as Omit<SourceRouteHeader, 'nextHeader'>,
      p.destination,
      p.hopLimit,
      node.ownAddresses(),
    );
    if (r.action === 'deliver') return r;
    if (r.action === 'drop') {
      const reason: ForwardDropReason =
        r.reason === 'loop'
          ? 'source-route-loop'
          : r.reason === 'hop-limit'
            ? 'hop-limit'
            : r.reason === 'multicast'
              ? 'multicast'
              : 'source-route-invalid';
      return r.icmp === 'none' ? { action: 'drop', reason } : { action: 'drop', reason, icmp: r.icmp };
    }
    const out: ForwardDecision = {
      action: 'forward',
      nextHop: linkLocalFor(r.destination),
      destination: r.destination,
      routing: r.routing,
    };
    if (p.rpl) out.rpl = { ...p.rpl, down: true, senderRank: node.rank };
    return out;
  }
  if (p.from && p.hopLimit <= 1) return { action: 'drop', reason: 'hop-limit', icmp: 'time-exceeded' };
  const parent = node.preferredParent;
  const minHop = node.minHopRankIncrease;
  if (!parent || minHop === undefined) return { action: 'drop', reason: 'not-joined' };
  let rpl = p.rpl;
  if (rpl && rpl.instanceId !== node.instanceId) return { action: 'drop', reason: 'instance-mismatch' };
  const downRoute = node.mop !== MOP.NON_STORING ? node.downwardRoute(p.destination) : undefined;

  if (rpl && p.from) {
    if (rpl.forwardingError) {
      // RFC 6550 §11.2.2.3: a child could not forward down: forget the route through it.
      if (downRoute) node.dropRoute(p.destination);
      return { action: 'drop', reason: 'forwarding-error' };
    }
    // RFC 6550 §11.2.2.2: going down from a higher Rank, or up from a lower Rank, is a rank error.
    const sender = dagRank(rpl.senderRank, minHop);
    const own = dagRank(node.rank, minHop);
    const inconsistent = rpl.down ? sender > own : sender < own;
    if (inconsistent) {
      node.countRankError();
      if (rpl.rankError) return { action: 'drop', reason: 'rank-error' }; // second error: drop
      rpl = { ...rpl, rankError: true };
    }
  }

  if (downRoute?.nextHop) {
    return {
      action: 'forward',
      nextHop: downRoute.nextHop,
      destination: p.destination.slice(),
      rpl: {
        ...(rpl ?? baseOption(node)),
        down: true,
        senderRank: node.rank,
      },
    };
  }
  if (rpl?.down && p.from && node.mop === MOP.NON_STORING) return { action: 'drop', reason: 'no-route' };
  if (rpl?.down && p.from) {
    // RFC 6550 §11.2.2.3: no route down in storing mode → F set, back to the parent it came from.
    return {
      action: 'forward',
      nextHop: p.from.slice(),
      destination: p.destination.slice(),
      rpl: { ...rpl, forwardingError: true, senderRank: node.rank },
    };
  }
  return {
    action: 'forward',
    nextHop: parent,
    destination: p.destination.slice(),
    rpl: { ...(rpl ?? baseOption(node)), down: false, senderRank: node.rank },
  };
}

function baseOption(node: RplNode): RplOptionData {
  return {
    optionType: IPV6_OPTION_TYPE.RPL,
    down: false,
    rankError: false,
    forwardingError: false,
    instanceId: node.instanceId,
    senderRank: node.rank,
    subTlvs: new Uint8Array(0),
  };
}
