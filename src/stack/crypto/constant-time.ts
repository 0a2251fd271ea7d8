/**
 * Constant-time helpers for the pure-JavaScript paths. Timing depends only on the lengths of
 * the inputs, never on their contents.
 */

/** True when `a` and `b` hold the same bytes; false on length mismatch (lengths are not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True when every byte is zero, without an early exit. */
export function isAllZero(a: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i]!;
  return acc === 0;
}
