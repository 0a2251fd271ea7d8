/** AES-128 block encryption in pure JavaScript (@noble/ciphers' block function, key expanded once). */
import { unsafe } from '@noble/ciphers/aes.js';
import type { Aes128Block } from './provider.ts';
import { requireLength } from './checks.ts';

export function createJsAes128Block(key: Uint8Array): Aes128Block {
  requireLength('AES-128 key', key, 16);
  const xk = unsafe.expandKeyLE(key);
  // noble works on 32-bit words in place, so the block must be 4-byte aligned: use our own scratch.
  const scratch = new Uint8Array(16);
  return {
    encryptBlock(input: Uint8Array, out?: Uint8Array): Uint8Array {
      requireLength('AES block', input, 16);
      scratch.set(input);
      unsafe.encryptBlock(xk, scratch);
      const dst = out ?? new Uint8Array(16);
      dst.set(scratch);
      return dst;
    },
  };
}
