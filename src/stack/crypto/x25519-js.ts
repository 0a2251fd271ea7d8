/**
 * X25519 (RFC 7748 §5) for the pure-JavaScript back-end, from @noble/curves (audited). The node
 * back-end (OpenSSL/BoringSSL, both of which have X25519) is preferred whenever it is available.
 * Input lengths and the all-zero shared secret (RFC 7748 §6.1, required by WireGuard) are checked
 * here so both back-ends refuse the same inputs.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { CryptoError } from './provider.ts';
import { requireLength } from './checks.ts';
import { isAllZero } from './constant-time.ts';

export function x25519PublicKeyJs(privateKey: Uint8Array): Uint8Array {
  requireLength('X25519 private key', privateKey, 32);
  return x25519.getPublicKey(privateKey);
}

export function x25519Js(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  requireLength('X25519 private key', privateKey, 32);
  requireLength('X25519 public key', publicKey, 32);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(privateKey, publicKey);
  } catch (e) {
    // noble refuses low-order points itself; report it as the same error as the node back-end.
    throw new CryptoError(`X25519: ${(e as Error).message}`);
  }
  if (isAllZero(shared)) throw new CryptoError('X25519: all-zero shared secret (low-order public key)');
  return shared;
}
