import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessKeyResponse,
  CONSOLE_PAGE_MAX,
  ConsoleDeviceList,
  ConsoleGrantList,
  ConsoleWorkOrderList,
  DeviceCertificateResponse,
  EnrolmentResponse,
  Grant,
  IssuedCertificate,
  SignInResponse,
  VerificationKeyResponse,
  WorkOrder,
} from '../../../src/contract/headend-api/index.ts';
import type { AccountRecord } from '../../../src/headend/storage/index.ts';
import { startApi, type ApiHarness } from './fixtures/server.ts';
import { csrFor, newToolKey } from './fixtures/tool.ts';
import { expectBody, expectError, type ClientCredentials } from './fixtures/https-client.ts';

const HOUR = 3_600_000;
let h: ApiHarness;
let worker: AccountRecord;
let supToken: string;
let workerToken: string;
let tool: ClientCredentials;
/** Every key and CSR this file sees; none may appear in a list body. */
const secrets: string[] = [];
const orderIds: string[] = [];
const grantIds: Record<'pending' | 'approved' | 'exchanged', string> = {
  pending: '',
  approved: '',
  exchanged: '',
};

async function tokenFor(username: string, password: string): Promise<string> {
  const res = await h.call('/v1/session', { body: { username, password } });
  return expectBody(res, 201, SignInResponse).token;
}

async function enrol(deviceId: string): Promise<{ csrPem: string; privateKeyPem: string }> {
  const key = await newToolKey();
  const csrPem = await csrFor(deviceId, key);
  expectBody(await h.call('/v1/devices/enrol', { body: { deviceId, csrPem } }), 202, EnrolmentResponse);
  secrets.push(csrPem, key.privateKeyPem);
  return { csrPem, privateKeyPem: key.privateKeyPem };
}

async function approveDevice(deviceId: string): Promise<void> {
  const res = await h.call(`/v1/devices/${deviceId}/approve`, { method: 'POST', token: supToken });
  secrets.push(expectBody(res, 200, IssuedCertificate).certificatePem);
}

before(async () => {
  h = await startApi('console-lists');
  const sup = await h.accounts.createAccount('sato', 'supervisor-pass-1', 'supervisor', null);
  worker = await h.accounts.createAccount('aiko', 'worker-pass-0001', 'field-worker', sup.id);
  await h.store.repositories.meters.upsert({
    meterId: 'M1',
    eui64: '00124b0000000001',
    site: 'isolated-1',
    latitude: 35.6,
    longitude: 139.7,
    serving: { via: 'gateway', id: 'gw-1', sinceMs: h.now },
  });
  supToken = await tokenFor('sato', 'supervisor-pass-1');
  workerToken = await tokenFor('aiko', 'worker-pass-0001');

  await enrol('tool-a-pending');
  const issued = await enrol('tool-b-issued');
  await approveDevice('tool-b-issued');
  await enrol('tool-c-rejected');
  expectBody(
    await h.call('/v1/devices/tool-c-rejected/reject', { method: 'POST', token: supToken }),
    200,
    DeviceCertificateResponse.options[1],
  );
  await enrol('tool-d-revoked');
  await approveDevice('tool-d-revoked');
  await h.call('/v1/devices/tool-d-revoked/revoke', { method: 'POST', token: supToken });
  const fetched = expectBody(
    await h.call('/v1/devices/tool-b-issued/certificate'),
    200,
    DeviceCertificateResponse,
  );
  tool = {
    certificatePem: fetched.state === 'issued' ? fetched.certificatePem : '',
    privateKeyPem: issued.privateKeyPem,
  };

  for (let i = 0; i < 5; i += 1) {
    const res = await h.call('/v1/work-orders', {
      token: supToken,
      body: {
        workerId: worker.id,
        toolId: 'tool-b-issued',
        meterIds: ['M1'],
        windowStartMs: h.now,
        windowEndMs: h.now + HOUR,
      },
    });
    orderIds.push(expectBody(res, 201, WorkOrder).id);
  }
  const asTool = { token: workerToken, client: tool };
  for (const state of ['pending', 'approved', 'exchanged'] as const) {
    const orderId = orderIds[['pending', 'approved', 'exchanged'].indexOf(state)] ?? '';
    expectBody(
      await h.call(`/v1/work-orders/${orderId}/start`, { method: 'POST', ...asTool }),
      200,
      WorkOrder,
    );
    const grant = expectBody(
      await h.call('/v1/grants', { body: { workOrderId: orderId }, ...asTool }),
      201,
      Grant,
    );
    grantIds[state] = grant.id;
    if (state === 'pending') continue;
    const approve = await h.call(`/v1/grants/${grant.id}/approve`, { method: 'POST', token: supToken });
    const { verificationKey } = expectBody(approve, 200, VerificationKeyResponse);
    secrets.push(verificationKey);
    if (state === 'approved') continue;
    const exchange = await h.call('/v1/grants/exchange', { body: { verificationKey }, ...asTool });
    secrets.push(expectBody(exchange, 200, AccessKeyResponse).accessKey);
  }
  // The stored hashes must not leak either.
  for (const id of Object.values(grantIds)) {
    const g = await h.store.repositories.grants.findById(id);
    for (const hash of [g?.verificationKeyHash, g?.accessKeyHash]) if (hash) secrets.push(hash);
  }
});
after(() => h.close());

function assertNoSecrets(body: unknown): void {
  const text = JSON.stringify(body);
  for (const secret of secrets)
    assert.ok(!text.includes(secret.slice(0, 40)), `a key, CSR or hash leaked into ${text.slice(0, 80)}…`);
  // publicKeySha256 is the enrolment's public-key fingerprint, shown for comparison: not a secret.
  assert.doesNotMatch(
    text,
    /"(verificationKey|accessKey|csrPem|certificatePem|privateKeyPem)\w*":/,
    'no key, certificate or hash field in a list',
  );
}

test('the supervisor sees every tool with its enrolment state and certificate expiry', async () => {
  const res = await h.call('/v1/console/devices', { token: supToken });
  const { devices, next } = expectBody(res, 200, ConsoleDeviceList);
  assert.deepEqual(
    devices.map((d) => [d.deviceId, d.state]),
    [
      ['tool-a-pending', 'pending'],
      ['tool-b-issued', 'issued'],
      ['tool-c-rejected', 'rejected'],
      ['tool-d-revoked', 'revoked'],
    ],
  );
  assert.equal(next, null);
  const issued = devices.find((d) => d.deviceId === 'tool-b-issued');
  assert.equal(issued?.certificateNotAfterMs, h.ca.certificatesOf('tool-b-issued')[0]?.notAfterMs);
  assert.equal(devices.find((d) => d.deviceId === 'tool-a-pending')?.certificateNotAfterMs, null);
  assert.equal(issued?.online, null, 'no job server: online/offline unknown, not "offline"');
  assertNoSecrets(res.json);
});

test('the supervisor sees work orders with worker, tool, meter count, window and state', async () => {
  const res = await h.call('/v1/console/work-orders', { token: supToken });
  const { workOrders } = expectBody(res, 200, ConsoleWorkOrderList);
  assert.deepEqual(workOrders.map((o) => o.id).sort(), [...orderIds].sort());
  const first = workOrders.find((o) => o.id === orderIds[0]);
  assert.deepEqual(
    first && [
      first.workerId,
      first.toolId,
      first.meterCount,
      first.windowEndMs - first.windowStartMs,
      first.state,
    ],
    [worker.id, 'tool-b-issued', 1, HOUR, 'active'],
  );
  assert.equal(workOrders.find((o) => o.id === orderIds[4])?.state, 'assigned');
  assertNoSecrets(res.json);
});

test('the supervisor sees grants as pending, approved, exchanged — and expired once the key runs out', async () => {
  const res = await h.call('/v1/console/grants', { token: supToken });
  const { grants } = expectBody(res, 200, ConsoleGrantList);
  const stateOf = (id: string) => grants.find((g) => g.id === id)?.state;
  assert.deepEqual(
    [stateOf(grantIds.pending), stateOf(grantIds.approved), stateOf(grantIds.exchanged)],
    ['pending', 'approved', 'exchanged'],
  );
  const approved = grants.find((g) => g.id === grantIds.approved);
  assert.ok(
    (approved?.expiresAtMs ?? 0) > h.now,
    'an approved grant shows when its verification key expires',
  );
  assertNoSecrets(res.json);

  const saved = h.now;
  h.now = saved + 30 * 24 * HOUR;
  try {
    const token = await tokenFor('sato', 'supervisor-pass-1');
    const later = expectBody(await h.call('/v1/console/grants', { token }), 200, ConsoleGrantList);
    assert.equal(later.grants.find((g) => g.id === grantIds.approved)?.state, 'expired');
  } finally {
    h.now = saved;
    // The supervisor's session idled out in those 30 days.
    supToken = await tokenFor('sato', 'supervisor-pass-1');
  }
});

test('a field worker is refused every list (403), with or without a tool certificate', async () => {
  for (const path of ['/v1/console/devices', '/v1/console/work-orders', '/v1/console/grants']) {
    assert.equal(
      expectError(await h.call(path, { token: workerToken }), 403, 'forbidden').reason,
      'forbidden-role',
    );
    expectError(await h.call(path, { token: workerToken, client: tool }), 403, 'forbidden');
    expectError(await h.call(path), 401, 'unauthorized');
  }
});

test('paging walks every row once, and the page size is bounded', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 10; pages += 1) {
    const query: string = after === null ? '?limit=2' : `?limit=2&after=${after}`;
    const page = expectBody(
      await h.call(`/v1/console/work-orders${query}`, { token: supToken }),
      200,
      ConsoleWorkOrderList,
    );
    assert.ok(page.workOrders.length <= 2, 'a page holds at most limit rows');
    seen.push(...page.workOrders.map((o) => o.id));
    after = page.next;
    if (after === null) break;
  }
  assert.equal(after, null, 'the last page says there is no next');
  assert.deepEqual(seen, [...orderIds].sort(), 'every order once, in id order');

  const devices = expectBody(
    await h.call('/v1/console/devices?limit=1&after=tool-b-issued', { token: supToken }),
    200,
    ConsoleDeviceList,
  );
  assert.deepEqual(
    [devices.devices.map((d) => d.deviceId), devices.next],
    [['tool-c-rejected'], 'tool-c-rejected'],
  );
});

test('a bad query is a 400 naming the field', async () => {
  const cases: [string, string][] = [
    [`limit=${String(CONSOLE_PAGE_MAX + 1)}`, 'limit'],
    ['limit=0', 'limit'],
    ['limit=two', 'limit'],
    ['after=..%2Fetc', 'after'],
    ['sort=id', 'sort'],
  ];
  for (const [query, field] of cases)
    for (const path of ['/v1/console/devices', '/v1/console/work-orders', '/v1/console/grants']) {
      const error = expectError(await h.call(`${path}?${query}`, { token: supToken }), 400, 'bad-request');
      assert.equal(error.field, field, `${path}?${query}`);
    }
});
