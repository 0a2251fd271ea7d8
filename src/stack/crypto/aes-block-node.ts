/**
 * AES-128 block encryption through node:crypto: one `aes-128-ecb` cipher per key, padding off,
 * fed one block at a time (ECB without padding emits each full block on `update`).
 */
import { createCipheriv } from 'node:crypto';
import type { Aes128Block } from './provider.ts';
import { requireLength } from './checks.ts';

export function createNodeAes128Block(key: Uint8Array): Aes128Block {
  requireLength('AES-128 key', key, 16);
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return {
    encryptBlock(input: Uint8Array, out?: Uint8Array): Uint8Array {
      requireLength('AES block', input, 16);
      const result = cipher.update(input);
      const dst = out ?? new Uint8Array(16);
      dst.set(result);
      return dst;
    },
  };
}
