/**
 * Per-neighbour ETX estimate fed from link-layer transmit results.
 *
 * Choice (RFC 6719 §3.1 leaves the estimator open): an exponentially weighted moving average
 * ETX ← α·sample + (1 − α)·ETX with α = 1/8. A sample is the number of transmissions an
 * acknowledged frame needed; an unacknowledged frame counts as NOACK_PENALTY transmissions. The
 * estimate is capped at MAX_ETX.
 *
 * α = 1/8 rather than 1/4: in a 200-meter mass join most lost frames are collisions (hidden
 * terminals), not link quality. With α = 1/4 two unacknowledged frames took a good link (ETX 1.5)
 * past MRHOF MAX_LINK_METRIC (RFC 6719 §5: 512, i.e. ETX 4) and the node detached (RFC 6550
 * §8.2.2.5), poisoning its whole sub-DODAG. With α = 1/8 it takes four consecutive losses
 * (1.25 → 2.1 → 2.8 → 3.5 → 4.04), 16 failed attempts at macMaxFrameRetries 3: a link that is
 * really gone. town-200 (scripts/diagnose-join.ts, 300 simulated s): 235 → 39 detaches.
 *
 * Bootstrapping: the first acknowledged frame is a measurement and replaces the initial guess.
 * A loss before any acknowledgement is only weighed into the guess (EWMA), not taken as the
 * estimate: on a busy channel a single frame lost to a collision says little about the link, and
 * letting it set ETX to NOACK_PENALTY (8 × 128 = 1024 > MRHOF MAX_LINK_METRIC 512, RFC 6719 §5)
 * would reject a fresh neighbour on one sample. From the default guess of 2 it takes four
 * consecutive losses to cross MAX_LINK_METRIC (2 → 2.75 → 3.41 → 3.98 → 4.48).
 */

export const ETX_INITIAL = 2;
export const ETX_ALPHA = 0.125;
export const ETX_NOACK_PENALTY = 8;
export const MAX_ETX = 16;

export class EtxEstimate {
  private value: number;
  private samples = 0;
  private measured = false;

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
    if (acked && !this.measured) this.value = sample;
    else this.value = ETX_ALPHA * sample + (1 - ETX_ALPHA) * this.value;
    this.measured ||= acked;
    this.value = Math.min(MAX_ETX, this.value);
    this.samples++;
  }
}
