/**
 * Where the gateway hands inner packets that came out of the tunnel: a table of destination
 * prefix → handler (the key server and the AMR/DR services subscribe to their prefixes),
 * longest-prefix match. One handler per prefix: a second subscription to the same prefix is a
 * wiring mistake, refused with RangeError.
 */
import { formatIpPrefix, prefixContains, prefixesEqual } from '../../stack/wireguard/index.ts';
import type { IpPrefix } from '../../stack/wireguard/index.ts';

export class ServiceRoutes<H> {
  private readonly entries: { prefix: IpPrefix; handler: H }[] = [];

  /** Subscribes `handler` to `prefix`; returns the function that unsubscribes it. */
  add(prefix: IpPrefix, handler: H): () => void {
    if (this.entries.some((e) => prefixesEqual(e.prefix, prefix))) {
      throw new RangeError(`a handler is already routed for ${formatIpPrefix(prefix)}`);
    }
    const entry = { prefix, handler };
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  /** The handler of the most specific prefix containing `destination`, or null. */
  lookup(destination: Uint8Array): H | null {
    let best: { prefix: IpPrefix; handler: H } | null = null;
    for (const e of this.entries) {
      if (prefixContains(e.prefix, destination) && (best === null || e.prefix.length > best.prefix.length)) {
        best = e;
      }
    }
    return best?.handler ?? null;
  }

  get size(): number {
    return this.entries.length;
  }
}
