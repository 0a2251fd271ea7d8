/**
 * Per-neighbour ETX estimate fed from link-layer transmit results.
 *
 * Choice (RFC 6719 §3.1 leaves the estimator open): an exponentially weighted moving average
 * ETX ← α·sample + (1 − α)·ETX with α = 1/4; the first sample replaces the initial guess. A
 * sample is the number of transmissions an acknowledged frame needed; an unacknowledged frame
 * counts as NOACK_PENALTY transmissions. The estimate is capped at MAX_ETX.
 */

export const ETX_INITIAL = 2;
export const ETX_ALPHA = 0.25;
export const ETX_NOACK_PENALTY = 8;
export const MAX_ETX = 16;

export class EtxEstimate {
  private value: number;
  private samples = 0;

  constructor(initial = ETX_INITIAL) {
    this.value = initial;
  }

  get etx(): number {
    return this.value;
  }

  get sampleCount(): number {
    return this.samples;
  }

  update(acked: boolean, transmissions: number): void {
    const sample = Math.min(
      MAX_ETX,
      acked ? Math.max(1, transmissions) : Math.max(ETX_NOACK_PENALTY, transmissions),
    );
    this.value = this.samples === 0 ? sample : ETX_ALPHA * sample + (1 - ETX_ALPHA) * this.value;
    this.value = Math.min(MAX_ETX, this.value);
    this.samples++;
  }
}
