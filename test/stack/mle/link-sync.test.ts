import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodePacket,
  encodePacket,
  parseIpv6Address,
  linkLocalFromEui64,
} from '../../../src/stack/ipv6/index.ts';
import type { MeshLink } from '../../../src/stack/mesh-link/index.ts';
import {
  deriveLinkKeys,
  encodeMleUnsecured,
  LinkSync,
  MLE_COMMAND,
  sealMle,
  type LinkSyncOutput,
  type MleDatagram,
  type MleMessage,
  type MleSend,
} from '../../../src/stack/mle/index.ts';
import { DecodeError, fromHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import {
  counterBytes,
  METER,
  NETWORK_KEY,
  NETWORK_KEY_2,
  pair,
  PROVIDERS,
  RADIO,
  readingDatagram,
  TABLET,
} from '../mesh-link/fixture.ts';

const crypto = PROVIDERS[0]!;

interface Node {
  mesh: MeshLink;
  sync: LinkSync;
}

function nodes(): { tablet: Node; meter: Node } {
  const { tablet, meter } = pair();
  const mk = (mesh: MeshLink, eui: bigint, seed: number): Node => ({
    mesh,
    sync: new LinkSync({ crypto, link: mesh, extendedAddress: eui, randomBytes: counterBytes(seed) }),
  });
  return { tablet: mk(tablet, TABLET, 0x10), meter: mk(meter, METER, 0x80) };
}

function sends(out: LinkSyncOutput[]): MleSend[] {
  return out.filter((o): o is MleSend => o.kind === 'send');
}

/**
 * Carries one MLE output over the real stack: UDP/IPv6, 6LoWPAN, an unsecured MAC frame (accepted
 * by the receiver's join-traffic policy), then into the receiver's LinkSync.
 */
function toDatagram(from: Node, to: Node, send: MleSend, now: number): MleDatagram {
  const r = from.mesh.send(now, encodePacket(LinkSync.packet(send)), send.linkDestination, { secure: false });
  assert.ok(r.ok, 'MLE frames are sent');
  let got;
  for (const p of r.psdus) got = to.mesh.receive(now, p, RADIO);
  assert.ok(got && got.kind === 'datagram', `MLE datagram accepted unsecured (${got?.kind})`);
  const packet = got.packet;
  assert.ok(packet.upper.kind === 'udp', 'UDP');
  return {
    payload: packet.upper.datagram.payload,
    ipv6Source: packet.source,
    ipv6Destination: packet.destination,
    macSource: got.link.source,
    hopLimit: packet.hopLimit,
  };
}

/** Runs the exchange until no more messages flow; returns every output of both sides. */
function converse(a: Node, b: Node, first: LinkSyncOutput[], now: number): LinkSyncOutput[] {
  const all = [...first];
  let queue: { from: Node; to: Node; send: MleSend }[] = sends(first).map((send) => ({
    from: a,
    to: b,
    send,
  }));
  for (let hops = 0; hops < 10 && queue.length > 0; hops++) {
    const next: typeof queue = [];
    for (const { from, to, send } of queue) {
      const out = to.sync.receive(now, toDatagram(from, to, send, now));
      all.push(...out);
      for (const s of sends(out)) next.push({ from: to, to: from, send: s });
    }
    queue = next;
  }
  assert.equal(queue.length, 0, 'the exchange ends');
  return all;
}

function dropReason(out: LinkSyncOutput[]): string | undefined {
  const d = out.find((o) => o.kind === 'dropped');
  return d && d.kind === 'dropped' ? d.reason : undefined;
}

test('Link Request / Accept And Request / Accept establishes counters both ways', () => {
  const { tablet, meter } = nodes();
  // The tablet sent five frames the meter never heard (out of range); an attacker recorded them.
  const captured: Uint8Array[][] = [];
  for (let i = 0; i < 5; i++) {
    const r = tablet.mesh.send(0, readingDatagram(), METER);
    assert.ok(r.ok, 'sent');
    captured.push(r.psdus);
  }
  const out = converse(meter, tablet, meter.sync.requestLink(100, TABLET), 100);
  const commands = sends(out).map((s) => s.command);
  assert.deepEqual(
    commands,
    [MLE_COMMAND.LINK_REQUEST, MLE_COMMAND.LINK_ACCEPT_AND_REQUEST, MLE_COMMAND.LINK_ACCEPT],
    'three-message exchange',
  );
  const synced = out.filter((o) => o.kind === 'synchronised');
  assert.equal(synced.length, 2, 'both sides synchronised');
  assert.equal(meter.mesh.neighbourFrameCounter(TABLET, 1), 5, 'meter knows the tablet’s counter');
  assert.equal(
    tablet.mesh.neighbourFrameCounter(METER, 1),
    meter.mesh.outgoingFrameCounter(1),
    'tablet knows the meter’s counter',
  );
  assert.ok(meter.sync.isSynchronised(TABLET, 1), 'meter marks the link synchronised');
  assert.ok(tablet.sync.isSynchronised(METER, 1), 'tablet marks the link synchronised');
  // Without MLE the meter would accept the recorded frames (first contact); now they are replays.
  const replay = meter.mesh.receive(200, captured[2]![0]!, RADIO);
  assert.equal(
    replay.kind === 'dropped' && replay.reason,
    'replay',
    'a frame older than the synchronised counter',
  );
  const fresh = tablet.mesh.send(200, readingDatagram(), METER);
  assert.ok(fresh.ok, 'sent');
  assert.equal(meter.mesh.receive(200, fresh.psdus[0]!, RADIO).kind, 'datagram', 'newer counter accepted');
  // A second synchronisation needs only Request and Accept: the tablet knows the meter already.
  const again = converse(meter, tablet, meter.sync.requestLink(300, TABLET), 300);
  assert.deepEqual(
    sends(again).map((s) => s.command),
    [MLE_COMMAND.LINK_REQUEST, MLE_COMMAND.LINK_ACCEPT],
  );
});

test('the counter in a Link Request may only raise the recorded value', () => {
  const { tablet, meter } = nodes();
  tablet.mesh.setNeighbourFrameCounter(METER, 1, 1000);
  const [req] = sends(meter.sync.requestLink(0, TABLET));
  tablet.sync.receive(0, toDatagram(meter, tablet, req!, 0));
  assert.equal(tablet.mesh.neighbourFrameCounter(METER, 1), 1000, 'not lowered by an unproven value');
});

test('a Link Accept with a wrong response is refused; the genuine one still counts', () => {
  const { tablet, meter } = nodes();
  const [req] = sends(meter.sync.requestLink(0, TABLET));
  const answer = sends(tablet.sync.receive(0, toDatagram(meter, tablet, req!, 0)))[0]!;
  // An insider holding the MLE key forges an answer with another response.
  const { mleKey } = deriveLinkKeys(crypto, NETWORK_KEY);
  const forged: MleMessage = {
    command: MLE_COMMAND.LINK_ACCEPT,
    tlvs: [
      { kind: 'response', response: fromHex('0000000000000000') },
      { kind: 'link-layer-frame-counter', counter: 0xfffffff0 },
    ],
  };
  const bytes = sealMle(
    crypto,
    forged,
    { securityLevel: 5, keyIdMode: 2, keySource: fromHex('00000001'), keyIndex: 1, frameCounter: 500 },
    {
      key: mleKey,
      sourceExtendedAddress: TABLET,
      ipv6Source: linkLocalFromEui64(TABLET),
      ipv6Destination: linkLocalFromEui64(METER),
    },
  );
  const out = meter.sync.receive(0, {
    payload: bytes,
    ipv6Source: linkLocalFromEui64(TABLET),
    ipv6Destination: linkLocalFromEui64(METER),
    macSource: TABLET,
    hopLimit: 255,
  });
  assert.equal(dropReason(out), 'bad-response');
  assert.equal(meter.mesh.neighbourFrameCounter(TABLET, 1), undefined, 'nothing recorded');
  assert.notEqual(meter.sync.nextDeadline(), undefined, 'the challenge is still outstanding');
  void answer;
});

test('a Link Accept with a wrong response leaves the challenge outstanding', () => {
  const { tablet, meter } = nodes();
  const [req] = sends(meter.sync.requestLink(0, TABLET));
  const answer = sends(tablet.sync.receive(0, toDatagram(meter, tablet, req!, 0)))[0]!;
  // A stale answer (to a replaced challenge) arrives first: refused, then the right one counts.
  const [req2] = sends(meter.sync.requestLink(10, TABLET));
  assert.equal(dropReason(meter.sync.receive(10, toDatagram(tablet, meter, answer, 10))), 'bad-response');
  const answer2 = sends(tablet.sync.receive(10, toDatagram(meter, tablet, req2!, 10)))[0]!;
  const ok = meter.sync.receive(10, toDatagram(tablet, meter, answer2, 10));
  assert.ok(
    ok.some((o) => o.kind === 'synchronised'),
    'the answer to the current challenge is accepted',
  );
});

test('a replayed MLE message is refused', () => {
  const { tablet, meter } = nodes();
  const [req] = sends(meter.sync.requestLink(0, TABLET));
  const d = toDatagram(meter, tablet, req!, 0);
  assert.equal(sends(tablet.sync.receive(0, d)).length, 1, 'first copy answered');
  const again = tablet.sync.receive(1, d);
  assert.equal(dropReason(again), 'replay');
  assert.equal(sends(again).length, 0, 'no answer to a replay');
  assert.equal(tablet.sync.counters.replay, 1, 'counted');
});

test('Link Request retransmission is bounded and the challenge expires', () => {
  const { tablet, meter } = nodes();
  const first = sends(meter.sync.requestLink(0, TABLET));
  assert.equal(first.length, 1, 'first Link Request');
  const times: number[] = [];
  const events: LinkSyncOutput[] = [];
  for (let i = 0; i < 10; i++) {
    const at = meter.sync.nextDeadline();
    if (at === undefined) break;
    times.push(at);
    events.push(...meter.sync.poll(at));
  }
  assert.deepEqual(times, [1000, 3000, 7000], 'waits of 1 s, 2 s, 4 s');
  assert.equal(sends(events).length, 2, 'two retransmissions: three attempts in all');
  assert.ok(
    events.some((e) => e.kind === 'sync-failed' && e.reason === 'no-response'),
    'failure reported after the last attempt',
  );
  // The tablet answers the first request only now: too late.
  const late = sends(tablet.sync.receive(7000, toDatagram(meter, tablet, first[0]!, 7000)))[0]!;
  assert.equal(
    dropReason(meter.sync.receive(7001, toDatagram(tablet, meter, late, 7001))),
    'unexpected-response',
  );
});

test('a response after the last wait is refused even before poll() runs', () => {
  const { tablet, meter } = nodes();
  const sync = new LinkSync({ crypto, link: meter.mesh, extendedAddress: METER, maxAttempts: 1 });
  const [req] = sends(sync.requestLink(0, TABLET));
  const answer = sends(tablet.sync.receive(0, toDatagram(meter, tablet, req!, 0)))[0]!;
  const out = sync.receive(1000, toDatagram(tablet, meter, answer, 1000));
  assert.equal(dropReason(out), 'unexpected-response');
});

test('unsecured, off-link and mismatched MLE messages are refused', () => {
  const { tablet, meter } = nodes();
  const base = {
    ipv6Source: linkLocalFromEui64(TABLET),
    ipv6Destination: linkLocalFromEui64(METER),
    macSource: TABLET,
    hopLimit: 255,
  };
  const plain = encodeMleUnsecured({
    command: MLE_COMMAND.LINK_ACCEPT,
    tlvs: [{ kind: 'link-layer-frame-counter', counter: 0 }],
  });
  assert.equal(dropReason(meter.sync.receive(0, { ...base, payload: plain })), 'unsecured');
  const [req] = sends(tablet.sync.requestLink(0, METER));
  const d = toDatagram(tablet, meter, req!, 0);
  assert.equal(dropReason(meter.sync.receive(0, { ...d, hopLimit: 64 })), 'not-link-local');
  assert.equal(
    dropReason(meter.sync.receive(0, { ...d, ipv6Source: parseIpv6Address('2001:db8::1') })),
    'not-link-local',
  );
  // The nonce depends on the MAC source: another MAC source cannot authenticate.
  assert.equal(dropReason(meter.sync.receive(0, { ...d, macSource: 0x77n })), 'mic-failure');
  assert.equal(
    dropReason(meter.sync.receive(0, { ...d, payload: d.payload.subarray(0, 3) })),
    'decode-error',
  );
  const { mleKey } = deriveLinkKeys(crypto, NETWORK_KEY);
  const lying = sealMle(
    crypto,
    {
      command: MLE_COMMAND.LINK_REQUEST,
      tlvs: [
        { kind: 'source-address', address: fromHex('00124b0000000099') },
        { kind: 'challenge', challenge: fromHex('0102030405060708') },
      ],
    },
    { securityLevel: 5, keyIdMode: 2, keySource: fromHex('00000001'), keyIndex: 1, frameCounter: 9 },
    {
      key: mleKey,
      sourceExtendedAddress: TABLET,
      ipv6Source: base.ipv6Source,
      ipv6Destination: base.ipv6Destination,
    },
  );
  assert.equal(dropReason(meter.sync.receive(0, { ...base, payload: lying })), 'source-mismatch');
});

test('a Link Reject ends the synchronisation', () => {
  const { tablet, meter } = nodes();
  sends(meter.sync.requestLink(0, TABLET));
  const { mleKey } = deriveLinkKeys(crypto, NETWORK_KEY);
  const reject = sealMle(
    crypto,
    { command: MLE_COMMAND.LINK_REJECT, tlvs: [] },
    { securityLevel: 5, keyIdMode: 2, keySource: fromHex('00000001'), keyIndex: 1, frameCounter: 0 },
    {
      key: mleKey,
      sourceExtendedAddress: TABLET,
      ipv6Source: linkLocalFromEui64(TABLET),
      ipv6Destination: linkLocalFromEui64(METER),
    },
  );
  const out = meter.sync.receive(0, {
    payload: reject,
    ipv6Source: linkLocalFromEui64(TABLET),
    ipv6Destination: linkLocalFromEui64(METER),
    macSource: TABLET,
  });
  assert.ok(
    out.some((o) => o.kind === 'sync-failed' && o.reason === 'rejected'),
    'rejected',
  );
  assert.equal(meter.sync.nextDeadline(), undefined, 'no retransmission after a reject');
  void tablet;
});

test('after a key change the exchange records counters under the new key index', () => {
  const { tablet, meter } = nodes();
  for (const n of [tablet, meter]) {
    n.mesh.installNetworkKey(2, NETWORK_KEY_2, 50);
    n.mesh.activate(2, 50);
  }
  const out = converse(meter, tablet, meter.sync.requestLink(60, TABLET), 60);
  assert.ok(
    out.some((o) => o.kind === 'synchronised' && o.keyIndex === 2),
    'synchronised under key 2',
  );
  assert.equal(meter.mesh.neighbourFrameCounter(TABLET, 2), 0, 'tablet’s key-2 counter recorded');
  assert.ok(tablet.mesh.neighbourFrameCounter(METER, 2) !== undefined, 'meter’s key-2 counter recorded');
});

test('no key: Link Request cannot be sent', () => {
  const { meter } = nodes();
  meter.mesh.wipeKeys();
  const out = meter.sync.requestLink(0, TABLET);
  assert.deepEqual(out, [{ kind: 'sync-failed', neighbour: TABLET, reason: 'no-key' }]);
});

test('outstanding challenges are bounded', () => {
  const { meter } = nodes();
  const sync = new LinkSync({ crypto, link: meter.mesh, extendedAddress: METER, maxNeighbours: 2 });
  sync.requestLink(0, 0x1n);
  sync.requestLink(0, 0x2n);
  const out = sync.requestLink(0, 0x3n);
  assert.ok(
    out.some((o) => o.kind === 'sync-failed' && o.neighbour === 0x1n && o.reason === 'evicted'),
    'the oldest outstanding challenge is given up',
  );
});

test('fuzz: LinkSync.receive never throws on mutated MLE datagrams', () => {
  const { tablet, meter } = nodes();
  const samples = sends(converse(meter, tablet, meter.sync.requestLink(0, TABLET), 0)).map((s) => s.payload);
  const victim = new LinkSync({ crypto, link: tablet.mesh, extendedAddress: TABLET });
  fuzzDecoder(
    (payload) => {
      try {
        victim.receive(0, {
          payload,
          ipv6Source: linkLocalFromEui64(METER),
          ipv6Destination: linkLocalFromEui64(TABLET),
          macSource: METER,
        });
      } catch (e) {
        throw e instanceof DecodeError ? new Error(`receive threw DecodeError: ${e.message}`) : e;
      }
    },
    samples,
    { runs: 3000, maxLength: 120 },
  );
  assert.ok(victim.counters.received === 3000, 'every datagram processed');
  void decodePacket;
});

test('after the MAC table forgets a neighbour, a Link Request gets a challenge again', () => {
  const { tablet, meter } = nodes();
  converse(meter, tablet, meter.sync.requestLink(0, TABLET), 0);
  assert.ok(tablet.sync.isSynchronised(METER, 1), 'synchronised');
  tablet.mesh.installNetworkKey(1, NETWORK_KEY, 10); // same index reinstalled: MAC counters forgotten
  tablet.sync.forgetKey(1);
  meter.mesh.installNetworkKey(1, NETWORK_KEY, 10);
  meter.sync.forgetKey(1);
  assert.equal(tablet.sync.isSynchronised(METER, 1), false, 'no longer synchronised');
  const again = converse(meter, tablet, meter.sync.requestLink(20, TABLET), 20);
  assert.deepEqual(
    sends(again).map((s) => s.command),
    [MLE_COMMAND.LINK_REQUEST, MLE_COMMAND.LINK_ACCEPT_AND_REQUEST, MLE_COMMAND.LINK_ACCEPT],
    'full three-message exchange',
  );
});
