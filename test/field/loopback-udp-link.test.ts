import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { LoopbackUdpLink } from '../../src/field/loopback-udp-link.ts';
import type { NorthboundLink } from '../../src/field/northbound-link.ts';
import { encodePacket, parseIpv6Address } from '../../src/stack/ipv6/index.ts';
import { until } from '../headend/gateway/tunnel-pair.ts';

function packet(text: string): Uint8Array {
  return encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    source: parseIpv6Address('fd00:1::2'),
    destination: parseIpv6Address('2001:db8:5::10'),
    upper: { kind: 'raw', nextHeader: 59, bytes: new TextEncoder().encode(text) },
  });
}

test('two loopback links carry IPv6 packets both ways and report up', async (t) => {
  const a = new LoopbackUdpLink();
  const b = new LoopbackUdpLink();
  t.after(() => Promise.all([a.stop(), b.stop()]));
  const states: string[] = [];
  a.on('state', (s) => states.push(s));
  const portA = await a.start();
  const portB = await b.start();
  assert.equal(a.state, 'connecting', 'no remote yet');
  a.connect(portB);
  b.connect(portA);
  assert.equal(a.state, 'up');
  assert.deepEqual(states, ['connecting', 'up']);

  const link: NorthboundLink = a;
  const atB: Uint8Array[] = [];
  const atA: Uint8Array[] = [];
  b.on('packet', (p) => atB.push(p));
  link.on('packet', (p) => atA.push(p));
  link.send(packet('north'));
  b.send(packet('south'));
  await until(() => atA.length === 1 && atB.length === 1, 3000, 'both packets');
  assert.deepEqual(atB[0], packet('north'));
  assert.deepEqual(atA[0], packet('south'));
  assert.throws(() => link.send(new Uint8Array([0x45, 0, 0, 20])), RangeError, 'IPv4 is refused');
});

test('a loopback link drops datagrams from other ports and datagrams that are not IPv6 packets', async (t) => {
  const link = new LoopbackUdpLink();
  const stranger = dgram.createSocket('udp4');
  const peer = dgram.createSocket('udp4');
  t.after(async () => {
    await link.stop();
    await new Promise<void>((r) => stranger.close(() => r()));
    await new Promise<void>((r) => peer.close(() => r()));
  });
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', () => r()));
  const port = await link.start();
  link.connect(peer.address().port);
  const got: Uint8Array[] = [];
  link.on('packet', (p) => got.push(p));

  stranger.send(packet('from a stranger'), port, '127.0.0.1');
  const truncated = packet('truncated').slice(0, 45);
  peer.send(truncated, port, '127.0.0.1');
  peer.send(packet('good'), port, '127.0.0.1');
  await until(
    () => link.counters.packetsIn + link.counters.foreignSource + link.counters.notIpv6 === 3,
    3000,
    'all three',
  );
  assert.equal(link.counters.foreignSource, 1);
  assert.equal(link.counters.notIpv6, 1, 'payload length disagreeing with the datagram');
  assert.deepEqual(got, [packet('good')]);
});

test('sending on a stopped link is counted, not thrown', async () => {
  const link = new LoopbackUdpLink({ remotePort: 9 });
  link.send(packet('early'));
  assert.equal(link.counters.sentWhileDown, 1);
  assert.equal(link.state, 'down');
  await link.start();
  assert.equal(link.state, 'up', 'remote port given at construction');
  await link.stop();
  assert.equal(link.state, 'down');
});
