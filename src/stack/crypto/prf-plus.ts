/** IKEv2 prf+ (RFC 7296 §2.13) over any PRF; the stack uses HMAC-SHA-256 (PANA, RFC 5191 §5.3). */
import { CryptoError } from './provider.ts';

export type Prf = (key: Uint8Array, data: Uint8Array) => Uint8Array;

/**
 * prf+ (K, S) = T1 | T2 | T3 | …, T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n),
 * truncated to `length` bytes. The counter is one octet, so at most 255 blocks (RFC 7296 §2.13).
 */
export function prfPlusWith(prf: Prf, key: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0)
    throw new CryptoError(`prf+ length must be ≥ 0, got ${length}`);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  let filled = 0;
  for (let n = 1; filled < length; n++) {
    if (n > 255) throw new CryptoError(`prf+ cannot produce ${length} bytes: the counter is one octet`);
    const input = new Uint8Array(t.length + seed.length + 1);
    input.set(t);
    input.set(seed, t.length);
    input[input.length - 1] = n;
    t = prf(key, input);
    const take = Math.min(t.length, length - filled);
    out.set(t.subarray(0, take), filled);
    filled += take;
  }
  return out;
}
