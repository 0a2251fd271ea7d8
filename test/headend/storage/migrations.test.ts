import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HEADEND_MIGRATIONS,
  SchemaTooNewError,
  dataDirectoryFrom,
  migrate,
  openDatabase,
  openHeadendStore,
  schemaVersion,
  type Migration,
} from '../../../src/headend/storage/index.ts';
import { sampleMeter } from './fixtures/sample-batch.ts';

const NOW = 1_700_000_000_000;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-storage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function tables(db: ReturnType<typeof openDatabase>): string[] {
  return db
    .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
}

test('an empty database is migrated to the newest schema', (t) => {
  const dir = tempDir(t);
  const store = openHeadendStore({ directory: join(dir, 'nested', 'home') }, NOW);
  t.after(() => store.close());
  assert.deepEqual(store.migration, {
    from: 0,
    to: HEADEND_MIGRATIONS.length,
    applied: HEADEND_MIGRATIONS.map((m) => m.version),
  });
  assert.equal(schemaVersion(store.db), HEADEND_MIGRATIONS.length);
  for (const name of [
    'accounts',
    'sessions',
    'meters',
    'work_orders',
    'access_grants',
    'audit_log',
    'readings',
  ])
    assert.ok(tables(store.db).includes(name), `table ${name} exists after migration`);
});

test('reopening a current database applies nothing and keeps its data', async (t) => {
  const dir = tempDir(t);
  const first = openHeadendStore({ directory: dir }, NOW);
  await first.repositories.meters.upsert(sampleMeter(1));
  first.close();
  const second = openHeadendStore({ directory: dir }, NOW + 1);
  t.after(() => second.close());
  assert.deepEqual(second.migration.applied, []);
  assert.equal(second.migration.from, HEADEND_MIGRATIONS.length);
  assert.deepEqual(await second.repositories.meters.findById(sampleMeter(1).meterId), sampleMeter(1));
  const rows = second.db.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number };
  assert.equal(rows.n, HEADEND_MIGRATIONS.length, 'one schema_version row per migration, not per open');
});

test('a database newer than the code is refused and left untouched', (t) => {
  const dir = tempDir(t);
  openHeadendStore({ directory: dir }, NOW).close();
  const db = openDatabase({ directory: dir });
  db.prepare('INSERT INTO schema_version (version, description, applied_at_ms) VALUES (?, ?, ?)').run(
    HEADEND_MIGRATIONS.length + 1,
    'from a newer server',
    NOW,
  );
  db.close();
  assert.throws(
    () => openHeadendStore({ directory: dir }, NOW),
    (err: unknown) =>
      err instanceof SchemaTooNewError &&
      err.databaseVersion === HEADEND_MIGRATIONS.length + 1 &&
      err.codeVersion === HEADEND_MIGRATIONS.length,
  );
  const again = openDatabase({ directory: dir });
  t.after(() => again.close());
  assert.equal(schemaVersion(again), HEADEND_MIGRATIONS.length + 1, 'the refused database keeps its version');
});

test('a migration that fails is rolled back whole and not recorded', (t) => {
  const db = openDatabase({ directory: tempDir(t) });
  t.after(() => db.close());
  const steps: Migration[] = [
    { version: 1, description: 'ok', up: (d) => d.exec('CREATE TABLE a (x INTEGER) STRICT') },
    {
      version: 2,
      description: 'fails half-way',
      up: (d) => {
        d.exec('CREATE TABLE b (x INTEGER) STRICT');
        d.exec('INSERT INTO no_such_table VALUES (1)');
      },
    },
  ];
  assert.throws(() => migrate(db, steps, NOW), /no such table/);
  assert.equal(schemaVersion(db), 1, 'step 1 stays applied, step 2 is not recorded');
  assert.ok(tables(db).includes('a'), 'table of the applied step exists');
  assert.ok(!tables(db).includes('b'), 'table created by the failed step was rolled back');
});

test('migrations out of order are refused before touching the database', (t) => {
  const db = openDatabase({ directory: tempDir(t) });
  t.after(() => db.close());
  const gap: Migration[] = [{ version: 2, description: 'gap', up: () => undefined }];
  assert.throws(() => migrate(db, gap, NOW), RangeError);
});

test('the database is opened in WAL mode with full sync, foreign keys and a busy timeout', (t) => {
  const dir = tempDir(t);
  const store = openHeadendStore({ directory: dir }, NOW);
  t.after(() => store.close());
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(store.db.pragma('synchronous', { simple: true }), 2, 'synchronous = FULL (2)');
  assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok(Number(store.db.pragma('busy_timeout', { simple: true })) > 0, 'busy_timeout is set');
  // WAL persists in the file: a plain second connection sees it too.
  const other = openDatabase({ directory: dir });
  t.after(() => other.close());
  assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
});

test('the data folder comes from FIELDROOT_HOME, else the caller default', () => {
  assert.equal(
    dataDirectoryFrom({ FIELDROOT_HOME: '/srv/fieldroot' }, '/home/u/.fieldroot'),
    '/srv/fieldroot',
  );
  assert.equal(dataDirectoryFrom({}, '/home/u/.fieldroot'), '/home/u/.fieldroot');
  assert.equal(dataDirectoryFrom({ FIELDROOT_HOME: '' }, '/home/u/.fieldroot'), '/home/u/.fieldroot');
});
