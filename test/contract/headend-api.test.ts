import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_ERROR_CODES,
  API_ERROR_STATUS,
  ApiErrorBody,
  AssignWorkOrderRequest,
  buildOpenApiDocument,
  DeviceCertificateResponse,
  DeviceId,
  ENDPOINTS,
  JobRadio,
  OPENAPI_PATH,
  ReadingsQuery,
  routePath,
  SignInRequest,
  WorkOrderMeter,
} from '../../src/contract/headend-api/index.ts';

test('every error code has its own status, and the error body carries code, message and request id', () => {
  assert.deepEqual(
    API_ERROR_CODES.map((c) => API_ERROR_STATUS[c]),
    [400, 401, 403, 404, 409, 429, 413, 500],
  );
  const body = {
    error: { code: 'forbidden', message: 'access denied', requestId: 'req-1', reason: 'revoked' },
  };
  assert.deepEqual(ApiErrorBody.parse(body), body);
  assert.equal(
    ApiErrorBody.safeParse({ error: { code: 'teapot', message: '', requestId: 'r' } }).success,
    false,
  );
});

test('request schemas are strict: an unknown field is an error naming it', () => {
  const result = SignInRequest.safeParse({ username: 'aiko', password: 'x', role: 'admin' });
  assert.equal(result.success, false);
  assert.deepEqual(result.error?.issues[0]?.code, 'unrecognized_keys');
});

test('a work order needs at least one meter and integer epoch times', () => {
  const base = { workerId: 'acct-1', toolId: 'tool-1', meterIds: ['M1'], windowStartMs: 0, windowEndMs: 1 };
  assert.equal(AssignWorkOrderRequest.safeParse(base).success, true);
  const empty = AssignWorkOrderRequest.safeParse({ ...base, meterIds: [] });
  assert.deepEqual(empty.error?.issues[0]?.path, ['meterIds']);
  const fractional = AssignWorkOrderRequest.safeParse({ ...base, windowEndMs: 1.5 });
  assert.deepEqual(fractional.error?.issues[0]?.path, ['windowEndMs']);
});

test('a work order meter carries its EUI-64 as 16 lower-case hex digits', () => {
  assert.equal(WorkOrderMeter.safeParse({ meterId: 'M-1', eui64: '02fe510000000001' }).success, true);
  for (const eui64 of ['02FE510000000001', '02:fe:51:00:00:00:00:01', '02fe51', ''])
    assert.equal(WorkOrderMeter.safeParse({ meterId: 'M-1', eui64 }).success, false, `${eui64} is refused`);
  assert.equal(WorkOrderMeter.safeParse({ meterId: 'M-1' }).success, false, 'the EUI-64 is required');
});

test('a job radio is a one-octet channel and a PAN ID other than broadcast', () => {
  assert.equal(JobRadio.safeParse({ channel: 33, panId: 0x7a3c }).success, true);
  assert.equal(JobRadio.safeParse({ channel: 33, panId: 0xffff }).success, false, 'broadcast PAN ID');
  assert.equal(JobRadio.safeParse({ channel: 256, panId: 1 }).success, false, 'channel over one octet');
  assert.equal(JobRadio.safeParse({ channel: 33 }).success, false, 'the PAN ID is required');
});

test('device ids are lower-case names that fit a certificate CN', () => {
  assert.equal(DeviceId.safeParse('tool-aiko-01').success, true);
  for (const bad of ['Tool-1', 'ab', '-tool', 'tool_1', 'tool 1', 'CN=x'])
    assert.equal(DeviceId.safeParse(bad).success, false, `${bad} is refused`);
});

test('readings query parameters arrive as text and are coerced to integers', () => {
  assert.deepEqual(ReadingsQuery.parse({ fromMs: '10', toMs: '20' }), { fromMs: 10, toMs: 20 });
  assert.equal(ReadingsQuery.safeParse({ fromMs: 'yesterday', toMs: '20' }).success, false);
});

test('the certificate response is pending, rejected or issued with the certificates', () => {
  assert.equal(DeviceCertificateResponse.safeParse({ state: 'pending', deviceId: 'tool-1' }).success, true);
  assert.equal(DeviceCertificateResponse.safeParse({ state: 'issued', deviceId: 'tool-1' }).success, false);
});

test('the OpenAPI 3.1 document has every endpoint once, with its schemas and auth', () => {
  const doc = buildOpenApiDocument('1.2.3') as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { operationId: string; security?: unknown[]; requestBody?: unknown }>
    >;
  };
  assert.equal(doc.openapi, '3.1.0');
  const operations = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
  assert.deepEqual(
    operations.sort(),
    [...Object.values(ENDPOINTS).map((e) => e.operationId), 'openApiDocument'].sort(),
  );
  assert.ok(doc.paths[OPENAPI_PATH]?.get !== undefined, 'the document lists itself');
  const signIn = doc.paths['/v1/session']?.post;
  assert.ok(signIn?.requestBody !== undefined, 'sign-in has a request body schema');
  assert.equal(signIn?.security, undefined, 'sign-in needs no session');
  assert.deepEqual(doc.paths['/v1/grants/{id}/approve']?.post?.security, [{ session: [] }]);
  assert.equal((JSON.parse(JSON.stringify(doc)) as { info: { version: string } }).info.version, '1.2.3');
});

test('route paths turn OpenAPI templates into Fastify parameters', () => {
  assert.equal(routePath('/v1/grants/{id}/approve'), '/v1/grants/:id/approve');
  assert.equal(routePath('/v1/session'), '/v1/session');
});
