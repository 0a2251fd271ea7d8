/**
 * GET /v1/meters/{id}/dr-authorisations: the tool's own look-up of a meter's usable DR
 * authorisations, under the same checks as a DR command (tool certificate, worker session, the
 * access key of a grant whose work order includes the meter). Never another meter's, never a
 * used or expired one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCESS_KEY_HEADER,
  DrAuthorisation,
  UsableDrAuthorisationList,
} from '../../../src/contract/headend-api/index.ts';
import { AmrApi, type Worker } from '../amr/fixtures/amr-api.ts';
import { TOOL_ID } from '../amr/fixtures/virtual-field.ts';
import { expectBody, expectError } from './fixtures/https-client.ts';

describe('the tool lists a meter’s usable DR authorisations', () => {
  let api: AmrApi;
  let aiko: Worker;
  let ben: Worker;
  const ids: Record<string, string> = {};

  const authorise = async (meterId: string, body: Record<string, unknown>) =>
    expectBody(
      await api.call(`/v1/meters/${meterId}/dr-authorisations`, { token: api.supervisorToken, body }),
      201,
      DrAuthorisation,
    ).id;
  const list = (w: Worker, meterId: string, options: { accessKey?: string | null; device?: boolean } = {}) =>
    api.call(`/v1/meters/${meterId}/dr-authorisations`, {
      token: w.token,
      ...(options.device === false ? {} : { client: w.client }),
      headers: options.accessKey === null ? {} : { [ACCESS_KEY_HEADER]: options.accessKey ?? w.accessKey },
    });

  before(async () => {
    api = await AmrApi.start('dr-authorisations');
    aiko = await api.worker('aiko', TOOL_ID, ['M-0001', 'M-0002']);
    ben = await api.worker('ben', 'tool-0002', ['M-0010']);
    ids.disconnect = await authorise('M-0001', { action: 'disconnect' });
    ids.limit = await authorise('M-0001', { action: 'load-limit', loadLimitW: 3000 });
    ids.shortReconnect = await authorise('M-0001', { action: 'reconnect', validForMs: 5_000 });
    ids.used = await authorise('M-0001', { action: 'reconnect' });
    ids.other = await authorise('M-0002', { action: 'disconnect' });
    ids.bens = await authorise('M-0010', { action: 'disconnect' });
    assert.ok(await api.field.amrRepo.useDrAuthorisation(ids.used, TOOL_ID, api.field.now), 'one is used');
  });
  after(() => api.close());

  it('lists the unused, unexpired authorisations of that meter only, with who issued them', async () => {
    const body = expectBody(await list(aiko, 'M-0001'), 200, UsableDrAuthorisationList);
    assert.equal(body.meterId, 'M-0001');
    assert.deepEqual(
      body.authorisations.map((a) => a.id).sort(),
      [ids.disconnect, ids.limit, ids.shortReconnect].sort(),
      'not the used one, not M-0002’s, not ben’s',
    );
    const limit = body.authorisations.find((a) => a.id === ids.limit);
    assert.equal(limit?.action, 'load-limit');
    assert.equal(limit?.loadLimitW, 3000);
    assert.ok(
      body.authorisations.every((a) => a.issuedByName === 'sato' && a.issuedBy === api.supervisorId),
      'each names the supervisor who issued it',
    );
  });

  it("is 403 for a meter outside the worker's work order, and for another worker's key", async () => {
    expectError(await list(aiko, 'M-0010'), 403, 'forbidden');
    expectError(await list(ben, 'M-0001'), 403, 'forbidden');
    expectError(await list(ben, 'M-0010', { accessKey: aiko.accessKey }), 403, 'forbidden');
    const forged = expectError(await list(aiko, 'M-0001', { accessKey: 'A'.repeat(43) }), 403, 'forbidden');
    assert.equal(forged.reason, 'unknown-key');
  });

  it('is refused without an access key, without the tool certificate, or with a supervisor session alone', async () => {
    const noKey = await list(aiko, 'M-0001', { accessKey: null });
    assert.ok(noKey.status === 401 || noKey.status === 403, `no access key: ${String(noKey.status)}`);
    const noDevice = await list(aiko, 'M-0001', { device: false });
    assert.ok(noDevice.status === 401 || noDevice.status === 403, `no tool: ${String(noDevice.status)}`);
    const supervisor = await api.call('/v1/meters/M-0001/dr-authorisations', { token: api.supervisorToken });
    assert.ok(
      supervisor.status === 401 || supervisor.status === 403,
      `a supervisor session is not a tool: ${String(supervisor.status)}`,
    );
    const anonymous = await api.call('/v1/meters/M-0001/dr-authorisations', { client: aiko.client });
    assert.equal(anonymous.status, 401, 'no worker session');
  });

  it('drops an authorisation once it has expired', async () => {
    api.field.advance(6_000);
    const body = expectBody(await list(aiko, 'M-0001'), 200, UsableDrAuthorisationList);
    assert.deepEqual(body.authorisations.map((a) => a.id).sort(), [ids.disconnect, ids.limit].sort());
  });

  it('is in the OpenAPI document next to the supervisor’s POST on the same path', async () => {
    const doc = (await api.call('/v1/openapi.json')).json as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const path = doc.paths['/v1/meters/{id}/dr-authorisations'];
    assert.equal(path?.get?.operationId, 'meterDrAuthorisations');
    assert.equal(path?.post?.operationId, 'authoriseDr');
  });
});
