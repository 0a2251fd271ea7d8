import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessDeniedError, type DenialReason } from '../../../src/headend/access/index.ts';
import type { AccountRecord, WorkOrderRecord } from '../../../src/headend/storage/index.ts';
import { MINUTE, harness, type Harness } from './fixtures/harness.ts';

interface Field {
  readonly h: Harness;
  readonly sup: AccountRecord;
  readonly aiko: AccountRecord;
  readonly ben: AccountRecord;
  readonly aikoOrder: WorkOrderRecord;
  readonly benOrder: WorkOrderRecord;
}

const AIKO_TOOL = 'tool-aiko';
const BEN_TOOL = 'tool-ben';

/** Two workers, each with an active 2-hour work order on their own meters. */
async function field(t: { after: (fn: () => void) => void }): Promise<Field> {
  const h = harness(t, 'grants');
  const sup = await h.accounts.createAccount('sato', 'supervisor-pass-1', 'supervisor', null);
  const aiko = await h.accounts.createAccount('aiko', 'worker-pass-0001', 'field-worker', sup.id);
  const ben = await h.accounts.createAccount('ben', 'worker-pass-0002', 'field-worker', sup.id);
  for (let i = 1; i <= 4; i++)
    await h.store.repositories.meters.upsert({
      meterId: `M${String(i)}`,
      eui64: `00124b000000000${String(i)}`,
      site: 'isolated-1',
      latitude: 35.6,
      longitude: 139.7,
      serving: { via: 'gateway', id: 'gw-1', sinceMs: h.now },
    });
  const window = { windowStartMs: h.now, windowEndMs: h.now + 120 * MINUTE };
  const aikoOrder = await h.workOrders.assign(sup.id, {
    workerId: aiko.id,
    toolId: AIKO_TOOL,
    meterIds: ['M1', 'M2'],
    ...window,
  });
  const benOrder = await h.workOrders.assign(sup.id, {
    workerId: ben.id,
    toolId: BEN_TOOL,
    meterIds: ['M3'],
    ...window,
  });
  await h.workOrders.start(aiko.id, aikoOrder.id);
  await h.workOrders.start(ben.id, benOrder.id);
  return { h, sup, aiko, ben, aikoOrder: { ...aikoOrder, state: 'active' }, benOrder };
}

async function issue(f: Field, workerId: string, toolId: string, orderId: string): Promise<string> {
  const caller = { workerId, toolId };
  const grant = await f.h.grants.request(caller, orderId);
  const { verificationKey } = await f.h.grants.approve(f.sup.id, grant.id);
  return (await f.h.grants.exchange(caller, verificationKey)).accessKey;
}

async function denied(p: Promise<unknown>): Promise<DenialReason> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AccessDeniedError) return err.reason;
    throw err;
  }
  assert.fail('expected an access denial');
}

async function deniedAudits(h: Harness) {
  return (await h.store.repositories.audit.list()).filter((e) => e.outcome === 'denied');
}

test('work orders are assigned by a supervisor and listed for their worker', async (t) => {
  const f = await field(t);
  assert.deepEqual(f.aikoOrder.meterIds, ['M1', 'M2']);
  assert.equal(f.aikoOrder.toolId, AIKO_TOOL);
  const listed = await f.h.workOrders.listForWorker(f.aiko.id);
  assert.deepEqual(
    listed.map((o) => [o.id, o.state]),
    [[f.aikoOrder.id, 'active']],
  );
  const byWorker = f.h.workOrders.assign(f.aiko.id, {
    workerId: f.aiko.id,
    toolId: AIKO_TOOL,
    meterIds: ['M4'],
    windowStartMs: f.h.now,
    windowEndMs: f.h.now + MINUTE,
  });
  assert.equal(await denied(byWorker), 'forbidden-role', 'a field worker cannot assign work');
  assert.equal(await denied(f.h.workOrders.start(f.ben.id, f.aikoOrder.id)), 'wrong-worker');
});

test('happy path: request, approve, exchange, authorize', async (t) => {
  const f = await field(t);
  const caller = { workerId: f.aiko.id, toolId: AIKO_TOOL };
  const grant = await f.h.grants.request(caller, f.aikoOrder.id);
  assert.equal(grant.state, 'requested');
  const v = await f.h.grants.approve(f.sup.id, grant.id);
  assert.equal(v.expiresAtMs - f.h.now, 5 * MINUTE, 'verification key lives 5 minutes');
  f.h.now += MINUTE;
  const a = await f.h.grants.exchange(caller, v.verificationKey);
  assert.equal(a.expiresAtMs, f.aikoOrder.windowEndMs, 'access key ends with the work order window');
  for (const [meterId, action] of [
    ['M1', 'read'],
    ['M2', 'demand-response'],
  ] as const) {
    const d = await f.h.grants.authorize({ ...caller, accessKey: a.accessKey, meterId, action });
    assert.deepEqual(d, { allowed: true, grantId: grant.id, workOrderId: f.aikoOrder.id });
  }
  assert.deepEqual(await deniedAudits(f.h), [], 'nothing was denied');
});

test('a meter outside the work order is denied and audited', async (t) => {
  const f = await field(t);
  const accessKey = await issue(f, f.aiko.id, AIKO_TOOL, f.aikoOrder.id);
  const d = await f.h.grants.authorize({
    workerId: f.aiko.id,
    toolId: AIKO_TOOL,
    accessKey,
    meterId: 'M4',
    action: 'read',
  });
  assert.deepEqual(d, { allowed: false, reason: 'meter-not-in-work-order' });
  const [row] = await deniedAudits(f.h);
  assert.equal(row?.subject, 'M4');
  assert.equal(row?.reason, 'meter-not-in-work-order');
  assert.equal(row?.action, 'meter.read');
  assert.equal(row?.actor, AIKO_TOOL);
});

test("another worker's meters are denied, with their own key or with someone else's", async (t) => {
  const f = await field(t);
  const aikoKey = await issue(f, f.aiko.id, AIKO_TOOL, f.aikoOrder.id);
  const benKey = await issue(f, f.ben.id, BEN_TOOL, f.benOrder.id);
  const own = await f.h.grants.authorize({
    workerId: f.ben.id,
    toolId: BEN_TOOL,
    accessKey: benKey,
    meterId: 'M1',
    action: 'read',
  });
  assert.deepEqual(own, { allowed: false, reason: 'meter-not-in-work-order' });
  const stolen = await f.h.grants.authorize({
    workerId: f.ben.id,
    toolId: BEN_TOOL,
    accessKey: aikoKey,
    meterId: 'M1',
    action: 'read',
  });
  assert.deepEqual(stolen, { allowed: false, reason: 'wrong-worker' });
  const otherTool = await f.h.grants.authorize({
    workerId: f.aiko.id,
    toolId: BEN_TOOL,
    accessKey: aikoKey,
    meterId: 'M1',
    action: 'read',
  });
  assert.deepEqual(otherTool, { allowed: false, reason: 'wrong-tool' });
  assert.deepEqual(
    (await deniedAudits(f.h)).map((e) => e.reason),
    ['meter-not-in-work-order', 'wrong-worker', 'wrong-tool'],
  );
  assert.equal(
    await denied(f.h.grants.request({ workerId: f.ben.id, toolId: BEN_TOOL }, f.aikoOrder.id)),
    'wrong-worker',
  );
});

test('an access key is denied after it expires', async (t) => {
  const f = await field(t);
  const accessKey = await issue(f, f.aiko.id, AIKO_TOOL, f.aikoOrder.id);
  const req = { workerId: f.aiko.id, toolId: AIKO_TOOL, accessKey, meterId: 'M1', action: 'read' };
  f.h.now = f.aikoOrder.windowEndMs - 1;
  assert.equal((await f.h.grants.authorize(req)).allowed, true, 'valid until the last millisecond');
  f.h.now = f.aikoOrder.windowEndMs;
  assert.deepEqual(await f.h.grants.authorize(req), { allowed: false, reason: 'expired' });
  assert.equal((await deniedAudits(f.h))[0]?.reason, 'expired');
});

test('an unapproved grant yields no access key', async (t) => {
  const f = await field(t);
  const caller = { workerId: f.aiko.id, toolId: AIKO_TOOL };
  const grant = await f.h.grants.request(caller, f.aikoOrder.id);
  const guessed = Buffer.alloc(32, 7).toString('base64url');
  assert.equal(await denied(f.h.grants.exchange(caller, guessed)), 'unknown-key');
  const worker = f.h.grants.approve(f.aiko.id, grant.id);
  assert.equal(await denied(worker), 'forbidden-role', 'a worker cannot approve their own grant');
  // Approved then revoked before the exchange: the verification key no longer works.
  const { verificationKey } = await f.h.grants.approve(f.sup.id, grant.id);
  await f.h.grants.revoke(f.sup.id, grant.id);
  assert.equal(await denied(f.h.grants.exchange(caller, verificationKey)), 'revoked');
  assert.deepEqual(
    (await deniedAudits(f.h)).map((e) => e.reason),
    ['unknown-key', 'forbidden-role', 'revoked'],
  );
});

test('a verification key works once, and its reuse revokes the grant', async (t) => {
  const f = await field(t);
  const caller = { workerId: f.aiko.id, toolId: AIKO_TOOL };
  const grant = await f.h.grants.request(caller, f.aikoOrder.id);
  const { verificationKey } = await f.h.grants.approve(f.sup.id, grant.id);
  const { accessKey } = await f.h.grants.exchange(caller, verificationKey);
  assert.equal(await denied(f.h.grants.exchange(caller, verificationKey)), 'verification-key-reused');
  const d = await f.h.grants.authorize({ ...caller, accessKey, meterId: 'M1', action: 'read' });
  assert.deepEqual(
    d,
    { allowed: false, reason: 'revoked' },
    'RFC 6749 §4.1.2: tokens from a reused code are revoked',
  );
  assert.deepEqual(
    (await deniedAudits(f.h)).map((e) => e.reason),
    ['verification-key-reused', 'revoked'],
  );
});

test('a verification key expires after 5 minutes', async (t) => {
  const f = await field(t);
  const caller = { workerId: f.aiko.id, toolId: AIKO_TOOL };
  const grant = await f.h.grants.request(caller, f.aikoOrder.id);
  const { verificationKey } = await f.h.grants.approve(f.sup.id, grant.id);
  f.h.now += 5 * MINUTE;
  assert.equal(await denied(f.h.grants.exchange(caller, verificationKey)), 'expired');
});

test('a supervisor revocation stops an issued access key at once', async (t) => {
  const f = await field(t);
  const caller = { workerId: f.aiko.id, toolId: AIKO_TOOL };
  const accessKey = await issue(f, f.aiko.id, AIKO_TOOL, f.aikoOrder.id);
  const [grant] = (await f.h.store.repositories.audit.list()).filter((e) => e.action === 'grant.exchange');
  await f.h.grants.revoke(f.sup.id, grant!.subject!);
  const d = await f.h.grants.authorize({ ...caller, accessKey, meterId: 'M1', action: 'read' });
  assert.deepEqual(d, { allowed: false, reason: 'revoked' });
  assert.equal(await denied(f.h.grants.revoke(f.aiko.id, grant!.subject!)), 'forbidden-role');
});

test('forged, random and malformed access keys are denied and audited', async (t) => {
  const f = await field(t);
  await issue(f, f.aiko.id, AIKO_TOOL, f.aikoOrder.id);
  const forged = [Buffer.alloc(32).toString('base64url'), 'A'.repeat(43), 'not-a-key', '', 'A'.repeat(4096)];
  for (const accessKey of forged) {
    const d = await f.h.grants.authorize({
      workerId: f.aiko.id,
      toolId: AIKO_TOOL,
      accessKey,
      meterId: 'M1',
      action: 'read',
    });
    assert.deepEqual(d, { allowed: false, reason: 'unknown-key' }, `key ${accessKey.slice(0, 12)}…`);
  }
  assert.equal((await deniedAudits(f.h)).length, forged.length, 'one audit row per denial');
});

test('an action outside the grant is denied', async (t) => {
  const f = await field(t);
  const accessKey = await issue(f, f.aiko.id, AIKO_TOOL, f.aikoOrder.id);
  const d = await f.h.grants.authorize({
    workerId: f.aiko.id,
    toolId: AIKO_TOOL,
    accessKey,
    meterId: 'M1',
    action: 'firmware-update',
  });
  assert.deepEqual(d, { allowed: false, reason: 'action-not-permitted' });
});

test('a grant is refused for a work order that is not active, and dies when the order is cancelled', async (t) => {
  const f = await field(t);
  const caller = { workerId: f.aiko.id, toolId: AIKO_TOOL };
  const later = await f.h.workOrders.assign(f.sup.id, {
    workerId: f.aiko.id,
    toolId: AIKO_TOOL,
    meterIds: ['M4'],
    windowStartMs: f.h.now + 60 * MINUTE,
    windowEndMs: f.h.now + 90 * MINUTE,
  });
  assert.equal(await denied(f.h.grants.request(caller, later.id)), 'work-order-inactive');
  assert.equal(await denied(f.h.workOrders.start(f.aiko.id, later.id)), 'outside-window');
  const accessKey = await issue(f, f.aiko.id, AIKO_TOOL, f.aikoOrder.id);
  await f.h.workOrders.cancel(f.sup.id, f.aikoOrder.id);
  const d = await f.h.grants.authorize({ ...caller, accessKey, meterId: 'M1', action: 'read' });
  assert.deepEqual(d, { allowed: false, reason: 'work-order-inactive' });
});
