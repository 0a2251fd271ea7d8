import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import {
  KeyServer,
  networkKeyStatus,
  parseMeterCredentialCsv,
  type KeyServerOptions,
  type MeterJoined,
  type MeterLeft,
} from '../../../src/headend/keys/index.ts';
import { encodePanaMessage, PANA_MESSAGE_TYPE } from '../../../src/stack/pana/index.ts';
import { EUI_A, EUI_B, fixture, PSK_A, PSK_B, toHex, type Fixture } from './fixtures.ts';
import { isKind, PacClient, waitUntil } from './pac-client.ts';

interface Running {
  readonly f: Fixture;
  readonly server: KeyServer;
  readonly target: { host: string; port: number };
  readonly joined: MeterJoined[];
  readonly left: MeterLeft[];
  connect(idP: string, psk: string): Promise<PacClient>;
}

async function serve(
  t: TestContext,
  host = '127.0.0.1',
  extra: Partial<KeyServerOptions> = {},
): Promise<Running> {
  const f = fixture(t);
  const server = await KeyServer.start({
    repositories: f.store.repositories,
    masterKey: f.master,
    logger: f.logger,
    host,
    port: 0,
    ...extra,
  });
  t.after(() => server.stop());
  await server.credentials.import(
    parseMeterCredentialCsv(`meter_id,eui64,psk_hex\nM-A,${EUI_A},${PSK_A}\nM-B,${EUI_B},${PSK_B}\n`),
    'test',
  );
  const joined: MeterJoined[] = [];
  const left: MeterLeft[] = [];
  server.on('meter-joined', (e) => joined.push(e));
  server.on('meter-left', (e) => left.push(e));
  const target = { host, port: server.address().port };
  return {
    f,
    server,
    target,
    joined,
    left,
    connect: async (idP, psk) => {
      const c = await PacClient.connect(target, idP, psk);
      t.after(() => c.close());
      return c;
    },
  };
}

function assertNoSecretsInLogs(f: Fixture, secrets: readonly string[]): void {
  const text = f.sink.lines.join('\n').toLowerCase();
  assert.ok(f.sink.lines.length > 0, 'the key server logged something');
  for (const s of secrets) assert.ok(!text.includes(s.toLowerCase()), 'a secret appears in the log');
}

for (const host of ['127.0.0.1', '::1']) {
  test(`a meter authenticates over UDP (${host}), gets the network key in force, and meter-joined is emitted`, async (t) => {
    const r = await serve(t, host);
    const meter = await r.connect(EUI_A, PSK_A);
    const auth = await meter.waitFor(isKind('authenticated'), 'authenticated');
    const key = await meter.waitFor(isKind('network-key'), 'network key');
    const inForce = r.server.keys.currentKeys().current;
    assert.equal(auth.keyIndex, 1, 'the PaC reports key index 1 in force');
    assert.equal(key.keyIndex, inForce.index);
    assert.equal(key.activation, 'now');
    assert.deepEqual(key.key, inForce.key, 'the delivered key is the one in force');
    await waitUntil(() => r.joined.length > 0, 'meter-joined');
    assert.equal(r.joined[0]!.meterId, 'M-A');
    assert.equal(r.joined[0]!.eui64, EUI_A);
    assert.match(r.joined[0]!.via, host === '::1' ? /^\[::1\]:\d+$/ : /^127\.0\.0\.1:\d+$/);
    await r.server.idle();
    const audit = await r.f.store.repositories.audit.list();
    assert.ok(
      audit.some((a) => a.action === 'pana.authenticate' && a.outcome === 'allowed' && a.subject === 'M-A'),
      'the authentication is audited',
    );
    assertNoSecretsInLogs(r.f, [PSK_A, PSK_B, toHex(inForce.key)]);
  });
}

test('a wrong PSK is rejected and the rejection is audited', async (t) => {
  const r = await serve(t);
  const meter = await r.connect(EUI_B, PSK_A);
  const failed = await meter.waitFor(isKind('failed'), 'failure');
  assert.match(failed.reason, /authentication rejected/);
  assert.equal(meter.events.some(isKind('network-key')), false, 'no network key for a rejected meter');
  await r.server.idle();
  const audit = await r.f.store.repositories.audit.list();
  const denied = audit.find((a) => a.action === 'pana.authenticate' && a.outcome === 'denied');
  assert.equal(denied?.subject, 'M-B');
  assert.equal(denied?.reason, 'MAC_P does not verify');
  assert.equal(r.joined.length, 0, 'no meter-joined for a rejected meter');
  assertNoSecretsInLogs(r.f, [PSK_A, PSK_B]);
});

test('a revoked meter is cut off at once (PTR, meter-left) and cannot authenticate again', async (t) => {
  const r = await serve(t);
  const meter = await r.connect(EUI_A, PSK_A);
  await meter.waitFor(isKind('authenticated'), 'authenticated');
  await waitUntil(() => r.joined.length > 0, 'meter-joined (the session is open at the key server)');
  assert.equal(await r.server.revokeMeter('M-A', 'supervisor-1', 'tampering alarm'), true);
  await meter.waitFor(isKind('terminated'), 'termination of the session');
  await waitUntil(() => r.left.length > 0, 'meter-left');
  assert.deepEqual([r.left[0]!.meterId, r.left[0]!.reason], ['M-A', 'revoked']);
  const again = await r.connect(EUI_A, PSK_A);
  await again.waitFor(isKind('failed'), 'failure of the revoked meter');
  await r.server.idle();
  const audit = await r.f.store.repositories.audit.list();
  assert.ok(
    audit.some(
      (a) => a.action === 'pana.authenticate' && a.outcome === 'denied' && a.reason === 'meter-revoked',
    ),
    'the refusal names the revocation',
  );
});

test('rotation: a connected meter is announced the next key, then it comes into force; the old key retires after grace', async (t) => {
  const r = await serve(t, '127.0.0.1', { keyPolicy: { activationDelayMs: 50, graceMs: 100 } });
  const meter = await r.connect(EUI_A, PSK_A);
  await meter.waitFor(isKind('authenticated'), 'authenticated');
  const mark = meter.events.length;
  assert.equal(await r.server.rotate('test rotation', 'supervisor-1'), 2);
  const announced = await meter.waitFor(isKind('network-key'), 'announcement', mark);
  assert.deepEqual([announced.keyIndex, announced.activation], [2, 'next']);
  const activated = await meter.waitFor(
    (e): e is Extract<typeof e, { type: 'network-key' }> =>
      e.type === 'network-key' && e.activation === 'now',
    'activation',
    mark,
  );
  assert.equal(activated.keyIndex, 2);
  assert.equal(meter.pac.keyIndex, 2, 'the PaC has key 2 in force');
  assert.deepEqual(activated.key, r.server.keys.currentKeys().current.key);
  const status = await waitUntil(async () => {
    const s = await networkKeyStatus(r.f.store.repositories.networkKeys);
    return s[0]?.state === 'retired' ? s : undefined;
  }, 'retirement');
  assert.deepEqual(
    status.map((k) => [k.keyIndex, k.state]),
    [
      [1, 'retired'],
      [2, 'current'],
    ],
  );
  await r.server.idle();
  assertNoSecretsInLogs(r.f, [PSK_A, toHex(activated.key)]);
});

test('a meter that joins during a rotation gets the key in force, then the announcement of the next', async (t) => {
  const r = await serve(t, '127.0.0.1', { keyPolicy: { activationDelayMs: 600_000 } });
  await r.server.rotate('ahead of a revocation', 'supervisor-1');
  const meter = await r.connect(EUI_B, PSK_B);
  const next = await meter.waitFor(
    (e): e is Extract<typeof e, { type: 'network-key' }> =>
      e.type === 'network-key' && e.activation === 'next',
    'announcement to the newcomer',
  );
  assert.equal(next.keyIndex, 2);
  assert.deepEqual(
    meter.events.filter(isKind('network-key')).map((e) => [e.keyIndex, e.activation]),
    [
      [1, 'now'],
      [2, 'next'],
    ],
    'key 1 in force from PAR-C, key 2 announced by PNR',
  );
});

test('a meter that authenticates again on a new path replaces its open session: one session, no meter-left, keys to the new one only', async (t) => {
  const r = await serve(t, '127.0.0.1', { keyPolicy: { activationDelayMs: 600_000 } });
  const first = await r.connect(EUI_A, PSK_A);
  await first.waitFor(isKind('authenticated'), 'first authentication');
  // The meter starts over (its network was lost) from another address: a PCI while its first
  // session is open. The old session stays until the new one has authenticated.
  const second = await r.connect(EUI_A, PSK_A);
  await second.waitFor(isKind('authenticated'), 'second authentication');
  await waitUntil(() => r.joined.length === 2, 'meter-joined for the new session');
  // The old session is ended (PTR; this old path still reaches the first PaC).
  await first.waitFor(isKind('terminated'), 'the old session terminated');
  await r.server.idle();
  assert.deepEqual(r.left, [], 'the meter did not leave: its old session was replaced');
  assert.equal(r.server.stats().sessions, 1, 'one session left at the key server');
  const audit = await r.f.store.repositories.audit.list();
  assert.equal(
    audit.filter((a) => a.action === 'pana.session-replaced' && a.subject === 'M-A').length,
    1,
    'the replacement is audited',
  );
  // A rotation reaches the new session only.
  const [markFirst, markSecond] = [first.events.length, second.events.length];
  await r.server.rotate('after the move', 'supervisor-1');
  const next = await second.waitFor(isKind('network-key'), 'announcement to the new session', markSecond);
  assert.deepEqual([next.keyIndex, next.activation], [2, 'next']);
  assert.equal(
    first.events.slice(markFirst).filter(isKind('network-key')).length,
    0,
    'nothing to the replaced session',
  );
});

test('a PCI flood from one address is cut by the PCI rate limit', async (t) => {
  const r = await serve(t, '127.0.0.1', { pciRateLimit: { max: 3, windowMs: 60_000 } });
  const pci = encodePanaMessage({
    type: PANA_MESSAGE_TYPE.PCI,
    flags: 0,
    sessionId: 0,
    sequence: 0,
    avps: [],
  });
  const sockets = Array.from({ length: 20 }, () => createSocket('udp4'));
  t.after(() => sockets.forEach((s) => s.close()));
  for (const s of sockets) s.send(pci, r.target.port, r.target.host);
  await waitUntil(() => r.server.stats().datagramsReceived === 20, 'all 20 PCIs received');
  const stats = r.server.stats();
  assert.equal(stats.sessions, 3, 'only the first 3 PCIs opened a session');
  assert.equal(stats.paaDrops.get('PCI rate limit'), 17);
});

test('a source over its datagram budget is dropped before PANA sees it', async (t) => {
  const r = await serve(t, '127.0.0.1', { datagramBudget: { max: 10, windowMs: 60_000 } });
  const socket = createSocket('udp4');
  t.after(() => socket.close());
  for (let i = 0; i < 25; i++) socket.send(new Uint8Array([0, 0, 0, 16]), r.target.port, r.target.host);
  await waitUntil(() => r.server.stats().datagramsReceived === 25, 'all 25 datagrams received');
  const stats = r.server.stats();
  assert.equal(stats.datagramsOverBudget, 15);
  assert.equal(stats.paaDrops.get('malformed PANA message'), 10, 'only the budget reached PanaPaa');
  assert.equal(
    r.f.sink.lines.filter((l) => l.includes('datagram budget exceeded')).length,
    1,
    'one warning, not one per datagram',
  );
});
