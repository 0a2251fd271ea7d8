/**
 * Schema migrations: an ordered list of numbered steps kept in code, applied in order, each in
 * its own transaction together with the `schema_version` row that records it. A database whose
 * recorded version is newer than the newest migration this code knows is refused, since this
 * code cannot know what the newer schema means (a rollback of the server must not write to it).
 */
import type { SqliteDatabase } from './database.ts';

export interface Migration {
  /** 1, 2, 3, … without gaps. */
  readonly version: number;
  readonly description: string;
  readonly up: (db: SqliteDatabase) => void;
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `database schema version ${String(databaseVersion)} is newer than this server's ` +
        `${String(codeVersion)}; upgrade the server instead of opening this database with it`,
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new RangeError(
        `migration #${String(i)} has version ${String(m.version)}, expected ${String(i + 1)}`,
      );
  });
}

/** The version recorded in the database; 0 for an empty database. */
export function schemaVersion(db: SqliteDatabase): number {
  db.exec(
    `CREATE TABLE IF NOT EXISTS schema_version (
       version INTEGER PRIMARY KEY,
       description TEXT NOT NULL,
       applied_at_ms INTEGER NOT NULL
     ) STRICT`,
  );
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Brings the database to the newest migration. Idempotent: a database already current is left
 * untouched. `nowMs` is recorded with each applied step.
 */
export function migrate(
  db: SqliteDatabase,
  migrations: readonly Migration[],
  nowMs: number,
): MigrationResult {
  checkOrder(migrations);
  const codeVersion = migrations.length;
  const from = schemaVersion(db);
  if (from > codeVersion) throw new SchemaTooNewError(from, codeVersion);
  const record = db.prepare(
    'INSERT INTO schema_version (version, description, applied_at_ms) VALUES (?, ?, ?)',
  );
  const applied: number[] = [];
  for (const m of migrations.slice(from)) {
    // better-sqlite3 transactions roll back when the function throws; `immediate` takes the
    // write lock first so two processes opening the same file cannot both apply a step.
    db.transaction(() => {
      if (schemaVersion(db) >= m.version) return;
      m.up(db);
      record.run(m.version, m.description, nowMs);
      applied.push(m.version);
    }).immediate();
  }
  return { from, to: codeVersion, applied };
}
