import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_RPL_NODES,
  ROUTING_TYPE_RPL_SOURCE_ROUTE,
  addressesEqual,
  parseIpv6Address,
  type Ipv6Address,
  type RplOptionData,
  type SourceRouteHeader,
} from '../../../src/stack/ipv6/index.ts';
import {
  INFINITE_RANK,
  RplNode,
  RplRoot,
  computeSourceRoute,
  forwardDecision,
  processSourceRoute,
  sourceRouteFor,
  wouldCreateLoop,
} from '../../../src/stack/rpl/index.ts';
import { Random } from '../../../hardware/sim/random.ts';
import { globalOf, linkLocalOf } from './mesh-harness.ts';

const a = (s: string): Ipv6Address => parseIpv6Address(s);

function rng(seed: string): () => number {
  const r = new Random(seed);
  return () => r.uniform();
}

/** A node joined directly under a root (rank 256 + MRHOF increase). */
function joined(): RplNode {
  const root = new RplRoot({ dodagId: globalOf(0), linkLocal: linkLocalOf(0), random: rng('r') });
  const node = new RplNode({ linkLocal: linkLocalOf(1), random: rng('n') });
  node.start(0);
  node.handle(1, {
    kind: 'message',
    source: linkLocalOf(0),
    destination: ALL_RPL_NODES,
    message: root.currentDio(),
  });
  assert.ok(node.joined, 'joined');
  return node;
}

function opt(p: Partial<RplOptionData>): RplOptionData {
  return {
    optionType: 0x63,
    down: false,
    rankError: false,
    forwardingError: false,
    instanceId: 0,
    senderRank: 1024,
    subTlvs: new Uint8Array(0),
    ...p,
  };
}

test('RH3 (RFC 6554 §4.2): segments left 0 delivers; otherwise the next address is swapped in', () => {
  const me = a('2001:db8::1');
  const hdr: Omit<SourceRouteHeader, 'nextHeader'> = {
    routingType: ROUTING_TYPE_RPL_SOURCE_ROUTE,
    segmentsLeft: 2,
    addresses: [a('2001:db8::2'), a('2001:db8::3')],
  };
  const r = processSourceRoute(hdr, me, 64, [me]);
  assert.equal(r.action, 'forward');
  if (r.action !== 'forward') return;
  assert.ok(addressesEqual(r.destination, a('2001:db8::2')));
  assert.equal(r.routing.segmentsLeft, 1);
  assert.ok(addressesEqual(r.routing.addresses[0]!, me), 'Address[i] now holds the previous destination');
  assert.deepEqual(processSourceRoute({ ...hdr, segmentsLeft: 0 }, me, 64, [me]), { action: 'deliver' });
});

test('RH3: multicast next address, own address twice, too many segments and hop limit are dropped', () => {
  const me = a('2001:db8::1');
  const base = { routingType: ROUTING_TYPE_RPL_SOURCE_ROUTE } as const;
  const multicast = processSourceRoute({ ...base, segmentsLeft: 1, addresses: [a('ff02::1a')] }, me, 64, [
    me,
  ]);
  assert.deepEqual(multicast, { action: 'drop', reason: 'multicast', icmp: 'none' });
  const loop = processSourceRoute(
    { ...base, segmentsLeft: 3, addresses: [me, a('2001:db8::5'), me] },
    me,
    64,
    [me],
  );
  assert.equal(loop.action === 'drop' && loop.reason, 'loop');
  const adjacentTwice = processSourceRoute({ ...base, segmentsLeft: 2, addresses: [me, me] }, me, 64, [me]);
  assert.notEqual(
    adjacentTwice.action === 'drop' && adjacentTwice.reason,
    'loop',
    'adjacent entries are not a loop per §4.2',
  );
  const tooMany = processSourceRoute({ ...base, segmentsLeft: 3, addresses: [a('2001:db8::2')] }, me, 64, [
    me,
  ]);
  assert.deepEqual(tooMany, { action: 'drop', reason: 'segments-left-exceeds', icmp: 'parameter-problem' });
  const hop = processSourceRoute({ ...base, segmentsLeft: 1, addresses: [a('2001:db8::2')] }, me, 1, [me]);
  assert.deepEqual(hop, { action: 'drop', reason: 'hop-limit', icmp: 'time-exceeded' });
});

test('forwarding: a source-routed packet for this node goes on to the next hop, by its link-local address', () => {
  const node = joined();
  const me = node.globalAddress!;
  const d = forwardDecision(node, {
    source: globalOf(0),
    destination: me,
    hopLimit: 10,
    routing: { routingType: 3, segmentsLeft: 1, addresses: [globalOf(9)] },
    from: linkLocalOf(0),
  });
  assert.equal(d.action, 'forward');
  if (d.action !== 'forward') return;
  assert.ok(addressesEqual(d.destination, globalOf(9)));
  assert.ok(addressesEqual(d.nextHop, linkLocalOf(9)), 'next hop is the neighbour with the same IID');
  assert.equal(d.routing?.segmentsLeft, 0);
  const loop = forwardDecision(node, {
    source: globalOf(0),
    destination: me,
    hopLimit: 10,
    routing: { routingType: 3, segmentsLeft: 4, addresses: [globalOf(9), me, globalOf(8), me] },
    from: linkLocalOf(0),
  });
  assert.equal(loop.action === 'drop' && loop.reason, 'source-route-loop');
});

test('forwarding: upward traffic goes to the preferred parent with O=0 and our Rank', () => {
  const node = joined();
  const d = forwardDecision(node, {
    source: node.globalAddress!,
    destination: a('2001:db8:ffff::1'),
    hopLimit: 64,
  });
  assert.equal(d.action, 'forward');
  if (d.action !== 'forward') return;
  assert.ok(addressesEqual(d.nextHop, linkLocalOf(0)), 'to the parent');
  assert.equal(d.rpl?.down, false);
  assert.equal(d.rpl?.senderRank, node.rank);
});

test('forwarding: a rank error sets R and forwards once, and drops on the second error (RFC 6550 §11.2.2.2)', () => {
  const node = joined();
  // going up but from a sender with a lower Rank than ours: inconsistent
  const first = forwardDecision(node, {
    source: globalOf(7),
    destination: a('2001:db8:ffff::1'),
    hopLimit: 64,
    from: linkLocalOf(7),
    rpl: opt({ down: false, senderRank: 256 }),
  });
  assert.equal(first.action, 'forward');
  assert.equal(first.action === 'forward' && first.rpl?.rankError, true, 'R bit set');
  const second = forwardDecision(node, {
    source: globalOf(7),
    destination: a('2001:db8:ffff::1'),
    hopLimit: 64,
    from: linkLocalOf(7),
    rpl: opt({ down: false, senderRank: 256, rankError: true }),
  });
  assert.deepEqual(second, { action: 'drop', reason: 'rank-error' });
  assert.equal(node.counters.rankErrors, 2);
  // consistent: from a child (higher Rank) going up
  const ok = forwardDecision(node, {
    source: globalOf(7),
    destination: a('2001:db8:ffff::1'),
    hopLimit: 64,
    from: linkLocalOf(7),
    rpl: opt({ down: false, senderRank: node.rank + 512 }),
  });
  assert.equal(ok.action === 'forward' && ok.rpl?.rankError, false);
});

test('forwarding: a detached node and an exhausted hop limit drop', () => {
  const node = new RplNode({ linkLocal: linkLocalOf(1), random: rng('x') });
  assert.deepEqual(
    forwardDecision(node, {
      source: globalOf(2),
      destination: globalOf(3),
      hopLimit: 9,
      from: linkLocalOf(2),
    }),
    {
      action: 'drop',
      reason: 'not-joined',
    },
  );
  const j = joined();
  const d = forwardDecision(j, {
    source: globalOf(2),
    destination: globalOf(3),
    hopLimit: 1,
    from: linkLocalOf(2),
  });
  assert.equal(d.action === 'drop' && d.reason, 'hop-limit');
  assert.equal(j.rank < INFINITE_RANK, true);
});

test('source routes: unknown parents, loops and the hop limit are refused', () => {
  const root = globalOf(0);
  const parents = new Map<string, Ipv6Address>([
    [String(globalOf(1)), root],
    [String(globalOf(2)), globalOf(1)],
    [String(globalOf(3)), globalOf(9)], // 9 unknown
    [String(globalOf(4)), globalOf(5)],
    [String(globalOf(5)), globalOf(4)], // cycle 4 ↔ 5
  ]);
  const parentOf = (x: Ipv6Address) => parents.get(String(x));
  const ok = computeSourceRoute(root, globalOf(2), parentOf, 16);
  assert.ok(ok.ok && ok.hops.length === 2 && addressesEqual(ok.hops[0]!, globalOf(1)), 'root → 1 → 2');
  const unknown = computeSourceRoute(root, globalOf(3), parentOf, 16);
  assert.ok(!unknown.ok && unknown.reason === 'unknown-parent', 'unknown parent');
  const loop = computeSourceRoute(root, globalOf(4), parentOf, 16);
  assert.ok(!loop.ok && loop.reason === 'loop', 'loop');
  const long = computeSourceRoute(root, globalOf(2), parentOf, 1);
  assert.ok(!long.ok && long.reason === 'too-long', 'over the hop limit');
  assert.equal(
    wouldCreateLoop(globalOf(1), globalOf(2), parentOf, 16),
    true,
    '1 under its child 2 is a loop',
  );
  assert.equal(wouldCreateLoop(globalOf(2), root, parentOf, 16), false);
  const sr = sourceRouteFor([globalOf(1), globalOf(2), globalOf(3)]);
  assert.ok(addressesEqual(sr.destination, globalOf(1)), 'first hop in the destination (RFC 6554 §4.1)');
  assert.equal(sr.routing?.segmentsLeft, 2);
  assert.equal(sourceRouteFor([globalOf(1)]).routing, undefined, 'one hop needs no routing header');
});
