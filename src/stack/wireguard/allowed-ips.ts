/**
 * Cryptokey routing (whitepaper §2, §4): the table of allowed IPs maps prefixes to peers. On
 * send it selects the peer for a destination; on receive the inner source address must map
 * back to the peer whose keys opened the packet, else the packet is dropped. A prefix belongs to
 * one peer at most: adding it to another peer moves it (wg(8) "allowed-ips"). Lookups are
 * longest-prefix match. Linear search: a tool has one gateway peer and a gateway tens of tools;
 * a trie (wireguard-go `allowedips.go`) can replace this behind the same interface.
 */
import type { IpPrefix } from './ip-prefix.ts';
import { prefixContains, prefixesEqual } from './ip-prefix.ts';

export class AllowedIps<P> {
  private entries: { prefix: IpPrefix; peer: P }[] = [];

  /** Assigns `prefix` to `peer`, taking it from any other peer. */
  insert(prefix: IpPrefix, peer: P): void {
    this.entries = this.entries.filter((e) => !prefixesEqual(e.prefix, prefix));
    this.entries.push({ prefix, peer });
  }

  removePeer(peer: P): void {
    this.entries = this.entries.filter((e) => e.peer !== peer);
  }

  prefixesOf(peer: P): IpPrefix[] {
    return this.entries.filter((e) => e.peer === peer).map((e) => e.prefix);
  }

  /** The peer whose most specific prefix contains `address` (4 or 16 bytes), or null. */
  lookup(address: Uint8Array): P | null {
    let best: { prefix: IpPrefix; peer: P } | null = null;
    for (const e of this.entries) {
      if (prefixContains(e.prefix, address) && (best === null || e.prefix.length > best.prefix.length))
        best = e;
    }
    return best === null ? null : best.peer;
  }
}
