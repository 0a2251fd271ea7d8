/**
 * TAI64N timestamps as WireGuard carries them in the handshake initiation (whitepaper §5.4.2):
 * 12 bytes, an 8-byte big-endian TAI64 label followed by 4 big-endian nanoseconds.
 *
 * The label is 2^62 + 10 + Unix seconds, as wireguard-go `tai64n/tai64n.go` writes it (the 10 s
 * is TAI−UTC in 1972; leap seconds since are ignored, as every implementation does). Only the
 * order of timestamps from one peer matters to a responder (whitepaper §5.1: replay protection),
 * and byte order equals numeric order, so comparisons are exact.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { TIMESTAMP_LENGTH } from './constants.ts';

/** Label of Unix time 0: 2^62 + 10 (wireguard-go `tai64n.base`). */
export const TAI64_UNIX_EPOCH = (1n << 62n) + 10n;

export interface Tai64n {
  /** The TAI64 label (seconds), below 2^63. */
  readonly seconds: bigint;
  /** 0..999,999,999. */
  readonly nanoseconds: number;
}

export function encodeTai64n(t: Tai64n): Uint8Array {
  if (t.seconds < 0n || t.seconds >= 1n << 63n) throw new RangeError('TAI64 label must be below 2^63');
  if (!Number.isInteger(t.nanoseconds) || t.nanoseconds < 0 || t.nanoseconds > 999_999_999) {
    throw new RangeError(`nanoseconds out of range: ${t.nanoseconds}`);
  }
  return new ByteWriter(TIMESTAMP_LENGTH).u64be(t.seconds).u32be(t.nanoseconds).finish();
}

export function decodeTai64n(bytes: Uint8Array): Tai64n {
  const r = new ByteReader(bytes, 'tai64n');
  if (bytes.length !== TIMESTAMP_LENGTH) r.fail(`timestamp is ${bytes.length} bytes, must be 12`);
  const seconds = r.u64be('seconds');
  // TAI64 labels ≥ 2^63 are reserved (cr.yp.to/libtai/tai64.html).
  if (seconds >= 1n << 63n) r.fail('TAI64 label ≥ 2^63 is reserved', 0);
  const nanoseconds = r.u32be('nanoseconds');
  if (nanoseconds > 999_999_999) r.fail(`nanoseconds ${nanoseconds} out of range`, 8);
  return { seconds, nanoseconds };
}

/** The timestamp of a Unix time in milliseconds (the injected clock's unit). */
export function tai64nFromUnixMillis(ms: number): Tai64n {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`bad Unix time ${ms}`);
  const s = Math.floor(ms / 1000);
  return { seconds: TAI64_UNIX_EPOCH + BigInt(s), nanoseconds: (ms - s * 1000) * 1_000_000 };
}

/** Unix time in milliseconds (nanoseconds truncated). */
export function tai64nToUnixMillis(t: Tai64n): number {
  return Number(t.seconds - TAI64_UNIX_EPOCH) * 1000 + Math.floor(t.nanoseconds / 1_000_000);
}

/** −1, 0 or 1. */
export function compareTai64n(a: Tai64n, b: Tai64n): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanoseconds === b.nanoseconds ? 0 : a.nanoseconds < b.nanoseconds ? -1 : 1;
}

/**
 * True when `candidate` is strictly later than `last`: the responder's replay check on a
 * decrypted initiation (whitepaper §5.1; wireguard-go `Timestamp.After`). `last` null means
 * no initiation was accepted yet from this peer.
 */
export function isStrictlyAfter(candidate: Tai64n, last: Tai64n | null): boolean {
  return last === null || compareTai64n(candidate, last) > 0;
}

/**
 * The timestamp an initiator should send: `now`, or one nanosecond after the last one sent if the
 * clock has not moved past it (a stepped-back clock must not make the responder drop every
 * initiation as a replay; PROTOCOL-NOTES "client keeps max(now, last+1)").
 */
export function nextTimestamp(now: Tai64n, lastSent: Tai64n | null): Tai64n {
  if (lastSent === null || compareTai64n(now, lastSent) > 0) return now;
  return lastSent.nanoseconds === 999_999_999
    ? { seconds: lastSent.seconds + 1n, nanoseconds: 0 }
    : { seconds: lastSent.seconds, nanoseconds: lastSent.nanoseconds + 1 };
}
