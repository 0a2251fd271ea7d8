/** VpnClient edge behaviour against a WireguardGateway on 127.0.0.1 (see tunnel-pair.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { SecretBytes, createLogger } from '../../../src/log/index.ts';
import { encodePacket, parseIpv6Address } from '../../../src/stack/ipv6/index.ts';
import { getCrypto } from '../../../src/stack/crypto/index.ts';
import {
  MESSAGE_TYPE,
  MAX_TIMER_HANDSHAKES,
  REKEY_ATTEMPT_TIME,
  parseIpPrefix,
} from '../../../src/stack/wireguard/index.ts';
import { VpnClient } from '../../../src/field/vpn/index.ts';
import type { NorthboundLink, NorthboundLinkState } from '../../../src/field/northbound-link.ts';
import { ADDR, newPrivateKey, tunnelPair, until, waitForEvent } from '../../headend/gateway/tunnel-pair.ts';

function rawPacket(destination: string): Uint8Array {
  return encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    source: parseIpv6Address(ADDR.client),
    destination: parseIpv6Address(destination),
    upper: { kind: 'raw', nextHeader: 59, bytes: new Uint8Array(8) },
  });
}

test('the client is a NorthboundLink: connecting on start, up on handshake, down on stop', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const link: NorthboundLink = pair.client;
  const states: NorthboundLinkState[] = [];
  link.on('state', (s) => states.push(s));
  const downs: string[] = [];
  pair.client.on('down', (r) => downs.push(r));
  assert.equal(link.state, 'down');
  await pair.client.start();
  await waitForEvent(pair.client, 'up', 5000);
  assert.equal(pair.client.counters().handshakes, 1);
  await pair.client.stop();
  assert.deepEqual(states, ['connecting', 'up', 'down']);
  assert.deepEqual(downs, ['stopped']);
  await assert.rejects(pair.client.start(), /cannot be restarted/, 'stop is final: the keys are gone');
});

test('the client sends only what its AllowedIPs route to the gateway, and counts the rest', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  pair.client.sendPacket(rawPacket(ADDR.service));
  assert.equal(pair.client.counters().sentWhileStopped, 1, 'before start');
  await pair.client.start();
  await waitForEvent(pair.client, 'up', 5000);
  pair.client.sendPacket(rawPacket('2001:db8:99::1'));
  assert.equal(pair.client.counters().noRoute, 1, 'outside fd00:77::/64 and 2001:db8:5::/48');
  assert.equal(pair.client.counters().packetsOut, 0);
  assert.throws(() => pair.client.sendPacket(new Uint8Array(10)), RangeError);
});

test('a packet queued before the handshake is delivered once the tunnel is up', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const routed: Uint8Array[] = [];
  pair.gateway.addRoute(parseIpPrefix('2001:db8:5::/48'), (p) => routed.push(p));
  await pair.client.start();
  pair.client.sendPacket(rawPacket(ADDR.service));
  await until(() => routed.length === 1, 5000, 'the queued packet');
  assert.deepEqual(routed[0], rawPacket(ADDR.service));
});

test('ping to an address nobody answers times out with null round trips', async (t) => {
  const pair = await tunnelPair();
  t.after(() => pair.close());
  await pair.client.start();
  const results = await pair.client.ping(parseIpv6Address('fd00:77::99'), { count: 2, timeoutMs: 200 });
  assert.deepEqual(
    results.map((r) => [r.sequence, r.rttMs]),
    [
      [1, null],
      [2, null],
    ],
  );
  assert.equal(pair.gateway.counters().noRoute, 2, 'the gateway had nowhere to send them');
});

test('the private key never reaches the log', async (t) => {
  const lines: string[] = [];
  const key = newPrivateKey();
  const pair = await tunnelPair();
  t.after(() => pair.close());
  const client = new VpnClient({
    privateKey: new SecretBytes(key, 'client key'),
    tunnelAddress: parseIpv6Address('fd00:77::3'),
    gateway: { publicKey: pair.gateway.publicKey, endpoint: `127.0.0.1:${pair.gateway.port}` },
    logger: createLogger('field.vpn', { level: 'trace', sink: (line) => lines.push(line) }),
  });
  t.after(() => client.stop());
  await client.start();
  await client.stop();
  const log = lines.join('\n');
  assert.ok(lines.length > 0, 'the client logs its start');
  const b64 = Buffer.from(key).toString('base64');
  const hex = Buffer.from(key).toString('hex');
  assert.ok(!log.includes(b64) && !log.includes(hex), 'no key material in the log');
});

test('a gateway that never answers: the client reports down with peer-unreachable after REKEY_ATTEMPT_TIME (whitepaper §6.4)', async (t) => {
  // A UDP socket that swallows everything stands in for a dead gateway.
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => silent.close(() => r())));
  let initiations = 0;
  silent.on('message', (m) => {
    if (m[0] === MESSAGE_TYPE.HANDSHAKE_INITIATION) initiations++;
  });
  // Timers and the client's clock advance together, by hand; the sockets stay real.
  let now = 0;
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const client = new VpnClient({
    privateKey: new SecretBytes(newPrivateKey(), 'client key'),
    tunnelAddress: parseIpv6Address(ADDR.client),
    gateway: {
      publicKey: getCrypto().x25519PublicKey(newPrivateKey()),
      endpoint: `127.0.0.1:${silent.address().port}`,
    },
    clock: { now: () => now, wallClock: () => 1_700_000_000_000 + now },
  });
  t.after(() => client.stop());
  const downs: string[] = [];
  client.on('down', (r) => downs.push(r));
  await client.start();
  for (let step = 0; step < 200 && downs.length === 0; step++) {
    now += 1000;
    t.mock.timers.tick(1000);
  }
  assert.deepEqual(downs, ['peer-unreachable']);
  assert.ok(now >= REKEY_ATTEMPT_TIME, `gave up only after REKEY_ATTEMPT_TIME (at ${now} ms)`);
  assert.equal(client.state, 'connecting', 'a new packet would start a new handshake');
  t.mock.timers.reset();
  await until(() => initiations === client.counters().datagramsOut, 3000, 'every initiation to arrive');
  // wireguard-go: the first initiation plus MaxTimerHandshakes + 1 retries, one per REKEY_TIMEOUT.
  assert.equal(initiations, MAX_TIMER_HANDSHAKES + 2, 'the whole retry schedule went out on the socket');
});
