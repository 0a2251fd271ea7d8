/**
 * KeyServer.revokeTool (issue #4 §7): the revoked tool is refused from then on, the registry
 * records it, and every meter holding the network key the tool knew is rekeyed by PNR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyServer, parseMeterCredentialCsv } from '../../../src/headend/keys/index.ts';
import { EUI_A, fixture, PSK_A } from './fixtures.ts';
import { isKind, PacClient } from './pac-client.ts';

test('revoking a tool marks it revoked and rekeys the meters it served (announce, then in force)', async (t) => {
  const f = fixture(t);
  const server = await KeyServer.start({
    repositories: f.store.repositories,
    masterKey: f.master,
    logger: f.logger,
    host: '127.0.0.1',
    port: 0,
    keyPolicy: { activationDelayMs: 50, graceMs: 100 },
  });
  t.after(() => server.stop());
  await server.credentials.import(
    parseMeterCredentialCsv(`meter_id,eui64,psk_hex\nM-A,${EUI_A},${PSK_A}\n`),
    'test',
  );
  await server.tools.register('tablet-0042', 'test');
  const meter = await PacClient.connect({ host: '127.0.0.1', port: server.address().port }, EUI_A, PSK_A);
  t.after(() => meter.close());
  await meter.waitFor(isKind('authenticated'), 'authenticated');
  const before = meter.pac.keyIndex;
  const mark = meter.events.length;

  assert.equal(server.isToolRevoked('tablet-0042'), false);
  const { keyIndex } = await server.revokeTool('tablet-0042', 'supervisor-1');
  assert.equal(server.isToolRevoked('tablet-0042'), true, 'EAP-TLS checks this and refuses the tool');
  assert.equal(await server.tools.isToolActive('tablet-0042'), false, 'the registry has it revoked');
  assert.ok(keyIndex !== null && keyIndex !== before, 'a new network key was announced');
  const activated = await meter.waitFor(
    (e): e is Extract<typeof e, { type: 'network-key' }> =>
      e.type === 'network-key' && e.activation === 'now',
    'the new key in force at the meter',
    mark,
  );
  assert.equal(activated.keyIndex, keyIndex);
  assert.equal(meter.pac.keyIndex, keyIndex, "the meter's key in force is the new one");
  await server.idle();
  const audit = await f.store.repositories.audit.list();
  assert.ok(
    audit.some((a) => a.action === 'tool.revoke' && a.subject === 'tablet-0042' && a.outcome === 'done'),
    'the revocation is audited',
  );
});
