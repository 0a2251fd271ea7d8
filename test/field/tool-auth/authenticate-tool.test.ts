// The tool's entry point (src/field/tool-auth): authenticateTool against the real key server on
// loopback UDP — re-authentication, key rotation, logout, and a key server the tool must not trust.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  authenticateTool,
  ToolAuthenticationError,
  UdpDatagramPort,
  type AuthenticateToolOptions,
} from '../../../src/field/tool-auth/index.ts';
import { bytesEqual } from '../../../src/stack/wire/index.ts';
import { waitUntil } from '../../headend/keys/pac-client.ts';
import { openTestPki } from './certificates.ts';
import { startKeyServer, toolOptions, type RunningKeyServer } from './key-server-fixture.ts';

async function options(
  t: TestContext,
  r: RunningKeyServer,
  deviceId: string,
): Promise<AuthenticateToolOptions> {
  const tool = await r.pki.issueTool(deviceId);
  const link = await UdpDatagramPort.open('127.0.0.1', r.port);
  t.after(() => link.close());
  return toolOptions(r, tool, link);
}

test('re-authentication runs EAP-TLS again inside the session and yields a new MSK', async (t) => {
  const r = await startKeyServer(t);
  const { session } = await authenticateTool(await options(t, r, 'tool-re'));
  t.after(() => session.close());
  const first = session.exportKeys()!.msk.slice();
  const again = new Promise<number | undefined>((resolve) =>
    session.once('reauthenticated', (e) => resolve(e.keyIndex)),
  );
  session.reauthenticate();
  assert.equal(await again, r.server.keys.currentKeys().current.index);
  assert.equal(session.state, 'open');
  assert.ok(!bytesEqual(first, session.exportKeys()!.msk), 'the re-authentication produced a fresh MSK');
});

test('a network key rotation reaches the tool: announced as next, then put in force', async (t) => {
  const r = await startKeyServer(t);
  const { session, keyIndex } = await authenticateTool(await options(t, r, 'tool-rot'));
  t.after(() => session.close());
  const seen: { keyIndex: number; activation: string }[] = [];
  session.on('network-key', (e) => seen.push({ keyIndex: e.keyIndex, activation: e.activation }));
  const announced = await r.server.rotate('test', 'supervisor');
  assert.notEqual(announced, keyIndex);
  await waitUntil(() => seen.find((e) => e.activation === 'next'), 'the announced key');
  assert.equal(seen[0]!.keyIndex, announced);
});

test('logout ends the session at the key server too', async (t) => {
  const r = await startKeyServer(t);
  const left: string[] = [];
  r.server.on('tool-left', (e) => left.push(`${e.deviceId}:${e.reason}`));
  const { session, networkKey } = await authenticateTool(await options(t, r, 'tool-out'));
  await session.logout();
  assert.equal(session.state, 'closed');
  assert.ok(networkKey.wiped, 'the key is wiped at logout');
  await waitUntil(() => left.length > 0, 'tool-left at the key server');
  assert.deepEqual(left, ['tool-out:logout']);
});

test('the tool refuses a key server whose certificate does not chain to its head-end CA', async (t) => {
  const impostor = await openTestPki(Date.now, 'Impostor CA');
  const r = await startKeyServer(t, { serverPki: impostor });
  const o = await options(t, r, 'tool-careful');
  await assert.rejects(authenticateTool(o), (err: unknown) => {
    assert.ok(err instanceof ToolAuthenticationError, 'a ToolAuthenticationError');
    assert.match(err.reason, /authentication rejected/);
    return true;
  });
  const audit = await waitUntil(
    async () =>
      (await r.f.store.repositories.audit.list()).find(
        (a) => a.action === 'pana.tool-authenticate' && a.outcome === 'denied',
      ),
    'the refusal in the audit log',
  );
  assert.match(audit.reason ?? '', /tls-handshake-failed/);
});
