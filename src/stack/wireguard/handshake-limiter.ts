/**
 * Responder-side handshake DoS defences (whitepaper §5.3 "Denial of Service Mitigation & Cookies").
 *
 * - `LoadDetector`: decides when the responder is "under load". The whitepaper leaves the
 *   measure to the implementation; wireguard-go uses the depth of its handshake queue. A
 *   sans-I/O core has no queue, so load is the number of handshake messages with a valid mac1
 *   seen in the last second, compared with a configurable threshold; once triggered it lasts
 *   UNDER_LOAD_AFTER_TIME after the last trigger (wireguard-go `UnderLoadAfterTime`).
 * - `EndpointRateLimiter`: while under load, a token bucket per source address
 *   (wireguard-go `ratelimiter/ratelimiter.go`: 20 packets/s, burst 5).
 */

/** How long the responder stays under load after the threshold was last exceeded (ms). */
export const UNDER_LOAD_AFTER_TIME = 1_000;
/** Handshake messages per second per source address accepted under load. */
export const HANDSHAKES_PER_SECOND_PER_SOURCE = 20;
/** Burst of the per-source bucket. */
export const HANDSHAKE_BURST_PER_SOURCE = 5;
/** Default load threshold: handshake messages per second before mac2 is required. */
export const DEFAULT_UNDER_LOAD_THRESHOLD = 64;

const WINDOW_MS = 1_000;

export class LoadDetector {
  private readonly arrivals: number[] = [];
  private underLoadUntil = -Infinity;

  /** `threshold`: handshake messages within one second above which the responder is under load. */
  constructor(private readonly threshold = DEFAULT_UNDER_LOAD_THRESHOLD) {
    if (!Number.isInteger(threshold) || threshold < 0)
      throw new RangeError('threshold must be an integer ≥ 0');
  }

  /** Records one handshake message at `now` and returns whether the responder is under load. */
  record(now: number): boolean {
    while (this.arrivals.length > 0 && this.arrivals[0]! <= now - WINDOW_MS) this.arrivals.shift();
    // Bounded memory: beyond threshold + 1 entries the answer cannot change.
    if (this.arrivals.length <= this.threshold) this.arrivals.push(now);
    else {
      this.arrivals.shift();
      this.arrivals.push(now);
    }
    if (this.arrivals.length > this.threshold) this.underLoadUntil = now + UNDER_LOAD_AFTER_TIME;
    return this.isUnderLoad(now);
  }

  isUnderLoad(now: number): boolean {
    return now < this.underLoadUntil;
  }
}

interface Bucket {
  tokens: number;
  last: number;
}

/** Token bucket per source key (the source IP address; the port is ignored as wireguard-go does). */
export class EndpointRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly cost: number;
  private readonly max: number;
  private lastSweep = -Infinity;

  constructor(perSecond = HANDSHAKES_PER_SECOND_PER_SOURCE, burst = HANDSHAKE_BURST_PER_SOURCE) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError('rate and burst must be positive');
    this.cost = 1_000 / perSecond;
    this.max = this.cost * burst;
  }

  /** True when one more handshake message from `source` may be processed at `now`. */
  allow(now: number, source: string): boolean {
    this.sweep(now);
    const b = this.buckets.get(source);
    if (b === undefined) {
      this.buckets.set(source, { tokens: this.max - this.cost, last: now });
      return true;
    }
    b.tokens = Math.min(this.max, b.tokens + (now - b.last));
    b.last = now;
    if (b.tokens >= this.cost) {
      b.tokens -= this.cost;
      return true;
    }
    return false;
  }

  /** Number of sources tracked (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Forgets buckets idle for a second: they would be full again anyway. */
  private sweep(now: number): void {
    if (now - this.lastSweep < WINDOW_MS) return;
    this.lastSweep = now;
    for (const [key, b] of this.buckets) if (now - b.last >= WINDOW_MS) this.buckets.delete(key);
  }
}
