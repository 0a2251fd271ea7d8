// Shared set-up for the key server tests: a temporary data folder with a migrated store, a master
// key, and a memory log sink. Everything is removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { randomBytes } from 'node:crypto';
import { createLogger, memorySink, type Logger, type SecretBytes } from '../../../src/log/index.ts';
import { masterKeyFromBytes } from '../../../src/headend/keys/index.ts';
import { openHeadendStore, type HeadendStore } from '../../../src/headend/storage/index.ts';

export const PSK_A = '000102030405060708090a0b0c0d0e0f';
export const PSK_B = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
export const EUI_A = '0012a1b2c3d4e5f6';
export const EUI_B = '0012a1b2c3d4e5f7';

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Fixture {
  readonly dir: string;
  readonly store: HeadendStore;
  readonly master: SecretBytes;
  readonly sink: ReturnType<typeof memorySink>;
  readonly logger: Logger;
}

export function fixture(t: TestContext): Fixture {
  const dir = tempDir(t);
  const store = openHeadendStore({ directory: dir }, Date.now());
  t.after(() => store.close());
  const sink = memorySink();
  return {
    dir,
    store,
    master: masterKeyFromBytes(new Uint8Array(randomBytes(32))),
    sink,
    logger: createLogger('test.keys', { sink, level: 'trace' }),
  };
}

export const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
