/**
 * WireguardGateway edge tests on real UDP over 127.0.0.1 with a VpnClient as the tool: presence
 * (online/offline), cryptokey routing both ways, removal discarding the credential, and junk
 * creating no state.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { encodePacket, formatIpv6Address, parseIpv6Address } from '../../../src/stack/ipv6/index.ts';
import { MESSAGE_TYPE, encodeKeyBase64, parseIpPrefix } from '../../../src/stack/wireguard/index.ts';
import type {
  FromPeer,
  GatewayCounters,
  GatewayPeerStatus,
  OfflineReason,
} from '../../../src/headend/gateway/index.ts';
import { VpnClient, echoRequest } from '../../../src/field/vpn/index.ts';
import { createLogger, memorySink, SecretBytes, type LogSink } from '../../../src/log/index.ts';
import { ADDR, tunnelPair, until, waitForEvent } from './tunnel-pair.ts';

function udpPacket(source: string, destination: string, text: string): Uint8Array {
  return encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    source: parseIpv6Address(source),
    destination: parseIpv6Address(destination),
    upper: {
      kind: 'udp',
      datagram: { sourcePort: 3610, destinationPort: 3610, payload: new TextEncoder().encode(text) },
    },
  });
}

test('a tool handshakes, the gateway reports it online with its key and label, and answers its ping', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const online = waitForEvent<[GatewayPeerStatus]>(pair.gateway, 'peer-online', 5000);
  await pair.client.start();
  const [status] = await online;
  assert.equal(status.id, encodeKeyBase64(pair.client.publicKey));
  assert.equal(status.label, 'job-1');
  assert.equal(status.online, true);
  assert.equal(status.endpoint, `127.0.0.1:${pair.client.localPort}`, 'endpoint learnt from the handshake');

  const results = await pair.client.ping(parseIpv6Address(ADDR.gateway), { count: 3, timeoutMs: 3000 });
  assert.deepEqual(
    results.map((r) => r.rttMs !== null),
    [true, true, true],
    'every echo request to the gateway tunnel address is answered',
  );
  assert.equal(pair.gateway.counters().echoRequestsAnswered, 3);
});

test('packets from the tool reach the service subscribed to the destination prefix, and replies route back by AllowedIPs', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const received: { packet: Uint8Array; from: FromPeer }[] = [];
  pair.gateway.addRoute(parseIpPrefix('2001:db8:5::/64'), (packet, from) => received.push({ packet, from }));
  const toClient: Uint8Array[] = [];
  pair.client.on('packet', (p) => toClient.push(p));
  await pair.client.start();
  await waitForEvent(pair.client, 'up', 5000);

  const request = udpPacket(ADDR.client, ADDR.service, 'get 0xE0');
  pair.client.sendPacket(request);
  await until(() => received.length === 1, 3000, 'the service to receive the packet');
  assert.deepEqual(received[0]!.packet, request);
  assert.equal(received[0]!.from.id, encodeKeyBase64(pair.client.publicKey));

  const reply = udpPacket(ADDR.service, ADDR.client, 'value 1234');
  assert.equal(pair.gateway.deliver(reply), true, 'the client address is in the peer AllowedIPs');
  await until(() => toClient.length === 1, 3000, 'the client to receive the reply');
  assert.deepEqual(toClient[0], reply);

  assert.equal(
    pair.gateway.deliver(udpPacket(ADDR.service, 'fd00:99::5', 'x')),
    false,
    'a destination in no AllowedIPs is not sent anywhere',
  );
  assert.equal(pair.gateway.counters().noPeerRoute, 1);
});

test('the gateway pings the tool: the client answers echo on its own tunnel address', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const replies: Uint8Array[] = [];
  pair.gateway.addRoute(parseIpPrefix(`${ADDR.gateway}/128`), (p) => replies.push(p));
  await pair.client.start();
  await waitForEvent(pair.client, 'up', 5000);
  const data = new Uint8Array([1, 2, 3, 4]);
  pair.gateway.deliver(
    echoRequest(parseIpv6Address(ADDR.gateway), parseIpv6Address(ADDR.client), 0x4242, 7, data),
  );
  await until(() => replies.length === 1, 3000, 'the echo reply');
  const reply = replies[0]!;
  assert.equal(reply[40], 129, 'ICMPv6 echo reply (RFC 4443 §4.2)');
  assert.equal(formatIpv6Address(reply.slice(8, 24)), ADDR.client);
  assert.deepEqual(reply.slice(44, 46), new Uint8Array([0x42, 0x42]), 'identifier copied');
  assert.deepEqual(reply.slice(48), data, 'data copied');
  assert.equal(pair.client.counters().echoRequestsAnswered, 1);
});

test('a peer with no handshake for the offline threshold is reported offline', async (t) => {
  const pair = await tunnelPair({ offlineAfterMs: 300 });
  t.after(() => pair.close());
  const events: string[] = [];
  pair.gateway.on('peer-online', () => events.push('online'));
  pair.gateway.on('peer-offline', (_s, reason) => events.push(`offline:${reason}`));
  const offline = waitForEvent<[GatewayPeerStatus, OfflineReason]>(pair.gateway, 'peer-offline', 5000);
  await pair.client.start();
  const [status, reason] = await offline;
  assert.equal(reason, 'no-handshake');
  assert.equal(status.online, false);
  assert.ok(status.lastHandshakeAt !== null, 'the last handshake time stays known');
  assert.deepEqual(events, ['online', 'offline:no-handshake']);
  assert.equal(pair.gateway.peers()[0]!.online, false);
});

test('removePeer discards the session: the tool reaches nothing and the gateway answers nothing', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  await pair.client.start();
  await waitForEvent(pair.gateway, 'peer-online', 5000);
  assert.equal(pair.gateway.peers()[0]!.hasSession, true);

  const offline = waitForEvent<[GatewayPeerStatus, OfflineReason]>(pair.gateway, 'peer-offline', 1000);
  assert.equal(pair.gateway.removePeer(pair.client.publicKey), true);
  assert.equal((await offline)[1], 'removed');
  assert.equal(pair.gateway.peers().length, 0);
  assert.equal(pair.gateway.removePeer(pair.client.publicKey), false, 'already removed');

  const before = pair.gateway.counters();
  const results = await pair.client.ping(parseIpv6Address(ADDR.gateway), { count: 2, timeoutMs: 300 });
  assert.deepEqual(
    results.map((r) => r.rttMs),
    [null, null],
    'no reply once the peer is removed',
  );
  await until(
    () =>
      pair.gateway.counters().device['unknown-receiver-index'] >= before.device['unknown-receiver-index'] + 2,
    3000,
    'the stale transport messages to be counted',
  );
  const after = pair.gateway.counters();
  assert.equal(after.datagramsOut, before.datagramsOut, 'the gateway sent nothing back');
  assert.equal(after.echoRequestsAnswered, before.echoRequestsAnswered);
});

/**
 * A tool that was online, then removed from the gateway (revoked or its job ended), handshakes
 * again with the same key from a fresh client; resolves once `counted` sees its initiation.
 */
async function retryAfterRemoval(
  t: TestContext,
  o: {
    revoked: boolean;
    counted: (before: GatewayCounters, now: GatewayCounters) => boolean;
    sink?: LogSink;
  },
) {
  const pair = await tunnelPair(
    o.sink === undefined ? {} : { logger: createLogger('gateway', { sink: o.sink, level: 'info' }) },
  );
  t.after(() => pair.close());
  await pair.client.start();
  await waitForEvent(pair.gateway, 'peer-online', 5000);
  assert.equal(pair.gateway.removePeer(pair.client.publicKey, { revoked: o.revoked }), true);
  await pair.client.stop();
  const again = new VpnClient({
    privateKey: new SecretBytes(pair.clientKey, 'client key'),
    tunnelAddress: parseIpv6Address(ADDR.client),
    gateway: { publicKey: pair.gateway.publicKey, endpoint: `127.0.0.1:${pair.gateway.port}` },
  });
  t.after(() => again.stop());
  const before = pair.gateway.counters();
  await again.start();
  await until(() => o.counted(before, pair.gateway.counters()), 3000, 'the initiation to be counted');
  return { pair, again, before };
}

test('a removed tool that handshakes again is an unknown peer and gets no response', async (t) => {
  const { pair, again, before } = await retryAfterRemoval(t, {
    revoked: false,
    counted: (b, now) => now.device['unknown-peer'] === b.device['unknown-peer'] + 1,
  });
  assert.equal(pair.gateway.counters().datagramsOut, before.datagramsOut, 'no handshake response');
  assert.equal(again.state, 'connecting');
  assert.equal(
    pair.gateway.counters().revokedPeerAttempts,
    0,
    'a peer removed without revocation is not "revoked"',
  );
});

test('a revoked tool retrying its handshake is counted apart, answered nothing, and leaves no peer', async (t) => {
  const sink = memorySink();
  const { pair, again, before } = await retryAfterRemoval(t, {
    revoked: true,
    counted: (b, now) => now.revokedPeerAttempts >= b.revokedPeerAttempts + 1,
    sink,
  });
  const after = pair.gateway.counters();
  assert.equal(after.device['unknown-peer'] - before.device['unknown-peer'], after.revokedPeerAttempts);
  assert.equal(after.datagramsOut, before.datagramsOut, 'no handshake response to a revoked tool');
  assert.equal(pair.gateway.peers().length, 0, 'no peer state for it');
  assert.equal(again.state, 'connecting');
  // The operator is told once, with the job's label, however often the tablet retries.
  const warnings = sink.lines.filter((l) => l.includes('a revoked tool is still trying to connect'));
  assert.equal(warnings.length, 1, `one warning for the revoked tool, got ${String(warnings.length)}`);
  assert.ok(warnings[0]!.includes('job-1'), `the warning names the job: ${warnings[0]!}`);
});

test('an inner source outside the peer AllowedIPs is dropped at the gateway (cryptokey routing)', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const routed: Uint8Array[] = [];
  pair.gateway.addRoute(parseIpPrefix('2001:db8:5::/64'), (p) => routed.push(p));
  await pair.client.start();
  await waitForEvent(pair.client, 'up', 5000);
  pair.client.sendPacket(udpPacket('fd00:77::99', ADDR.service, 'spoofed'));
  pair.client.sendPacket(udpPacket(ADDR.client, ADDR.service, 'genuine'));
  await until(() => routed.length === 1, 3000, 'the genuine packet');
  await until(
    () => pair.gateway.counters().device['disallowed-source'] === 1,
    3000,
    'the spoofed packet to be counted',
  );
  assert.equal(new TextDecoder().decode(routed[0]!.slice(48)), 'genuine', 'only the genuine packet routed');
});

test('junk datagrams create no state at the gateway: counted, unanswered, no peer touched', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const onlineEvents: unknown[] = [];
  pair.gateway.on('peer-online', (s) => onlineEvents.push(s));
  const junk = dgram.createSocket('udp4');
  t.after(() => new Promise<void>((r) => junk.close(() => r())));
  await new Promise<void>((r) => junk.bind(0, '127.0.0.1', () => r()));
  const replies: Buffer[] = [];
  junk.on('message', (m) => replies.push(m));

  const fakeInitiation = new Uint8Array(148);
  fakeInitiation[0] = MESSAGE_TYPE.HANDSHAKE_INITIATION;
  fakeInitiation.fill(0x5a, 4);
  const fakeTransport = new Uint8Array(32);
  fakeTransport[0] = MESSAGE_TYPE.TRANSPORT_DATA;
  fakeTransport.fill(0x11, 4);
  const datagrams = [
    new Uint8Array([1, 2, 3]),
    fakeInitiation,
    fakeTransport,
    new Uint8Array(200).fill(0xff),
  ];
  for (const d of datagrams) junk.send(d, pair.gateway.port, '127.0.0.1');

  await until(() => pair.gateway.counters().datagramsIn === datagrams.length, 3000, 'all junk received');
  const c = pair.gateway.counters();
  assert.equal(c.device['malformed'], 2, 'too short and unknown type');
  assert.equal(c.device['bad-mac1'], 1, 'initiation without our mac1');
  assert.equal(c.device['unknown-receiver-index'], 1, 'transport for no session');
  assert.equal(c.datagramsOut, 0, 'nothing answered');
  const [peer] = pair.gateway.peers();
  assert.equal(peer!.endpoint, null, 'no endpoint learnt from junk');
  assert.equal(peer!.hasSession, false, 'no session from junk');
  assert.equal(onlineEvents.length, 0, 'no presence change');
  assert.equal(replies.length, 0, 'the junk sender received nothing');
});
