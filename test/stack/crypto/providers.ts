// Every back-end the vector tests run on: node (with whatever the running OpenSSL offers),
// node as on Electron's BoringSSL (ChaCha20-Poly1305 and BLAKE2s forced to @noble), and js.
import { createJsProvider, createNodeProvider } from '../../../src/stack/crypto/index.ts';
import type { CryptoProvider } from '../../../src/stack/crypto/index.ts';

export interface NamedProvider {
  name: string;
  crypto: CryptoProvider;
}

export const PROVIDERS: NamedProvider[] = [
  { name: 'node', crypto: createNodeProvider() },
  {
    name: 'node (BoringSSL-like: no chacha20-poly1305, no blake2s)',
    crypto: createNodeProvider({ disable: ['chacha20-poly1305', 'blake2s'] }),
  },
  { name: 'js', crypto: createJsProvider() },
];

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** 0x00, 0x01, … n−1 (as in many KATs). */
export const seq = (n: number, start = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
