import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { headendDataDir } from '../../src/cli/headend-command.ts';

const PSK_1 = '3c1f0e2d4b5a69788796a5b4c3d2e1f0';
const PSK_2 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

function capture(): { io: { out(l: string): void; err(l: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

function temp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-cli-headend-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function assertNoPsk(lines: readonly string[]): void {
  const text = lines.join('\n').toLowerCase();
  assert.ok(!text.includes(PSK_1) && !text.includes(PSK_2), 'a PSK was printed');
}

test('headend import-meters prints counts only, never a PSK, and creates the master key 0600', async (t) => {
  const dir = temp(t);
  const data = join(dir, 'data');
  const file = join(dir, 'meters.csv');
  writeFileSync(
    file,
    `meter_id,eui64,psk_hex\nM-1,0012a1b2c3d4e5f6,${PSK_1}\nM-2,0012a1b2c3d4e5f7,${PSK_2}\n`,
  );
  const c = capture();
  assert.equal(
    await runCli(['headend', 'import-meters', '--file', file, '--data', data], c.io),
    0,
    c.err.join('\n'),
  );
  assert.deepEqual(c.out, ['added 2, replaced 0, unchanged 0', 'active meters: 2']);
  assertNoPsk([...c.out, ...c.err]);
  if (process.platform !== 'win32')
    assert.equal(statSync(join(data, 'keys', 'master.key')).mode & 0o777, 0o600);
  const again = capture();
  assert.equal(await runCli(['headend', 'import-meters', '--file', file, '--data', data], again.io), 0);
  assert.deepEqual(again.out[0], 'added 0, replaced 0, unchanged 2', 'a second import changes nothing');
});

test('headend import-meters refuses a bad file with the line number and exit status 1', async (t) => {
  const dir = temp(t);
  const file = join(dir, 'meters.json');
  writeFileSync(file, JSON.stringify([{ meterId: 'M-1', eui64: '0012a1b2c3d4e5f6', psk: PSK_1.slice(1) }]));
  const c = capture();
  assert.equal(await runCli(['headend', 'import-meters', '--file', file, '--data', join(dir, 'd')], c.io), 1);
  assert.match(c.err.join('\n'), /entry 0: PSK must be 32 hex digits/);
  assertNoPsk([...c.out, ...c.err]);
  const missing = capture();
  assert.equal(
    await runCli(['headend', 'import-meters', '--data', join(dir, 'd')], missing.io),
    2,
    'no --file',
  );
});

test('headend rotate-key and keys-status show indices and states, never key bytes', async (t) => {
  const data = join(temp(t), 'data');
  const rotate = capture();
  assert.equal(
    await runCli(['headend', 'rotate-key', '--reason', 'quarterly', '--data', data], rotate.io),
    0,
  );
  assert.match(rotate.out[0]!, /^key index 2 created; comes into force at /);
  const busy = capture();
  assert.equal(await runCli(['headend', 'rotate-key', '--reason', 'again', '--data', data], busy.io), 1);
  assert.match(busy.err[0]!, /already in progress: key index 2/);
  const status = capture();
  assert.equal(await runCli(['headend', 'keys-status', '--data', data], status.io), 0);
  assert.equal(status.out.length, 2);
  assert.match(status.out[0]!, /^index {3}1 {2}current /);
  assert.match(status.out[1]!, /^index {3}2 {2}next .*reason: quarterly$/);
  const json = capture();
  assert.equal(await runCli(['headend', 'keys-status', '--json', '--data', data], json.io), 0);
  const keys = JSON.parse(json.out.join('\n')) as Record<string, unknown>[];
  assert.deepEqual(Object.keys(keys[0]!).sort(), [
    'activateAtMs',
    'activatedAtMs',
    'createdAtMs',
    'id',
    'keyIndex',
    'lifetimeMs',
    'reason',
    'retireAtMs',
    'retiredAtMs',
    'state',
  ]);
});

test('the head-end data folder defaults to $FIELDROOT_HOME/headend, else ~/.fieldroot/headend', () => {
  assert.equal(headendDataDir('/x'), '/x');
  assert.equal(headendDataDir(undefined, { FIELDROOT_HOME: '/srv/fr' }), join('/srv/fr', 'headend'));
  assert.match(headendDataDir(undefined, {}), /[/\\]\.fieldroot[/\\]headend$/);
});
