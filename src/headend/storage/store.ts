/** Opens, migrates and wraps the head-end database: what the server calls at start-up. */
import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from './database.ts';
import { migrate, type MigrationResult } from './migrations.ts';
import type { HeadendRepositories } from './repositories.ts';
import { HEADEND_MIGRATIONS } from './schema.ts';
import { createSqliteRepositories } from './sqlite/index.ts';

export interface HeadendStore {
  readonly db: SqliteDatabase;
  readonly repositories: HeadendRepositories;
  readonly migration: MigrationResult;
  close(): void;
}

export function openHeadendStore(options: OpenDatabaseOptions, nowMs: number): HeadendStore {
  const db = openDatabase(options);
  try {
    const migration = migrate(db, HEADEND_MIGRATIONS, nowMs);
    return { db, repositories: createSqliteRepositories(db), migration, close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}
