import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  NetworkKeyManager,
  networkKeyStatus,
  nextKeyIndex,
  RotationInProgressError,
} from '../../../src/headend/keys/index.ts';
import { databasePath } from '../../../src/headend/storage/index.ts';
import { fixture, random, toHex, type Fixture } from './fixtures.ts';

const POLICY = { lifetimeMs: 1_000_000, activationDelayMs: 1_000, graceMs: 5_000, compromiseGraceMs: 500 };
const T0 = 1_700_000_000_000;

function manager(f: Fixture): NetworkKeyManager {
  return new NetworkKeyManager({
    repository: f.store.repositories.networkKeys,
    audit: f.store.repositories.audit,
    master: f.master,
    random,
    policy: POLICY,
  });
}

test('key indices cycle 1..255 and never take 0', () => {
  assert.equal(nextKeyIndex(1), 2);
  assert.equal(nextKeyIndex(254), 255);
  assert.equal(nextKeyIndex(255), 1);
  const seen = new Set<number>();
  let i = 1;
  for (let n = 0; n < 300; n++) seen.add((i = nextKeyIndex(i)));
  assert.ok(!seen.has(0) && seen.size === 255, 'all of 1..255, never 0');
});

test('the first load creates key index 1 in force', async (t) => {
  const f = fixture(t);
  const keys = manager(f);
  assert.deepEqual(await keys.load(T0), [], 'a first load reports no change');
  const { current, next } = keys.currentKeys();
  assert.equal(current.index, 1);
  assert.equal(current.key.length, 16);
  assert.equal(next, undefined);
  const again = manager(f);
  await again.load(T0 + 1);
  assert.deepEqual(
    again.currentKeys().current.key,
    current.key,
    'the key survives a restart (sealed in the database)',
  );
  assert.equal(
    (await networkKeyStatus(f.store.repositories.networkKeys)).length,
    1,
    'no second key on reload',
  );
});

test('rotation: announce next, activate at the activation time, retire the old key after the grace period', async (t) => {
  const f = fixture(t);
  const keys = manager(f);
  await keys.load(T0);
  const oldKey = keys.currentKeys().current.key;
  assert.deepEqual(await keys.rotate(T0 + 10, 'tool revoked', 'supervisor-1'), [
    { type: 'announced', keyIndex: 2 },
  ]);
  const during = keys.currentKeys();
  assert.equal(during.current.index, 1, 'the old key stays in force until activation');
  assert.equal(during.next?.index, 2);
  await assert.rejects(keys.rotate(T0 + 20, 'again', 'supervisor-1'), RotationInProgressError);
  assert.equal(keys.nextDeadline(), T0 + 10 + POLICY.activationDelayMs);
  assert.deepEqual(await keys.advance(T0 + 500), [], 'nothing is due before the activation time');
  assert.deepEqual(await keys.advance(T0 + 1_010), [{ type: 'activated', keyIndex: 2 }]);
  assert.equal(keys.currentKeys().current.index, 2);
  assert.equal(keys.currentKeys().next, undefined);
  let status = await networkKeyStatus(f.store.repositories.networkKeys);
  assert.deepEqual(
    status.map((k) => [k.keyIndex, k.state]),
    [
      [1, 'previous'],
      [2, 'current'],
    ],
  );
  assert.equal(status[0]!.retireAtMs, T0 + 1_010 + POLICY.graceMs);
  assert.deepEqual(await keys.advance(T0 + 1_010 + POLICY.graceMs), [{ type: 'retired', keyIndex: 1 }]);
  status = await networkKeyStatus(f.store.repositories.networkKeys);
  assert.deepEqual(
    status.map((k) => [k.keyIndex, k.state]),
    [
      [1, 'retired'],
      [2, 'current'],
    ],
  );
  const rows = await f.store.repositories.networkKeys.list();
  assert.equal(rows[0]!.sealedKey, null, 'a retired key has its material erased');
  const audit = (await f.store.repositories.audit.list()).filter((a) => a.action.startsWith('network-key.'));
  assert.deepEqual(
    audit.map((a) => [a.action, a.detail?.keyIndex, a.actor]),
    [
      ['network-key.create', 1, 'system:key-server'],
      ['network-key.create', 2, 'supervisor-1'],
      ['network-key.activate', 2, 'system:key-server'],
      ['network-key.retire', 1, 'system:key-server'],
    ],
  );
  const db = readFileSync(databasePath({ directory: f.dir })).toString('latin1');
  const wal = readFileSync(`${databasePath({ directory: f.dir })}-wal`);
  for (const key of [oldKey, keys.currentKeys().current.key]) {
    assert.ok(!JSON.stringify(audit).includes(toHex(key)), 'no key bytes in the audit rows');
    assert.equal(Buffer.from(db, 'latin1').indexOf(Buffer.from(key)), -1, 'no clear key in the database');
    assert.equal(wal.indexOf(Buffer.from(key)), -1, 'no clear key in the WAL');
  }
});

test('a rotation made by another process is reported by the next load', async (t) => {
  const f = fixture(t);
  const server = manager(f);
  await server.load(T0);
  const cli = manager(f);
  await cli.rotate(T0 + 1, 'operator request', 'cli:rotate-key');
  assert.deepEqual(await server.load(T0 + 2), [{ type: 'announced', keyIndex: 2 }]);
  assert.equal(server.currentKeys().next?.index, 2);
  assert.deepEqual(
    server.currentKeys().next?.key,
    cli.currentKeys().next?.key,
    'both see the same sealed key',
  );
});

test('a key past its lifetime is rotated by advance', async (t) => {
  const f = fixture(t);
  const keys = manager(f);
  await keys.load(T0);
  assert.equal(keys.nextDeadline(), T0 + POLICY.lifetimeMs);
  assert.deepEqual(await keys.advance(T0 + POLICY.lifetimeMs), [{ type: 'announced', keyIndex: 2 }]);
  const created = (await f.store.repositories.audit.list()).at(-1);
  assert.equal(created?.reason, 'lifetime expired');
});

test('a compromise rotation discards the announced key and retires the replaced key after the short grace', async (t) => {
  const f = fixture(t);
  const keys = manager(f);
  await keys.load(T0);
  const stolen = keys.currentKeys().current;
  // An ordinary rotation is in progress: key 2 was announced to every session, the tool's too.
  await keys.rotate(T0 + 10, 'scheduled', 'test');
  const announced = keys.currentKeys().next!;
  assert.equal(announced.index, 2);
  await assert.rejects(keys.rotate(T0 + 20, 'again', 'test'), RotationInProgressError);

  const changes = await keys.rotate(T0 + 30, 'tool T-1 revoked', 'supervisor:s', { compromised: true });
  const fresh = keys.currentKeys().next!;
  assert.equal(fresh.index, 3, 'a fresh key under a new index, not the announced one');
  assert.notDeepEqual(fresh.key, announced.key, 'the announced key is not reused');
  assert.ok(
    changes.some((c) => c.type === 'retired' && c.keyIndex === 2),
    'the discarded key is reported retired',
  );
  assert.ok(
    changes.some((c) => c.type === 'announced' && c.keyIndex === 3),
    'the fresh key is announced',
  );
  const states = await networkKeyStatus(f.store.repositories.networkKeys);
  assert.equal(states.find((k) => k.keyIndex === 2)?.state, 'retired', 'key 2 never comes into force');
  assert.equal(states.find((k) => k.keyIndex === 2)?.activatedAtMs, null, 'key 2 was never activated');

  // In force after the activation delay; the stolen key 1 then lives only the short grace.
  await keys.advance(T0 + 30 + POLICY.activationDelayMs);
  assert.equal(keys.currentKeys().current.index, 3);
  assert.equal(keys.nextDeadline(), T0 + 30 + POLICY.activationDelayMs + POLICY.compromiseGraceMs);
  await keys.advance(T0 + 30 + POLICY.activationDelayMs + POLICY.compromiseGraceMs);
  const after = await networkKeyStatus(f.store.repositories.networkKeys);
  assert.equal(after.find((k) => k.keyIndex === 1)?.state, 'retired', 'the stolen key is retired');
  assert.equal(stolen.index, 1);
  const audit = await f.store.repositories.audit.list();
  assert.ok(
    audit.some((e) => e.action === 'network-key.discard' && e.actor === 'supervisor:s'),
    'the discard is audited with who did it',
  );
  assert.ok(!JSON.stringify(audit).includes(toHex(stolen.key)), 'no key bytes in the audit log');
});
