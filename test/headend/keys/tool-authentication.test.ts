// The tool's EAP-TLS authentication against the real key server on loopback UDP, with
// certificates made by the real head-end CA: the tool side is src/field/tool-auth.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import {
  authenticateTool,
  ToolAuthenticationError,
  UdpDatagramPort,
  type KeyServerDatagramPort,
} from '../../../src/field/tool-auth/index.ts';
import {
  endpointFromSocket,
  parseMeterCredentialCsv,
  socketAddressOf,
  type ToolAuthenticated,
  type ToolLeft,
} from '../../../src/headend/keys/index.ts';
import { decodePanaMessage, getPanaAvp, PANA_FLAG, PanaRelay } from '../../../src/stack/pana/index.ts';
import { bytesEqual } from '../../../src/stack/wire/index.ts';
import { EUI_A, PSK_A, type Fixture } from './fixtures.ts';
import { isKind, PacClient, waitUntil } from './pac-client.ts';
import { openTestPki, tamperCertificate } from '../../field/tool-auth/certificates.ts';
import {
  startKeyServer,
  toolOptions,
  type RunningKeyServer,
} from '../../field/tool-auth/key-server-fixture.ts';

const DAY = 86_400_000;

interface Running extends RunningKeyServer {
  readonly toolEvents: (ToolAuthenticated | ToolLeft)[];
}

async function serve(t: TestContext, clock: () => number = Date.now): Promise<Running> {
  const r = await startKeyServer(t, { clock });
  const toolEvents: (ToolAuthenticated | ToolLeft)[] = [];
  r.server.on('tool-authenticated', (e) => toolEvents.push(e));
  r.server.on('tool-left', (e) => toolEvents.push(e));
  return { ...r, toolEvents };
}

/** The tool's UDP port towards the key server, recording every datagram the key server sent. */
async function toolPort(
  t: TestContext,
  port: number,
): Promise<{ link: KeyServerDatagramPort; fromServer: Uint8Array[] }> {
  const udp = await UdpDatagramPort.open('127.0.0.1', port);
  t.after(() => udp.close());
  const fromServer: Uint8Array[] = [];
  udp.onDatagram((d) => fromServer.push(d));
  return { link: udp, fromServer };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ToolAuthenticationError) return err.reason;
    throw err;
  }
  assert.fail('expected the key server to refuse the tool');
}

async function deniedReason(f: Fixture): Promise<string | null | undefined> {
  return waitUntil(async () => {
    const a = (await f.store.repositories.audit.list()).find(
      (e) => e.action === 'pana.tool-authenticate' && e.outcome === 'denied',
    );
    return a ? { reason: a.reason } : undefined;
  }, 'the refusal in the audit log').then((a) => a.reason);
}

function carriesNetworkKey(datagram: Uint8Array): boolean {
  return decodePanaMessage(datagram).avps.some((a) => a.kind === 'encr-encap');
}

test('a tool with a certificate from the head-end CA authenticates and receives the network key only after EAP success', async (t) => {
  const r = await serve(t);
  const tool = await r.pki.issueTool('tool-aiko');
  const { link, fromServer } = await toolPort(t, r.port);
  const result = await authenticateTool(toolOptions(r, tool, link));
  t.after(() => result.session.close());
  const current = r.server.keys.currentKeys().current;
  assert.equal(result.keyIndex, current.index);
  assert.ok(
    bytesEqual(result.networkKey.expose(), current.key),
    'the tool holds the key server current network key',
  );
  assert.equal(result.session.state, 'open');

  // On the wire: exactly one message carried the key, the PAR-C with PANA_SUCCESS and EAP-Success,
  // and it came after every EAP-TLS Request.
  const withKey = fromServer.map((d, i) => ({ i, d })).filter(({ d }) => carriesNetworkKey(d));
  assert.equal(withKey.length, 1, 'one datagram carries the network key');
  const parC = decodePanaMessage(withKey[0]!.d);
  assert.ok(parC.flags & PANA_FLAG.COMPLETE, 'the key travels in the PAR-C');
  assert.equal(getPanaAvp(parC, 'result-code')?.resultCode, 0, 'PANA_SUCCESS');
  assert.equal(getPanaAvp(parC, 'eap-payload')?.eap[0], 3, 'the PAR-C carries EAP-Success (code 3)');
  assert.equal(withKey[0]!.i, fromServer.length - 1, 'nothing after the PAR-C carried EAP');
  const eapRequests = fromServer.filter((d) => getPanaAvp(decodePanaMessage(d), 'eap-payload')?.eap[0] === 1);
  assert.ok(eapRequests.length >= 4, `an EAP-TLS exchange happened (${eapRequests.length} Requests)`);

  await waitUntil(() => r.toolEvents.find((e) => 'sessionId' in e), 'tool-authenticated');
  assert.equal(r.toolEvents[0]!.deviceId, 'tool-aiko', 'the identity is the certificate device id');
  const audit = await waitUntil(
    async () =>
      (await r.f.store.repositories.audit.list()).find(
        (a) => a.action === 'pana.tool-authenticate' && a.outcome === 'allowed',
      ),
    'the audit entry',
  );
  assert.equal(audit.subject, 'tool-aiko');
  // Both sides log to this sink: neither wrote the key (hex or base64).
  const logs = r.f.sink.lines.join('\n');
  assert.ok(
    r.f.sink.lines.some((l) => l.includes('tool authenticated')),
    'both sides logged the authentication',
  );
  assert.ok(
    !logs.includes(Buffer.from(current.key).toString('hex')),
    'the network key is not in the logs (hex)',
  );
  assert.ok(
    !logs.includes(Buffer.from(current.key).toString('base64')),
    'the network key is not in the logs (base64)',
  );
});

test('a revoked certificate is refused with reason "revoked", and no network key is sent', async (t) => {
  const r = await serve(t);
  const tool = await r.pki.issueTool('tool-lost');
  assert.ok(await r.pki.ca.revoke(tool.serial), 'the CA revokes the certificate');
  const { link, fromServer } = await toolPort(t, r.port);
  const reason = await refusal(authenticateTool(toolOptions(r, tool, link)));
  assert.match(reason, /authentication rejected/);
  assert.equal(await deniedReason(r.f), 'revoked');
  assert.ok(!fromServer.some(carriesNetworkKey), 'no datagram carried a network key');
});

test('a certificate from another CA is refused as unknown-ca', async (t) => {
  const r = await serve(t);
  const other = await openTestPki(Date.now, 'Some other CA');
  const tool = await other.issueTool('tool-foreign');
  const { link, fromServer } = await toolPort(t, r.port);
  const reason = await refusal(authenticateTool(toolOptions(r, tool, link)));
  assert.match(reason, /authentication rejected/);
  assert.equal(await deniedReason(r.f), 'unknown-ca');
  assert.ok(!fromServer.some(carriesNetworkKey), 'no datagram carried a network key');
});

test('a tampered certificate is refused as tampered', async (t) => {
  const r = await serve(t);
  const tool = await r.pki.issueTool('tool-t');
  const { link } = await toolPort(t, r.port);
  const reason = await refusal(
    authenticateTool({ ...toolOptions(r, tool, link), certificate: tamperCertificate(tool.certificate) }),
  );
  assert.match(reason, /authentication rejected/);
  assert.equal(await deniedReason(r.f), 'tampered');
});

test('an expired certificate is refused as expired (on the key server clock)', async (t) => {
  let now = Date.now();
  const r = await serve(t, () => now);
  const tool = await r.pki.issueTool('tool-old');
  now += 91 * DAY; // past the CA's 90-day client validity
  const { link } = await toolPort(t, r.port);
  await refusal(authenticateTool(toolOptions(r, tool, link)));
  assert.equal(await deniedReason(r.f), 'expired');
});

test('revoking the tool at the key server terminates its session and wipes the key it held', async (t) => {
  const r = await serve(t);
  const tool = await r.pki.issueTool('tool-stolen');
  const { link } = await toolPort(t, r.port);
  const { networkKey, session } = await authenticateTool(toolOptions(r, tool, link));
  t.after(() => session.close());
  const ended = new Promise<string>((resolve) => session.once('terminated', (e) => resolve(e.reason)));
  await r.server.revokeTool('tool-stolen', 'supervisor-1');
  assert.equal(await ended, 'administrative');
  assert.ok(networkKey.wiped, 'the network key handed to the job is wiped');
  assert.equal(session.state, 'closed');
  const left = await waitUntil(() => r.toolEvents.find((e) => 'reason' in e), 'tool-left');
  assert.equal(left.deviceId, 'tool-stolen');
  // And it cannot come back.
  const { link: again } = await toolPort(t, r.port);
  const reason = await refusal(authenticateTool(toolOptions(r, tool, again)));
  assert.match(reason, /authentication rejected/);
});

test('garbage datagrams to the key server during a tool authentication are dropped and counted', async (t) => {
  const r = await serve(t);
  const tool = await r.pki.issueTool('tool-g');
  const { link } = await toolPort(t, r.port);
  const junk = createSocket('udp4');
  t.after(() => junk.close());
  const sendJunk = (b: Uint8Array) => junk.send(b, r.port, '127.0.0.1');
  const auth = authenticateTool(toolOptions(r, tool, link));
  for (let i = 0; i < 20; i++)
    sendJunk(Uint8Array.from({ length: 8 + i * 7 }, (_, j) => (j * 37 + i) & 0xff));
  const { session } = await auth;
  t.after(() => session.close());
  await waitUntil(() => r.server.stats().datagramsReceived >= 20, 'the junk to arrive');
  const drops = [...r.server.stats().paaDrops.values()].reduce((a, b) => a + b, 0);
  assert.ok(drops >= 1, `junk was counted as dropped (${drops})`);
  assert.equal(session.state, 'open');
});

test('with tool authentication on, a meter relayed in a PRY still authenticates with EAP-PSK', async (t) => {
  const r = await serve(t);
  await r.server.credentials.import(
    parseMeterCredentialCsv(`meter_id,eui64,psk_hex\nM-A,${EUI_A},${PSK_A}\n`),
    'test',
  );
  // A relay (RFC 6345) between the meter and the key server, as the tool is in the field.
  const relaySocket = createSocket('udp4');
  t.after(() => relaySocket.close());
  await new Promise<void>((resolve) => relaySocket.bind(0, '127.0.0.1', resolve));
  const paa = endpointFromSocket('127.0.0.1', r.port);
  const relay = new PanaRelay({ paa, isPacAcceptable: () => true });
  relaySocket.on('message', (msg, rinfo) => {
    const res = relay.handle(endpointFromSocket(rinfo.address, rinfo.port), new Uint8Array(msg));
    if ('send' in res)
      relaySocket.send(res.send.bytes, res.send.to.port, socketAddressOf(res.send.to, 'udp4'));
  });
  const meter = await PacClient.connect(
    { host: '127.0.0.1', port: relaySocket.address().port },
    EUI_A,
    PSK_A,
  );
  t.after(() => meter.close());
  const done = await meter.waitFor(isKind('authenticated'), 'the meter authenticated');
  assert.ok(done.keyIndex !== undefined, 'the meter got the network key');
  assert.equal(r.toolEvents.length, 0, 'the meter was not taken for a tool');
});
