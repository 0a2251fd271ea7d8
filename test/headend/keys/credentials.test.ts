import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadOrCreateMasterKey,
  masterKeyFromBytes,
  masterKeyPath,
  MasterKeyError,
  MeterCredentials,
  MeterImportError,
  parseMeterCredentialCsv,
  SealedBoxError,
  ToolRegistry,
} from '../../../src/headend/keys/index.ts';
import { databasePath } from '../../../src/headend/storage/index.ts';
import {
  EUI_A,
  EUI_B,
  fixture,
  hexToBytes,
  PSK_A,
  PSK_B,
  random,
  tempDir,
  toHex,
  type Fixture,
} from './fixtures.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function registry(f: Fixture, master = f.master): MeterCredentials {
  return new MeterCredentials({
    repository: f.store.repositories.meterCredentials,
    audit: f.store.repositories.audit,
    master,
    clock: () => 1_700_000_000_000,
    random,
  });
}

const csv = (...rows: [string, string, string][]): string =>
  ['meter_id,eui64,psk_hex', ...rows.map((r) => r.join(','))].join('\n');

test('imported PSKs are stored sealed: neither the hex nor the raw bytes appear in the database files', async (t) => {
  const f = fixture(t);
  const reg = registry(f);
  const counts = await reg.import(
    parseMeterCredentialCsv(csv(['M-1', EUI_A, PSK_A], ['M-2', EUI_B, PSK_B])),
    'test',
  );
  assert.deepEqual(counts, { added: 2, replaced: 0, unchanged: 0 });
  const files = [databasePath({ directory: f.dir }), `${databasePath({ directory: f.dir })}-wal`].filter(
    existsSync,
  );
  assert.ok(files.length >= 1, 'the database file exists');
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const psk of [PSK_A, PSK_B]) {
      assert.equal(bytes.indexOf(Buffer.from(hexToBytes(psk))), -1, `raw PSK bytes in ${file}`);
      assert.equal(bytes.indexOf(Buffer.from(psk, 'latin1')), -1, `PSK hex in ${file}`);
      assert.equal(bytes.indexOf(Buffer.from(psk.toUpperCase(), 'latin1')), -1, `PSK HEX in ${file}`);
    }
  }
  const row = await f.store.repositories.meterCredentials.findById('M-1');
  assert.equal(row?.idP, EUI_A, 'ID_P is the EUI-64 as 16 lower-case hex digits');
  assert.equal(row?.sealedPsk.length, 1 + 12 + 16 + 16, 'version, IV, sealed PSK and GCM tag');
});

test('lookupPsk opens the PSK of an active meter by ID_P, and only that', async (t) => {
  const f = fixture(t);
  const reg = registry(f);
  await reg.import(parseMeterCredentialCsv(csv(['M-1', EUI_A, PSK_A])), 'test');
  assert.equal(toHex(reg.lookupPsk(ascii(EUI_A))!), PSK_A);
  assert.equal(reg.lookupPsk(ascii(EUI_B)), undefined, 'unknown ID_P');
  assert.equal(reg.lookupPsk(ascii(EUI_A.toUpperCase())), undefined, 'ID_P is matched exactly');
  assert.equal(await reg.revoke('M-1', 'supervisor-1', 'stolen'), true);
  assert.equal(reg.lookupPsk(ascii(EUI_A)), undefined, 'a revoked meter has no PSK to offer');
  const fresh = registry(f);
  await fresh.refresh();
  assert.equal(fresh.lookupPsk(ascii(EUI_A)), undefined, 'the revocation is stored, not only cached');
  const audit = await f.store.repositories.audit.list();
  assert.ok(
    audit.some((a) => a.action === 'meter.revoke' && a.subject === 'M-1' && a.outcome === 'done'),
    'the revocation is audited',
  );
});

test('a PSK sealed under one master key does not open under another', async (t) => {
  const f = fixture(t);
  await registry(f).import(parseMeterCredentialCsv(csv(['M-1', EUI_A, PSK_A])), 'test');
  const other = registry(f, masterKeyFromBytes(random(32)));
  await other.refresh();
  assert.throws(() => other.lookupPsk(ascii(EUI_A)), SealedBoxError);
});

test('re-import: the same PSK is unchanged, a new one replaces it, a revoked meter is not re-activated', async (t) => {
  const f = fixture(t);
  const reg = registry(f);
  await reg.import(parseMeterCredentialCsv(csv(['M-1', EUI_A, PSK_A], ['M-2', EUI_B, PSK_B])), 'test');
  assert.deepEqual(
    await reg.import(parseMeterCredentialCsv(csv(['M-1', EUI_A, PSK_A], ['M-2', EUI_B, PSK_A])), 'test'),
    { added: 0, replaced: 1, unchanged: 1 },
  );
  assert.equal(toHex(reg.lookupPsk(ascii(EUI_B))!), PSK_A, 'M-2 now has the new PSK');
  await reg.revoke('M-1', 'test', 'decommissioned');
  await assert.rejects(
    reg.import(parseMeterCredentialCsv(csv(['M-1', EUI_A, PSK_B])), 'test'),
    (e: unknown) => e instanceof MeterImportError && /line 2: meter M-1 is revoked/.test(e.message),
  );
  await assert.rejects(
    reg.import(parseMeterCredentialCsv(csv(['M-9', EUI_B, PSK_B])), 'test'),
    (e: unknown) => e instanceof MeterImportError && /registered to meter M-2/.test(e.message),
  );
  assert.deepEqual(await f.store.repositories.meterCredentials.countByStatus(), { active: 1, revoked: 1 });
});

test('the master key file is created once with mode 0600 and read back the same', (t) => {
  const dir = tempDir(t);
  const first = loadOrCreateMasterKey(dir, random);
  assert.equal(first.created, true);
  const path = masterKeyPath(dir);
  assert.equal(path, join(dir, 'keys', 'master.key'));
  if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
  const second = loadOrCreateMasterKey(dir, random);
  assert.equal(second.created, false);
  assert.deepEqual(second.key.expose(), first.key.expose(), 'the same key on the next start');
  if (process.platform !== 'win32') {
    chmodSync(path, 0o644);
    assert.throws(
      () => loadOrCreateMasterKey(dir, random),
      MasterKeyError,
      'a world-readable key is refused',
    );
    chmodSync(path, 0o600);
  }
  writeFileSync(path, new Uint8Array(31), { mode: 0o600 });
  assert.throws(() => loadOrCreateMasterKey(dir, random), MasterKeyError, 'a truncated key is refused');
});

test('the tool registry answers whether a tool is active', async (t) => {
  const f = fixture(t);
  const tools = new ToolRegistry({
    repository: f.store.repositories.tools,
    audit: f.store.repositories.audit,
    clock: () => 5,
  });
  assert.equal(await tools.isToolActive('tablet-1'), false, 'unknown tool');
  assert.equal(await tools.register('tablet-1', 'admin-1'), true);
  assert.equal(await tools.register('tablet-1', 'admin-1'), false, 'registered once');
  assert.equal(await tools.isToolActive('tablet-1'), true);
  assert.equal(await tools.revoke('tablet-1', 'supervisor-1', 'lost'), true);
  assert.equal(await tools.isToolActive('tablet-1'), false, 'revoked');
  const actions = (await f.store.repositories.audit.list()).map((a) => `${a.action}:${a.outcome}`);
  assert.deepEqual(actions, ['tool.register:done', 'tool.register:denied', 'tool.revoke:done']);
});
