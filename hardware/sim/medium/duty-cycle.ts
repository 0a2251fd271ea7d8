/**
 * Transmission-time accounting required in Japan's 920 MHz band by ARIB STD-T108 (Part 2,
 * specified low-power radio stations of 20 mW or less). For the short carrier-sense regime
 * (carrier sense of at least 128 µs) a station may transmit for at most 400 ms at a time and for at
 * most 360 s in total in any one hour (10 %). The long regime (5 ms carrier sense) allows 4 s per
 * transmission; pass different rules to model it.
 *
 * The hour is a sliding window kept in 10 s buckets: a transmission is charged to the bucket it
 * starts in, and the window sums the current bucket and the 360 before it, so it spans between
 * 3600 and 3610 s — never less than an hour, so the limit is never under-enforced. Memory is 361
 * numbers per node whatever the traffic.
 */

export interface DutyCycleRules {
  /** Longest single transmission, µs (ARIB short carrier sense: 400 ms). */
  readonly maxTransmissionUs: number;
  /** Total transmit time allowed per window, µs (360 s). */
  readonly budgetUs: number;
  /** Window length, µs (one hour). */
  readonly windowUs: number;
}

export const ARIB_T108_SHORT_CARRIER_SENSE: DutyCycleRules = Object.freeze({
  maxTransmissionUs: 400_000,
  budgetUs: 360_000_000,
  windowUs: 3_600_000_000,
});

/** No limits (for tests and regions without a duty cycle). */
export const UNLIMITED_DUTY_CYCLE: DutyCycleRules = Object.freeze({
  maxTransmissionUs: Number.POSITIVE_INFINITY,
  budgetUs: Number.POSITIVE_INFINITY,
  windowUs: 3_600_000_000,
});

const BUCKET_US = 10_000_000;

export class DutyCycleMeter {
  private readonly buckets: Float64Array;
  /** Index (time / BUCKET_US) of the most recent bucket written or cleared. */
  private head = 0;
  private sumUs = 0;

  constructor(readonly rules: DutyCycleRules) {
    this.buckets = new Float64Array(Math.ceil(rules.windowUs / BUCKET_US) + 1);
  }

  /** Transmit time charged to the current window, µs. */
  usedUs(nowUs: number): number {
    this.advance(nowUs);
    return this.sumUs;
  }

  /** Whether a transmission of `airtimeUs` starting now is within the rules. */
  allows(nowUs: number, airtimeUs: number): boolean {
    if (airtimeUs > this.rules.maxTransmissionUs) return false;
    return this.usedUs(nowUs) + airtimeUs <= this.rules.budgetUs;
  }

  /** Charges a transmission starting now. */
  record(nowUs: number, airtimeUs: number): void {
    this.advance(nowUs);
    const n = this.buckets.length;
    const slot = this.head % n;
    this.buckets[slot] = this.buckets[slot]! + airtimeUs;
    this.sumUs += airtimeUs;
  }

  private advance(nowUs: number): void {
    const index = Math.floor(nowUs / BUCKET_US);
    if (index <= this.head) return;
    const n = this.buckets.length;
    if (index - this.head >= n) {
      this.buckets.fill(0);
      this.sumUs = 0;
    } else {
      for (let i = this.head + 1; i <= index; i++) {
        const slot = i % n;
        this.sumUs -= this.buckets[slot]!;
        this.buckets[slot] = 0;
      }
    }
    this.head = index;
  }
}
