/**
 * Log-normal shadowing, fixed per link and symmetric: the same obstacles lie between A and B in
 * both directions, and they do not move during a job. The value is a pure function of (seed,
 * unordered node pair), so it does not depend on the order nodes were added or on any other draw.
 *
 * Two uniforms come from an integer hash of (seed, lower id, higher id) and are turned into a
 * normal deviate with the Box–Muller transform. The hash is the 32-bit finaliser of MurmurHash3
 * (A. Appleby, public domain) applied to a mix of the inputs; shadowing needs decorrelated values,
 * not cryptographic ones.
 */

const TWO_POW_32 = 4294967296;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashPair(seed: number, lo: number, hi: number, salt: number): number {
  let h = fmix32(seed ^ Math.imul(salt + 1, 0x9e3779b1));
  h = fmix32(h ^ Math.imul(lo + 1, 0x85ebca77));
  h = fmix32(h ^ Math.imul(hi + 1, 0xc2b2ae3d));
  return h;
}

/** Shadowing of the link between nodes `a` and `b`, in dB (mean 0, standard deviation `sigmaDb`). */
export function linkShadowingDb(seed: number, a: number, b: number, sigmaDb: number): number {
  if (sigmaDb === 0) return 0;
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const u1 = (hashPair(seed, lo, hi, 0) + 1) / TWO_POW_32; // (0, 1]
  const u2 = hashPair(seed, lo, hi, 1) / TWO_POW_32;
  return sigmaDb * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
