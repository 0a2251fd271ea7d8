/**
 * What the root knows of each radio neighbour: the ETX estimate fed by transmit results
 * (rpl/link-estimator.ts), the last RSSI/LQI heard, and where its MLE frame-counter
 * synchronisation stands. Bounded: the neighbour heard least recently is evicted first.
 */
import { EtxEstimate } from '../../stack/rpl/index.ts';

export interface Neighbour {
  etx: EtxEstimate;
  /** ETX last published (one decimal), to publish changes only. */
  reportedEtx?: number;
  rssiDbm?: number;
  lqi?: number;
  /** Key index a Link Request went out under, while it is outstanding or after it succeeded. */
  syncKeyIndex?: number;
  /** No new Link Request before this time (after a failed synchronisation). */
  syncRetryAt?: number;
}

export class NeighbourTable {
  private readonly map = new Map<bigint, Neighbour>();

  constructor(private readonly max = 256) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('neighbour bound must be ≥ 1');
  }

  get(eui: bigint): Neighbour | undefined {
    return this.map.get(eui);
  }

  /** Records a frame heard from `eui`; `isNew` when it was not known. */
  heard(eui: bigint, rssiDbm: number, lqi: number): { neighbour: Neighbour; isNew: boolean } {
    let n = this.map.get(eui);
    const isNew = n === undefined;
    if (n)
      this.map.delete(eui); // re-inserted last: Map order is the eviction order
    else {
      if (this.map.size >= this.max) {
        const oldest = this.map.keys().next();
        if (!oldest.done) this.map.delete(oldest.value);
      }
      n = { etx: new EtxEstimate() };
    }
    n.rssiDbm = rssiDbm;
    n.lqi = lqi;
    this.map.set(eui, n);
    return { neighbour: n, isNew };
  }

  /**
   * Feeds a unicast outcome into the ETX estimate; returns the ETX (one decimal) when it changed
   * from the last one published, else undefined.
   */
  transmitted(eui: bigint, acked: boolean, transmissions: number, now?: number): number | undefined {
    const n = this.map.get(eui);
    if (!n) return undefined;
    n.etx.update(acked, transmissions, now);
    const etx = Math.round(n.etx.etx * 10) / 10;
    if (etx === n.reportedEtx) return undefined;
    n.reportedEtx = etx;
    return etx;
  }

  entries(): IterableIterator<[bigint, Neighbour]> {
    return this.map.entries();
  }

  clear(): void {
    this.map.clear();
  }
}
