import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCESS_KEY_HEADER,
  AuditList,
  DrAuthorisation,
  DrCommandResponse,
  JobReadingsResponse,
  ReadExceptionList,
} from '../../../src/contract/headend-api/index.ts';
import { expectBody, expectError } from '../api/fixtures/https-client.ts';
import { AmrApi, type Worker } from './fixtures/amr-api.ts';
import { TOOL_ID } from './fixtures/virtual-field.ts';

describe('AMR/DR API', () => {
  let api: AmrApi;
  let aiko: Worker;
  let ben: Worker;

  before(async () => {
    api = await AmrApi.start('amr-api');
    aiko = await api.worker('aiko', TOOL_ID, ['M-0001', 'M-0002']);
    ben = await api.worker('ben', 'tool-0002', ['M-0010'], 60_000);
    for (const id of ['M-0001', 'M-0002', 'M-0010']) api.field.join(id);
    await api.field.runUntilIdle();
  });
  after(() => api.close());

  const jobReadings = (w: Worker, orderId = w.workOrderId, accessKey = w.accessKey) =>
    api.call(`/v1/work-orders/${orderId}/readings?fromMs=0&toMs=${String(api.field.now + 1)}`, {
      token: w.token,
      client: w.client,
      headers: { [ACCESS_KEY_HEADER]: accessKey },
    });

  it("returns every meter of the job's readings under the grant", async () => {
    const body = expectBody(await jobReadings(aiko), 200, JobReadingsResponse);
    assert.deepEqual(
      body.meters.map((m) => [m.meterId, m.readings.length]),
      [
        ['M-0001', 1],
        ['M-0002', 1],
      ],
    );
    const truth = api.field.meters.get('M-0001')!.device.meterTruth(api.field.scenarioNow);
    assert.equal(body.meters[0]!.readings[0]!.registers[0]!.coefficient, truth.coefficient);
  });

  it("is 403 and audited for another worker's meters and another worker's job", async () => {
    const single = await api.call(`/v1/meters/M-0001/readings?fromMs=0&toMs=1`, {
      token: ben.token,
      client: ben.client,
      headers: { [ACCESS_KEY_HEADER]: ben.accessKey },
    });
    expectError(single, 403, 'forbidden');
    expectError(await jobReadings(ben, aiko.workOrderId), 403, 'forbidden');
    const dr = await api.call('/v1/meters/M-0001/dr', {
      token: ben.token,
      client: ben.client,
      headers: { [ACCESS_KEY_HEADER]: ben.accessKey },
      body: { authorisationId: 'dra-none', action: 'disconnect' },
    });
    expectError(dr, 403, 'forbidden');
    const denied = (await api.field.store.repositories.audit.list()).filter(
      (e) => e.outcome === 'denied' && e.actor === 'tool-0002',
    );
    assert.ok(denied.length >= 3, `each attempt is audited (${denied.length})`);
  });

  it('is 403 with a forged access key', async () => {
    const forged = 'A'.repeat(43);
    const err = expectError(await jobReadings(aiko, aiko.workOrderId, forged), 403, 'forbidden');
    assert.equal(err.reason, 'unknown-key');
  });

  it('runs a DR disconnect end to end: authorisation, command through the tool, read-back, audit', async () => {
    const auth = expectBody(
      await api.call('/v1/meters/M-0002/dr-authorisations', {
        token: api.supervisorToken,
        body: { action: 'disconnect' },
      }),
      201,
      DrAuthorisation,
    );
    const res = await api.callWhileFieldRuns(
      api.call('/v1/meters/M-0002/dr', {
        token: aiko.token,
        client: aiko.client,
        headers: { [ACCESS_KEY_HEADER]: aiko.accessKey },
        body: { authorisationId: auth.id, action: 'disconnect' },
      }),
    );
    const done = expectBody(res, 200, DrCommandResponse);
    assert.equal(done.outcome, 'confirmed');
    assert.equal(done.switchState, 'disconnected');
    assert.equal(done.toolId, TOOL_ID);
    assert.equal(
      api.field.meters.get('M-0002')!.device.meterTruth(api.field.scenarioNow).switchState,
      'disconnected',
    );
    const audit = expectBody(
      await api.call('/v1/console/audit', { token: api.supervisorToken }),
      200,
      AuditList,
    );
    const entry = audit.entries.find((e) => e.action === 'dr.disconnect' && e.outcome === 'done');
    assert.ok(entry !== undefined, 'the DR command is in the audit list');
    assert.equal(entry.detail?.workerId, aiko.id);
    assert.equal(entry.detail?.authorisedBy, api.supervisorId);
    // Used once: a replay is refused.
    const replay = await api.call('/v1/meters/M-0002/dr', {
      token: aiko.token,
      client: aiko.client,
      headers: { [ACCESS_KEY_HEADER]: aiko.accessKey },
      body: { authorisationId: auth.id, action: 'disconnect' },
    });
    assert.equal(expectError(replay, 403, 'forbidden').reason, 'authorisation-used');
  });

  it('refuses DR authorisation by a field worker and bad DR bodies', async () => {
    const byWorker = await api.call('/v1/meters/M-0001/dr-authorisations', {
      token: aiko.token,
      body: { action: 'disconnect' },
    });
    expectError(byWorker, 403, 'forbidden');
    const noLimit = await api.call('/v1/meters/M-0001/dr-authorisations', {
      token: api.supervisorToken,
      body: { action: 'load-limit' },
    });
    assert.equal(expectError(noLimit, 400, 'bad-request').field, 'loadLimitW');
    const extra = await api.call('/v1/meters/M-0001/dr-authorisations', {
      token: api.supervisorToken,
      body: { action: 'disconnect', force: true },
    });
    expectError(extra, 400, 'bad-request');
    const unknown = await api.call('/v1/meters/NOPE/dr-authorisations', {
      token: api.supervisorToken,
      body: { action: 'disconnect' },
    });
    expectError(unknown, 404, 'not-found');
  });

  it('lists read exceptions for supervisors only', async () => {
    expectBody(
      await api.call('/v1/console/read-exceptions', { token: api.supervisorToken }),
      200,
      ReadExceptionList,
    );
    expectError(await api.call('/v1/console/read-exceptions', { token: aiko.token }), 403, 'forbidden');
    expectError(await api.call('/v1/console/read-exceptions'), 401, 'unauthorized');
  });

  it('is 403 after the grant expires', async () => {
    api.field.advance(61_000); // ben's work order window was one minute
    const err = expectError(await jobReadings(ben), 403, 'forbidden');
    assert.ok(err.reason !== undefined && err.reason !== '', 'the reason is given');
    const last = (await api.field.store.repositories.audit.list()).at(-1);
    assert.equal(last?.outcome, 'denied');
    assert.equal(last?.actor, 'tool-0002');
  });

  it('publishes the AMR endpoints in the OpenAPI document', async () => {
    const doc = (await api.call('/v1/openapi.json')).json as { paths: Record<string, unknown> };
    for (const path of [
      '/v1/work-orders/{id}/readings',
      '/v1/meters/{id}/dr',
      '/v1/meters/{id}/dr-authorisations',
    ])
      assert.ok(path in doc.paths, `${path} is documented`);
  });
});
