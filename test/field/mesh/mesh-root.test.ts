import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MESH_ROOT_DROP_REASONS } from '../../../src/field/mesh/index.ts';
import { createNodeProvider } from '../../../src/stack/crypto/index.ts';
import { MeshLink } from '../../../src/stack/mesh-link/index.ts';
import {
  IP_PROTOCOL,
  addressesEqual,
  decodePacket,
  encodePacket,
  linkLocalFromEui64,
  parseIpv6Address,
  type Ipv6Packet,
} from '../../../src/stack/ipv6/index.ts';
import {
  PANA_MESSAGE_TYPE,
  decodePanaMessage,
  encodePanaMessage,
  getPanaAvp,
} from '../../../src/stack/pana/index.ts';
import {
  HEADEND_HOST,
  MESH_PREFIX,
  METER_A,
  METER_B,
  METER_C,
  PAA,
  NETWORK_KEY,
  TOOL,
  echoRequest,
  field,
  globalOf,
  type Field,
} from './fixture.ts';

const ROOT = globalOf(TOOL);

/** A two-hop field: tool — A — B, both meters keyed and joined. */
async function joinedTwoHop(): Promise<Field> {
  const f = field({
    links: [
      [TOOL, METER_A],
      [METER_A, METER_B],
    ],
    keyed: [METER_A, METER_B],
  });
  await f.bus.run(60_000);
  return f;
}

function echoReplies(f: Field): Ipv6Packet[] {
  return f.northbound
    .decoded()
    .filter((p) => p.upper.kind === 'icmpv6' && p.upper.message.kind === 'echo-reply');
}

function pana(type: number, flags = 0): Uint8Array {
  return encodePanaMessage({ type: type as 1, flags, sessionId: 0, sequence: 0, avps: [] });
}

function udp(
  source: Uint8Array,
  destination: Uint8Array,
  sport: number,
  dport: number,
  payload: Uint8Array,
  hopLimit = 255,
): Ipv6Packet {
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit,
    source,
    destination,
    upper: { kind: 'udp', datagram: { sourcePort: sport, destinationPort: dport, payload } },
  };
}

describe('MeshRoot: DODAG and routing', () => {
  it('advertises DIOs, learns a two-hop route from DAOs, and routes an echo from the head-end to the far meter and back', async () => {
    const f = await joinedTwoHop();
    const rootFrames = f.bus.log.filter((t) => t.from === TOOL && t.to === 'broadcast');
    assert.ok(rootFrames.length >= 1, 'the root broadcast at least one DIO');
    assert.ok(f.meter(METER_A).rpl.joined, 'meter A joined the DODAG');
    assert.ok(f.meter(METER_B).rpl.joined, 'meter B joined the DODAG through A');
    assert.equal(f.root.routeCount, 2, 'the root has a route to both meters');
    const joined = f.events.filter((e) => e.kind === 'node-joined-dodag');
    assert.equal(joined.length, 2, 'one node-joined-dodag event per meter');

    f.northbound.sent.length = 0;
    f.northbound.inject(echoRequest(HEADEND_HOST, globalOf(METER_B), 7));
    await f.bus.run(5_000);
    const got = f
      .meter(METER_B)
      .delivered.find((p) => p.upper.kind === 'icmpv6' && p.upper.message.kind === 'echo-request');
    assert.ok(got, 'the far meter received the echo request (decapsulated)');
    assert.equal(got.hopLimit, 63, 'the root decremented the inner Hop Limit once');
    // The frame from the tool to A carried the tunnel with an RH3 naming B.
    const replies = echoReplies(f);
    assert.equal(replies.length, 1, 'one echo reply came back northbound');
    const reply = replies[0]!;
    assert.ok(addressesEqual(reply.source, globalOf(METER_B)), 'the reply is from meter B');
    assert.ok(addressesEqual(reply.destination, HEADEND_HOST), 'the reply goes to the head-end host');
    assert.equal(reply.hopByHop, undefined, 'the RPL Option was removed when leaving the RPL domain');
    assert.equal(reply.hopLimit, 64 - 2, 'A and the root each decremented the reply Hop Limit');
    assert.ok(f.root.counters().forwarded.down >= 1, 'down-forwarding counted');
  });

  it('encapsulates head-end traffic for a two-hop target in IPv6-in-IPv6 with an RH3 (RFC 9008 §7.2)', async () => {
    const f = await joinedTwoHop();
    const before = f.bus.log.length;
    f.northbound.inject(echoRequest(HEADEND_HOST, globalOf(METER_B), 9));
    await f.bus.run(5);
    // Decode what the root sent with meter A's own link (it holds the key).
    // Open what the root sent to A with a link of A's own (same EUI, same key).
    const spy = new MeshLink({
      crypto: createNodeProvider(),
      extendedAddress: METER_A,
      panId: 0x7a3c,
      meshPrefix: MESH_PREFIX,
      maxPsdu: 127,
      fcsLength: 2,
    });
    spy.installNetworkKey(1, NETWORK_KEY, 0);
    const seen: Ipv6Packet[] = [];
    for (const t of f.bus.log.slice(before)) {
      if (t.from !== TOOL || t.to !== METER_A) continue;
      const r = spy.receive(0, t.psdu, { rssi: 0, lqi: 0 });
      if (r.kind === 'datagram') seen.push(r.packet);
    }
    const tunnel = seen.find((p) => p.upper.kind === 'raw' && p.upper.nextHeader === IP_PROTOCOL.IPV6);
    assert.ok(tunnel, 'the root sent an IPv6-in-IPv6 packet to A');
    assert.ok(addressesEqual(tunnel.source, ROOT), 'outer source is the root');
    assert.ok(addressesEqual(tunnel.destination, globalOf(METER_A)), 'outer destination is the first hop');
    assert.equal(tunnel.routing?.routingType, 3, 'outer header carries an RPL Source Route Header');
    assert.equal(tunnel.routing?.segmentsLeft, 1, 'one segment left: B');
  });

  it('answers an echo to its own address from the head-end and from the mesh', async () => {
    const f = await joinedTwoHop();
    f.northbound.sent.length = 0;
    f.northbound.inject(echoRequest(HEADEND_HOST, ROOT, 1));
    await f.bus.run(10);
    assert.equal(echoReplies(f).length, 1, 'echo reply to the head-end');
    const b = f.meter(METER_B);
    b.originate(decodePacket(echoRequest(globalOf(METER_B), ROOT, 2)));
    await f.bus.run(1_000);
    const reply = b.delivered.find((p) => p.upper.kind === 'icmpv6' && p.upper.message.kind === 'echo-reply');
    assert.ok(reply, 'meter B got the root’s echo reply over two hops (RH3 inserted by the root as source)');
  });
});

describe('MeshRoot: PANA relay', () => {
  it('relays an unsecured PCI from an unjoined meter to the PAA as PRY, and the PAA’s PRY back unsecured', async () => {
    const f = field({ links: [[TOOL, METER_C]], keyed: [], unkeyed: [METER_C] });
    await f.bus.run(100);
    const c = f.meter(METER_C);
    const cLinkLocal = linkLocalFromEui64(METER_C);
    c.sendRaw(udp(cLinkLocal, linkLocalFromEui64(TOOL), 716, 716, pana(PANA_MESSAGE_TYPE.PCI)), TOOL, false);
    await f.bus.run(10);
    const pry = f.northbound
      .decoded()
      .find((p) => p.upper.kind === 'udp' && p.upper.datagram.destinationPort === 716);
    assert.ok(pry, 'a PANA datagram went northbound');
    assert.ok(addressesEqual(pry.destination, PAA), 'to the PAA address');
    assert.ok(addressesEqual(pry.source, ROOT), 'from the root’s global address');
    const msg = decodePanaMessage(pry.upper.kind === 'udp' ? pry.upper.datagram.payload : new Uint8Array());
    assert.equal(msg.type, PANA_MESSAGE_TYPE.RELAY, 'it is a PRY');
    const info = getPanaAvp(msg, 'pac-information');
    assert.ok(
      info && addressesEqual(info.address, cLinkLocal),
      'PaC-Information names the PaC link-local address',
    );
    assert.equal(f.root.joinState(METER_C)?.state, 'authenticating', 'the PaC is now authenticating');

    // The PAA answers with a PRY carrying a PAR (S flag) for the PaC.
    const par = encodePanaMessage({
      type: PANA_MESSAGE_TYPE.AUTH,
      flags: 0x8000 | 0x4000,
      sessionId: 5,
      sequence: 1,
      avps: [],
    });
    const back = encodePanaMessage({
      type: PANA_MESSAGE_TYPE.RELAY,
      flags: 0,
      sessionId: 0,
      sequence: 0,
      avps: [
        { kind: 'pac-information', address: cLinkLocal, port: 716 },
        { kind: 'relayed-message', bytes: par, message: decodePanaMessage(par) },
      ],
    });
    f.northbound.inject(encodePacket(udp(PAA, ROOT, 716, 716, back, 60)));
    await f.bus.run(10);
    const got = c.delivered.find((p) => p.upper.kind === 'udp' && p.upper.datagram.sourcePort === 716);
    assert.ok(got, 'the PaC received the relayed message (it has no key: the frame was unsecured)');
    assert.deepEqual(
      got.upper.kind === 'udp' ? got.upper.datagram.payload : undefined,
      par,
      'the inner PAR, byte for byte',
    );
    assert.equal(f.root.counters().forwarded.panaToPac, 1, 'relayed to the PaC counted');

    // A PRY from any other northbound source is dropped and counted.
    const deliveredBefore = c.delivered.length;
    f.northbound.inject(encodePacket(udp(HEADEND_HOST, ROOT, 716, 716, back, 60)));
    await f.bus.run(10);
    assert.equal(c.delivered.length, deliveredBefore, 'nothing reached the PaC');
    assert.equal(f.root.counters().drops['pry-not-from-paa'], 1, 'counted as pry-not-from-paa');
  });
});

describe('MeshRoot: link security', () => {
  it('drops unsecured traffic that is not PANA or MLE, and replayed frames', async () => {
    const f = await joinedTwoHop();
    const a = f.meter(METER_A);
    const echo = decodePacket(echoRequest(linkLocalFromEui64(METER_A), linkLocalFromEui64(TOOL), 3));
    const unsecuredBefore = f.root.counters().link.received.unsecured;
    f.northbound.sent.length = 0;
    a.sendRaw(echo, TOOL, false);
    await f.bus.run(10);
    assert.equal(
      f.root.counters().link.received.unsecured,
      unsecuredBefore + 1,
      'unsecured echo counted as unsecured',
    );
    assert.equal(
      f.bus.log.filter((t) => t.from === TOOL && t.at > f.bus.clock.now() - 10 && t.to === METER_A).length,
      0,
      'no echo reply sent',
    );

    // A secured frame, delivered twice: the second copy is a replay.
    const psdus = a.sendRaw(decodePacket(echoRequest(globalOf(METER_A), HEADEND_HOST, 4)), TOOL, true);
    await f.bus.run(10);
    const northBefore = f.northbound.sent.length;
    const replayBefore = f.root.counters().link.received.replay;
    f.bus.inject(TOOL, psdus[0]!);
    await f.bus.run(10);
    assert.equal(
      f.root.counters().link.received.replay,
      replayBefore + 1,
      'the copy was dropped as a replay',
    );
    assert.equal(f.northbound.sent.length, northBefore, 'the replayed packet was not forwarded');
  });
});

describe('MeshRoot: ICMPv6 errors', () => {
  it('sends Time Exceeded for an exhausted Hop Limit, both ways', async () => {
    const f = await joinedTwoHop();
    f.northbound.sent.length = 0;
    f.northbound.inject(echoRequest(HEADEND_HOST, globalOf(METER_B), 5, 1));
    await f.bus.run(10);
    const te = f.northbound
      .decoded()
      .find((p) => p.upper.kind === 'icmpv6' && p.upper.message.kind === 'time-exceeded');
    assert.ok(te, 'Time Exceeded went northbound');
    assert.ok(addressesEqual(te.destination, HEADEND_HOST), 'to the packet’s source');
    assert.equal(f.meter(METER_B).delivered.length, 0, 'the packet was not delivered');

    // From the mesh: A sends towards the head-end with Hop Limit 1.
    const a = f.meter(METER_A);
    a.originate(decodePacket(echoRequest(globalOf(METER_A), HEADEND_HOST, 6, 1)));
    await f.bus.run(100);
    const back = a.delivered.find(
      (p) => p.upper.kind === 'icmpv6' && p.upper.message.kind === 'time-exceeded',
    );
    assert.ok(back, 'Time Exceeded went back into the mesh to A');
    assert.equal(f.root.counters().drops['hop-limit'], 2, 'both counted as hop-limit drops');
  });

  it('answers an unknown mesh destination with Destination Unreachable, rate-limited', async () => {
    const f = field({ links: [], keyed: [], root: { icmpErrorRate: { burst: 2, refillMs: 60_000 } } });
    await f.bus.run(100);
    const unknown = parseIpv6Address('2001:db8:1:2::99');
    for (let i = 0; i < 5; i++) f.northbound.inject(echoRequest(HEADEND_HOST, unknown, i));
    await f.bus.run(10);
    const du = f.northbound
      .decoded()
      .filter((p) => p.upper.kind === 'icmpv6' && p.upper.message.kind === 'destination-unreachable');
    assert.equal(du.length, 2, 'only the burst of 2 errors went out');
    assert.equal(
      du[0]!.upper.kind === 'icmpv6' && du[0]!.upper.message.kind === 'destination-unreachable'
        ? du[0]!.upper.message.code
        : -1,
      0,
      'code 0, no route',
    );
    const c = f.root.counters();
    assert.equal(c.drops['no-route'], 5, 'every packet counted as no-route');
    assert.equal(c.forwarded.icmpErrorsRateLimited, 3, 'three errors suppressed by the rate limit');
  });
});

describe('MeshRoot: wipe', () => {
  it('zeroes the keys, stops every frame and stops relaying', async () => {
    const f = field({
      links: [
        [TOOL, METER_A],
        [TOOL, METER_C],
      ],
      keyed: [METER_A],
      unkeyed: [METER_C],
    });
    await f.bus.run(30_000);
    const key = f.root.mleKey(1);
    assert.ok(key && key.some((b) => b !== 0), 'a key is installed before the wipe');
    f.root.wipe();
    assert.ok(
      key.every((b) => b === 0),
      'the key buffer was zero-filled',
    );
    assert.deepEqual(f.root.keyInfo(), [], 'no key left');
    assert.ok(
      f.events.some((e) => e.kind === 'wiped'),
      'a wiped event was published',
    );
    const sentAt = f.bus.log.length;
    const c = f.meter(METER_C);
    c.sendRaw(
      udp(linkLocalFromEui64(METER_C), linkLocalFromEui64(TOOL), 716, 716, pana(PANA_MESSAGE_TYPE.PCI)),
      TOOL,
      false,
    );
    f.northbound.sent.length = 0;
    f.northbound.inject(echoRequest(HEADEND_HOST, globalOf(METER_A), 1));
    await f.bus.run(20 * 60_000);
    assert.equal(
      f.bus.log.slice(sentAt).filter((t) => t.from === TOOL).length,
      0,
      'the root sent no frame after the wipe',
    );
    assert.equal(f.northbound.sent.length, 0, 'nothing was relayed northbound');
    assert.ok(f.root.counters().drops.wiped >= 2, 'input after the wipe is counted');
  });
});

describe('MeshRoot: topology and counters', () => {
  it('pages the topology, publishes deltas, and reports a lost node', async () => {
    const f = await joinedTwoHop();
    const p0 = f.root.topology.page(0, 1);
    assert.equal(p0.total, 2, 'two nodes');
    assert.equal(p0.nodes.length, 1, 'page of one');
    const p1 = f.root.topology.page(1, 1);
    assert.equal(p1.nodes.length, 1, 'second page of one');
    assert.ok(!addressesEqual(p0.nodes[0]!.address, p1.nodes[0]!.address), 'pages do not overlap');
    const b = [...p0.nodes, ...p1.nodes].find((n) => addressesEqual(n.address, globalOf(METER_B)));
    assert.equal(b?.hopCount, 2, 'B is two hops away');
    const added = f.events.filter((e) => e.kind === 'topology' && e.change === 'added');
    assert.equal(added.length, 2, 'one added delta per node');

    f.bus.unlink(METER_A, METER_B);
    await f.bus.run(4 * 60_000);
    const left = f.events.find((e) => e.kind === 'node-left');
    assert.ok(left && left.kind === 'node-left' && left.eui === METER_B, 'B left (its route expired)');
    assert.ok(
      f.events.some(
        (e) =>
          e.kind === 'topology' &&
          e.change === 'removed' &&
          addressesEqual(e.node.address, globalOf(METER_B)),
      ),
      'a removed delta for B',
    );
    assert.equal(f.root.topology.page(0, 10).total, 1, 'only A remains');
  });

  it('keeps a counter for every drop reason and counts them', async () => {
    const f = field({ links: [], keyed: [] });
    await f.bus.run(10);
    f.northbound.inject(Uint8Array.of(1, 2, 3));
    f.northbound.inject(echoRequest(HEADEND_HOST, parseIpv6Address('2001:db8:5::1'), 1));
    await f.bus.run(10);
    const c = f.root.counters();
    for (const r of MESH_ROOT_DROP_REASONS) assert.equal(typeof c.drops[r], 'number', `counter for ${r}`);
    assert.equal(c.drops['northbound-decode-error'], 1, 'garbage from the tunnel counted');
    assert.equal(c.drops['northbound-not-for-mesh'], 1, 'a packet for elsewhere counted');
    await f.bus.run(10_000);
    assert.ok(
      f.events.some((e) => e.kind === 'counters'),
      'a counters event was published',
    );
  });

  it('synchronises frame counters with MLE and merges the join state', async () => {
    const f = await joinedTwoHop();
    assert.ok(
      f.events.some((e) => e.kind === 'link-sync' && e.ok && e.eui === METER_A),
      'MLE synchronised with neighbour A',
    );
    assert.equal(f.root.joinState(METER_A)?.state, 'authenticated', 'A: routed and synchronised');
    assert.equal(f.root.joinState(METER_B)?.state, 'routed', 'B: routed, not a neighbour of the root');
  });
});

describe('MeshRoot: other paths', () => {
  it('routes mesh-to-mesh traffic down again through the root (non-storing P2P)', async () => {
    const f = await joinedTwoHop();
    const a = f.meter(METER_A);
    const northBefore = f.northbound.sent.length;
    a.originate(decodePacket(echoRequest(globalOf(METER_A), globalOf(METER_B), 11)));
    await f.bus.run(1_000);
    assert.ok(
      f
        .meter(METER_B)
        .delivered.some((p) => p.upper.kind === 'icmpv6' && p.upper.message.kind === 'echo-request'),
      'B got A’s echo request via the root',
    );
    assert.ok(
      a.delivered.some((p) => p.upper.kind === 'icmpv6' && p.upper.message.kind === 'echo-reply'),
      'A got B’s reply',
    );
    assert.equal(f.northbound.sent.length, northBefore, 'nothing leaked northbound');
  });

  it('routes down by next hop in storing mode (MOP 2)', async () => {
    const f = field({
      links: [
        [TOOL, METER_A],
        [METER_A, METER_B],
      ],
      keyed: [METER_A, METER_B],
      root: { mop: 2 },
    });
    await f.bus.run(60_000);
    assert.equal(f.meter(METER_B).rpl.mop, 2, 'the meters learnt storing mode from the DIO');
    assert.equal(f.root.routeCount, 2, 'routes to A and (through A) B');
    f.northbound.sent.length = 0;
    f.northbound.inject(echoRequest(HEADEND_HOST, globalOf(METER_B), 12));
    await f.bus.run(2_000);
    assert.equal(echoReplies(f).length, 1, 'B answered through A and the root');
  });

  it('re-synchronises neighbours with MLE after a key change, and reports link quality from transmit results', async () => {
    const f = await joinedTwoHop();
    const syncedBefore = f.events.filter((e) => e.kind === 'link-sync' && e.ok).length;
    const key2 = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
    f.meter(METER_A).link.installNetworkKey(2, key2, f.bus.clock.now());
    f.root.installNetworkKey(2, key2);
    f.root.activateKey(2);
    await f.bus.run(5_000);
    const synced = f.events.filter((e) => e.kind === 'link-sync' && e.ok);
    assert.ok(synced.length > syncedBefore, 'a new MLE synchronisation ran');
    assert.ok(
      synced.some((e) => e.kind === 'link-sync' && e.keyIndex === 2),
      'under the new key index',
    );
    const lq = f.events.filter((e) => e.kind === 'link-quality' && e.eui === METER_A && e.etx !== undefined);
    assert.ok(lq.length >= 1, 'link quality with an ETX was published for A');
    assert.ok(f.root.counters().transmit.sent > 0, 'transmit results counted');

    // A vanishes: unicasts to it go unacknowledged and its ETX rises.
    f.bus.unlink(TOOL, METER_A);
    for (let i = 0; i < 4; i++) f.northbound.inject(echoRequest(HEADEND_HOST, globalOf(METER_A), 20 + i));
    await f.bus.run(1_000);
    const last = f.events
      .filter((e) => e.kind === 'link-quality' && e.eui === METER_A && e.etx !== undefined)
      .at(-1);
    assert.ok(last && last.kind === 'link-quality' && (last.etx ?? 0) > 2, 'ETX rose after no-acks');
    assert.ok(f.root.counters().transmit['no-ack'] >= 1, 'no-acks counted');
  });
});
