/** Injected time and randomness for the access services (tests pass a fake clock and a seeded source). */
import { randomBytes } from 'node:crypto';

/** Milliseconds since the Unix epoch. */
export type Clock = () => number;

/** Returns `length` bytes from a cryptographically strong source in production. */
export type RandomSource = (length: number) => Uint8Array;

export const systemClock: Clock = () => Date.now();
export const systemRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));
