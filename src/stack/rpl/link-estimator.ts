/**
 * Per-neighbour ETX estimate fed from link-layer transmit results.
 *
 * Choice (RFC 6719 §3.1 leaves the estimator open): an exponentially weighted moving average
 * ETX ← α·sample + (1 − α)·ETX with α = 1/8. A sample is the number of transmissions an
 * acknowledged frame needed; an unacknowledged MAC transaction counts as its attempts plus
 * ETX_NOACK_EXTRA. The estimate is capped at MAX_ETX.
 *
 * α = 1/8 rather than 1/4: in a 200-meter mass join most lost frames are collisions (hidden
 * terminals), not link quality. With α = 1/4 two unacknowledged frames took a good link (ETX 1.5)
 * past MRHOF MAX_LINK_METRIC (RFC 6719 §5: 512, i.e. ETX 4) and the node detached (RFC 6550
 * §8.2.2.5), poisoning its whole sub-DODAG. With α = 1/8 it takes four consecutive losses
 * (with the earlier fixed penalty of 8; see ETX_NOACK_EXTRA for the current sample). town-200 (scripts/diagnose-join.ts, 300 simulated s): 235 → 39 detaches.
 *
 * Bootstrapping: the first acknowledged frame is a measurement and replaces the initial guess.
 * A loss before any acknowledgement is only weighed into the guess (EWMA), not taken as the
 * estimate: on a busy channel a single frame lost to a collision says little about the link, and
 * letting it set ETX to the failed sample would reject a fresh neighbour on one loss.
 */

export const ETX_INITIAL = 2;
export const ETX_ALPHA = 0.125;
/**
 * An unacknowledged MAC transaction counts as its attempts plus this: the frame needed more than
 * every attempt it got. Not a fixed penalty: with macMaxFrameRetries 3 a failed transaction is a
 * sample of 5, so a link that keeps failing still ends above MRHOF MAX_LINK_METRIC (ETX 4), but a
 * collision burst at a busy neighbour (town-200: the tablet) no longer weighs like 8 transmissions.
 */
export const ETX_NOACK_EXTRA = 1;
export const MAX_ETX = 16;
/**
 * Freshness: an estimate worse than the initial guess and not fed for ETX_FRESH_MS drifts back
 * towards the guess with this half-life. A node sends only to its preferred parent, so the estimate of a candidate it left
 * after a few collisions would otherwise stay bad for ever, and the node would never try the
 * candidate again (town-200: nodes next to the tablet kept deep meter parents with ETX 4.5 to
 * the tablet frozen from their first minute). RFC 6719 §3.1 leaves the estimator open; RFC 6551
 * §4.3.2 only defines the ETX encoding.
 */
export const ETX_FRESH_MS = 30_000;
export const ETX_STALE_HALF_LIFE_MS = 30_000;

export class EtxEstimate {
  private value: number;
  private samples = 0;
  private measured = false;
  private updatedAt: number | undefined;

  constructor(private readonly initial = ETX_INITIAL) {
    this.value = initial;
  }

  /** The last estimate, without ageing (for displays and tests). */
  get etx(): number {
    return this.value;
  }

  get sampleCount(): number {
    return this.samples;
  }

  /** The estimate at `now` (ms): a stale estimate worse than the initial guess ages towards it. */
  etxAt(now: number): number {
    // Only a bad estimate ages: a good link a node uses rarely (DAO refreshes only) stays good.
    if (this.updatedAt === undefined || this.value <= this.initial) return this.value;
    const staleMs = now - this.updatedAt - ETX_FRESH_MS;
    if (staleMs <= 0) return this.value;
    return this.initial + (this.value - this.initial) * Math.pow(0.5, staleMs / ETX_STALE_HALF_LIFE_MS);
  }

  /** One MAC transaction: acknowledged or not after `transmissions` attempts. */
  update(acked: boolean, transmissions: number, now?: number): void {
    let stale = false;
    if (now !== undefined) {
      stale = this.updatedAt !== undefined && now - this.updatedAt > ETX_FRESH_MS;
      this.value = this.etxAt(now); // ageing applies before the new sample
      this.updatedAt = now;
    }
    const attempts = Math.max(1, transmissions);
    const sample = Math.min(MAX_ETX, acked ? attempts : attempts + ETX_NOACK_EXTRA);
    // After a silence the history is obsolete: the first acknowledged transaction is the
    // measurement, as for a new neighbour. So a candidate retried after ageing is judged at
    // once: a link that is still bad is left again after one transaction, not after ten.
    if (acked && (!this.measured || stale)) this.value = sample;
    else this.value = ETX_ALPHA * sample + (1 - ETX_ALPHA) * this.value;
    this.measured ||= acked;
    this.value = Math.min(MAX_ETX, this.value);
    this.samples++;
  }
}
