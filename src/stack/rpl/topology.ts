/**
 * The root's view of the mesh for the UI and the job summary: one entry per node that has a
 * downward route, published as change events and read in pages — never as one growing blob.
 */
import type { Ipv6Address } from '../ipv6/index.ts';
import { addressKey } from './routes.ts';

/** Where a node is in the tool's join process; set by the caller (PANA relay, key delivery). */
export type JoinState = 'routed' | 'authenticating' | 'authenticated' | 'failed' | (string & {});

export interface TopologyNode {
  address: Ipv6Address;
  /** DAO parent (non-storing), or the root for a direct child in storing mode; unknown otherwise. */
  parent?: Ipv6Address;
  /** Hops from the root, when the parent chain is known. */
  hopCount?: number;
  /** Last Rank the root heard the node advertise (only neighbours of the root are heard). */
  rank?: number;
  /** Link quality as reported by the caller (e.g. LQI, or ETX × 128). */
  linkQuality?: number;
  /** ms. */
  lastHeard: number;
  joinState: JoinState;
}

export type TopologyChange = 'added' | 'changed' | 'removed';

export interface TopologyEvent {
  kind: 'topology';
  change: TopologyChange;
  node: TopologyNode;
}

export interface TopologyPage {
  total: number;
  offset: number;
  nodes: TopologyNode[];
}

export const TOPOLOGY_PAGE_MAX = 200;

function snapshot(n: TopologyNode): TopologyNode {
  const c: TopologyNode = { ...n, address: n.address.slice() };
  if (n.parent) c.parent = n.parent.slice();
  return c;
}

export class Topology {
  private readonly nodes = new Map<string, TopologyNode>();

  /** Hop counts are computed when read, from the current parents. */
  constructor(private readonly hopCountOf: (a: Ipv6Address) => number | undefined) {}

  get size(): number {
    return this.nodes.size;
  }

  get(address: Ipv6Address): TopologyNode | undefined {
    const n = this.nodes.get(addressKey(address));
    return n ? this.fresh(n) : undefined;
  }

  /** Adds or updates a node; returns the change event, or undefined when nothing visible changed. */
  upsert(
    address: Ipv6Address,
    now: number,
    patch: Partial<Omit<TopologyNode, 'address' | 'lastHeard'>>,
  ): TopologyEvent | undefined {
    const k = addressKey(address);
    const old = this.nodes.get(k);
    if (!old) {
      const n: TopologyNode = { address: address.slice(), lastHeard: now, joinState: 'routed', ...patch };
      this.nodes.set(k, n);
      return { kind: 'topology', change: 'added', node: this.fresh(n) };
    }
    const before = JSON.stringify(describe(this.fresh(old)));
    Object.assign(old, patch);
    old.lastHeard = now;
    const after = this.fresh(old);
    return JSON.stringify(describe(after)) === before
      ? undefined
      : { kind: 'topology', change: 'changed', node: after };
  }

  /** Updates only if the node is known (e.g. a Rank heard from a neighbour). */
  update(
    address: Ipv6Address,
    now: number,
    patch: Partial<Omit<TopologyNode, 'address' | 'lastHeard'>>,
  ): TopologyEvent | undefined {
    if (!this.nodes.has(addressKey(address))) return undefined;
    return this.upsert(address, now, patch);
  }

  remove(address: Ipv6Address): TopologyEvent | undefined {
    const k = addressKey(address);
    const n = this.nodes.get(k);
    if (!n) return undefined;
    this.nodes.delete(k);
    return { kind: 'topology', change: 'removed', node: snapshot(n) };
  }

  /** Nodes `offset … offset+limit−1` in address order; `limit` is capped at TOPOLOGY_PAGE_MAX. */
  page(offset: number, limit: number): TopologyPage {
    if (!Number.isInteger(offset) || offset < 0) throw new RangeError('offset must be an integer ≥ 0');
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be an integer ≥ 1');
    const keys = [...this.nodes.keys()].sort();
    const slice = keys.slice(offset, offset + Math.min(limit, TOPOLOGY_PAGE_MAX));
    return { total: keys.length, offset, nodes: slice.map((k) => this.fresh(this.nodes.get(k)!)) };
  }

  private fresh(n: TopologyNode): TopologyNode {
    const c = snapshot(n);
    const h = this.hopCountOf(n.address);
    if (h === undefined) delete c.hopCount;
    else c.hopCount = h;
    return c;
  }
}

function describe(n: TopologyNode): unknown {
  return {
    p: n.parent ? addressKey(n.parent) : null,
    h: n.hopCount ?? null,
    r: n.rank ?? null,
    q: n.linkQuality ?? null,
    j: n.joinState,
  };
}
