/**
 * Incoming frame counters per neighbour and key index (802.15.4-2015 §9.2.5, incoming frame
 * security procedure; 802.15.4-2006 §7.5.8.2.3 steps h–m): a frame whose counter is below the
 * neighbour's recorded value is refused with COUNTER_ERROR before it is unsecured, a frame counter
 * of 0xffffffff is always refused, and after a successful unsecuring the recorded value becomes
 * counter + 1. The table stores that next acceptable counter — the same meaning as the MLE
 * Link-layer Frame Counter TLV, which carries the sender's next outgoing counter.
 *
 * The table is bounded: when a new neighbour arrives and the table is full, the least recently
 * used neighbour (all of its key indices) is evicted. RISK: an evicted neighbour is re-learned
 * from the next authentic frame it sends (any counter is accepted for an unknown neighbour), so
 * an attacker who recorded that neighbour's earlier frames can replay one of them until either the
 * neighbour transmits again or an MLE Link Request/Accept exchange (link-sync.ts) records its
 * current counter. Keep the bound above the real neighbourhood size; evictions are counted.
 */

/** 802.15.4-2015 §9.2.5: a frame counter of 0xffffffff is refused (COUNTER_ERROR). */
export const FRAME_COUNTER_MAX = 0xffffffff;

export type CounterCheck = 'ok' | 'replay' | 'counter-error';

export class NeighbourFrameCounters {
  /** EUI-64 → key index → next acceptable counter; Map order is the LRU order (oldest first). */
  private readonly table = new Map<bigint, Map<number, number>>();
  evictions = 0;

  constructor(private readonly maxNeighbours: number) {
    if (!Number.isInteger(maxNeighbours) || maxNeighbours < 1) {
      throw new RangeError(`neighbour bound ${maxNeighbours} must be a positive integer`);
    }
  }

  get size(): number {
    return this.table.size;
  }

  /** The next counter accepted from `eui` under `keyIndex`, or undefined when nothing is recorded. */
  next(eui: bigint, keyIndex: number): number | undefined {
    return this.table.get(eui)?.get(keyIndex);
  }

  /** Pre-check before unsecuring (does not record anything). */
  check(eui: bigint, keyIndex: number, counter: number): CounterCheck {
    if (counter >= FRAME_COUNTER_MAX) return 'counter-error';
    const next = this.next(eui, keyIndex);
    return next !== undefined && counter < next ? 'replay' : 'ok';
  }

  /** Records an authenticated frame's counter: the next acceptable one becomes counter + 1. */
  accept(eui: bigint, keyIndex: number, counter: number): void {
    const next = this.next(eui, keyIndex);
    this.set(eui, keyIndex, Math.max(next ?? 0, counter + 1));
  }

  /**
   * Sets the next acceptable counter (from MLE). `raiseOnly` keeps a higher recorded value: use it
   * for values that are authentic but not proven fresh.
   */
  set(eui: bigint, keyIndex: number, nextCounter: number, raiseOnly = false): void {
    if (!Number.isInteger(nextCounter) || nextCounter < 0 || nextCounter > FRAME_COUNTER_MAX) {
      throw new RangeError(`frame counter ${nextCounter} is not a u32`);
    }
    let keys = this.table.get(eui);
    if (keys) {
      this.table.delete(eui); // re-inserted below: most recently used
    } else {
      keys = new Map();
      while (this.table.size >= this.maxNeighbours) {
        const oldest = this.table.keys().next();
        if (oldest.done) break;
        this.table.delete(oldest.value);
        this.evictions++;
      }
    }
    const current = keys.get(keyIndex);
    keys.set(keyIndex, raiseOnly && current !== undefined ? Math.max(current, nextCounter) : nextCounter);
    this.table.set(eui, keys);
  }

  /** Forgets every counter recorded under `keyIndex` (that key was replaced or retired). */
  forgetKey(keyIndex: number): void {
    for (const [eui, keys] of this.table) {
      keys.delete(keyIndex);
      if (keys.size === 0) this.table.delete(eui);
    }
  }

  clear(): void {
    this.table.clear();
  }
}
