/**
 * Which neighbour an unjoined meter joins through: among the join beacons heard (for its PAN, with
 * Permit Join), the one with the best link — highest LQI, then highest RSSI, then lowest EUI-64 so
 * that a run is reproducible. A relay through which a join attempt failed is avoided for a while.
 */
import type { JoinBeacon } from '../../../src/stack/mesh-link/join-beacon.ts';

export interface HeardBeacon {
  beacon: JoinBeacon;
  rssi: number;
  lqi: number;
  heardAt: number;
}

export class RelayChoice {
  private readonly heard = new Map<bigint, HeardBeacon>();
  private readonly avoided = new Map<bigint, number>();
  private first: number | undefined;

  /** `maxAgeMs`: beacons older than this are not chosen. */
  constructor(private readonly maxAgeMs: number) {}

  /** When the first usable beacon of this scan was heard. */
  get firstHeardAt(): number | undefined {
    return this.first;
  }

  hear(now: number, beacon: JoinBeacon, rssi: number, lqi: number): void {
    if (!beacon.permitJoin) return;
    const until = this.avoided.get(beacon.source);
    if (until !== undefined && now < until) return;
    this.heard.set(beacon.source, { beacon, rssi, lqi, heardAt: now });
    this.first ??= now;
  }

  best(now: number): HeardBeacon | undefined {
    let best: HeardBeacon | undefined;
    for (const h of this.heard.values()) {
      if (now - h.heardAt > this.maxAgeMs) continue;
      const until = this.avoided.get(h.beacon.source);
      if (until !== undefined && now < until) continue;
      if (
        !best ||
        h.lqi > best.lqi ||
        (h.lqi === best.lqi && h.rssi > best.rssi) ||
        (h.lqi === best.lqi && h.rssi === best.rssi && h.beacon.source < best.beacon.source)
      )
        best = h;
    }
    return best;
  }

  /** Do not choose `relay` before `until` (ms). */
  avoid(relay: bigint, until: number): void {
    this.avoided.set(relay, until);
    this.heard.delete(relay);
  }

  /** Starts a new scan (avoidances are kept). */
  restart(): void {
    this.heard.clear();
    this.first = undefined;
  }
}
