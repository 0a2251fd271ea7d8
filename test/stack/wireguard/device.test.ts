import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeProvider } from '../../../src/stack/crypto/index.ts';
import {
  KEEPALIVE_LENGTH,
  MAX_TIMER_HANDSHAKES,
  MESSAGE_TYPE,
  REJECT_AFTER_TIME,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME,
  REKEY_ATTEMPT_TIME,
  REKEY_TIMEOUT,
  REKEY_TIMEOUT_JITTER_MAX,
  STRING_ENDPOINTS,
  WireguardDevice,
  ZERO_KEYS_AFTER,
  createInitiation,
  decodeCookieReply,
  deriveMacKeys,
  openCookieReply,
  tai64nFromUnixMillis,
} from '../../../src/stack/wireguard/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { BACKENDS } from './backends.ts';
import {
  TUNNEL,
  ipv4Packet,
  ipv6Packet,
  isHandshake,
  payload,
  receiverIndexOf,
  seededRandom,
  text,
  toolAndGateway,
} from './device-harness.ts';

const crypto = createNodeProvider();
const { HANDSHAKE_INITIATION, HANDSHAKE_RESPONSE, COOKIE_REPLY, TRANSPORT_DATA } = MESSAGE_TYPE;

const up = (msg: string) => ipv6Packet(TUNNEL.tool, TUNNEL.server, payload(msg));
const down = (msg: string) => ipv6Packet(TUNNEL.server, TUNNEL.tool, payload(msg));

/** Tool and gateway with a confirmed session at t = 0 (the tool's first packet delivered). */
function established(opts: Parameters<typeof toolAndGateway>[1] = {}) {
  const s = toolAndGateway(crypto, opts);
  s.net.send(s.tool, s.gatewayPeer, up('hello'));
  assert.equal(s.gateway.packets.length, 1, 'first packet delivered through the new session');
  return s;
}

for (const [name, backend] of BACKENDS) {
  test(`[${name}] handshake then data both ways, with a preshared key`, () => {
    const { net, tool, gateway, gatewayPeer, toolPeer } = toolAndGateway(backend, {
      presharedKey: new Uint8Array(32).fill(7),
    });
    net.send(tool, gatewayPeer, up('read meter 1'));

    assert.deepEqual(
      net.log.map((w) => [w.from === tool.address ? 'tool' : 'gateway', w.type, w.bytes.length]),
      [
        ['tool', HANDSHAKE_INITIATION, 148],
        ['gateway', HANDSHAKE_RESPONSE, 92],
        // 52-byte packet padded to 64, plus header and tag.
        ['tool', TRANSPORT_DATA, 16 + 64 + 16],
      ],
    );
    assert.equal(gateway.packets.length, 1, 'the gateway received the packet');
    assert.equal(gateway.packets[0]!.peer, toolPeer, 'attributed to the tool peer');
    assert.equal(text(gateway.packets[0]!.packet), 'read meter 1');
    assert.equal(gateway.packets[0]!.packet.length, 52, 'padding removed');
    assert.ok(
      tool.events.some((e) => e.type === 'handshake-complete' && e.role === 'initiator'),
      'tool completed as initiator',
    );
    assert.ok(
      gateway.events.some((e) => e.type === 'handshake-complete' && e.role === 'responder'),
      'gateway confirmed as responder on the first data packet',
    );
    assert.equal(toolPeer.endpoint, tool.address, 'the gateway learnt the endpoint from the initiation');

    net.send(gateway, toolPeer, down('reading: 1234 kWh'));
    assert.equal(tool.packets.length, 1, 'the tool received the reply');
    assert.equal(tool.packets[0]!.peer, gatewayPeer);
    assert.equal(text(tool.packets[0]!.packet), 'reading: 1234 kWh');
    assert.equal(net.log.filter(isHandshake).length, 2, 'one handshake only');
  });
}

test('initiator rekeys after REKEY_AFTER_TIME of traffic and stops using the old keypair', () => {
  const { net, tool, gateway, gatewayPeer, toolPeer } = established();
  const firstIndex = receiverIndexOf(net.sent(tool, TRANSPORT_DATA)[0]!.bytes);
  for (let t = 5_000; t <= 150_000; t += 5_000) {
    net.advanceTo(t);
    net.send(tool, gatewayPeer, up(`up ${t}`));
    net.send(gateway, toolPeer, down(`down ${t}`));
  }
  const initiations = net.sent(tool, HANDSHAKE_INITIATION);
  assert.equal(initiations.length, 2, 'exactly one rekey in 150 s');
  const rekeyAt = initiations[1]!.at;
  assert.ok(rekeyAt > REKEY_AFTER_TIME && rekeyAt <= REKEY_AFTER_TIME + 5_000, `rekey at ${rekeyAt} ms`);
  const after = net.sent(tool, TRANSPORT_DATA, rekeyAt + 1);
  assert.ok(after.length >= 5, 'traffic continued after the rekey');
  assert.ok(
    after.every((w) => receiverIndexOf(w.bytes) !== firstIndex),
    'no packet after the rekey uses the old keypair',
  );
  assert.equal(gateway.packets.length, 31, 'every upstream packet arrived');
  assert.equal(tool.packets.length, 30, 'every downstream packet arrived');
  const gatewayAfter = net.sent(gateway, TRANSPORT_DATA, rekeyAt + 1);
  assert.ok(
    new Set(gatewayAfter.map((w) => receiverIndexOf(w.bytes))).size === 1,
    'the gateway switched to the new keypair once confirmed',
  );
});

test('after REJECT_AFTER_TIME without a new handshake no data is sent or accepted', () => {
  const { net, tool, gateway, gatewayPeer, toolPeer } = established();
  net.filter = (w) => !isHandshake(w); // every later handshake is lost
  net.advanceTo(170_000);
  const held: Uint8Array[] = [];
  net.filter = (w) => {
    if (w.type === TRANSPORT_DATA && w.from === gateway.address) {
      held.push(w.bytes);
      return false;
    }
    return !isHandshake(w);
  };
  net.send(gateway, toolPeer, down('late'));
  assert.equal(held.length, 1, 'the gateway could still send at 170 s');

  net.advanceTo(REJECT_AFTER_TIME + 1_000);
  assert.ok(
    tool.events.some((e) => e.type === 'session-expired'),
    'the tool reported the expired session',
  );
  const before = net.log.length;
  net.send(tool, gatewayPeer, up('too late'));
  assert.ok(
    net.log.slice(before).every((w) => w.type !== TRANSPORT_DATA),
    'no transport datagram under the expired keypair',
  );
  const expiredBefore = tool.device.counters['expired-keypair'];
  const out = net.inject(tool, held[0]!, gateway.address);
  assert.equal(out.packets.length, 0, 'a packet sealed under the old keypair is refused');
  assert.equal(tool.device.counters['expired-keypair'], expiredBefore + 1, 'counted as expired');
});

test('a dead peer: retries every REKEY_TIMEOUT, gives up after REKEY_ATTEMPT_TIME, then stays quiet', () => {
  const { net, tool, gatewayPeer } = toolAndGateway(crypto);
  net.filter = () => false; // the gateway is unreachable
  net.send(tool, gatewayPeer, up('anyone?'));
  net.advanceTo(400_000);
  const initiations = net.sent(tool, HANDSHAKE_INITIATION);
  // wireguard-go: the first initiation plus MaxTimerHandshakes + 1 retries, then give up.
  assert.equal(initiations.length, MAX_TIMER_HANDSHAKES + 2);
  for (let i = 1; i < initiations.length; i++) {
    const gap = initiations[i]!.at - initiations[i - 1]!.at;
    assert.ok(gap >= REKEY_TIMEOUT && gap <= REKEY_TIMEOUT + REKEY_TIMEOUT_JITTER_MAX, `retry gap ${gap}`);
  }
  const unreachable = tool.events.find((e) => e.type === 'peer-unreachable');
  assert.ok(unreachable !== undefined, 'peer-unreachable reported');
  assert.equal(
    unreachable.type === 'peer-unreachable' && unreachable.droppedPackets,
    1,
    'queued packet dropped',
  );
  assert.ok(initiations.at(-1)!.at >= REKEY_ATTEMPT_TIME, 'kept trying for REKEY_ATTEMPT_TIME');
  assert.equal(tool.device.counters['queue-flushed'], 1);
  assert.ok(initiations.at(-1)!.at < 120_000, 'no retry after giving up');
});

test('passive keepalive KEEPALIVE_TIMEOUT after receiving data without sending', () => {
  const { net, tool, gateway } = established();
  net.advanceTo(9_999);
  assert.equal(net.sent(gateway, TRANSPORT_DATA).length, 0, 'nothing before 10 s');
  net.advanceTo(10_000);
  const keepalives = net.sent(gateway, TRANSPORT_DATA);
  assert.equal(keepalives.length, 1, 'one keepalive at 10 s');
  assert.equal(keepalives[0]!.bytes.length, KEEPALIVE_LENGTH, 'an empty transport message');
  assert.equal(tool.packets.length, 0, 'a keepalive is not delivered as a packet');
  net.advanceTo(60_000);
  assert.equal(net.sent(gateway, TRANSPORT_DATA).length, 1, 'no more keepalives without more data');
});

test('persistent keepalive every interval from the first keepalive on', () => {
  const { net, tool, gateway, gatewayPeer } = toolAndGateway(crypto, { toolKeepalive: 25 });
  net.take(tool, tool.device.keepalive(net.now, gatewayPeer));
  net.flush();
  assert.ok(
    gateway.events.some((e) => e.type === 'handshake-complete'),
    'the keepalive opened the tunnel',
  );
  net.advanceTo(100_000);
  const times = net.sent(tool, TRANSPORT_DATA).map((w) => w.at);
  assert.deepEqual(times, [0, 25_000, 50_000, 75_000, 100_000]);
  assert.equal(net.sent(tool, HANDSHAKE_INITIATION).length, 1, 'keepalives alone do not rekey before 120 s');
});

test('transport replay window: out of order accepted, replays and too-old counters refused', () => {
  const { net, tool, gateway, gatewayPeer } = established();
  const held: Uint8Array[] = [];
  net.filter = (w) => {
    if (w.type !== TRANSPORT_DATA) return true;
    held.push(w.bytes);
    return false;
  };
  for (let i = 0; i < 4; i++) net.send(tool, gatewayPeer, up(`p${i}`));
  net.filter = () => true;
  for (const i of [2, 0, 1]) net.inject(gateway, held[i]!, tool.address);
  assert.deepEqual(
    gateway.packets.slice(1).map((p) => text(p.packet)),
    ['p2', 'p0', 'p1'],
    'out-of-order packets within the window are accepted',
  );
  net.inject(gateway, held[1]!, tool.address);
  assert.equal(gateway.packets.length, 4, 'a replayed packet is not delivered');
  assert.equal(gateway.device.counters['replayed-packet'], 1);

  // Jump the sender 9000 counters ahead: held[3] (counter 4) falls behind the 8128 window.
  gatewayPeer.keypairs.current!.skipCounters(9_000n);
  net.send(tool, gatewayPeer, up('far ahead'));
  assert.equal(text(gateway.packets.at(-1)!.packet), 'far ahead');
  net.inject(gateway, held[3]!, tool.address);
  assert.equal(gateway.packets.length, 5, 'a counter older than the window is refused');
  assert.equal(gateway.device.counters['replayed-packet'], 2);
});

test('a replayed initiation is refused by its timestamp and leaves the session alone', () => {
  const { net, tool, gateway, toolPeer } = established();
  const initiation = net.sent(tool, HANDSHAKE_INITIATION)[0]!.bytes;
  net.advanceBy(2_000);
  const out = net.inject(gateway, initiation, '203.0.113.66:9999');
  assert.equal(out.datagrams.length, 0, 'no response to a replay');
  assert.equal(gateway.device.counters['replayed-initiation'], 1);
  assert.equal(toolPeer.endpoint, tool.address, 'a replay does not move the endpoint');
  net.send(gateway, toolPeer, down('still here'));
  assert.equal(tool.packets.length, 1, 'the session still works');
});

test('cryptokey routing: an inner source outside the peer allowed IPs is dropped', () => {
  const { net, tool, gateway, gatewayPeer } = established();
  net.send(tool, gatewayPeer, ipv6Packet('fd00:1::99', TUNNEL.server, payload('spoofed')));
  net.send(tool, gatewayPeer, ipv4Packet('10.9.0.3', '10.9.0.1', payload('spoofed v4')));
  net.send(tool, gatewayPeer, ipv4Packet('10.9.0.2', '10.9.0.1', payload('fine v4')));
  assert.equal(gateway.packets.length, 2, 'only the allowed packets are delivered');
  assert.equal(gateway.packets[1]!.family, 4);
  assert.equal(gateway.device.counters['disallowed-source'], 2);
  assert.equal(gateway.device.routeFor(new Uint8Array([10, 9, 0, 2])), gateway.device.peers[0]);
});

test('under load: cookie reply, then the initiator retries with mac2 and succeeds', () => {
  const { net, tool, gateway, gatewayPeer } = toolAndGateway(crypto, { gatewayLoadThreshold: 0 });
  net.send(tool, gatewayPeer, up('under load'));
  assert.deepEqual(
    net.log.map((w) => w.type),
    [HANDSHAKE_INITIATION, COOKIE_REPLY],
    'the gateway answered only with a cookie',
  );
  assert.equal(gateway.device.counters['mac2-required'], 1);
  assert.equal(gateway.device.peers[0]!.endpoint, null, 'no state kept for an unverified source');
  assert.ok(
    tool.events.some((e) => e.type === 'cookie-received'),
    'cookie accepted',
  );
  net.advanceTo(REKEY_TIMEOUT + REKEY_TIMEOUT_JITTER_MAX);
  assert.equal(gateway.packets.length, 1, 'the retry carried mac2 and the packet went through');
  assert.equal(gateway.device.counters['mac2-required'], 1, 'the retry was not refused');
});

test('a flood of initiations turns load protection on; the per-source limit applies', () => {
  const { net, gateway } = toolAndGateway(crypto, { gatewayLoadThreshold: 3 });
  const attacker = seededRandom('attacker');
  const privateKey = attacker(32);
  const attackerKey = { privateKey, publicKey: crypto.x25519PublicKey(privateKey) };
  const source = '203.0.113.5:1000';
  const initiation = (i: number, cookie: Uint8Array | null) =>
    createInitiation(crypto, {
      localStatic: attackerKey,
      remoteStatic: gateway.device.publicKey,
      ephemeralPrivate: attacker(32),
      timestamp: tai64nFromUnixMillis(i),
      senderIndex: i,
      cookie,
    });
  const replies: Uint8Array[] = [];
  let lastMac1: Uint8Array = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const init = initiation(i, null);
    lastMac1 = init.state.mac1;
    replies.push(...net.inject(gateway, init.bytes, source).datagrams.map((d) => d.bytes));
  }
  const c = gateway.device.counters;
  assert.equal(c['unknown-peer'], 3, 'the first three were processed');
  assert.equal(c['mac2-required'], 5, 'then mac2 was required');
  assert.deepEqual(
    replies.map((r) => r[0]),
    [COOKIE_REPLY, COOKIE_REPLY, COOKIE_REPLY, COOKIE_REPLY, COOKIE_REPLY],
    'each refused initiation got a cookie reply',
  );

  // With the cookie mac2 verifies; the per-source token bucket (burst 5) then limits the source.
  const { cookieKey } = deriveMacKeys(crypto, gateway.device.publicKey);
  const cookie = openCookieReply(crypto, cookieKey, decodeCookieReply(replies.at(-1)!), lastMac1);
  assert.ok(cookie !== null, 'the cookie reply opens with the mac1 it answers');
  for (let i = 100; i < 108; i++) net.inject(gateway, initiation(i, cookie).bytes, source);
  assert.deepEqual([c['mac2-required'], c['unknown-peer'], c['rate-limited']], [5, 3 + 5, 3]);
});

test('junk datagrams produce no output, keep no state and are counted', () => {
  const { net, gateway } = toolAndGateway(crypto);
  const junk = seededRandom('junk');
  const initiationSized = junk(148);
  initiationSized.set([1, 0, 0, 0]);
  const badReserved = new Uint8Array(148);
  badReserved.set([1, 1, 0, 0]);
  const unknownIndex = new Uint8Array(48);
  unknownIndex.set([4, 0, 0, 0, 9, 9, 9, 9]);
  const cases = [
    new Uint8Array(0),
    new Uint8Array([9]),
    junk(200),
    initiationSized,
    badReserved,
    unknownIndex,
  ];
  cases.push(new Uint8Array([1, 0, 0, 0, 5]), new Uint8Array([2, 0, 0, 0]), new Uint8Array([3, 0, 0, 0]));
  for (const bytes of cases) {
    const out = net.inject(gateway, bytes, '203.0.113.9:53');
    assert.deepEqual([out.datagrams.length, out.packets.length, out.events.length], [0, 0, 0]);
  }
  const c = gateway.device.counters;
  assert.deepEqual([c.malformed, c['bad-mac1'], c['unknown-receiver-index']], [7, 1, 1]);
  assert.equal(gateway.device.nextDeadline(), null, 'no timer armed by junk');
  assert.equal(gateway.device.peers[0]!.endpoint, null, 'no endpoint learnt from junk');
});

test('roaming: the endpoint follows the source of authenticated packets', () => {
  const { net, tool, gateway, gatewayPeer, toolPeer } = established();
  tool.address = '203.0.113.77:41000'; // the tablet changed networks
  net.advanceBy(1_000);
  net.send(tool, gatewayPeer, up('from the new network'));
  assert.equal(toolPeer.endpoint, '203.0.113.77:41000');
  assert.ok(
    gateway.events.some((e) => e.type === 'endpoint-changed' && e.endpoint === '203.0.113.77:41000'),
    'endpoint-changed reported',
  );
  net.send(gateway, toolPeer, down('reply'));
  assert.equal(net.log.at(-1)!.to, '203.0.113.77:41000', 'replies go to the new endpoint');
  assert.equal(tool.packets.length, 1);
  // A forged packet from elsewhere does not move it.
  net.inject(gateway, new Uint8Array(net.log.at(-2)!.bytes).fill(1, 20), '198.18.0.1:1');
  assert.equal(toolPeer.endpoint, '203.0.113.77:41000', 'unauthenticated packets do not roam');
});

test('the responder does not send under a new keypair before key confirmation', () => {
  const { net, tool, gateway, gatewayPeer, toolPeer } = toolAndGateway(crypto);
  const held: Uint8Array[] = [];
  net.filter = (w) => {
    if (w.type === TRANSPORT_DATA && w.from === tool.address && held.length === 0) {
      held.push(w.bytes);
      return false;
    }
    return true;
  };
  net.send(tool, gatewayPeer, up('first'));
  assert.ok(toolPeer.keypairs.next !== null && toolPeer.keypairs.current === null, 'keypair parked as next');
  const out = net.send(gateway, toolPeer, down('early'));
  assert.equal(out.datagrams.length, 0, 'nothing sent before confirmation');
  net.inject(gateway, held[0]!, tool.address);
  assert.equal(text(tool.packets[0]!.packet), 'early', 'queued packet sent once confirmed');
  assert.equal(toolPeer.keypairs.next, null);
});

test('REKEY_AFTER_MESSAGES: a keypair that sent that many messages is rekeyed', () => {
  const { net, tool, gatewayPeer } = established();
  net.advanceBy(REKEY_TIMEOUT);
  gatewayPeer.keypairs.current!.skipCounters(REKEY_AFTER_MESSAGES);
  net.send(tool, gatewayPeer, up('one more'));
  assert.equal(net.sent(tool, HANDSHAKE_INITIATION).length, 2, 'a new handshake started');
});

test('no answer to data for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT starts a new handshake', () => {
  const { net, tool, gateway, gatewayPeer } = established();
  net.advanceTo(20_000);
  net.filter = (w) => w.from !== gateway.address; // the gateway's answers are lost
  net.send(tool, gatewayPeer, up('are you there'));
  net.advanceTo(20_000 + 15_000 - 1);
  assert.equal(net.sent(tool, HANDSHAKE_INITIATION).length, 1, 'not before 15 s');
  net.advanceTo(20_000 + 15_000 + REKEY_TIMEOUT_JITTER_MAX);
  assert.equal(net.sent(tool, HANDSHAKE_INITIATION).length, 2, 'new handshake after 15 s + jitter');
});

test('all keys are erased after 3 × REJECT_AFTER_TIME without a new session', () => {
  const { net, tool, gatewayPeer } = established();
  net.filter = () => false;
  net.advanceTo(ZERO_KEYS_AFTER - 1);
  assert.ok(gatewayPeer.keypairs.current !== null, 'keys still held before');
  net.advanceTo(ZERO_KEYS_AFTER);
  assert.ok(
    tool.events.some((e) => e.type === 'keys-zeroed'),
    'keys-zeroed reported',
  );
  assert.deepEqual(gatewayPeer.keypairs.all(), []);
});

test('configuration errors: own key, duplicate peer, low-order key, empty packet', () => {
  const { tool, gatewayPeer } = toolAndGateway(crypto);
  const d = tool.device;
  assert.throws(() => d.addPeer({ publicKey: d.publicKey }), RangeError);
  assert.throws(() => d.addPeer({ publicKey: gatewayPeer.publicKey }), RangeError);
  assert.throws(() => d.addPeer({ publicKey: new Uint8Array(32) }), /low-order/);
  assert.throws(() => d.send(0, gatewayPeer, new Uint8Array(0)), RangeError);
  const other = new WireguardDevice<string>({
    crypto,
    privateKey: new Uint8Array(32).fill(3),
    random: seededRandom('x'),
    endpoints: STRING_ENDPOINTS,
  });
  assert.throws(() => other.send(0, gatewayPeer, up('x')), /not configured/);
});

test('fuzz: mutated and random datagrams never throw and never deliver a packet', () => {
  const { net, tool, gateway, gatewayPeer } = established();
  net.send(tool, gatewayPeer, up('sample'));
  const samples = net.log.map((w) => w.bytes);
  const delivered = gateway.packets.length;
  net.filter = () => false;
  const { rejected } = fuzzDecoder(
    (bytes) => net.take(gateway, gateway.device.receive(net.now, bytes, '203.0.113.1:1')),
    samples,
    { runs: 5_000 },
  );
  // fuzzDecoder fails on any other exception; a DecodeError must not escape the device either.
  assert.equal(rejected, 0, 'no DecodeError escaped the device');
  assert.equal(gateway.packets.length, delivered, 'nothing forged got through');
  const c = gateway.device.counters;
  assert.ok(
    c.malformed + c['bad-mac1'] + c['decrypt-failed'] + c['unknown-receiver-index'] > 4_500,
    'drops counted',
  );
});

test('simultaneous initiations from both sides still give a working tunnel', () => {
  const { net, tool, gateway, gatewayPeer, toolPeer } = toolAndGateway(crypto);
  toolPeer.endpoint = tool.address;
  net.take(tool, tool.device.send(0, gatewayPeer, up('from tool')));
  net.take(gateway, gateway.device.send(0, toolPeer, down('from gateway')));
  net.flush();
  net.advanceTo(30_000);
  assert.deepEqual(
    gateway.packets.map((p) => text(p.packet)),
    ['from tool'],
  );
  assert.deepEqual(
    tool.packets.map((p) => text(p.packet)),
    ['from gateway'],
  );
  net.send(tool, gatewayPeer, up('again'));
  net.send(gateway, toolPeer, down('again'));
  assert.equal(gateway.packets.length + tool.packets.length, 4, 'both directions keep working');
  assert.ok(net.log.filter(isHandshake).length <= 4, 'no handshake storm');
});
