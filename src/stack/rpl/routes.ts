/**
 * Downward routes learnt from DAOs (RFC 6550 §9): per target, either the target's DAO parent
 * (non-storing mode, at the root) or the next hop towards it (storing mode), with the Path
 * Sequence that decides freshness (§7.2, §9.2) and an absolute expiry.
 */
import { formatIpv6Address, type Ipv6Address } from '../ipv6/index.ts';

export interface DownwardRoute {
  target: Ipv6Address;
  /** Non-storing: the DAO parent named in the Transit Information option. */
  parent?: Ipv6Address;
  /** Storing: the child (link-local) the DAO came from. */
  nextHop?: Ipv6Address;
  pathSequence: number;
  /** Absolute ms; Infinity for an infinite Path Lifetime. */
  expiresAt: number;
  /** When the last DAO for this target was accepted. */
  updatedAt: number;
}

/** Map key of an address: its RFC 5952 text. */
export function addressKey(a: Ipv6Address): string {
  return formatIpv6Address(a);
}

export class RouteTable {
  private readonly routes = new Map<string, DownwardRoute>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.routes.size;
  }

  get full(): boolean {
    return this.routes.size >= this.capacity;
  }

  get(target: Ipv6Address): DownwardRoute | undefined {
    return this.routes.get(addressKey(target));
  }

  set(route: DownwardRoute): void {
    this.routes.set(addressKey(route.target), route);
  }

  delete(target: Ipv6Address): DownwardRoute | undefined {
    const k = addressKey(target);
    const r = this.routes.get(k);
    this.routes.delete(k);
    return r;
  }

  /** Removes and returns the routes whose lifetime has passed at `now`. */
  expire(now: number): DownwardRoute[] {
    const gone: DownwardRoute[] = [];
    for (const [k, r] of this.routes) {
      if (r.expiresAt <= now) {
        this.routes.delete(k);
        gone.push(r);
      }
    }
    return gone;
  }

  nextExpiry(): number | undefined {
    let next = Infinity;
    for (const r of this.routes.values()) next = Math.min(next, r.expiresAt);
    return Number.isFinite(next) ? next : undefined;
  }

  values(): IterableIterator<DownwardRoute> {
    return this.routes.values();
  }
}
