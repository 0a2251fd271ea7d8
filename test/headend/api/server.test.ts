import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import {
  ACCESS_KEY_HEADER,
  AccessKeyResponse,
  DeviceCertificateResponse,
  ENDPOINTS,
  EnrolmentResponse,
  Grant,
  IssuedCertificate,
  ReadingsResponse,
  RejectDeviceResponse,
  RevokeDeviceResponse,
  SignInResponse,
  SignOutResponse,
  VerificationKeyResponse,
  WorkOrder,
  WorkOrderList,
} from '../../../src/contract/headend-api/index.ts';
import type { AccountRecord } from '../../../src/headend/storage/index.ts';
import { startApi, type ApiHarness } from './fixtures/server.ts';
import { csrFor, newToolKey, tamperSignature } from './fixtures/tool.ts';
import {
  expectBody,
  expectError,
  keepAliveAgent,
  type CallResult,
  type ClientCredentials,
} from './fixtures/https-client.ts';

const SUP_PASSWORD = 'supervisor-pass-1';
const WORKER_PASSWORD = 'worker-pass-0001';
const HOUR = 3_600_000;
let h: ApiHarness;
let sup: AccountRecord;
let worker: AccountRecord;
let supToken: string;
/** Every password, token and key this file sees; none may reach the log. */
const secretsSeen: string[] = [SUP_PASSWORD, WORKER_PASSWORD];

before(async () => {
  h = await startApi('api-server');
  sup = await h.accounts.createAccount('sato', SUP_PASSWORD, 'supervisor', null);
  worker = await h.accounts.createAccount('aiko', WORKER_PASSWORD, 'field-worker', sup.id);
  for (const [i, meterId] of ['M1', 'M2', 'M3'].entries())
    await h.store.repositories.meters.upsert({
      meterId,
      eui64: `00124b000000000${String(i + 1)}`,
      site: 'isolated-1',
      latitude: 35.6,
      longitude: 139.7,
      serving: { via: 'gateway', id: 'gw-1', sinceMs: h.now },
    });
  supToken = await tokenFor('sato', SUP_PASSWORD);
});
after(() => h.close());

function signIn(username: string, password: string): Promise<CallResult> {
  return h.call('/v1/session', { body: { username, password } });
}

async function tokenFor(username: string, password: string): Promise<string> {
  const { token } = expectBody(await signIn(username, password), 201, SignInResponse);
  secretsSeen.push(token);
  return token;
}

/** Enrols a device over HTTP and has the supervisor approve it; its credentials. */
async function enrolled(deviceId: string): Promise<ClientCredentials> {
  const key = await newToolKey();
  const csrPem = await csrFor(deviceId, key);
  expectBody(await h.call('/v1/devices/enrol', { body: { deviceId, csrPem } }), 202, EnrolmentResponse);
  const approve = await h.call(`/v1/devices/${deviceId}/approve`, { method: 'POST', token: supToken });
  expectBody(approve, 200, IssuedCertificate);
  const fetched = expectBody(
    await h.call(`/v1/devices/${deviceId}/certificate`),
    200,
    DeviceCertificateResponse,
  );
  assert.equal(fetched.state, 'issued');
  return {
    certificatePem: fetched.state === 'issued' ? fetched.certificatePem : '',
    privateKeyPem: key.privateKeyPem,
  };
}

async function assignOrder(toolId: string, meterIds: string[]): Promise<string> {
  const res = await h.call('/v1/work-orders', {
    token: supToken,
    body: { workerId: worker.id, toolId, meterIds, windowStartMs: h.now, windowEndMs: h.now + HOUR },
  });
  return expectBody(res, 201, WorkOrder).id;
}

test('enrol with an ECDSA P-256 CSR, approve, fetch the certificate, then call a tool endpoint with it', async () => {
  const key = await newToolKey();
  const csrPem = await csrFor('tool-aiko', key);
  const enrol = expectBody(
    await h.call('/v1/devices/enrol', { body: { deviceId: 'tool-aiko', csrPem } }),
    202,
    EnrolmentResponse,
  );
  assert.equal(enrol.state, 'pending');
  const pending = await h.call('/v1/devices/tool-aiko/certificate');
  assert.deepEqual(pending.json, { state: 'pending', deviceId: 'tool-aiko' });

  const workerToken = await tokenFor('aiko', WORKER_PASSWORD);
  const byWorker = await h.call('/v1/devices/tool-aiko/approve', { method: 'POST', token: workerToken });
  expectError(byWorker, 403, 'forbidden');
  const approved = await h.call('/v1/devices/tool-aiko/approve', { method: 'POST', token: supToken });
  expectBody(approved, 200, IssuedCertificate);

  const fetched = expectBody(
    await h.call('/v1/devices/tool-aiko/certificate'),
    200,
    DeviceCertificateResponse,
  );
  assert.ok(fetched.state === 'issued', 'the certificate is issued');
  const cert = new X509Certificate(fetched.certificatePem);
  assert.equal(cert.subject, 'CN=tool-aiko');
  assert.ok(cert.verify(new X509Certificate(fetched.caCertificatePem).publicKey), 'signed by the CA');
  const spki = new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' }));
  const { createHash } = await import('node:crypto');
  assert.equal(createHash('sha256').update(spki).digest('hex'), enrol.publicKeySha256);

  const credentials = { certificatePem: fetched.certificatePem, privateKeyPem: key.privateKeyPem };
  const orders = await h.call('/v1/me/work-orders', { token: workerToken, client: credentials });
  assert.deepEqual(expectBody(orders, 200, WorkOrderList), { workOrders: [] });

  const again = await h.call('/v1/devices/enrol', { body: { deviceId: 'tool-aiko', csrPem } });
  expectError(again, 409, 'conflict');
});

test('a CSR whose signature was tampered with is refused with the reason, and nothing is pending', async () => {
  const csrPem = tamperSignature(await csrFor('tool-tampered', await newToolKey()));
  const error = expectError(
    await h.call('/v1/devices/enrol', { body: { deviceId: 'tool-tampered', csrPem } }),
    400,
    'bad-request',
  );
  assert.equal(error.reason, 'bad-signature');
  assert.equal(error.field, 'csrPem');
  expectError(await h.call('/v1/devices/tool-tampered/certificate'), 404, 'not-found');
});

test('a CSR for another device id is refused as a subject mismatch', async () => {
  const csrPem = await csrFor('tool-aiko', await newToolKey());
  const error = expectError(
    await h.call('/v1/devices/enrol', { body: { deviceId: 'tool-mallory', csrPem } }),
    400,
    'bad-request',
  );
  assert.equal(error.reason, 'subject-mismatch');
});

test('a tool endpoint refuses a request without a client certificate, even with a valid session', async () => {
  const workerToken = await tokenFor('aiko', WORKER_PASSWORD);
  expectError(await h.call('/v1/me/work-orders', { token: workerToken }), 401, 'unauthorized');
});

test('a certificate is refused on the very next request after its revocation, on the same connection', async () => {
  const credentials = await enrolled('tool-revoked');
  const workerToken = await tokenFor('aiko', WORKER_PASSWORD);
  const agent = keepAliveAgent(h.ca.certificatePem, credentials);
  try {
    expectBody(await h.call('/v1/me/work-orders', { token: workerToken, agent }), 200, WorkOrderList);
    const revoked = expectBody(
      await h.call('/v1/devices/tool-revoked/revoke', { method: 'POST', token: supToken }),
      200,
      RevokeDeviceResponse,
    );
    assert.equal(revoked.revokedSerials.length, 1);
    const error = expectError(
      await h.call('/v1/me/work-orders', { token: workerToken, agent }),
      403,
      'forbidden',
    );
    assert.equal(error.reason, 'revoked');
    expectError(
      await h.call('/v1/me/work-orders', { token: workerToken, client: credentials }),
      403,
      'forbidden',
    );
  } finally {
    agent.destroy();
  }
});

test('sign-in returns a token that lists my work orders; sign-out ends it', async () => {
  const credentials = await enrolled('tool-orders');
  const orderId = await assignOrder('tool-orders', ['M1']);
  const token = await tokenFor('AIKO ', WORKER_PASSWORD);
  const mine = expectBody(
    await h.call('/v1/me/work-orders', { token, client: credentials }),
    200,
    WorkOrderList,
  );
  assert.deepEqual(
    mine.workOrders.filter((o) => o.id === orderId).map((o) => [o.toolId, o.meters, o.state]),
    [['tool-orders', [{ meterId: 'M1', eui64: '00124b0000000001' }], 'assigned']],
  );
  const out = await h.call('/v1/session', { method: 'DELETE', token, client: credentials });
  assert.deepEqual(expectBody(out, 200, SignOutResponse), { signedOut: true });
  expectError(await h.call('/v1/me/work-orders', { token, client: credentials }), 401, 'unauthorized');
});

test('work orders carry each meter with the EUI-64 the registry holds for it', async () => {
  const credentials = await enrolled('tool-euis');
  const assigned = await h.call('/v1/work-orders', {
    token: supToken,
    body: {
      workerId: worker.id,
      toolId: 'tool-euis',
      meterIds: ['M3', 'M2', 'M3'],
      windowStartMs: h.now,
      windowEndMs: h.now + HOUR,
    },
  });
  const order = expectBody(assigned, 201, WorkOrder);
  const registry = h.store.repositories.meters;
  const expected = [];
  for (const meterId of ['M2', 'M3'])
    expected.push({ meterId, eui64: (await registry.findById(meterId))!.eui64 });
  assert.deepEqual(order.meters, expected, 'each meter once, with its registry EUI-64');
  const token = await tokenFor('aiko', WORKER_PASSWORD);
  const mine = expectBody(
    await h.call('/v1/me/work-orders', { token, client: credentials }),
    200,
    WorkOrderList,
  );
  assert.deepEqual(mine.workOrders.find((o) => o.id === order.id)?.meters, expected);
  const started = await h.call(`/v1/work-orders/${order.id}/start`, {
    method: 'POST',
    token,
    client: credentials,
  });
  assert.deepEqual(expectBody(started, 200, WorkOrder).meters, expected, 'starting returns them too');
});

test('a bad body is a 400 that names the field', async () => {
  const res = await h.call('/v1/work-orders', {
    token: supToken,
    body: {
      workerId: worker.id,
      toolId: 'tool-x',
      meterIds: [],
      windowStartMs: h.now,
      windowEndMs: h.now + 1,
    },
  });
  assert.equal(expectError(res, 400, 'bad-request').field, 'meterIds');
  const unknown = await h.call('/v1/session', { body: { username: 'a', password: 'b', admin: true } });
  assert.equal(expectError(unknown, 400, 'bad-request').field, 'admin');
  expectError(await h.call('/v1/session', { rawBody: '{"username":' }), 400, 'bad-request');
  const badMeter = await h.call('/v1/work-orders', {
    token: supToken,
    body: {
      workerId: worker.id,
      toolId: 'tool-x',
      meterIds: ['M9'],
      windowStartMs: h.now,
      windowEndMs: h.now + 1,
    },
  });
  assert.match(expectError(badMeter, 400, 'bad-request').message, /M9/);
});

test('a body over 64 KiB is refused with 413', async () => {
  const res = await h.call('/v1/devices/enrol', {
    body: { deviceId: 'tool-big', csrPem: 'A'.repeat(70 * 1024) },
  });
  expectError(res, 413, 'payload-too-large');
});

test('the sixth wrong password in a row is a 429 with Retry-After', async () => {
  await h.accounts.createAccount('ben', 'worker-pass-0002', 'field-worker', sup.id);
  const statuses: number[] = [];
  let last: CallResult | undefined;
  for (let i = 0; i < 6; i++) {
    last = await signIn('ben', `wrong-password-${String(i)}`);
    statuses.push(last.status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  assert.ok(last !== undefined, 'six attempts were made');
  expectError(last, 429, 'too-many-requests');
  assert.ok(Number(last.headers['retry-after']) > 0, 'Retry-After gives the seconds to wait');
  expectError(await signIn('ben', 'worker-pass-0002'), 429, 'too-many-requests');
});

test('grant flow over HTTP: request, approve, exchange, read; a meter outside the grant is 403 and audited', async () => {
  const client = await enrolled('tool-grant');
  const orderId = await assignOrder('tool-grant', ['M1', 'M2']);
  const token = await tokenFor('aiko', WORKER_PASSWORD);
  const tool = { token, client };
  const started = await h.call(`/v1/work-orders/${orderId}/start`, { method: 'POST', ...tool });
  assert.equal(expectBody(started, 200, WorkOrder).state, 'active');
  await h.store.repositories.readings.ingest({
    batchId: 'b1',
    receivedAtMs: h.now,
    readings: [
      {
        meterId: 'M1',
        readAtMs: h.now - 1000,
        registers: [{ register: 'normal', raw: 123456, coefficient: 1, unitExponent: -1, digits: 8 }],
        instantaneousPowerW: 420,
        currentRDeciampere: 12,
        currentTDeciampere: null,
        history: [],
      },
    ],
    exceptions: [],
  });

  async function issueAccessKey(): Promise<string> {
    const grant = expectBody(
      await h.call('/v1/grants', { body: { workOrderId: orderId }, ...tool }),
      201,
      Grant,
    );
    assert.equal(grant.toolId, 'tool-grant', 'the tool id comes from the client certificate');
    assert.equal(grant.workerId, worker.id, 'the worker id comes from the session');
    const approve = await h.call(`/v1/grants/${grant.id}/approve`, { method: 'POST', token: supToken });
    const { verificationKey } = expectBody(approve, 200, VerificationKeyResponse);
    const exchange = await h.call('/v1/grants/exchange', { body: { verificationKey }, ...tool });
    const { accessKey } = expectBody(exchange, 200, AccessKeyResponse);
    secretsSeen.push(verificationKey, accessKey);
    // RFC 6749 §4.1.2: the verification key works once; a second use revokes what it issued.
    const reuse = await h.call('/v1/grants/exchange', { body: { verificationKey }, ...tool });
    assert.equal(expectError(reuse, 403, 'forbidden').reason, 'verification-key-reused');
    return accessKey;
  }

  const range = `fromMs=${String(h.now - 60_000)}&toMs=${String(h.now + 60_000)}`;
  const read = (meterId: string, accessKey: string) =>
    h.call(`/v1/meters/${meterId}/readings?${range}`, {
      ...tool,
      headers: { [ACCESS_KEY_HEADER]: accessKey },
    });
  const revokedKey = await issueAccessKey();
  assert.equal(expectError(await read('M1', revokedKey), 403, 'forbidden').reason, 'revoked');

  const grant = await h.call('/v1/grants', { body: { workOrderId: orderId }, ...tool });
  const approve = await h.call(`/v1/grants/${expectBody(grant, 201, Grant).id}/approve`, {
    method: 'POST',
    token: supToken,
  });
  const { verificationKey } = expectBody(approve, 200, VerificationKeyResponse);
  const { accessKey } = expectBody(
    await h.call('/v1/grants/exchange', { body: { verificationKey }, ...tool }),
    200,
    AccessKeyResponse,
  );
  secretsSeen.push(verificationKey, accessKey);
  const readings = expectBody(await read('M1', accessKey), 200, ReadingsResponse);
  assert.deepEqual(
    readings.readings.map((r) => r.registers[0]?.raw),
    [123456],
  );

  const outside = expectError(await read('M3', accessKey), 403, 'forbidden');
  assert.equal(outside.reason, 'meter-not-in-work-order');
  const audit = await h.store.repositories.audit.list();
  assert.ok(
    audit.some(
      (e) =>
        e.action === 'meter.read' &&
        e.outcome === 'denied' &&
        e.subject === 'M3' &&
        e.actor === 'tool-grant' &&
        e.reason === 'meter-not-in-work-order',
    ),
    'the refused read is in the audit log',
  );
  const noKey = await h.call(`/v1/meters/M1/readings?${range}`, tool);
  expectError(noKey, 401, 'unauthorized');
});

test('the OpenAPI document is JSON listing every route', async () => {
  const doc = expectBody(
    await h.call('/v1/openapi.json'),
    200,
    z.object({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  );
  for (const e of Object.values(ENDPOINTS)) {
    const op = z.object({ operationId: z.string() }).safeParse(doc.paths[e.path]?.[e.method.toLowerCase()]);
    assert.ok(op.success, `${e.method} ${e.path} is in the document`);
    assert.equal(op.data.operationId, e.operationId);
  }
});

test('an unknown route is a 404 error body; errors never carry a stack', async () => {
  const res = await h.call('/v1/nothing-here');
  expectError(res, 404, 'not-found');
  assert.doesNotMatch(JSON.stringify(res.json), /at .*\.ts:\d+/);
});

test('a revoked device may enrol again and, once approved, works with its new certificate', async () => {
  const workerToken = await tokenFor('aiko', WORKER_PASSWORD);
  const first = await enrolled('tool-again');
  await h.call('/v1/devices/tool-again/revoke', { method: 'POST', token: supToken });
  expectError(await h.call('/v1/me/work-orders', { token: workerToken, client: first }), 403, 'forbidden');
  const second = await enrolled('tool-again');
  expectBody(await h.call('/v1/me/work-orders', { token: workerToken, client: second }), 200, WorkOrderList);
});

test('a supervisor can reject a pending enrolment; the tool sees it rejected and no certificate', async () => {
  const csrPem = await csrFor('tool-rejected', await newToolKey());
  expectBody(
    await h.call('/v1/devices/enrol', { body: { deviceId: 'tool-rejected', csrPem } }),
    202,
    EnrolmentResponse,
  );
  const rejected = await h.call('/v1/devices/tool-rejected/reject', { method: 'POST', token: supToken });
  assert.deepEqual(expectBody(rejected, 200, RejectDeviceResponse), {
    state: 'rejected',
    deviceId: 'tool-rejected',
  });
  assert.deepEqual((await h.call('/v1/devices/tool-rejected/certificate')).json, {
    state: 'rejected',
    deviceId: 'tool-rejected',
  });
  const approve = await h.call('/v1/devices/tool-rejected/approve', { method: 'POST', token: supToken });
  expectError(approve, 409, 'conflict');
});

test('a tool renews its own certificate over mutual TLS, and not another device’s', async () => {
  const current = await enrolled('tool-renew');
  const newKey = await newToolKey();
  const csrPem = await csrFor('tool-renew', newKey);
  const renewed = expectBody(
    await h.call('/v1/devices/tool-renew/renew', { body: { csrPem }, client: current }),
    200,
    IssuedCertificate,
  );
  assert.equal(new X509Certificate(renewed.certificatePem).subject, 'CN=tool-renew');
  const workerToken = await tokenFor('aiko', WORKER_PASSWORD);
  const withNew = { certificatePem: renewed.certificatePem, privateKeyPem: newKey.privateKeyPem };
  expectBody(await h.call('/v1/me/work-orders', { token: workerToken, client: withNew }), 200, WorkOrderList);
  const other = await h.call('/v1/devices/tool-aiko/renew', {
    body: { csrPem: await csrFor('tool-aiko', newKey) },
    client: current,
  });
  expectError(other, 403, 'forbidden');
  expectError(await h.call('/v1/devices/tool-renew/renew', { body: { csrPem } }), 401, 'unauthorized');
});

test('a client certificate from another CA is refused', async () => {
  const { CertificateAuthority, memoryCaStore } = await import('../../../src/headend/ca/index.ts');
  const other = await CertificateAuthority.open({
    store: memoryCaStore(),
    clock: () => Date.now(),
    random: (n) => new Uint8Array(n).fill(7),
  });
  const key = await newToolKey();
  const foreign = await other.issueClientCertificate(await csrFor('tool-aiko', key), 'tool-aiko');
  const workerToken = await tokenFor('aiko', WORKER_PASSWORD);
  const res = await h.call('/v1/me/work-orders', {
    token: workerToken,
    client: { certificatePem: foreign.certificatePem, privateKeyPem: key.privateKeyPem },
  });
  expectError(res, 403, 'forbidden');
});

test('a work order cannot be started from a tool it was not assigned to', async () => {
  const assignedTool = await enrolled('tool-assigned');
  const otherTool = await enrolled('tool-other');
  const orderId = await assignOrder('tool-assigned', ['M2']);
  const token = await tokenFor('aiko', WORKER_PASSWORD);
  const wrong = await h.call(`/v1/work-orders/${orderId}/start`, {
    method: 'POST',
    token,
    client: otherTool,
  });
  assert.equal(expectError(wrong, 403, 'forbidden').reason, 'wrong-tool');
  const right = await h.call(`/v1/work-orders/${orderId}/start`, {
    method: 'POST',
    token,
    client: assignedTool,
  });
  assert.equal(expectBody(right, 200, WorkOrder).state, 'active');
});

// Last: it searches the log of every request above.
test('the logs hold no password, session token, verification or access key', () => {
  assert.ok(secretsSeen.length >= 10, 'the tests above handed out tokens and keys to look for');
  assert.ok(h.logLines.length > 50, 'requests were logged');
  for (const line of h.logLines)
    for (const secret of secretsSeen)
      assert.ok(!line.includes(secret), `a log line contains a secret: ${line}`);
  assert.ok(
    h.logLines.some((l) => l.includes('"route":"/v1/session"')),
    'sign-in requests are logged by route',
  );
});
