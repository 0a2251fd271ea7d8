/**
 * The Trickle algorithm (RFC 6206), sans-I/O: the caller passes `now` (milliseconds, any
 * monotonic origin) and a random source; the timer says when it next needs to be woken
 * (`deadline`) and, when woken, whether to transmit.
 *
 * Parameters follow RFC 6206 §4.1: Imin (ms), Imax as a number of doublings of Imin, and the
 * redundancy constant k. As RFC 6550 §8.3.1 allows for DIOs, k = 0 means "never suppress".
 */

/** A source of uniformly distributed numbers in [0, 1) (e.g. a seeded PRNG's `uniform`). */
export type RandomSource = () => number;

export interface TrickleConfig {
  /** Imin in milliseconds (RFC 6206 §4.1). */
  imin: number;
  /** Imax = Imin × 2^doublings (RFC 6206 §4.1). */
  doublings: number;
  /** Redundancy constant k; 0 disables suppression (RFC 6550 §8.3.1). */
  k: number;
}

/** Milliseconds for an RPL DIOIntervalMin (Imin = 2^DIOIntervalMin ms, RFC 6550 §8.3.1). */
export function trickleConfigFromDio(
  dioIntervalMin: number,
  dioIntervalDoublings: number,
  dioRedundancyConstant: number,
): TrickleConfig {
  return { imin: 2 ** dioIntervalMin, doublings: dioIntervalDoublings, k: dioRedundancyConstant };
}

export class TrickleTimer {
  readonly config: TrickleConfig;
  readonly imax: number;
  private readonly random: RandomSource;
  private i = 0;
  private c = 0;
  private start = 0;
  private t = 0;
  private tDone = true;
  private active = false;
  /** Transmissions suppressed because c ≥ k (for diagnostics). */
  suppressed = 0;
  /** Transmissions the timer asked for. */
  transmissions = 0;

  constructor(config: TrickleConfig, random: RandomSource) {
    if (!(config.imin > 0) || !Number.isFinite(config.imin)) throw new RangeError('Imin must be > 0 ms');
    if (!Number.isInteger(config.doublings) || config.doublings < 0 || config.doublings > 40)
      throw new RangeError('doublings out of range 0..40');
    if (!Number.isInteger(config.k) || config.k < 0) throw new RangeError('k must be an integer ≥ 0');
    this.config = { ...config };
    this.imax = config.imin * 2 ** config.doublings;
    this.random = random;
  }

  get running(): boolean {
    return this.active;
  }
  /** Current interval length I (ms). */
  get interval(): number {
    return this.i;
  }
  /** Consistent transmissions heard in this interval (c). */
  get counter(): number {
    return this.c;
  }
  get intervalStart(): number {
    return this.start;
  }
  get intervalEnd(): number {
    return this.start + this.i;
  }
  /** The transmission point t of this interval (absolute ms). */
  get transmitAt(): number {
    return this.t;
  }

  /**
   * Starts the algorithm. RFC 6206 §4.2 step 1 lets I start anywhere in [Imin, Imax]; starting at
   * Imin makes a freshly started node announce itself quickly.
   */
  startTimer(now: number): void {
    this.active = true;
    this.beginInterval(now, this.config.imin);
  }

  stop(): void {
    this.active = false;
  }

  /** RFC 6206 §4.2 step 3: a consistent transmission was heard. */
  hearConsistent(): void {
    if (this.active) this.c++;
  }

  /**
   * RFC 6206 §4.2 step 6: an inconsistency (or an external event) resets I to Imin and starts a
   * new interval — unless I is already Imin, in which case nothing happens. Starts a stopped timer.
   */
  reset(now: number): void {
    if (!this.active) {
      this.startTimer(now);
      return;
    }
    if (this.i === this.config.imin) return;
    this.beginInterval(now, this.config.imin);
  }

  /** The next time `expire` must be called, or undefined when stopped. */
  deadline(): number | undefined {
    if (!this.active) return undefined;
    return this.tDone ? this.intervalEnd : this.t;
  }

  /**
   * Processes everything due at `now`. Returns true when the caller should transmit now
   * (RFC 6206 §4.2 step 4: at t, transmit iff c < k). At the end of an interval I doubles,
   * capped at Imax (step 5).
   */
  expire(now: number): boolean {
    if (!this.active) return false;
    let transmit = false;
    // Bounded: each pass either fires t or ends an interval that started before `now`.
    for (let guard = 0; guard < 64; guard++) {
      if (!this.tDone && now >= this.t) {
        this.tDone = true;
        if (this.config.k === 0 || this.c < this.config.k) {
          transmit = true;
          this.transmissions++;
        } else {
          this.suppressed++;
        }
        continue;
      }
      if (this.tDone && now >= this.intervalEnd) {
        const next = Math.min(this.i * 2, this.imax);
        // a caller that slept through whole intervals starts the new one now, not in the past
        const begin = now - this.intervalEnd >= next ? now : this.intervalEnd;
        this.beginInterval(begin, next);
        continue;
      }
      break;
    }
    return transmit;
  }

  private beginInterval(at: number, i: number): void {
    this.i = i;
    this.start = at;
    this.c = 0;
    // RFC 6206 §4.2 step 2: t uniformly in [I/2, I)
    this.t = at + i / 2 + this.random() * (i / 2);
    this.tDone = false;
  }
}
