// PaC ↔ (PRE) ↔ PAA on virtual time with an in-test message pump (harness.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsProvider, createNodeProvider } from '../../../src/stack/crypto/index.ts';
import {
  decodePanaMessage,
  encodePanaMessage,
  PANA_FLAG,
  PANA_MESSAGE_TYPE,
  panaMessageName,
  PanaRelay,
} from '../../../src/stack/pana/index.ts';
import type { PanaDatagram, PanaEndpoint } from '../../../src/stack/pana/index.ts';
import { toHex } from '../../../src/stack/wire/index.ts';
import { addr, Net, pacOptions, paaOptions, panaEndpoint } from './harness.ts';
import type { KeyServerSetup } from './harness.ts';

const PROVIDERS = [createNodeProvider(), createJsProvider()];
const crypto = PROVIDERS[0]!;
const MINUTE = 60_000;

const PAA_AT = panaEndpoint(addr(1, false));
const psk = (n: number): Uint8Array => new Uint8Array(16).fill(n);

function setup(): KeyServerSetup {
  return {
    psks: new Map([
      ['meter-1', psk(1)],
      ['meter-2', psk(2)],
      ['meter-3', psk(3)],
    ]),
    keys: { current: { key: new Uint8Array(16).fill(0xa1), index: 1 } },
  };
}

const of = <T extends { type: string }, K extends T['type']>(
  events: T[],
  type: K,
): Extract<T, { type: K }>[] => events.filter((e): e is Extract<T, { type: K }> => e.type === type);

const isOpen = (pac: { state: string }) => () => pac.state === 'open';

function messageName(bytes: Uint8Array): string {
  try {
    const m = decodePanaMessage(bytes);
    if (m.type === PANA_MESSAGE_TYPE.RELAY) {
      const inner = m.avps.find((a) => a.kind === 'relayed-message');
      return inner?.kind === 'relayed-message' ? `PRY(${panaMessageName(inner.message)})` : 'PRY';
    }
    return (
      panaMessageName(m) +
      (m.flags & PANA_FLAG.COMPLETE ? '-C' : '') +
      (m.flags & PANA_FLAG.START ? '-S' : '')
    );
  } catch {
    return 'garbage';
  }
}

for (const c of PROVIDERS) {
  test(`PaC and PAA authenticate directly with EAP-PSK and agree on the keys (${c.backend})`, () => {
    const net = new Net();
    const ks = setup();
    const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(c, ks));
    const pacAt = panaEndpoint(addr(0x10));
    const { pac, events } = net.addPac(pacAt, pacOptions(c, PAA_AT, 'meter-1', psk(1)));
    net.apply(pacAt, pac.start(0));
    assert.ok(net.run(10 * MINUTE, isOpen(pac)), `PaC open (state ${pac.state})`);
    net.run(net.now + MINUTE);

    const auth = of(events, 'authenticated');
    assert.equal(auth.length, 1, 'one authenticated event at the PaC');
    assert.equal(auth[0]!.keyIndex, 1);
    assert.equal(auth[0]!.sessionLifetime, 3600);
    const keys = of(events, 'network-key');
    assert.deepEqual(keys, [
      { type: 'network-key', key: ks.keys.current.key, keyIndex: 1, activation: 'now' },
    ]);
    assert.equal(pac.keyIndex, 1);

    const paaAuth = of(paaEvents, 'authenticated');
    assert.equal(paaAuth.length, 1, 'one authenticated event at the PAA');
    assert.equal(new TextDecoder().decode(paaAuth[0]!.peerId), 'meter-1');
    assert.equal(toHex(paaAuth[0]!.pacAddress.address), toHex(pacAt.address));
    assert.deepEqual(of(paaEvents, 'key-delivered'), [
      { type: 'key-delivered', sessionId: paaAuth[0]!.sessionId, keyIndex: 1 },
    ]);
    const mine = pac.exportKeys()!;
    const theirs = paa.exportSessionKeys(paaAuth[0]!.sessionId)!;
    assert.equal(toHex(mine.msk), toHex(theirs.msk), 'same MSK');
    assert.equal(toHex(mine.authKey), toHex(theirs.authKey), 'same PANA_AUTH_KEY');
    // The exchange as RFC 5191 §4.1 draws it.
    const flow = net.log.map((l) => messageName(l.datagram.bytes));
    assert.deepEqual(flow, ['PCI', 'PAR-S', 'PAN-S', 'PAR', 'PAN', 'PAR', 'PAN', 'PAR-C', 'PAN-C']);
    assert.equal(pac.drops.size + paa.drops.size, 0, 'nothing dropped on a clean run');
  });
}

test('PaC behind one relay, and a meter behind a meter (two relays), authenticate in PRY', () => {
  const net = new Net();
  const ks = setup();
  const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, ks));
  const toolRelayAt = panaEndpoint(addr(0x01));
  const toolRelay = net.addRelay(toolRelayAt, PAA_AT);
  // Meter 1 next to the tool.
  const m1At = panaEndpoint(addr(0x10));
  const m1 = net.addPac(m1At, pacOptions(crypto, toolRelayAt, 'meter-1', psk(1)));
  net.apply(m1At, m1.pac.start(0));
  assert.ok(net.run(10 * MINUTE, isOpen(m1.pac)), 'meter 1 authenticated through the tool');
  // Meter 1 now relays for meter 2, which cannot hear the tool (its PRE runs on meter 1's node;
  // a distinct endpoint stands for it here, the node's demultiplexer is the edge's job).
  const m1RelayAt = panaEndpoint(addr(0x11));
  const m1Relay = net.addRelay(m1RelayAt, PAA_AT);
  const m2At = panaEndpoint(addr(0x20));
  const m2 = net.addPac(m2At, pacOptions(crypto, m1RelayAt, 'meter-2', psk(2)));
  net.apply(m2At, m2.pac.start(net.now));
  assert.ok(net.run(net.now + 10 * MINUTE, isOpen(m2.pac)), 'meter 2 authenticated through meter 1');
  net.run(net.now + MINUTE);

  assert.equal(of(paaEvents, 'authenticated').length, 2, 'two sessions authenticated');
  const views = paa.sessions();
  const v2 = views.find((v) => toHex(v.pac.address) === toHex(m2At.address))!;
  assert.equal(toHex(v2.relay!.address), toHex(m1RelayAt.address), 'meter 2 session remembers its relay');
  const v1 = views.find((v) => toHex(v.pac.address) === toHex(m1At.address))!;
  assert.equal(
    toHex(v1.relay!.address),
    toHex(toolRelayAt.address),
    'meter 1 session remembers the tool relay',
  );
  assert.equal(toHex(m2.pac.exportKeys()!.authKey), toHex(paa.exportSessionKeys(v2.sessionId)!.authKey));
  assert.equal(m2.pac.keyIndex, 1, 'meter 2 holds the network key');
  // Everything the PAA sent went in a PRY to a relay.
  const fromPaa = net.log.filter((l) => toHex(l.from.address) === toHex(PAA_AT.address));
  assert.ok(
    fromPaa.length > 0 && fromPaa.every((l) => messageName(l.datagram.bytes).startsWith('PRY(')),
    'PAA answers in PRY',
  );
  assert.equal(toolRelay.drops.size + m1Relay.drops.size, 0, 'relays dropped nothing');

  // The relays hold no key material: the only bytes they keep are the PAA address.
  for (const relay of [toolRelay, m1Relay]) {
    const found: Uint8Array[] = [];
    const walk = (v: unknown, depth: number): void => {
      if (depth > 6 || v === null || typeof v !== 'object') return;
      if (v instanceof Uint8Array) return void found.push(v);
      if (v instanceof Map) return void [...v.values()].forEach((x) => walk(x, depth + 1));
      for (const x of Object.values(v)) walk(x, depth + 1);
    };
    walk(relay, 0);
    assert.deepEqual(
      found.map((b) => toHex(b)),
      [toHex(PAA_AT.address)],
      'relay state holds nothing but the PAA address',
    );
  }
});

test('wrong PSK: PAA rejects, PaC fails, no network key; a lost PAN-C is answered again from the cache', () => {
  const net = new Net();
  const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup()));
  const at = panaEndpoint(addr(0x10));
  const { pac, events } = net.addPac(at, pacOptions(crypto, PAA_AT, 'meter-1', psk(9)));
  let panCLost = false;
  net.tamper = (_f, d) => {
    if (panCLost || messageName(d.bytes) !== 'PAN-C') return d.bytes;
    panCLost = true;
    return undefined;
  };
  net.apply(at, pac.start(0));
  net.run(10 * MINUTE, () => pac.state === 'closed');
  assert.ok(
    net.run(net.now + MINUTE, () => paa.sessions().length === 0),
    'PAA session gone after the re-sent PAN-C',
  );
  assert.ok(panCLost, 'the first PAN-C was lost');
  assert.deepEqual(
    of(events, 'failed').map((e) => e.reason),
    ['authentication rejected (server sent EAP Failure)'],
  );
  assert.equal(of(events, 'network-key').length, 0, 'no key');
  assert.equal(pac.exportKeys(), undefined, 'no SA');
  const rejected = of(paaEvents, 'rejected');
  assert.equal(rejected.length, 1, 'one rejection');
  assert.equal(rejected[0]!.reason, 'MAC_P does not verify');
  assert.equal(new TextDecoder().decode(rejected[0]!.peerId), 'meter-1');
  assert.equal(of(paaEvents, 'authenticated').length, 0, 'not authenticated');
});

test('unknown peer id is rejected', () => {
  const net = new Net();
  const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup()));
  const at = panaEndpoint(addr(0x10));
  const { pac, events } = net.addPac(at, pacOptions(crypto, PAA_AT, 'stranger', psk(1)));
  net.apply(at, pac.start(0));
  net.run(10 * MINUTE, () => pac.state === 'closed');
  net.run(net.now + MINUTE);
  assert.equal(of(paaEvents, 'rejected')[0]?.reason, 'unknown peer');
  assert.equal(of(events, 'failed').length, 1, 'PaC failed');
  assert.equal(paa.sessions().length, 0, 'the rejected session is gone after PAN-C');
});

/** Flips one bit of the first PAR-C (at byte `at` from the end) delivered to `to`. */
function tamperFirstParC(net: Net, to: PanaEndpoint, fromEnd: number): { done: boolean } {
  const state = { done: false };
  net.tamper = (_from, d: PanaDatagram) => {
    if (state.done || toHex(d.to.address) !== toHex(to.address)) return d.bytes;
    const m = decodePanaMessage(d.bytes);
    if (m.type !== PANA_MESSAGE_TYPE.AUTH || !(m.flags & PANA_FLAG.COMPLETE)) return d.bytes;
    state.done = true;
    const b = d.bytes.slice();
    b[b.length - fromEnd] = b[b.length - fromEnd]! ^ 0x01;
    return b;
  };
  return state;
}

for (const [what, fromEnd] of [
  ['AUTH value', 1],
  ['Encr-Encap (key wrap)', 16 + 8 + 10],
] as const) {
  test(`forged PAR-C (bit flipped in the ${what}) is dropped; no key until the genuine one`, () => {
    const net = new Net();
    net.addPaa(PAA_AT, paaOptions(crypto, setup()));
    const at = panaEndpoint(addr(0x10));
    const { pac, events } = net.addPac(at, pacOptions(crypto, PAA_AT, 'meter-1', psk(1)));
    const t = tamperFirstParC(net, at, fromEnd);
    net.apply(at, pac.start(0));
    net.run(10 * MINUTE, () => t.done);
    net.run(net.now + 500); // the forged PAR-C is delivered
    assert.ok(t.done, 'a PAR-C was forged');
    assert.equal(pac.drops.get('AUTH does not verify'), 1, 'forged PAR-C dropped for its AUTH');
    assert.equal(of(events, 'network-key').length, 0, 'no key from a forged PAR-C');
    assert.equal(pac.state, 'authenticating', 'still authenticating');
    assert.ok(!net.log.some((l) => messageName(l.datagram.bytes) === 'PAN-C'), 'no PAN-C sent');
    // The PAA retransmits the genuine PAR-C.
    assert.ok(net.run(net.now + 10 * MINUTE, isOpen(pac)), 'genuine retransmission completes');
    assert.equal(of(events, 'network-key').length, 1, 'exactly one key, the genuine one');
  });
}

test('30 % loss on the radio hop: authentication through a relay still completes thanks to retransmissions', () => {
  for (const seed of ['loss-a', 'loss-b', 'loss-c', 'loss-d']) {
    // The radio hop (PaC ↔ relay) loses 30 % of the messages; the relay ↔ PAA leg is the VPN.
    const radio = (a: PanaEndpoint, b: PanaEndpoint): boolean =>
      toHex(a.address) !== toHex(PAA_AT.address) && toHex(b.address) !== toHex(PAA_AT.address);
    const net = new Net({ loss: 0.3, seed, lossy: radio });
    const { events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup()));
    const relayAt = panaEndpoint(addr(0x01));
    net.addRelay(relayAt, PAA_AT);
    const at = panaEndpoint(addr(0x10));
    const { pac } = net.addPac(
      at,
      pacOptions(crypto, relayAt, 'meter-1', psk(1), { authenticationTimeout: 30 * MINUTE }),
    );
    net.apply(at, pac.start(0));
    assert.ok(net.run(30 * MINUTE, isOpen(pac)), `seed ${seed}: PaC open (${pac.state}) after ${net.now} ms`);
    net.run(net.now + 10 * MINUTE, () => of(paaEvents, 'authenticated').length === 1);
    assert.equal(of(paaEvents, 'authenticated').length, 1, `seed ${seed}: PAA saw PAN-C`);
    assert.ok(net.lost > 0, `seed ${seed}: some messages were lost (${net.lost})`);
  }
});

test('REQ_MRC exceeded: an unanswered PNR-P fails the PaC; an unanswered PAR rejects at the PAA', () => {
  const net = new Net();
  const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup()));
  const at = panaEndpoint(addr(0x10));
  const { pac, events } = net.addPac(at, pacOptions(crypto, PAA_AT, 'meter-1', psk(1)));
  net.apply(at, pac.start(0));
  assert.ok(net.run(10 * MINUTE, isOpen(pac)), 'open');
  net.run(net.now + MINUTE);
  // The PAA disappears; the PaC pings.
  net.tamper = () => undefined;
  net.apply(at, pac.ping(net.now));
  net.run(net.now + 30 * MINUTE, () => pac.state === 'closed');
  assert.deepEqual(
    of(events, 'failed').map((e) => e.reason),
    ['no answer to PNR-P'],
  );
  const pnrs = net.log.filter((l) => messageName(l.datagram.bytes) === 'PNR');
  assert.equal(pnrs.length, 11, 'PNR-P sent once and retransmitted REQ_MRC (10) times');
  assert.equal(paa.sessions().length, 1, 'the PAA session is untouched');

  // A PaC that vanishes after PCI: the PAA gives up on PAR-S.
  net.tamper = (_f, d) => (toHex(d.to.address) === toHex(PAA_AT.address) ? d.bytes : undefined);
  const at2 = panaEndpoint(addr(0x20));
  const p2 = net.addPac(at2, pacOptions(crypto, PAA_AT, 'meter-2', psk(2)));
  net.apply(at2, p2.pac.start(net.now));
  net.run(net.now + 30 * MINUTE, () => of(paaEvents, 'rejected').length > 0);
  assert.equal(of(paaEvents, 'rejected')[0]?.reason, 'no answer to par-s');
});

test('every PAN-C lost: the PAA answers no PNR-P for the session it never opened, so the PaC learns it', () => {
  // town-200 seed 7: a meter opened (key held) while the PAA, its PAR-C unanswered, failed the
  // session. The PaC's ping must not be answered by a PAA that holds the session half-open.
  const net = new Net();
  const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup()));
  const at = panaEndpoint(addr(0x10));
  const { pac, events } = net.addPac(at, pacOptions(crypto, PAA_AT, 'meter-1', psk(1)));
  net.tamper = (_f, d) => (messageName(d.bytes) === 'PAN-C' ? undefined : d.bytes);
  net.apply(at, pac.start(0));
  assert.ok(net.run(10 * MINUTE, isOpen(pac)), 'the PaC opened on the PAR-C');
  assert.equal(of(events, 'network-key').length, 1, 'and holds the network key');
  net.apply(at, pac.ping(net.now));
  assert.ok(pac.requestOutstanding, 'the ping awaits its answer');
  net.run(net.now + 30 * MINUTE, () => pac.state === 'closed');
  assert.deepEqual(
    of(events, 'failed').map((e) => e.reason),
    ['no answer to PNR-P'],
  );
  assert.equal(net.log.filter((l) => messageName(l.datagram.bytes) === 'PNA').length, 0, 'no PNA');
  assert.equal(of(paaEvents, 'authenticated').length, 0, 'the PAA never opened the session');
  assert.equal(of(paaEvents, 'rejected')[0]?.reason, 'no answer to par-c');
  assert.equal(paa.sessions().length, 0, 'and holds none');
});

test('rekey via PNR reaches every session: announced as next, then activated', () => {
  const net = new Net();
  const ks = setup();
  const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, ks));
  const pacs = [1, 2, 3].map((n) => {
    const at = panaEndpoint(addr(0x10 + n));
    const p = net.addPac(at, pacOptions(crypto, PAA_AT, `meter-${n}`, psk(n)));
    net.apply(at, p.pac.start(n * 100));
    return p;
  });
  assert.ok(
    net.run(10 * MINUTE, () => pacs.every((p) => p.pac.state === 'open')),
    'all open',
  );
  net.run(net.now + MINUTE);
  const key2 = { key: new Uint8Array(16).fill(0xb2), index: 2 };
  ks.keys = { current: ks.keys.current, next: key2 };
  net.apply(PAA_AT, paa.rekeyAll(net.now));
  net.run(net.now + MINUTE);
  for (const p of pacs) {
    assert.deepEqual(of(p.events, 'network-key').at(-1), {
      type: 'network-key',
      key: key2.key,
      keyIndex: 2,
      activation: 'next',
    });
    assert.equal(p.pac.keyIndex, 1, 'still on key 1 until activation');
  }
  assert.equal(
    of(paaEvents, 'key-delivered').filter((e) => e.keyIndex === 2).length,
    3,
    'PNA from every PaC',
  );
  // The key server activates key 2 and pushes again.
  ks.keys = { current: key2 };
  net.apply(PAA_AT, paa.rekeyAll(net.now));
  net.run(net.now + MINUTE);
  for (const p of pacs) {
    assert.deepEqual(of(p.events, 'network-key').at(-1), {
      type: 'network-key',
      key: key2.key,
      keyIndex: 2,
      activation: 'now',
    });
    assert.equal(p.pac.keyIndex, 2, 'switched to key 2');
  }
});

test('administrative termination by the PAA ends the PaC session; logout by the PaC ends the PAA one', () => {
  const net = new Net();
  const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup()));
  const a1 = panaEndpoint(addr(0x10));
  const a2 = panaEndpoint(addr(0x20));
  const p1 = net.addPac(a1, pacOptions(crypto, PAA_AT, 'meter-1', psk(1)));
  const p2 = net.addPac(a2, pacOptions(crypto, PAA_AT, 'meter-2', psk(2)));
  net.apply(a1, p1.pac.start(0));
  net.apply(a2, p2.pac.start(0));
  assert.ok(
    net.run(10 * MINUTE, () => p1.pac.state === 'open' && p2.pac.state === 'open'),
    'both open',
  );
  net.run(net.now + MINUTE);
  const s1 = paa.sessions().find((s) => toHex(s.pac.address) === toHex(a1.address))!;
  net.apply(PAA_AT, paa.terminate(net.now, s1.sessionId));
  // A second terminate while the PTR is in flight sends nothing (its PTA would be orphaned).
  assert.equal(paa.terminate(net.now, s1.sessionId).send.length, 0, 'terminate is idempotent while closing');
  net.run(net.now + MINUTE);
  assert.deepEqual(of(p1.events, 'terminated'), [{ type: 'terminated', reason: 'administrative' }]);
  assert.equal(p1.pac.exportKeys(), undefined, 'PaC wiped its SA');
  assert.equal(p1.pac.keyIndex, undefined, 'PaC dropped the network key');
  assert.deepEqual(
    of(paaEvents, 'terminated').map((e) => [e.sessionId, e.reason]),
    [[s1.sessionId, 'administrative']],
  );
  net.apply(a2, p2.pac.terminate(net.now));
  net.run(net.now + MINUTE);
  assert.equal(of(p2.events, 'terminated')[0]?.reason, 'logout');
  assert.equal(of(paaEvents, 'terminated').at(-1)?.reason, 'logout');
  assert.equal(paa.sessions().length, 0, 'no sessions left');
});

test('re-authentication before Session-Lifetime ends keeps the session with a new key', () => {
  const net = new Net();
  const { paa, events: paaEvents } = net.addPaa(
    PAA_AT,
    paaOptions(crypto, setup(), { sessionLifetime: 600 }),
  );
  const at = panaEndpoint(addr(0x10));
  const { pac, events } = net.addPac(at, pacOptions(crypto, PAA_AT, 'meter-1', psk(1)));
  net.apply(at, pac.start(0));
  assert.ok(net.run(10 * MINUTE, isOpen(pac)), 'open');
  const first = pac.exportKeys()!.authKey;
  // Three lifetimes later the session is still there, re-authenticated at 75 % each time.
  net.run(net.now + 30 * MINUTE);
  assert.equal(pac.state, 'open', 'still open');
  const reauths = of(events, 'authenticated').filter((e) => e.reauthentication);
  assert.ok(reauths.length >= 3, `re-authenticated ${reauths.length} times`);
  assert.ok(
    of(paaEvents, 'authenticated').filter((e) => e.reauthentication).length >= 3,
    'PAA saw the re-authentications',
  );
  assert.equal(of(paaEvents, 'terminated').length, 0, 'PAA never expired the session');
  assert.equal(paa.sessions().length, 1, 'one session');
  const now = pac.exportKeys()!.authKey;
  assert.notEqual(toHex(now), toHex(first), 'PANA_AUTH_KEY changed');
  assert.equal(
    toHex(now),
    toHex(paa.exportSessionKeys(paa.sessions()[0]!.sessionId)!.authKey),
    'both sides agree',
  );
  assert.ok(
    net.log.some((l) => messageName(l.datagram.bytes) === 'PNR'),
    'PNR-A sent',
  );
});

test('re-authentication survives a lost PNA-A: the protected PAR itself starts it', () => {
  const net = new Net();
  const { events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup(), { sessionLifetime: 600 }));
  const at = panaEndpoint(addr(0x10));
  const { pac, events } = net.addPac(at, pacOptions(crypto, PAA_AT, 'meter-1', psk(1)));
  net.apply(at, pac.start(0));
  assert.ok(net.run(10 * MINUTE, isOpen(pac)), 'open');
  let pnaLost = false;
  net.tamper = (_f, d) => {
    if (pnaLost || messageName(d.bytes) !== 'PNA') return d.bytes;
    pnaLost = true;
    return undefined;
  };
  net.apply(at, pac.reauthenticate(net.now));
  net.run(
    net.now + 2 * MINUTE,
    () => of(events, 'authenticated').length === 2 && of(paaEvents, 'authenticated').length === 2,
  );
  assert.ok(pnaLost, 'PNA-A was lost');
  assert.equal(of(events, 'authenticated').at(-1)?.reauthentication, true, 'PaC re-authenticated');
  assert.equal(of(paaEvents, 'authenticated').at(-1)?.reauthentication, true, 'PAA re-authenticated');
  assert.equal(pac.drops.get('PAR outside an authentication') ?? 0, 0, 'the first re-auth PAR was taken');
  const pnrs = net.log.filter(
    (l) => toHex(l.from.address) === toHex(at.address) && messageName(l.datagram.bytes) === 'PNR',
  );
  assert.equal(pnrs.length, 1, 'PNR-A was not retransmitted');
  assert.equal(pac.state, 'open');
});

test('Session-Lifetime expiry without re-authentication terminates both ends', () => {
  const net = new Net();
  const { events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup(), { sessionLifetime: 600 }));
  const at = panaEndpoint(addr(0x10));
  const { pac, events } = net.addPac(
    at,
    pacOptions(crypto, PAA_AT, 'meter-1', psk(1), { reauthenticateAt: 2 }),
  );
  net.apply(at, pac.start(0));
  assert.ok(net.run(10 * MINUTE, isOpen(pac)), 'open');
  net.run(net.now + 15 * MINUTE);
  assert.equal(of(events, 'terminated')[0]?.reason, 'session lifetime expired');
  assert.equal(of(paaEvents, 'terminated')[0]?.reason, 'session lifetime expired');
});

test('duplicate request gets the cached answer; an out-of-window request is dropped', () => {
  const net = new Net();
  net.addPaa(PAA_AT, paaOptions(crypto, setup()));
  const at = panaEndpoint(addr(0x10));
  const { pac } = net.addPac(at, pacOptions(crypto, PAA_AT, 'meter-1', psk(1)));
  net.apply(at, pac.start(0));
  assert.ok(net.run(10 * MINUTE, isOpen(pac)), 'open');
  const parC = net.log.find((l) => messageName(l.datagram.bytes) === 'PAR-C')!.datagram.bytes;
  const panC = net.log.find((l) => messageName(l.datagram.bytes) === 'PAN-C')!.datagram.bytes;
  const again = pac.receive(net.now, PAA_AT, parC);
  assert.equal(again.send.length, 1, 'answered');
  assert.deepEqual(again.send[0]!.bytes, panC, 'the very same PAN-C (RFC 5191 §5.1)');
  assert.equal(again.events.length, 0, 'no second authenticated event');
  const firstPar = net.log.find((l) => messageName(l.datagram.bytes) === 'PAR')!.datagram.bytes;
  const old = pac.receive(net.now, PAA_AT, firstPar);
  assert.equal(old.send.length, 0, 'no answer');
  assert.equal(pac.drops.get('request sequence out of window'), 1);
  // From a stranger, or not PANA at all.
  assert.equal(pac.receive(net.now, panaEndpoint(addr(0x99)), parC).send.length, 0, 'stranger ignored');
  assert.equal(pac.drops.get('not from the PANA peer'), 1);
  pac.receive(net.now, PAA_AT, Uint8Array.of(0, 0, 0, 4));
  assert.equal(pac.drops.get('malformed PANA message'), 1);
});

test('relay drops PRY from anyone but the PAA, spoofed PaC-Information, nesting and garbage', () => {
  const net = new Net();
  const relayAt = panaEndpoint(addr(0x01));
  const relay = net.addRelay(relayAt, PAA_AT);
  const pci = encodePanaMessage({
    type: PANA_MESSAGE_TYPE.PCI,
    flags: 0,
    sessionId: 0,
    sequence: 0,
    avps: [],
  });
  const pacAt = panaEndpoint(addr(0x10));
  // A PaC message becomes a PRY to the PAA.
  const up = relay.handle(pacAt, pci);
  assert.ok('send' in up, 'relayed');
  if (!('send' in up)) return;
  assert.equal(toHex(up.send.to.address), toHex(PAA_AT.address), 'to the PAA');
  const pry = decodePanaMessage(up.send.bytes);
  assert.equal(pry.type, PANA_MESSAGE_TYPE.RELAY);
  const info = pry.avps.find((a) => a.kind === 'pac-information');
  assert.ok(
    info?.kind === 'pac-information' && toHex(info.address) === toHex(pacAt.address),
    'PaC-Information is the source',
  );
  // The same PRY from the PAA goes down; from anyone else it is dropped.
  const down = relay.handle(PAA_AT, up.send.bytes);
  assert.ok('send' in down && toHex(down.send.to.address) === toHex(pacAt.address), 'delivered to the PaC');
  if ('send' in down) assert.deepEqual(down.send.bytes, pci, 'inner message unchanged');
  assert.deepEqual(relay.handle(panaEndpoint(addr(0x30)), up.send.bytes), {
    dropped: 'PRY not from the PAA',
  });
  // Spoofed PaC-Information: a global address is no neighbour of a PRE.
  const spoofed = encodePanaMessage({
    type: PANA_MESSAGE_TYPE.RELAY,
    flags: 0,
    sessionId: 0,
    sequence: 0,
    avps: [
      { kind: 'pac-information', address: addr(0x77, false), port: 716 },
      { kind: 'relayed-message', bytes: pci, message: decodePanaMessage(pci) },
    ],
  });
  assert.deepEqual(relay.handle(PAA_AT, spoofed), { dropped: 'PaC-Information not acceptable' });
  // A custom neighbour predicate.
  const strict = net.addRelay(
    panaEndpoint(addr(0x02)),
    PAA_AT,
    (p) => toHex(p.address) === toHex(pacAt.address),
  );
  assert.deepEqual(strict.handle(panaEndpoint(addr(0x44)), pci), { dropped: 'PaC source not acceptable' });
  // Nesting: a PRY sent up is refused by the PAA-side decoder, and a nested PRY from the PAA too.
  const nested = encodePanaMessage({
    type: PANA_MESSAGE_TYPE.RELAY,
    flags: 0,
    sessionId: 0,
    sequence: 0,
    avps: [
      { kind: 'pac-information', address: pacAt.address, port: 716 },
      { kind: 'relayed-message', bytes: up.send.bytes, message: pry },
    ],
  });
  assert.deepEqual(relay.handle(PAA_AT, nested), { dropped: 'nested Relayed-Message' });
  assert.deepEqual(relay.handle(panaEndpoint(addr(0x11)), up.send.bytes), {
    dropped: 'PRY not from the PAA',
  });
  assert.deepEqual(relay.handle(PAA_AT, pci), { dropped: 'non-PRY message from the PAA' });
  assert.deepEqual(relay.handle(pacAt, Uint8Array.of(1, 2, 3)), { dropped: 'malformed PANA message' });
  assert.equal(relay.drops.get('PRY not from the PAA'), 2);
});

test('PCI flood from one address is rate-limited; the window reopens later', () => {
  const net = new Net();
  const { paa } = net.addPaa(
    PAA_AT,
    paaOptions(crypto, setup(), { pciRateLimit: { max: 3, windowMs: MINUTE } }),
  );
  const pci = encodePanaMessage({
    type: PANA_MESSAGE_TYPE.PCI,
    flags: 0,
    sessionId: 0,
    sequence: 0,
    avps: [],
  });
  let sent = 0;
  for (let port = 1000; port < 1020; port++)
    sent += paa.receive(0, panaEndpoint(addr(0x10), port), pci).send.length;
  assert.equal(sent, 3, 'three PAR-S');
  assert.equal(paa.sessions().length, 3, 'three sessions');
  assert.equal(paa.drops.get('PCI rate limit'), 17);
  // Another address is not affected; the same one is served again after the window.
  assert.equal(paa.receive(10, panaEndpoint(addr(0x11)), pci).send.length, 1, 'other PaC served');
  assert.equal(
    paa.receive(MINUTE + 1, panaEndpoint(addr(0x10), 2000), pci).send.length,
    1,
    'served after the window',
  );
  // A retransmitted PCI from a PaC whose PAR-S is outstanding creates nothing.
  assert.equal(
    paa.receive(MINUTE + 2, panaEndpoint(addr(0x10), 2000), pci).send.length,
    0,
    'no duplicate session',
  );
  assert.equal(paa.drops.get('PCI for a session being set up'), 1);
});

test('a PaC that starts over through another relay replaces its half-open session', () => {
  // A meter abandons a join through a relay that stalls and tries another (RFC 6345): the PAA's
  // half-open session through the first relay must not hold the new PCI off until it times out.
  const net = new Net();
  const { paa } = net.addPaa(PAA_AT, paaOptions(crypto, setup()));
  const relayA = panaEndpoint(addr(0x20, false));
  const relayB = panaEndpoint(addr(0x21, false));
  const preA = new PanaRelay({ paa: PAA_AT });
  const preB = new PanaRelay({ paa: PAA_AT });
  const pacAt = panaEndpoint(addr(0x10));
  const pci = encodePanaMessage({
    type: PANA_MESSAGE_TYPE.PCI,
    flags: 0,
    sessionId: 0,
    sequence: 0,
    avps: [],
  });
  const pryVia = (pre: PanaRelay): Uint8Array => {
    const r = pre.handle(pacAt, pci);
    assert.ok('send' in r, 'the relay wraps the PCI');
    return (r as { send: { bytes: Uint8Array } }).send.bytes;
  };
  const first = paa.receive(0, relayA, pryVia(preA));
  assert.equal(first.send.length, 1, 'PAR-S through relay A');
  // The PaC's own PCI retransmission through the same relay creates nothing new.
  assert.equal(paa.receive(4_000, relayA, pryVia(preA)).send.length, 0, 'retransmitted PCI ignored');
  assert.equal(paa.drops.get('PCI for a session being set up'), 1);
  const oldId = paa.sessions()[0]!.sessionId;
  // The PaC gives up relay A and starts over through relay B.
  const second = paa.receive(120_000, relayB, pryVia(preB));
  assert.equal(second.send.length, 1, 'PAR-S through relay B');
  assert.equal(toHex(second.send[0]!.to.address), toHex(relayB.address), 'sent to the new relay');
  const sessions = paa.sessions();
  assert.equal(sessions.length, 1, 'one session for the PaC');
  assert.notEqual(sessions[0]!.sessionId, oldId, 'the new session replaced the old one');
  const rejected = of(second.events, 'rejected');
  assert.equal(rejected.length, 1, 'the old session is reported as rejected');
  assert.equal(rejected[0]!.reason, 'PaC started over through another relay');
});

test('PAA ping: answered by a live PaC; an unreachable PaC ends its session after REQ_MRC', () => {
  const net = new Net();
  const { paa, events: paaEvents } = net.addPaa(PAA_AT, paaOptions(crypto, setup()));
  const at = panaEndpoint(addr(0x10));
  const { pac } = net.addPac(at, pacOptions(crypto, PAA_AT, 'meter-1', psk(1)));
  net.apply(at, pac.start(0));
  assert.ok(net.run(10 * MINUTE, isOpen(pac)), 'open');
  net.run(net.now + MINUTE);
  const id = paa.sessions()[0]!.sessionId;
  net.apply(PAA_AT, paa.ping(net.now, id));
  net.run(net.now + MINUTE);
  const names = net.log.slice(-2).map((l) => messageName(l.datagram.bytes));
  assert.deepEqual(names, ['PNR', 'PNA'], 'PNR-P answered by PNA-P');
  assert.equal(paa.drops.size + pac.drops.size, 0, 'nothing dropped');
  net.tamper = () => undefined;
  net.apply(PAA_AT, paa.ping(net.now, id));
  net.run(net.now + 30 * MINUTE, () => paa.sessions().length === 0);
  assert.equal(of(paaEvents, 'terminated')[0]?.reason, 'PaC unreachable (pnr-ping unanswered)');
});
