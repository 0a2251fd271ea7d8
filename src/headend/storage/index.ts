export {
  openDatabase,
  databasePath,
  dataDirectoryFrom,
  FIELDROOT_HOME_ENV,
  DEFAULT_DATABASE_FILE,
  DEFAULT_BUSY_TIMEOUT_MS,
} from './database.ts';
export type { SqliteDatabase, OpenDatabaseOptions } from './database.ts';
export { migrate, schemaVersion, SchemaTooNewError } from './migrations.ts';
export type { Migration, MigrationResult } from './migrations.ts';
export { HEADEND_MIGRATIONS } from './schema.ts';
export { createSqliteRepositories, EUI64_TEXT } from './sqlite/index.ts';
export { ROLES } from './repositories.ts';
export type * from './repositories.ts';
export { openHeadendStore } from './store.ts';
export type { HeadendStore } from './store.ts';
export { DR_ACTIONS } from './amr.ts';
export type * from './amr.ts';
export { createSqliteAmrRepository } from './sqlite/amr.ts';
