/** The pure-JavaScript back-end: @noble/ciphers, @noble/hashes, and @noble/curves X25519. */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import type { CryptoProvider } from './provider.ts';
import { CryptoError } from './provider.ts';
import { composeProvider } from './compose.ts';
import { createJsAes128Block } from './aes-block-js.ts';
import { ctrBlock } from './eax.ts';
import { constantTimeEqual } from './constant-time.ts';
import { x25519Js, x25519PublicKeyJs } from './x25519-js.ts';

type NobleAead = typeof chacha20poly1305;

/** noble's AEADs, shared with the node back-end's fallbacks. */
export function nobleAead(cipher: NobleAead): {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null;
} {
  return {
    seal: (key, nonce, plaintext, aad) => cipher(key, nonce, aad).encrypt(plaintext),
    open(key, nonce, sealed, aad) {
      try {
        // noble checks the Poly1305 tag in constant time and throws on mismatch.
        return cipher(key, nonce, aad).decrypt(sealed);
      } catch {
        return null;
      }
    },
  };
}

export const nobleChaCha20Poly1305 = nobleAead(chacha20poly1305);
export const nobleXChaCha20Poly1305 = nobleAead(xchacha20poly1305);

/** BLAKE2s with @noble/hashes; empty key = unkeyed. */
export function nobleBlake2s(data: Uint8Array, outLength: number, key: Uint8Array): Uint8Array {
  return key.length > 0 ? blake2s(data, { dkLen: outLength, key }) : blake2s(data, { dkLen: outLength });
}

export function nobleHmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(blake2s, key, data);
}

const MAX_GET_RANDOM_VALUES = 65536; // Web Crypto's per-call quota

function webRandomBytes(n: number): Uint8Array {
  const c = (globalThis as { crypto?: { getRandomValues?<T extends Uint8Array>(a: T): T } }).crypto;
  if (c?.getRandomValues === undefined)
    throw new CryptoError('globalThis.crypto.getRandomValues is not available');
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += MAX_GET_RANDOM_VALUES) {
    c.getRandomValues(out.subarray(o, Math.min(n, o + MAX_GET_RANDOM_VALUES)));
  }
  return out;
}

export function createJsProvider(): CryptoProvider {
  return composeProvider({
    backend: 'js',
    aes128: createJsAes128Block,
    aes128Ctr: (key, counterBlock, data) => ctrBlock(createJsAes128Block(key), counterBlock, data),
    sha256: (data) => sha256(data),
    hmacSha256: (key, data) => hmac(sha256, key, data),
    blake2s: nobleBlake2s,
    hmacBlake2s: nobleHmacBlake2s,
    chacha20Poly1305: nobleChaCha20Poly1305,
    xchacha20Poly1305: nobleXChaCha20Poly1305,
    x25519PublicKey: x25519PublicKeyJs,
    x25519: x25519Js,
    randomBytes: webRandomBytes,
    timingSafeEqual: constantTimeEqual,
  });
}
