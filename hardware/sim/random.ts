/**
 * Seeded pseudo-random numbers for the simulator: every random choice in a run (positions,
 * shadowing, back-offs, losses) comes from one of these, so a run is reproducible from its seed.
 *
 * Generator: xoshiro128** 1.1 by D. Blackman and S. Vigna, "Scrambled Linear Pseudorandom Number
 * Generators", ACM Trans. Math. Softw. 47(4), 2021 (https://prng.di.unimi.it/). 128 bits of state,
 * period 2^128 − 1, 32-bit outputs; state update
 *   result = rotl(s1·5, 7)·9;  t = s1 << 9;
 *   s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11).
 * Seeding: the 64-bit seed key is expanded into the four state words with SplitMix64 (G. Steele,
 * D. Lea, C. Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014), as the
 * xoshiro authors recommend, which also guarantees a non-zero state in practice.
 * Not cryptographic: never use it for keys or nonces.
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
const TWO_POW_32 = 4294967296;

/** SplitMix64's output function (the "mix64" finaliser, variant 13 of Stafford's mixers). */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** The first `count` outputs of SplitMix64 started at `seed` (exported for its test vector). */
export function splitMix64(seed: bigint, count: number): bigint[] {
  const out: bigint[] = [];
  let x = seed & MASK64;
  for (let i = 0; i < count; i++) {
    x = (x + GOLDEN_GAMMA) & MASK64;
    out.push(mix64(x));
  }
  return out;
}

/** FNV-1a, 64-bit (Fowler, Noll, Vo; IETF draft-eastlake-fnv), over the UTF-8 bytes of `text`. */
function fnv1a64(text: string, basis = 0xcbf29ce484222325n): bigint {
  let h = basis;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & MASK64;
  }
  return h;
}

function seedKey(seed: number | bigint | string): bigint {
  if (typeof seed === 'string') return fnv1a64(seed);
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    return BigInt(seed) & MASK64;
  }
  return seed & MASK64;
}

export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Spare normal deviate from the last Box–Muller pair. */
  private spareGaussian = Number.NaN;
  private readonly key: bigint;

  /** `seed`: an integer, a bigint (64 bits used) or a string (hashed with FNV-1a). */
  constructor(seed: number | bigint | string) {
    this.key = seedKey(seed);
    const [a, b] = splitMix64(this.key, 2) as [bigint, bigint];
    this.setState(Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n));
  }

  /** A generator with the raw xoshiro128** state given (for test vectors). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Random {
    const r = new Random(0);
    r.setState(s0, s1, s2, s3);
    return r;
  }

  /**
   * An independent stream for `label` (a node id, "shadowing", "csma:17", ...). It depends only on
   * this generator's seed and the label, not on how many numbers were drawn, so adding a node or a
   * draw elsewhere does not shift other streams. The same label gives the same stream.
   */
  fork(label: string): Random {
    return new Random(mix64(fnv1a64(label, this.key ^ 0xcbf29ce484222325n)));
  }

  /** Next 32-bit output as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in [min, max). */
  uniformRange(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /**
   * Uniform integer in [min, max] (inclusive), without modulo bias: draws falling in the
   * incomplete last block of 2^32 are rejected. Range size up to 2^32.
   */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`int(${min}, ${max}): need integers with min <= max`);
    }
    const span = max - min + 1;
    if (span > TWO_POW_32) throw new RangeError(`int(${min}, ${max}): range wider than 2^32`);
    const limit = TWO_POW_32 - (TWO_POW_32 % span);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return min + (x % span);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /**
   * Normal deviate (Box–Muller transform, G. Box and M. Muller, Ann. Math. Statist. 29(2), 1958):
   * two uniforms give two independent normals; the second is kept for the next call.
   */
  gaussian(mean = 0, stdDev = 1): number {
    let z = this.spareGaussian;
    if (Number.isNaN(z)) {
      const u1 = 1 - this.uniform(); // (0, 1]: log(0) cannot occur
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      z = r * Math.cos(2 * Math.PI * u2);
      this.spareGaussian = r * Math.sin(2 * Math.PI * u2);
    } else {
      this.spareGaussian = Number.NaN;
    }
    return mean + stdDev * z;
  }

  private setState(s0: number, s1: number, s2: number, s3: number): void {
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
    this.spareGaussian = Number.NaN;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
