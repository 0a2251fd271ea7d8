/**
 * Where each node stands in joining the tool's mesh, merged from what three parts see:
 * - the PANA relay: a PaC's messages went through the root (RFC 6345), so it is authenticating;
 * - RPL: the node's DAO reached the root, so it holds the network key (DAOs travel in secured
 *   frames only) and has a route;
 * - MLE: the root synchronised frame counters with the node (a neighbour of the root only).
 *
 * Nodes are keyed by their EUI-64 (the IID of both their link-local and global address).
 * The number of nodes tracked is bounded; the oldest entry without a route is evicted first.
 */
import { eui64FromIid, type Ipv6Address } from '../../stack/ipv6/index.ts';
import type { JoinState } from '../../stack/rpl/index.ts';

export interface NodeJoinState {
  /**
   * 'authenticating': PANA relayed, no route; 'routed': DAO accepted; 'authenticated': routed and
   * MLE-synchronised; 'detached': its route is gone and no PANA was seen since.
   */
  state: JoinState;
  pana: boolean;
  routed: boolean;
  mleSynchronised: boolean;
  panaLastAt?: number;
}

export function euiOf(address: Ipv6Address): bigint {
  return eui64FromIid(address.subarray(8, 16));
}

function derive(n: Omit<NodeJoinState, 'state'>): JoinState {
  if (n.routed) return n.mleSynchronised ? 'authenticated' : 'routed';
  return n.pana ? 'authenticating' : 'detached';
}

export class JoinTracker {
  private readonly nodes = new Map<bigint, NodeJoinState>();

  constructor(private readonly maxNodes = 4096) {}

  get(eui: bigint): NodeJoinState | undefined {
    const n = this.nodes.get(eui);
    return n ? { ...n } : undefined;
  }

  get size(): number {
    return this.nodes.size;
  }

  /**
   * Applies a change; returns the new state when the derived state changed (or the node is new
   * with something to say), else undefined.
   */
  update(eui: bigint, now: number, patch: Partial<Omit<NodeJoinState, 'state'>>): NodeJoinState | undefined {
    const old = this.nodes.get(eui);
    const base = old ?? { state: 'detached', pana: false, routed: false, mleSynchronised: false };
    const next: NodeJoinState = { ...base, ...patch };
    if (patch.pana) next.panaLastAt = now;
    next.state = derive(next);
    if (!old && !next.pana && !next.routed && !next.mleSynchronised) return undefined;
    if (!old) this.evictIfFull();
    this.nodes.delete(eui); // re-insert: Map order is the eviction order
    this.nodes.set(eui, next);
    return !old || old.state !== next.state ? { ...next } : undefined;
  }

  /**
   * Forgets MLE synchronisation everywhere (a key change or the key wiped). Publishes nothing: the
   * next synchronisation of each node does.
   */
  clearMle(): void {
    for (const n of this.nodes.values()) {
      n.mleSynchronised = false;
      n.state = derive(n);
    }
  }

  clear(): void {
    this.nodes.clear();
  }

  private evictIfFull(): void {
    if (this.nodes.size < this.maxNodes) return;
    for (const [eui, n] of this.nodes) {
      if (!n.routed) {
        this.nodes.delete(eui);
        return;
      }
    }
    const first = this.nodes.keys().next();
    if (!first.done) this.nodes.delete(first.value);
  }
}
