// Issue #3 "Done when": a meter revoked at the key server cannot rejoin — its session ends (PTR)
// and every later attempt is refused and audited, while the rest of the mesh stays up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeterLeft } from '../../src/headend/keys/index.ts';
import { joinAll, notJoined, virtualSystem } from './fixture.ts';

test('a meter revoked at the key server is cut off and cannot rejoin', async (t) => {
  const sys = await virtualSystem(t, 'isolated-area-20');
  assert.ok((await joinAll(sys, 240_000)) !== undefined, `not every meter joined: ${notJoined(sys)}`);
  const left: MeterLeft[] = [];
  sys.keyServer.on('meter-left', (e) => left.push(e));
  // A leaf far from the tablet: no other meter needs it as a relay or parent.
  const report = sys.report();
  const parents = new Set(sys.field.meters.map((m) => m.status().parent));
  const victim = report
    .filter((r) => !parents.has(BigInt(`0x${r.eui64}`)))
    .sort((a, b) => (b.hops ?? 0) - (a.hops ?? 0))[0]!;
  const meter = sys.field.meter(victim.id)!;
  const joinsBefore = meter.status().joins;

  const revoked = sys.keyServer.revokeMeter(victim.id, 'supervisor-1', 'tamper alarm');
  await sys.settle();
  assert.equal(await revoked, true, 'the key server revoked the meter');
  // Long enough for the meter to notice (PTR), back off and try again more than once.
  for (let i = 0; i < 60; i++) {
    sys.runFor(10_000);
    await sys.settle();
  }

  assert.deepEqual(
    left.map((e) => [e.meterId, e.reason]),
    [[victim.id, 'revoked']],
    'the key server ended its session',
  );
  assert.notEqual(meter.state, 'joined', `${victim.id} is not joined after revocation`);
  assert.equal(meter.status().joins, joinsBefore, `${victim.id} never joined again`);
  const audit = await sys.store.repositories.audit.list({ limit: 100_000 });
  const refusals = audit.filter(
    (a) => a.action === 'pana.authenticate' && a.outcome === 'denied' && a.subject === victim.id,
  );
  assert.ok(refusals.length >= 1, `${victim.id} tried again and was refused (audit)`);
  assert.ok(
    refusals.every((a) => a.reason === 'meter-revoked'),
    `refused because revoked: ${refusals.map((a) => a.reason).join(', ')}`,
  );
  const others = sys.report().filter((r) => r.id !== victim.id);
  assert.ok(
    others.every((r) => r.joined),
    `the other meters stay joined: ${others
      .filter((r) => !r.joined)
      .map((r) => r.id)
      .join(', ')}`,
  );
});
