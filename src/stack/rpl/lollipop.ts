/**
 * RPL sequence counters (RFC 6550 §7.2): 8-bit "lollipop" counters with a linear region
 * 128..255 that a (re)started node begins in, and a circular region 0..127.
 */

/** RFC 6550 §7.2. */
export const SEQUENCE_WINDOW = 16;
/** Initial value: 256 − SEQUENCE_WINDOW (RFC 6550 §7.2). */
export const LOLLIPOP_INIT = 256 - SEQUENCE_WINDOW;
const CIRCULAR_MAX = 127;

/** The next value: 255 wraps to 0, and the circular region 0..127 wraps 127 to 0 (RFC 6550 §7.2). */
export function lollipopIncrement(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`sequence counter ${v} out of range`);
  if (v > CIRCULAR_MAX) return (v + 1) & 0xff;
  return (v + 1) & CIRCULAR_MAX;
}

/** -1 (a older), 0 (equal), 1 (a newer), or undefined when the counters are desynchronised. */
export type LollipopOrder = -1 | 0 | 1 | undefined;

/** Compares two counters per RFC 6550 §7.2 rules 1–3. */
export function lollipopCompare(a: number, b: number): LollipopOrder {
  if (a === b) return 0;
  const aLinear = a > CIRCULAR_MAX;
  const bLinear = b > CIRCULAR_MAX;
  if (aLinear !== bLinear) {
    // Rule 1: one counter in each region. The circular one is newer when it is close to the
    // wrap point of the linear one (256 + circular − linear ≤ SEQUENCE_WINDOW), else the
    // linear one is newer (a restarted node).
    const circ = aLinear ? b : a;
    const lin = aLinear ? a : b;
    const circularNewer = 256 + circ - lin <= SEQUENCE_WINDOW;
    return circularNewer === !aLinear ? 1 : -1;
  }
  if (aLinear) {
    // Rule 2 within the linear region; rule 3: beyond the window the counters are not comparable.
    const d = a - b;
    if (Math.abs(d) > SEQUENCE_WINDOW) return undefined;
    return d > 0 ? 1 : -1;
  }
  // Rule 2 in the circular region, with serial-number arithmetic (RFC 1982) modulo 128.
  const d = (a - b) & CIRCULAR_MAX;
  if (d <= SEQUENCE_WINDOW) return 1;
  if (CIRCULAR_MAX + 1 - d <= SEQUENCE_WINDOW) return -1;
  return undefined;
}

/**
 * True when `a` is newer than `b`. RFC 6550 §7.2 leaves desynchronised counters "not
 * comparable"; this project treats them as newer (the peer restarted or many increments were
 * missed), so a receiver resynchronises instead of ignoring the peer for ever.
 */
export function lollipopNewer(a: number, b: number): boolean {
  const o = lollipopCompare(a, b);
  return o === 1 || o === undefined;
}
