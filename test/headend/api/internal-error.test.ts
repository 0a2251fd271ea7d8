import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReadingRepository } from '../../../src/headend/storage/index.ts';
import {
  AccessKeyResponse,
  ApiErrorBody,
  Grant,
  IssuedCertificate,
  SignInResponse,
  VerificationKeyResponse,
} from '../../../src/contract/headend-api/index.ts';
import { expectBody } from './fixtures/https-client.ts';
import { startApi, type ApiHarness } from './fixtures/server.ts';

/** A readings store that fails the way a broken disk would, with a path in its message. */
const broken: ReadingRepository = {
  ingest: () => Promise.reject(new Error('unused')),
  listReadings: () => Promise.reject(new Error('SQLITE_IOERR at /srv/fieldroot/headend.sqlite3')),
  listExceptions: () => Promise.reject(new Error('unused')),
};

let h: ApiHarness;
before(async () => {
  h = await startApi('api-internal', { readings: broken });
});
after(() => h.close());

test('an unexpected failure is a 500 "internal" with the request id and nothing of the error', async () => {
  // Reach the readings store through an enrolled tool, a session and a grant.
  const { csrFor, newToolKey } = await import('./fixtures/tool.ts');
  const sup = await h.accounts.createAccount('sato', 'supervisor-pass-1', 'supervisor', null);
  const worker = await h.accounts.createAccount('aiko', 'worker-pass-0001', 'field-worker', sup.id);
  await h.store.repositories.meters.upsert({
    meterId: 'M1',
    eui64: '00124b0000000001',
    site: 's',
    latitude: 0,
    longitude: 0,
    serving: { via: 'gateway', id: 'gw', sinceMs: h.now },
  });
  const signIn = async (username: string, password: string) =>
    expectBody(await h.call('/v1/session', { body: { username, password } }), 201, SignInResponse).token;
  const supToken = await signIn('sato', 'supervisor-pass-1');
  const key = await newToolKey();
  await h.call('/v1/devices/enrol', { body: { deviceId: 'tool-1', csrPem: await csrFor('tool-1', key) } });
  const cert = expectBody(
    await h.call('/v1/devices/tool-1/approve', { method: 'POST', token: supToken }),
    200,
    IssuedCertificate,
  );
  const client = { certificatePem: cert.certificatePem, privateKeyPem: key.privateKeyPem };
  const order = await h.workOrders.assign(sup.id, {
    workerId: worker.id,
    toolId: 'tool-1',
    meterIds: ['M1'],
    windowStartMs: h.now,
    windowEndMs: h.now + 60_000,
  });
  const token = await signIn('aiko', 'worker-pass-0001');
  await h.call(`/v1/work-orders/${order.id}/start`, { method: 'POST', token, client });
  const grant = expectBody(
    await h.call('/v1/grants', { body: { workOrderId: order.id }, token, client }),
    201,
    Grant,
  );
  const approved = expectBody(
    await h.call(`/v1/grants/${grant.id}/approve`, { method: 'POST', token: supToken }),
    200,
    VerificationKeyResponse,
  );
  const access = expectBody(
    await h.call('/v1/grants/exchange', {
      body: { verificationKey: approved.verificationKey },
      token,
      client,
    }),
    200,
    AccessKeyResponse,
  );

  const res = await h.call('/v1/meters/M1/readings?fromMs=0&toMs=1', {
    token,
    client,
    headers: { 'x-fieldroot-access-key': access.accessKey },
  });
  assert.equal(res.status, 500);
  const body = ApiErrorBody.parse(res.json);
  assert.deepEqual(body, {
    error: { code: 'internal', message: 'internal error', requestId: body.error.requestId },
  });
  assert.doesNotMatch(JSON.stringify(res.json), /SQLITE|sqlite3|\.ts/);
  const logged = h.logLines.find((l) => l.includes('"unexpected error"')) ?? '';
  assert.ok(logged.includes(body.error.requestId), 'the log ties the error to the request id');
  assert.ok(logged.includes('SQLITE_IOERR'), 'the log keeps the cause for the operator');
  assert.ok(!logged.includes('    at '), 'no stack trace in the log line either');
});
