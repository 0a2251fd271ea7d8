/**
 * Fuzz harness for strict decoders (DESIGN.md §7): random bytes and mutations of valid encodings
 * must produce a value or a DecodeError, never another exception and never a hang.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/stack/wire/index.ts';

export interface FuzzOptions {
  /** Cases to run; the normal suite runs at least 10,000 per decoder (issue #2). */
  runs?: number;
  /** Longest random input. */
  maxLength?: number;
  seed?: number;
}

/** A byte string built from a valid sample by one of the mutations a noisy radio or an attacker makes. */
function mutated(samples: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const sample = fc.constantFrom(...samples);
  return fc.oneof(
    // flip 1..8 bits
    fc.tuple(sample, fc.array(fc.nat(), { minLength: 1, maxLength: 8 })).map(([s, flips]) => {
      const b = s.slice();
      for (const f of flips) if (b.length > 0) b[f % b.length]! ^= 1 << (f >> 16) % 8;
      return b;
    }),
    // truncate
    fc.tuple(sample, fc.nat()).map(([s, n]) => s.slice(0, s.length === 0 ? 0 : n % s.length)),
    // extend with random bytes
    fc.tuple(sample, fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([s, tail]) => {
      const b = new Uint8Array(s.length + tail.length);
      b.set(s);
      b.set(tail, s.length);
      return b;
    }),
    // overwrite one byte with an extreme value (lengths and counts are where decoders break)
    fc.tuple(sample, fc.nat(), fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff)).map(([s, at, v]) => {
      const b = s.slice();
      if (b.length > 0) b[at % b.length] = v;
      return b;
    }),
    // splice out a run
    fc.tuple(sample, fc.nat(), fc.nat({ max: 16 })).map(([s, at, n]) => {
      if (s.length === 0) return s;
      const i = at % s.length;
      const k = Math.min(n, s.length - i);
      const b = new Uint8Array(s.length - k);
      b.set(s.subarray(0, i));
      b.set(s.subarray(i + k), i);
      return b;
    }),
  );
}

/**
 * Runs `decode` on random and mutated inputs. Every call must return or throw DecodeError.
 * Returns counts so a test can also assert that mutations were actually rejected.
 */
export function fuzzDecoder(
  decode: (input: Uint8Array) => unknown,
  samples: readonly Uint8Array[],
  options: FuzzOptions = {},
): { accepted: number; rejected: number } {
  assert.ok(samples.length > 0, 'fuzzDecoder needs at least one valid sample');
  const runs = options.runs ?? 10_000;
  let accepted = 0;
  let rejected = 0;
  const input = fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: options.maxLength ?? 300 }) },
    { weight: 3, arbitrary: mutated(samples) },
  );
  fc.assert(
    fc.property(input, (bytes) => {
      const started = performance.now();
      try {
        decode(bytes);
        accepted++;
      } catch (e) {
        if (!(e instanceof DecodeError)) {
          throw new Error(
            `decoder threw ${(e as Error)?.name ?? typeof e} instead of DecodeError: ${String(e)}`,
          );
        }
        rejected++;
      }
      const ms = performance.now() - started;
      if (ms > 2000) throw new Error(`decoder took ${ms.toFixed(0)} ms on a ${bytes.length}-byte input`);
    }),
    { numRuns: runs, seed: options.seed ?? Number(process.env.FUZZ_SEED ?? 0x5eed), endOnFailure: true },
  );
  return { accepted, rejected };
}
