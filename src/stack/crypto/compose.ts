/**
 * Assembles a CryptoProvider from a back-end's primitives: argument validation (identical for
 * both back-ends) and the constructions shared by both (CCM*, CCM, CMAC, EAX on the AES
 * block; prf+ on HMAC-SHA-256; WireGuard's KDF on HMAC-BLAKE2s).
 */
import type { Aes128Block, CryptoProvider, SecurityLevel } from './provider.ts';
import { CryptoError } from './provider.ts';
import { requireLength, requireLengthRange } from './checks.ts';
import { ccmOpenBlock, ccmSealBlock, ccmStarOpenBlock, ccmStarSealBlock } from './ccm-star.ts';
import { cmacBlock } from './cmac.ts';
import { eaxOpenBlock, eaxSealBlock } from './eax.ts';
import { prfPlusWith } from './prf-plus.ts';
import { hkdfWith } from './wireguard-kdf.ts';

type Aead = {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** `null` on tag failure. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null;
};

/** What a back-end supplies; everything else is built on these. Inputs arrive already validated. */
export interface Primitives {
  backend: 'node' | 'js';
  aes128(key: Uint8Array): Aes128Block;
  aes128Ctr(key: Uint8Array, counterBlock: Uint8Array, data: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256: (key: Uint8Array, data: Uint8Array) => Uint8Array;
  /** `key` is empty for unkeyed hashing. */
  blake2s(data: Uint8Array, outLength: number, key: Uint8Array): Uint8Array;
  hmacBlake2s: (key: Uint8Array, data: Uint8Array) => Uint8Array;
  chacha20Poly1305: Aead;
  xchacha20Poly1305: Aead;
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** May return the all-zero value; the check is made here. */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  randomBytes(n: number): Uint8Array;
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

const CHACHA_KEY = 32;
const CHACHA_NONCE = 12;
const XCHACHA_NONCE = 24;
const POLY1305_TAG = 16;

function bytes(what: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new CryptoError(`${what} must be a Uint8Array`);
}

export function composeProvider(p: Primitives): CryptoProvider {
  const aes = (key: Uint8Array): Aes128Block => {
    requireLength('AES-128 key', key, 16);
    return p.aes128(key);
  };
  return {
    backend: p.backend,
    aes128: aes,
    aes128Ctr(key, counterBlock, data) {
      requireLength('AES-128 key', key, 16);
      requireLength('AES-CTR counter block', counterBlock, 16);
      bytes('data', data);
      return p.aes128Ctr(key, counterBlock, data);
    },
    ccmStarSeal(key, nonce, level: SecurityLevel, aad, plaintext) {
      bytes('aad', aad);
      bytes('plaintext', plaintext);
      return ccmStarSealBlock(aes(key), nonce, level, aad, plaintext);
    },
    ccmStarOpen(key, nonce, level: SecurityLevel, aad, sealed) {
      bytes('aad', aad);
      bytes('sealed', sealed);
      return ccmStarOpenBlock(aes(key), nonce, level, aad, sealed);
    },
    ccmSeal(key, nonce, tagLength, aad, plaintext) {
      bytes('aad', aad);
      bytes('plaintext', plaintext);
      return ccmSealBlock(aes(key), nonce, tagLength, aad, plaintext);
    },
    ccmOpen(key, nonce, tagLength, aad, sealed) {
      bytes('aad', aad);
      bytes('sealed', sealed);
      return ccmOpenBlock(aes(key), nonce, tagLength, aad, sealed);
    },
    cmac(key, data) {
      bytes('data', data);
      return cmacBlock(aes(key), data);
    },
    eaxSeal(key, nonce, header, plaintext) {
      bytes('nonce', nonce);
      bytes('header', header);
      bytes('plaintext', plaintext);
      return eaxSealBlock(aes(key), nonce, header, plaintext);
    },
    eaxOpen(key, nonce, header, sealed) {
      bytes('nonce', nonce);
      bytes('header', header);
      bytes('sealed', sealed);
      return eaxOpenBlock(aes(key), nonce, header, sealed);
    },
    sha256(data) {
      bytes('data', data);
      return p.sha256(data);
    },
    hmacSha256(key, data) {
      bytes('key', key);
      bytes('data', data);
      return p.hmacSha256(key, data);
    },
    prfPlus(key, seed, length) {
      bytes('key', key);
      bytes('seed', seed);
      return prfPlusWith(p.hmacSha256, key, seed, length);
    },
    blake2s(data, outLength = 32, key = new Uint8Array(0)) {
      bytes('data', data);
      if (!Number.isInteger(outLength) || outLength < 1 || outLength > 32) {
        throw new CryptoError(`BLAKE2s output length must be 1..32, got ${outLength}`);
      }
      requireLengthRange('BLAKE2s key', key, 0, 32);
      return p.blake2s(data, outLength, key);
    },
    hmacBlake2s(key, data) {
      bytes('key', key);
      bytes('data', data);
      return p.hmacBlake2s(key, data);
    },
    hkdfBlake2s(key, input, n) {
      bytes('key', key);
      bytes('input', input);
      return hkdfWith(p.hmacBlake2s, key, input, n);
    },
    chacha20Poly1305Seal(key, nonce, plaintext, aad) {
      requireLength('ChaCha20-Poly1305 key', key, CHACHA_KEY);
      requireLength('ChaCha20-Poly1305 nonce', nonce, CHACHA_NONCE);
      bytes('plaintext', plaintext);
      bytes('aad', aad);
      return p.chacha20Poly1305.seal(key, nonce, plaintext, aad);
    },
    chacha20Poly1305Open(key, nonce, sealed, aad) {
      requireLength('ChaCha20-Poly1305 key', key, CHACHA_KEY);
      requireLength('ChaCha20-Poly1305 nonce', nonce, CHACHA_NONCE);
      bytes('sealed', sealed);
      bytes('aad', aad);
      if (sealed.length < POLY1305_TAG) return null;
      return p.chacha20Poly1305.open(key, nonce, sealed, aad);
    },
    xchacha20Poly1305Seal(key, nonce, plaintext, aad) {
      requireLength('XChaCha20-Poly1305 key', key, CHACHA_KEY);
      requireLength('XChaCha20-Poly1305 nonce', nonce, XCHACHA_NONCE);
      bytes('plaintext', plaintext);
      bytes('aad', aad);
      return p.xchacha20Poly1305.seal(key, nonce, plaintext, aad);
    },
    xchacha20Poly1305Open(key, nonce, sealed, aad) {
      requireLength('XChaCha20-Poly1305 key', key, CHACHA_KEY);
      requireLength('XChaCha20-Poly1305 nonce', nonce, XCHACHA_NONCE);
      bytes('sealed', sealed);
      bytes('aad', aad);
      if (sealed.length < POLY1305_TAG) return null;
      return p.xchacha20Poly1305.open(key, nonce, sealed, aad);
    },
    x25519PublicKey(privateKey) {
      requireLength('X25519 private key', privateKey, 32);
      return p.x25519PublicKey(privateKey);
    },
    x25519(privateKey, publicKey) {
      requireLength('X25519 private key', privateKey, 32);
      requireLength('X25519 public key', publicKey, 32);
      const shared = p.x25519(privateKey, publicKey);
      let acc = 0;
      for (let i = 0; i < shared.length; i++) acc |= shared[i]!;
      // RFC 7748 §6.1 / WireGuard: refuse the all-zero shared secret of a low-order point.
      if (acc === 0)
        throw new CryptoError('X25519 produced the all-zero shared secret (low-order public key)');
      return shared;
    },
    randomBytes(n) {
      if (!Number.isInteger(n) || n < 0) throw new CryptoError(`randomBytes length must be ≥ 0, got ${n}`);
      return p.randomBytes(n);
    },
    timingSafeEqual(a, b) {
      bytes('a', a);
      bytes('b', b);
      return p.timingSafeEqual(a, b);
    },
  };
}
