import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase, openHeadendStore } from '../../../src/headend/storage/index.ts';
import { CRASH_READINGS_PER_BATCH } from './fixtures/sample-batch.ts';

const CHILD = new URL('./fixtures/ingest-child.ts', import.meta.url).pathname;
/** Batches to see committed before the kill; the child goes on ingesting until killed. */
const COMMITS_BEFORE_KILL = 25;
const MARKER_TIMEOUT_MS = 60_000;

test('a SIGKILL during ingest leaves every reported batch whole and no partial batch', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const reported: string[] = [];
  const lines = createInterface({ input: child.stdout });

  const enough = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${String(COMMITS_BEFORE_KILL)} commits in time; ${stderr}`)),
      MARKER_TIMEOUT_MS,
    );
    lines.on('line', (line) => {
      const m = /^committed (\S+)$/.exec(line);
      if (m === null) return;
      reported.push(m[1]!);
      if (reported.length === COMMITS_BEFORE_KILL) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`child exited before the kill; ${stderr}`));
    });
  });
  try {
    await enough;
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL', 'the child died by SIGKILL, mid-loop');
  const reportedAtKill = [...reported];

  const db = openDatabase({ directory: dir });
  assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  assert.deepEqual(db.pragma('foreign_key_check'), [], 'no dangling references');

  const perBatch = db
    .prepare(
      `SELECT b.batch_id AS batchId, b.row_count AS expected,
         (SELECT COUNT(*) FROM readings r WHERE r.batch_id = b.batch_id) +
         (SELECT COUNT(*) FROM read_exceptions e WHERE e.batch_id = b.batch_id) AS stored,
         (SELECT COUNT(*) FROM reading_registers g JOIN readings r ON r.id = g.reading_id
            WHERE r.batch_id = b.batch_id) AS registers,
         (SELECT COUNT(*) FROM reading_history h JOIN readings r ON r.id = h.reading_id
            WHERE r.batch_id = b.batch_id) AS histories
       FROM reading_batches b`,
    )
    .all() as { batchId: string; expected: number; stored: number; registers: number; histories: number }[];
  const stored = new Map(perBatch.map((b) => [b.batchId, b]));

  for (const id of reportedAtKill)
    assert.ok(stored.has(id), `reported batch ${id} is present after the crash`);
  for (const b of perBatch) {
    assert.equal(b.expected, CRASH_READINGS_PER_BATCH + 1, `batch ${b.batchId} declares the full row count`);
    assert.equal(b.stored, b.expected, `batch ${b.batchId} is whole`);
    assert.equal(b.registers, 2 * CRASH_READINGS_PER_BATCH, `batch ${b.batchId} has all its registers`);
    assert.equal(b.histories, CRASH_READINGS_PER_BATCH, `batch ${b.batchId} has all its history days`);
  }
  const orphans = db
    .prepare(
      `SELECT COUNT(*) AS n FROM readings WHERE batch_id NOT IN (SELECT batch_id FROM reading_batches)`,
    )
    .get() as { n: number };
  assert.equal(orphans.n, 0, 'no reading outside a recorded batch');

  // The store reopens and accepts more data after the crash.
  db.close();
  const store = openHeadendStore({ directory: dir }, 1_700_000_100_000);
  t.after(() => store.close());
  assert.deepEqual(store.migration.applied, []);
});
