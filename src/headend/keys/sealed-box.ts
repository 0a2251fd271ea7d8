/**
 * Secrets at rest (meter PSKs, network keys) as AES-256-GCM boxes under the key server's master
 * key (NIST SP 800-38D). Box layout: version (1 byte, 0x01) ‖ IV (12 bytes, random) ‖ ciphertext ‖
 * tag (16 bytes). The additional authenticated data names what the box holds and for whom
 * (`meter-psk:<meter id>`, `network-key:<key id>`), so a box copied into another row does not open.
 *
 * Random 96-bit IVs: SP 800-38D §8.3 bounds one key to 2^32 invocations with random IVs, far
 * above the number of secrets a key server seals.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { SecretBytes } from '../../log/index.ts';
import type { RandomSource } from '../access/clock.ts';

export const SEALED_BOX_VERSION = 0x01;
const IV_LENGTH = 12; // NIST SP 800-38D §5.2.1.1: 96-bit IVs are the recommended length
const TAG_LENGTH = 16;
const CIPHER = 'aes-256-gcm';

/** A box that does not open: wrong master key, another row's box, or a corrupted file. */
export class SealedBoxError extends Error {
  override name = 'SealedBoxError';
}

function aad(purpose: string): Buffer {
  return Buffer.from(`fieldroot-keys v1 ${purpose}`, 'utf8');
}

export function sealSecret(
  master: SecretBytes,
  purpose: string,
  plaintext: Uint8Array,
  random: RandomSource,
): Uint8Array {
  const iv = random(IV_LENGTH);
  if (iv.length !== IV_LENGTH) throw new RangeError('random source returned a short IV');
  const cipher = createCipheriv(CIPHER, master.expose(), iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad(purpose));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const box = new Uint8Array(1 + IV_LENGTH + body.length + TAG_LENGTH);
  box[0] = SEALED_BOX_VERSION;
  box.set(iv, 1);
  box.set(body, 1 + IV_LENGTH);
  box.set(cipher.getAuthTag(), 1 + IV_LENGTH + body.length);
  body.fill(0);
  return box;
}

/** The plaintext of a box; the caller wipes it when done. */
export function openSecret(master: SecretBytes, purpose: string, box: Uint8Array): Uint8Array {
  if (box.length < 1 + IV_LENGTH + TAG_LENGTH || box[0] !== SEALED_BOX_VERSION)
    throw new SealedBoxError(`sealed ${purpose} has an unknown format`);
  const iv = box.subarray(1, 1 + IV_LENGTH);
  const body = box.subarray(1 + IV_LENGTH, box.length - TAG_LENGTH);
  const tag = box.subarray(box.length - TAG_LENGTH);
  const decipher = createDecipheriv(CIPHER, master.expose(), iv, { authTagLength: TAG_LENGTH });
  decipher.setAAD(aad(purpose));
  decipher.setAuthTag(tag);
  try {
    const plain = Buffer.concat([decipher.update(body), decipher.final()]);
    const out = new Uint8Array(plain);
    plain.fill(0);
    return out;
  } catch {
    throw new SealedBoxError(`sealed ${purpose} does not open under this master key`);
  }
}
