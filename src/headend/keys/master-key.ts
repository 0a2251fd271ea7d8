/**
 * The key server's master key: 32 random bytes that seal every PSK and network key at rest
 * (sealed-box.ts). Kept in `<data dir>/keys/master.key` (raw bytes, mode 0600, folder 0700),
 * created on first start; or injected by the caller (an HSM or a secret manager in production).
 * Losing it makes every stored PSK unreadable: back it up apart from the database, never with it.
 */
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBytes } from '../../log/index.ts';
import type { RandomSource } from '../access/clock.ts';

export const MASTER_KEY_LENGTH = 32;
export const MASTER_KEY_FOLDER = 'keys';
export const MASTER_KEY_FILE = 'master.key';

export function masterKeyPath(dataDir: string): string {
  return join(dataDir, MASTER_KEY_FOLDER, MASTER_KEY_FILE);
}

export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

/** Wraps injected bytes (e.g. from a secret manager); the caller may wipe its copy. */
export function masterKeyFromBytes(bytes: Uint8Array): SecretBytes {
  if (bytes.length !== MASTER_KEY_LENGTH)
    throw new MasterKeyError(`master key must be ${MASTER_KEY_LENGTH} bytes, is ${bytes.length}`);
  return new SecretBytes(bytes, 'key server master key');
}

/**
 * Reads `<dataDir>/keys/master.key`, creating it with fresh random bytes when absent. Refuses a
 * file of the wrong size or one readable by group or others (POSIX), rather than using a key
 * that may have leaked.
 */
export function loadOrCreateMasterKey(
  dataDir: string,
  random: RandomSource,
): { key: SecretBytes; created: boolean } {
  const folder = join(dataDir, MASTER_KEY_FOLDER);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const path = masterKeyPath(dataDir);
  let created = false;
  try {
    // 'wx': fails when the file exists, so two processes starting at once cannot both write one.
    const fd = openSync(path, 'wx', 0o600);
    const bytes = random(MASTER_KEY_LENGTH);
    try {
      writeSync(fd, bytes);
    } finally {
      closeSync(fd);
      bytes.fill(0);
    }
    chmodSync(path, 0o600); // the umask may have narrowed the mode further, never widened it
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0)
    throw new MasterKeyError(`${path} is readable by group or others; chmod 600 it (or restore it) first`);
  const raw = readFileSync(path);
  try {
    if (raw.length !== MASTER_KEY_LENGTH)
      throw new MasterKeyError(`${path} holds ${raw.length} bytes, expected ${MASTER_KEY_LENGTH}`);
    return { key: masterKeyFromBytes(raw), created };
  } finally {
    raw.fill(0);
  }
}
