/**
 * WireGuard's KDF_n (whitepaper "WireGuard: Next Generation Kernel Network Tunnel", §5.4):
 * HKDF (RFC 5869) with HMAC-BLAKE2s, salt = chaining key, IKM = input, empty info:
 *   τ0 = HMAC(key, input), τ1 = HMAC(τ0, 0x1), τi = HMAC(τ0, τ(i−1) ‖ i).
 */
import type { Prf } from './prf-plus.ts';
import { CryptoError } from './provider.ts';

export function hkdfWith(hmac: Prf, key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Uint8Array[] {
  if (n !== 1 && n !== 2 && n !== 3)
    throw new CryptoError(`WireGuard KDF produces 1..3 outputs, got ${String(n)}`);
  const prk = hmac(key, input);
  const out: Uint8Array[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    const msg = new Uint8Array(prev.length + 1);
    msg.set(prev);
    msg[prev.length] = i;
    prev = hmac(prk, msg);
    out.push(prev);
  }
  prk.fill(0);
  return out;
}
