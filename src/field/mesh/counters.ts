/**
 * Why the engine dropped a packet (beyond MeshLink's own link-layer reasons, which it keeps), and
 * the counters it publishes. DESIGN.md §3.3: bad input is counted, logged once per kind by the
 * edge that logs, and dropped; it never crashes the engine.
 */
import type { LinkSyncCounters } from '../../stack/mle/index.ts';
import type { MeshLinkCounters } from '../../stack/mesh-link/index.ts';
import type { RplRootCounters } from '../../stack/rpl/index.ts';
import { TRANSMIT_STATUSES, type TransmitStatus } from './radio.ts';

export const MESH_ROOT_DROP_REASONS = [
  /** Input after `wipe()`: the engine no longer relays or routes. */
  'wiped',
  /** A datagram for one of the root's addresses that no part of the engine listens to. */
  'no-listener',
  /** An RPL control message the RPL codec refused. */
  'rpl-decode-error',
  /** A multicast destination the root does not forward (RFC 6550 MOP 1/2: no multicast routing). */
  'multicast-not-forwarded',
  /** A link-local destination that is not one of the root's (RFC 4291 §2.5.6: never forwarded). */
  'link-local-not-ours',
  /** An unsecured datagram that would have to be routed (only link-local join traffic is unsecured). */
  'unsecured-forward',
  /** Hop Limit exhausted (RFC 8200 §3): a Time Exceeded goes back, rate permitting. */
  'hop-limit',
  /** A mesh destination without a downward route (RFC 6550 §9.7 / storing route): Destination Unreachable. */
  'no-route',
  /** A packet from the northbound link that is not IPv6 or does not decode. */
  'northbound-decode-error',
  /** A packet from the northbound link for a destination outside the mesh prefix. */
  'northbound-not-for-mesh',
  /** A packet from outside carrying a routing header or an RPL Option (RFC 6554 §5, RFC 6553 §5). */
  'northbound-rpl-header',
  /** A PRY from a northbound source other than the PAA (RFC 6345 §3). */
  'pry-not-from-paa',
  /** Any other PANA datagram the relay refused (malformed, PaC not link-local, ...). */
  'pana-relay-refused',
  /** MeshLink refused the datagram to send (no key, frame counter exhausted, too large). */
  'send-failed',
  /** The transmit queue was full. */
  'tx-queue-full',
  /** An IPv6-in-IPv6 packet whose inner packet is malformed (RFC 2473 §3). */
  'tunnel-malformed',
  /** A source route that names the root itself as an intermediate hop. */
  'source-route-through-root',
] as const;

export type MeshRootDropReason = (typeof MESH_ROOT_DROP_REASONS)[number];

export interface ForwardCounters {
  /** Mesh → head-end. */
  northbound: number;
  /** Head-end or mesh → mesh node. */
  down: number;
  /** Delivered to the root itself (RPL, MLE, PANA relay, echo). */
  local: number;
  /** PANA messages relayed each way (RFC 6345). */
  panaToPaa: number;
  panaToPac: number;
  icmpErrorsSent: number;
  icmpErrorsRateLimited: number;
}

export interface MeshRootCounters {
  drops: Record<MeshRootDropReason, number>;
  forwarded: ForwardCounters;
  transmit: Record<TransmitStatus, number>;
  /** Join beacons the root sent (mesh-root.ts sendJoinBeacon). */
  joinBeaconsSent: number;
  link: MeshLinkCounters;
  rpl: RplRootCounters;
  mle: LinkSyncCounters;
  /** PanaRelay's own drop reasons. */
  relay: Record<string, number>;
}

export function emptyDrops(): Record<MeshRootDropReason, number> {
  const d = {} as Record<MeshRootDropReason, number>;
  for (const r of MESH_ROOT_DROP_REASONS) d[r] = 0;
  return d;
}

export function emptyForwardCounters(): ForwardCounters {
  return {
    northbound: 0,
    down: 0,
    local: 0,
    panaToPaa: 0,
    panaToPac: 0,
    icmpErrorsSent: 0,
    icmpErrorsRateLimited: 0,
  };
}

export function emptyTransmitCounters(): Record<TransmitStatus, number> {
  const t = {} as Record<TransmitStatus, number>;
  for (const s of TRANSMIT_STATUSES) t[s] = 0;
  return t;
}
