/** AES-CMAC (RFC 4493) on a keyed AES-128 block. */
import type { Aes128Block } from './provider.ts';

/** Doubling in GF(2^128) with R_128 = 0x87 (RFC 4493 §2.3, "Generate_Subkey"). */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  const msb = block[0]! >>> 7;
  for (let i = 0; i < 15; i++) out[i] = ((block[i]! << 1) | (block[i + 1]! >>> 7)) & 0xff;
  // Constant-time conditional XOR with Rb.
  out[15] = ((block[15]! << 1) & 0xff) ^ (0x87 & -msb);
  return out;
}

/** The CMAC subkeys K1, K2 (RFC 4493 §2.3). */
export function cmacSubkeys(aes: Aes128Block): { k1: Uint8Array; k2: Uint8Array } {
  const l = aes.encryptBlock(new Uint8Array(16));
  const k1 = dbl(l);
  return { k1, k2: dbl(k1) };
}

/** A reusable CMAC under one key (subkeys computed once). */
export interface Cmac {
  mac(data: Uint8Array): Uint8Array;
  /** CMAC of `prefix` ‖ `data` without concatenating; `prefix` is a whole 16-byte block (EAX's [t]). */
  macWithPrefixBlock(prefix: Uint8Array, data: Uint8Array): Uint8Array;
}

export function createCmac(aes: Aes128Block): Cmac {
  const { k1, k2 } = cmacSubkeys(aes);
  const run = (parts: Uint8Array[]): Uint8Array => {
    let total = 0;
    for (const p of parts) total += p.length;
    // RFC 4493 §2.4: n = ceil(len/16), n = 1 for the empty message.
    const n = Math.max(1, Math.ceil(total / 16));
    const complete = total > 0 && total % 16 === 0;
    const x = new Uint8Array(16);
    const block = new Uint8Array(16);
    let partIndex = 0;
    let partOffset = 0;
    const fill = (): number => {
      let filled = 0;
      while (filled < 16 && partIndex < parts.length) {
        const p = parts[partIndex]!;
        const take = Math.min(16 - filled, p.length - partOffset);
        block.set(p.subarray(partOffset, partOffset + take), filled);
        filled += take;
        partOffset += take;
        if (partOffset === p.length) {
          partIndex++;
          partOffset = 0;
        }
      }
      return filled;
    };
    for (let i = 0; i < n; i++) {
      block.fill(0);
      const filled = fill();
      if (i === n - 1) {
        if (complete) {
          for (let j = 0; j < 16; j++) block[j]! ^= k1[j]!;
        } else {
          block[filled] = 0x80; // padding 10^i
          for (let j = 0; j < 16; j++) block[j]! ^= k2[j]!;
        }
      }
      for (let j = 0; j < 16; j++) x[j]! ^= block[j]!;
      aes.encryptBlock(x, x);
    }
    return x;
  };
  return {
    mac: (data) => run([data]),
    macWithPrefixBlock: (prefix, data) => run([prefix, data]),
  };
}

/** AES-CMAC(K, M), 16-byte tag (RFC 4493 §2.4). */
export function cmacBlock(aes: Aes128Block, data: Uint8Array): Uint8Array {
  return createCmac(aes).mac(data);
}
