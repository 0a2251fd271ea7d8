/**
 * EAX mode (Bellare, Rogaway, Wagner, "The EAX Mode of Operation", FSE 2004) on AES-128 with
 * OMAC1 = CMAC and a 16-byte tag, as EAP-PSK uses it (RFC 4764 §3.3).
 *   N' = OMAC^0(N), H' = OMAC^1(H), C = CTR^{N'}(M), C' = OMAC^2(C), Tag = N' ⊕ C' ⊕ H'
 * where OMAC^t(X) = CMAC([t]_16 ‖ X) and CTR increments the whole 128-bit block big-endian.
 */
import type { Aes128Block } from './provider.ts';
import { createCmac, type Cmac } from './cmac.ts';
import { constantTimeEqual } from './constant-time.ts';

export const EAX_TAG_LENGTH = 16;

function omac(cmac: Cmac, t: number, data: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(16);
  prefix[15] = t;
  return cmac.macWithPrefixBlock(prefix, data);
}

/** CTR over the AES block with a full 16-byte big-endian counter. */
export function ctrBlock(aes: Aes128Block, counter: Uint8Array, data: Uint8Array): Uint8Array {
  const ctr = counter.slice();
  const out = new Uint8Array(data.length);
  const s = new Uint8Array(16);
  for (let off = 0; off < data.length; off += 16) {
    aes.encryptBlock(ctr, s);
    const n = Math.min(16, data.length - off);
    for (let j = 0; j < n; j++) out[off + j] = data[off + j]! ^ s[j]!;
    for (let j = 15; j >= 0; j--) {
      ctr[j] = (ctr[j]! + 1) & 0xff;
      if (ctr[j] !== 0) break;
    }
  }
  return out;
}

function tagOf(nPrime: Uint8Array, hPrime: Uint8Array, cPrime: Uint8Array): Uint8Array {
  const tag = new Uint8Array(16);
  for (let j = 0; j < 16; j++) tag[j] = nPrime[j]! ^ hPrime[j]! ^ cPrime[j]!;
  return tag;
}

/** EAX encryption: ciphertext ‖ 16-byte tag. The nonce may be any length. */
export function eaxSealBlock(
  aes: Aes128Block,
  nonce: Uint8Array,
  header: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const cmac = createCmac(aes);
  const nPrime = omac(cmac, 0, nonce);
  const hPrime = omac(cmac, 1, header);
  const c = ctrBlock(aes, nPrime, plaintext);
  const out = new Uint8Array(c.length + EAX_TAG_LENGTH);
  out.set(c);
  out.set(tagOf(nPrime, hPrime, omac(cmac, 2, c)), c.length);
  return out;
}

/** EAX decryption; `null` when the tag does not verify (checked before decrypting). */
export function eaxOpenBlock(
  aes: Aes128Block,
  nonce: Uint8Array,
  header: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  if (sealed.length < EAX_TAG_LENGTH) return null;
  const c = sealed.subarray(0, sealed.length - EAX_TAG_LENGTH);
  const cmac = createCmac(aes);
  const nPrime = omac(cmac, 0, nonce);
  const hPrime = omac(cmac, 1, header);
  const expected = tagOf(nPrime, hPrime, omac(cmac, 2, c));
  if (!constantTimeEqual(expected, sealed.subarray(c.length))) return null;
  return ctrBlock(aes, nPrime, c);
}
