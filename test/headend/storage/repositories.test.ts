import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeadendStore, type HeadendStore } from '../../../src/headend/storage/index.ts';
import { sampleBatch, sampleMeter, sampleReading } from './fixtures/sample-batch.ts';

const NOW = 1_700_000_000_000;

function store(t: { after: (fn: () => void) => void }): HeadendStore {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-repos-'));
  const s = openHeadendStore({ directory: dir }, NOW);
  t.after(() => {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

test('meters registry keeps EUI-64, site, expected location and serving path', async (t) => {
  const { repositories: r } = store(t);
  await r.meters.upsert(sampleMeter(1));
  await r.meters.upsert(sampleMeter(2));
  assert.deepEqual(await r.meters.findByEui64(sampleMeter(1).eui64.toUpperCase()), sampleMeter(1));
  assert.deepEqual(
    (await r.meters.listBySite('north')).map((m) => m.meterId),
    [sampleMeter(2).meterId],
  );
  const moved = { via: 'tool' as const, id: 'tool-7', sinceMs: NOW + 5 };
  assert.equal(await r.meters.setServingPath(sampleMeter(1).meterId, moved), true);
  assert.deepEqual((await r.meters.findById(sampleMeter(1).meterId))?.serving, moved);
  assert.equal(await r.meters.setServingPath('no-such-meter', moved), false);
});

test('an EUI-64 that is not 16 hex digits is refused', async (t) => {
  const { repositories: r } = store(t);
  for (const eui64 of ['00124b00000000', '00:12:4b:00:00:00:00:01', '00124b000000000g'])
    await assert.rejects(r.meters.upsert({ ...sampleMeter(1), eui64 }), RangeError, eui64);
});

test('a reading round-trips with exact integer registers and null history slots', async (t) => {
  const { repositories: r } = store(t);
  await r.meters.upsert(sampleMeter(0));
  const reading = sampleReading(sampleMeter(0).meterId, NOW, 99_999_999);
  const result = await r.readings.ingest({
    batchId: 'b1',
    receivedAtMs: NOW,
    readings: [reading],
    exceptions: [{ meterId: sampleMeter(0).meterId, atMs: NOW + 1, reason: 'no-response', detail: 'hop 3' }],
  });
  assert.deepEqual(result, { batchId: 'b1', rowCount: 2, duplicate: false });
  const [back] = await r.readings.listReadings(sampleMeter(0).meterId, NOW, NOW + 1);
  assert.deepEqual(back, reading);
  assert.equal(back?.history[0]?.slots[3], null, 'a no-data slot stays null, not 0');
  assert.deepEqual(await r.readings.listExceptions(sampleMeter(0).meterId, NOW, NOW + 10), [
    { meterId: sampleMeter(0).meterId, atMs: NOW + 1, reason: 'no-response', detail: 'hop 3' },
  ]);
});

test('a batch id already stored is not stored twice', async (t) => {
  const s = store(t);
  for (let m = 0; m < 3; m++) await s.repositories.meters.upsert(sampleMeter(m));
  await s.repositories.readings.ingest(sampleBatch('dup', 0, 5, 3));
  const again = await s.repositories.readings.ingest(sampleBatch('dup', 0, 5, 3));
  assert.deepEqual(again, { batchId: 'dup', rowCount: 0, duplicate: true });
  const n = s.db.prepare('SELECT COUNT(*) AS n FROM readings').get() as { n: number };
  assert.equal(n.n, 5);
});

test('a batch with one bad reading stores nothing', async (t) => {
  const s = store(t);
  for (let m = 0; m < 3; m++) await s.repositories.meters.upsert(sampleMeter(m));
  const good = sampleBatch('bad', 0, 5, 3);
  const bad = { ...good, readings: [...good.readings, sampleReading('unregistered-meter', NOW, 1)] };
  await assert.rejects(s.repositories.readings.ingest(bad), /FOREIGN KEY/);
  const short = {
    ...good,
    readings: [
      {
        ...sampleReading(sampleMeter(0).meterId, NOW, 1),
        history: [{ register: 'normal' as const, day: '2026-11-20', slots: [1, 2] }],
      },
    ],
  };
  await assert.rejects(s.repositories.readings.ingest({ ...short, batchId: 'short' }), RangeError);
  for (const table of [
    'reading_batches',
    'readings',
    'reading_registers',
    'reading_history',
    'read_exceptions',
  ]) {
    const n = s.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number };
    assert.equal(n.n, 0, `${table} is empty after the failed batches`);
  }
});

test('the audit log is append-only at the database', async (t) => {
  const s = store(t);
  const seq = await s.repositories.audit.append({
    atMs: NOW,
    actor: 'a',
    action: 'x',
    outcome: 'denied',
    subject: 'm',
    reason: 'expired',
    detail: { n: 1 },
  });
  assert.throws(() => s.db.prepare('UPDATE audit_log SET reason = NULL').run(), /append-only/);
  assert.throws(() => s.db.prepare('DELETE FROM audit_log').run(), /append-only/);
  assert.deepEqual(await s.repositories.audit.list(), [
    {
      seq,
      atMs: NOW,
      actor: 'a',
      action: 'x',
      outcome: 'denied',
      subject: 'm',
      reason: 'expired',
      detail: { n: 1 },
    },
  ]);
});
