/**
 * CCM (RFC 3610) and CCM* (IEEE 802.15.4-2015 Annex B) on a keyed AES-128 block, with a
 * 13-byte nonce and L = 2 (messages up to 65535 bytes). CCM* extends CCM with M = 0
 * (encryption without authentication, security level 4) and, for levels 1–3, authentication
 * without encryption (the payload joins the authenticated data, 802.15.4-2015 §9.3.5.2).
 *
 * node:crypto's `aes-128-ccm` is deliberately not used: it cannot do M = 0 and is absent from
 * Electron's BoringSSL (DESIGN.md §3.5).
 */
import type { Aes128Block, SecurityLevel } from './provider.ts';
import { CryptoError } from './provider.ts';
import { requireLength } from './checks.ts';
import { constantTimeEqual } from './constant-time.ts';

/** Nonce length for L = 2: 15 − L (RFC 3610 §2). */
export const CCM_NONCE_LENGTH = 13;
const L = 2;
const MAX_MESSAGE_LENGTH = 0xffff; // l(m) < 2^(8L)

/** MIC length in bytes of each 802.15.4 security level (802.15.4-2015 Table 9-6). */
export const SECURITY_LEVEL_MIC_LENGTH: readonly number[] = [0, 4, 8, 16, 0, 4, 8, 16];

/** True when the level encrypts the payload (levels 4–7, 802.15.4-2015 Table 9-6). */
export function securityLevelEncrypts(level: SecurityLevel): boolean {
  return level >= 4;
}

function checkLevel(level: number): asserts level is SecurityLevel {
  if (!Number.isInteger(level) || level < 0 || level > 7) {
    throw new CryptoError(`security level must be 0..7, got ${level}`);
  }
}

function checkTagLength(tagLength: number): void {
  // RFC 3610 §2: M ∈ {4, 6, 8, 10, 12, 14, 16}.
  if (!Number.isInteger(tagLength) || tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) {
    throw new CryptoError(`CCM tag length must be an even number in 4..16, got ${tagLength}`);
  }
}

function checkMessage(length: number): void {
  if (length > MAX_MESSAGE_LENGTH) {
    throw new CryptoError(`CCM with L = 2 takes at most ${MAX_MESSAGE_LENGTH} bytes, got ${length}`);
  }
}

/** Counter block A_i (RFC 3610 §2.3): flags L−1 ‖ nonce ‖ i (2 bytes, big-endian). */
function counterBlock(nonce: Uint8Array, i: number): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = L - 1;
  a.set(nonce, 1);
  a[14] = (i >>> 8) & 0xff;
  a[15] = i & 0xff;
  return a;
}

/** CBC-MAC T (RFC 3610 §2.2), full 16 bytes; M = 0 only when the caller will not use it. */
function cbcMac(
  aes: Aes128Block,
  nonce: Uint8Array,
  m: number,
  aad: Uint8Array,
  msg: Uint8Array,
): Uint8Array {
  // B0: flags = Adata·64 + M'·8 + L', M' = (M − 2)/2 (0 for CCM* M = 0), L' = L − 1.
  let aadHeaderLength = 0;
  if (aad.length > 0) aadHeaderLength = aad.length < 0xff00 ? 2 : 6;
  const aadBlocks = Math.ceil((aadHeaderLength + aad.length) / 16);
  const msgBlocks = Math.ceil(msg.length / 16);
  const buf = new Uint8Array(16 * (1 + aadBlocks + msgBlocks));
  const mPrime = m === 0 ? 0 : (m - 2) / 2;
  buf[0] = (aad.length > 0 ? 0x40 : 0) | (mPrime << 3) | (L - 1);
  buf.set(nonce, 1);
  buf[14] = (msg.length >>> 8) & 0xff;
  buf[15] = msg.length & 0xff;
  let o = 16;
  if (aad.length > 0) {
    // RFC 3610 §2.2: 0 < l(a) < 2^16 − 2^8 → 2 bytes; otherwise 0xFF 0xFE ‖ 4 bytes.
    if (aadHeaderLength === 2) {
      buf[o++] = (aad.length >>> 8) & 0xff;
      buf[o++] = aad.length & 0xff;
    } else {
      buf[o++] = 0xff;
      buf[o++] = 0xfe;
      buf[o++] = (aad.length >>> 24) & 0xff;
      buf[o++] = (aad.length >>> 16) & 0xff;
      buf[o++] = (aad.length >>> 8) & 0xff;
      buf[o++] = aad.length & 0xff;
    }
    buf.set(aad, o);
    o = 16 * (1 + aadBlocks);
  }
  buf.set(msg, o);
  const x = new Uint8Array(16);
  for (let b = 0; b < buf.length; b += 16) {
    for (let j = 0; j < 16; j++) x[j]! ^= buf[b + j]!;
    aes.encryptBlock(x, x);
  }
  return x;
}

/** CTR with A_1, A_2, … (RFC 3610 §2.3). */
function ctrFromOne(aes: Aes128Block, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  const s = new Uint8Array(16);
  for (let off = 0, i = 1; off < data.length; off += 16, i++) {
    aes.encryptBlock(counterBlock(nonce, i), s);
    const n = Math.min(16, data.length - off);
    for (let j = 0; j < n; j++) out[off + j] = data[off + j]! ^ s[j]!;
  }
  return out;
}

/** U = first M bytes of T ⊕ S_0 (RFC 3610 §2.3). */
function encryptedTag(aes: Aes128Block, nonce: Uint8Array, m: number, t: Uint8Array): Uint8Array {
  const s0 = aes.encryptBlock(counterBlock(nonce, 0));
  const u = new Uint8Array(m);
  for (let j = 0; j < m; j++) u[j] = t[j]! ^ s0[j]!;
  return u;
}

/**
 * CCM / CCM* core: `m` is the MIC length (0 or 4..16), `encrypt` whether the message is
 * encrypted. With `encrypt` false the message is authenticated in clear: a = aad ‖ message.
 */
function seal(
  aes: Aes128Block,
  nonce: Uint8Array,
  m: number,
  encrypt: boolean,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  requireLength('CCM nonce', nonce, CCM_NONCE_LENGTH);
  checkMessage(plaintext.length);
  const out = new Uint8Array(plaintext.length + m);
  if (encrypt) {
    out.set(ctrFromOne(aes, nonce, plaintext));
    if (m > 0) out.set(encryptedTag(aes, nonce, m, cbcMac(aes, nonce, m, aad, plaintext)), plaintext.length);
  } else {
    out.set(plaintext);
    if (m > 0) {
      const a = concat(aad, plaintext);
      out.set(encryptedTag(aes, nonce, m, cbcMac(aes, nonce, m, a, new Uint8Array(0))), plaintext.length);
    }
  }
  return out;
}

function open(
  aes: Aes128Block,
  nonce: Uint8Array,
  m: number,
  encrypt: boolean,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  requireLength('CCM nonce', nonce, CCM_NONCE_LENGTH);
  if (sealed.length < m) return null;
  const body = sealed.subarray(0, sealed.length - m);
  checkMessage(body.length);
  const plaintext = encrypt ? ctrFromOne(aes, nonce, body) : body.slice();
  if (m === 0) return plaintext;
  const t = encrypt
    ? cbcMac(aes, nonce, m, aad, plaintext)
    : cbcMac(aes, nonce, m, concat(aad, plaintext), new Uint8Array(0));
  const expected = encryptedTag(aes, nonce, m, t);
  if (!constantTimeEqual(expected, sealed.subarray(body.length))) {
    plaintext.fill(0);
    return null;
  }
  return plaintext;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** CCM* seal (802.15.4-2015 Annex B, §9.3): returns payload (encrypted for levels 4–7) ‖ MIC. */
export function ccmStarSealBlock(
  aes: Aes128Block,
  nonce: Uint8Array,
  level: SecurityLevel,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  checkLevel(level);
  if (level === 0) {
    requireLength('CCM nonce', nonce, CCM_NONCE_LENGTH);
    return plaintext.slice();
  }
  return seal(aes, nonce, SECURITY_LEVEL_MIC_LENGTH[level]!, securityLevelEncrypts(level), aad, plaintext);
}

/** CCM* open: the payload, or `null` when the MIC does not verify. */
export function ccmStarOpenBlock(
  aes: Aes128Block,
  nonce: Uint8Array,
  level: SecurityLevel,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  checkLevel(level);
  if (level === 0) {
    requireLength('CCM nonce', nonce, CCM_NONCE_LENGTH);
    return sealed.slice();
  }
  return open(aes, nonce, SECURITY_LEVEL_MIC_LENGTH[level]!, securityLevelEncrypts(level), aad, sealed);
}

/** Generic CCM (RFC 3610), L = 2, tag length 4..16 even: returns ciphertext ‖ tag. */
export function ccmSealBlock(
  aes: Aes128Block,
  nonce: Uint8Array,
  tagLength: number,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  checkTagLength(tagLength);
  return seal(aes, nonce, tagLength, true, aad, plaintext);
}

/** Generic CCM open; `null` when the tag does not verify. */
export function ccmOpenBlock(
  aes: Aes128Block,
  nonce: Uint8Array,
  tagLength: number,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  checkTagLength(tagLength);
  return open(aes, nonce, tagLength, true, aad, sealed);
}
