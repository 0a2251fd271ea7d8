/**
 * The crypto provider: every primitive the stack uses, behind one interface with two back-ends
 * (DESIGN.md §3.5). `node` uses node:crypto where it has the primitive (AES block/CTR, SHA-2,
 * HMAC, X25519, randomness; ChaCha20-Poly1305 and BLAKE2s only where the running OpenSSL has
 * them, never in Electron's BoringSSL); `js` is pure JavaScript (@noble/ciphers, @noble/hashes
 * and this project's modes on the AES block). Modes built on the AES block (CCM*, CMAC, EAX)
 * and constructions (prf+, WireGuard HKDF) are shared code over `aes128`/`hmacSha256`.
 *
 * All keys and outputs are plain Uint8Array. Authenticated-decryption failures return `null`:
 * a forged frame is an expected event on a radio, not an exception.
 */

/** A keyed AES-128 block encryptor (forward direction only: CCM*, CMAC, EAX and CTR need no inverse). */
export interface Aes128Block {
  /** Encrypts one 16-byte block. `out` may be given to avoid an allocation; returns it. */
  encryptBlock(input: Uint8Array, out?: Uint8Array): Uint8Array;
}

/** IEEE 802.15.4 security levels 0–7 (802.15.4-2015 Table 9-6). */
export type SecurityLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface CryptoProvider {
  /** Which back-end this is: chosen at start-up by capability checks (see select-provider.ts). */
  readonly backend: 'node' | 'js';

  // --- AES ---
  aes128(key: Uint8Array): Aes128Block;
  /** AES-128-CTR with a full 16-byte initial counter block, big-endian increment of the whole block. */
  aes128Ctr(key: Uint8Array, counterBlock: Uint8Array, data: Uint8Array): Uint8Array;

  // --- Modes on the AES block ---
  /**
   * CCM* (802.15.4-2015 Annex B): 13-byte nonce, L = 2. Levels 1–3 authenticate only (MIC 4/8/16),
   * 4 encrypts only, 5–7 encrypt and authenticate (MIC 4/8/16), 0 returns the plaintext.
   * Returns ciphertext ‖ MIC. For levels 1–3 the payload stays in clear and is authenticated as
   * part of the additional data (a = aad ‖ payload, 802.15.4-2015 §9.3.5.2), so how a caller
   * splits header from payload does not change the MIC. Throws CryptoError on a key that is not
   * 16 bytes, a nonce that is not 13 bytes, a level outside 0..7 or a payload over 65535 bytes.
   */
  ccmStarSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    level: SecurityLevel,
    aad: Uint8Array,
    plaintext: Uint8Array,
  ): Uint8Array;
  /** Inverse of ccmStarSeal; `null` when the MIC does not verify. */
  ccmStarOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    level: SecurityLevel,
    aad: Uint8Array,
    sealed: Uint8Array,
  ): Uint8Array | null;
  /** Generic AES-CCM with MIC length `tagLength` (4..16, even) and 13-byte nonce (L = 2), e.g. for PANA key-wrap. */
  ccmSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    tagLength: number,
    aad: Uint8Array,
    plaintext: Uint8Array,
  ): Uint8Array;
  ccmOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    tagLength: number,
    aad: Uint8Array,
    sealed: Uint8Array,
  ): Uint8Array | null;
  /** AES-CMAC (RFC 4493), 16-byte tag. */
  cmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** AES-EAX (Bellare–Rogaway–Wagner), 16-byte tag; returns ciphertext ‖ tag. */
  eaxSeal(key: Uint8Array, nonce: Uint8Array, header: Uint8Array, plaintext: Uint8Array): Uint8Array;
  eaxOpen(key: Uint8Array, nonce: Uint8Array, header: Uint8Array, sealed: Uint8Array): Uint8Array | null;

  // --- Hashes and MACs ---
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** IKEv2 prf+ (RFC 7296 §2.13) with HMAC-SHA-256: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). */
  prfPlus(key: Uint8Array, seed: Uint8Array, length: number): Uint8Array;
  /** BLAKE2s with output length 1..32 and optional key (0..32 bytes): keyed BLAKE2s-128 is WireGuard's MAC. */
  blake2s(data: Uint8Array, outLength?: number, key?: Uint8Array): Uint8Array;
  /** HMAC over BLAKE2s-256 (RFC 2104 with 64-byte block). */
  hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * WireGuard's KDF_n (whitepaper §5.4, HKDF with HMAC-BLAKE2s): returns `n` 32-byte outputs
   * τ1..τn for chaining key `key` and input `input`.
   */
  hkdfBlake2s(key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Uint8Array[];

  // --- AEAD ---
  /** ChaCha20-Poly1305 (RFC 8439), 12-byte nonce; returns ciphertext ‖ 16-byte tag. */
  chacha20Poly1305Seal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
  chacha20Poly1305Open(
    key: Uint8Array,
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array | null;
  /** XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), 24-byte nonce. */
  xchacha20Poly1305Seal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
  xchacha20Poly1305Open(
    key: Uint8Array,
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array | null;

  // --- Curve25519 (RFC 7748) ---
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** Shared secret; throws CryptoError on an all-zero result (low-order point), as WireGuard requires. */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;

  // --- Misc ---
  randomBytes(n: number): Uint8Array;
  /** Constant-time comparison; false on length mismatch. Use for every MAC, MIC and AUTH check. */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

/** Misuse of a primitive (wrong key or nonce length, low-order point): a programming or peer error. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
}
