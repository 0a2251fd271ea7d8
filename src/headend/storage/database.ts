/**
 * Opening the head-end's SQLite database (better-sqlite3) under a data folder.
 *
 * Pragmas, each chosen for the head-end's data (SQLite docs, "Pragma statements"):
 * - `journal_mode = WAL`: readers do not block the writer and the writer does not block readers,
 *   so the API can serve read results while an ingest batch commits. WAL is persistent in the
 *   file; a WAL database needs the `-wal` and `-shm` files beside it (copy all three, or
 *   checkpoint first, when backing up).
 * - `synchronous = FULL`: in WAL mode, NORMAL may lose the last transactions on a power loss
 *   (they are durable against an application crash, not an OS crash); FULL syncs the WAL on
 *   every commit so a committed readings batch or audit row survives power loss too. The price
 *   is one fsync per commit, which is why readings are ingested in batches (one transaction,
 *   one fsync, per batch) rather than one row per transaction.
 * - `foreign_keys = ON`: SQLite leaves foreign keys off by default, per connection.
 * - `busy_timeout`: a second connection (another process, a backup) waits for the lock this long
 *   instead of failing at once with SQLITE_BUSY.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** The environment variable naming the head-end's data folder. */
export const FIELDROOT_HOME_ENV = 'FIELDROOT_HOME';
export const DEFAULT_DATABASE_FILE = 'headend.sqlite3';
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface OpenDatabaseOptions {
  /** The data folder; created (with parents) when missing. */
  readonly directory: string;
  /** File name inside `directory`; `headend.sqlite3` by default. */
  readonly fileName?: string;
  readonly busyTimeoutMs?: number;
}

/**
 * The data folder from the environment: `FIELDROOT_HOME`, else `fallback` (the caller decides
 * the default, e.g. a folder under the user's home). Takes the environment as a parameter so
 * tests never read the real one.
 */
export function dataDirectoryFrom(
  env: Readonly<Record<string, string | undefined>>,
  fallback: string,
): string {
  const home = env[FIELDROOT_HOME_ENV];
  return home !== undefined && home !== '' ? home : fallback;
}

export function databasePath(options: OpenDatabaseOptions): string {
  return join(options.directory, options.fileName ?? DEFAULT_DATABASE_FILE);
}

/** Opens (creating if needed) the database with the pragmas above; does not migrate. */
export function openDatabase(options: OpenDatabaseOptions): SqliteDatabase {
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  const db = new Database(databasePath(options));
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`SQLite refused WAL mode (journal_mode is ${String(mode)})`);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${String(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
