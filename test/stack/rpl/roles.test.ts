import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_RPL_NODES, addressesEqual, type Ipv6Address } from '../../../src/stack/ipv6/index.ts';
import {
  DAO_ACK_STATUS,
  ETX_FRESH_MS,
  ETX_STALE_HALF_LIFE_MS,
  INFINITE_RANK,
  MOP,
  RPL_OPTION_TYPE,
  RplNode,
  RplRoot,
  targetOption,
  transitOption,
  type Dao,
  type RplOutput,
  type RplRootEvent,
  type RplMessage,
} from '../../../src/stack/rpl/index.ts';
import { Random } from '../../../hardware/sim/random.ts';
import { globalOf, linkLocalOf } from './mesh-harness.ts';

function rng(seed: string): () => number {
  const r = new Random(seed);
  return () => r.uniform();
}

function newRoot(extra: Partial<ConstructorParameters<typeof RplRoot>[0]> = {}): RplRoot {
  const root = new RplRoot({
    dodagId: globalOf(0),
    linkLocal: linkLocalOf(0),
    random: rng('root'),
    ...extra,
  });
  root.start(0);
  return root;
}

function dao(
  sequence: number,
  target: Ipv6Address,
  parent: Ipv6Address | undefined,
  pathSequence = 1,
  lifetime = 30,
): Dao {
  return {
    kind: 'dao',
    instanceId: 0,
    expectAck: true,
    sequence,
    options: [targetOption(target), transitOption(pathSequence, lifetime, parent)],
  };
}

function daoAckOf<E>(out: RplOutput<E>): Extract<RplMessage, { kind: 'dao-ack' }> | undefined {
  const m = out.send.find((s) => s.message.kind === 'dao-ack')?.message;
  return m?.kind === 'dao-ack' ? m : undefined;
}

function register(
  root: RplRoot,
  now: number,
  index: number,
  parentIndex: number,
  seq = 1,
): RplOutput<RplRootEvent> {
  return root.handle(now, {
    kind: 'message',
    source: globalOf(index),
    destination: globalOf(0),
    message: dao(seq, globalOf(index), globalOf(parentIndex)),
  });
}

test('root: a DAO whose parent would close a cycle is refused, counted, and changes no route', () => {
  const root = newRoot();
  assert.equal(daoAckOf(register(root, 0, 1, 0))?.status, DAO_ACK_STATUS.ACCEPT);
  assert.equal(daoAckOf(register(root, 0, 2, 1))?.status, DAO_ACK_STATUS.ACCEPT);
  assert.equal(daoAckOf(register(root, 0, 3, 2))?.status, DAO_ACK_STATUS.ACCEPT);
  // 1 now claims 3 (its own descendant) as parent: 1 → 3 → 2 → 1
  const out = register(root, 10, 1, 3, 2);
  const ack = daoAckOf(out);
  assert.ok(ack && ack.status >= DAO_ACK_STATUS.REJECT_MIN, 'DAO-ACK with a rejection status');
  assert.equal(root.counters.daoRejected.loop, 1);
  assert.ok(
    out.events.some((e) => e.kind === 'dao-rejected' && e.reason === 'loop'),
    'loop rejection reported',
  );
  assert.ok(addressesEqual(root.route(globalOf(1))!.parent!, globalOf(0)), 'the old parent stays');
  const sr = root.sourceRoute(globalOf(3));
  assert.ok(sr.ok && sr.hops.length === 3, 'routes still work');
});

test('root: a DAO naming an unknown parent is refused and installs no route', () => {
  const root = newRoot();
  const out = register(root, 0, 7, 42);
  assert.ok((daoAckOf(out)?.status ?? 0) >= DAO_ACK_STATUS.REJECT_MIN, 'rejected');
  assert.equal(root.counters.daoRejected['unknown-parent'], 1);
  assert.equal(root.route(globalOf(7)), undefined);
  const sr = root.sourceRoute(globalOf(7));
  assert.ok(!sr.ok && sr.reason === 'unknown-target', 'no source route');
});

test('root: a non-storing DAO without a parent address is refused', () => {
  const root = newRoot();
  const out = root.handle(0, {
    kind: 'message',
    source: globalOf(4),
    destination: globalOf(0),
    message: dao(1, globalOf(4), undefined),
  });
  assert.ok((daoAckOf(out)?.status ?? 0) >= DAO_ACK_STATUS.REJECT_MIN, 'rejected');
  assert.equal(root.counters.daoRejected['missing-parent'], 1);
});

test('root: a full route table refuses new targets but refreshes known ones', () => {
  const root = newRoot({ maxRoutes: 2 });
  register(root, 0, 1, 0);
  register(root, 0, 2, 0);
  assert.ok((daoAckOf(register(root, 0, 3, 0))?.status ?? 0) >= DAO_ACK_STATUS.REJECT_MIN, 'third refused');
  assert.equal(root.counters.daoRejected['table-full'], 1);
  assert.equal(daoAckOf(register(root, 5, 1, 0, 2))?.status, DAO_ACK_STATUS.ACCEPT, 'known target refreshed');
  assert.equal(root.routeCount, 2);
});

test('root: path lifetime is Lifetime Unit × Path Lifetime; No-Path removes; older Path Sequence is ignored', () => {
  const root = newRoot({ parameters: { lifetimeUnit: 60 } });
  root.handle(1_000, {
    kind: 'message',
    source: globalOf(1),
    destination: globalOf(0),
    message: dao(1, globalOf(1), globalOf(0), 10, 5),
  });
  assert.equal(root.route(globalOf(1))?.expiresAt, 1_000 + 5 * 60 * 1000);
  // an older Path Sequence (9 < 10) does not move the route
  root.handle(2_000, {
    kind: 'message',
    source: globalOf(1),
    destination: globalOf(0),
    message: dao(2, globalOf(1), globalOf(0), 9, 30),
  });
  assert.equal(root.route(globalOf(1))?.expiresAt, 1_000 + 5 * 60 * 1000);
  assert.equal(root.counters.daoStale, 1);
  // expiry runs on `now`
  const out = root.handle(1_000 + 5 * 60 * 1000, { kind: 'timer', id: 'expiry' });
  assert.equal(root.route(globalOf(1)), undefined);
  assert.ok(
    out.events.some((e) => e.kind === 'route-removed' && e.reason === 'expired'),
    'expiry event',
  );
  // No-Path (lifetime 0) with a newer sequence removes a fresh route
  root.handle(400_000, {
    kind: 'message',
    source: globalOf(1),
    destination: globalOf(0),
    message: dao(3, globalOf(1), globalOf(0), 11, 30),
  });
  const np = root.handle(400_001, {
    kind: 'message',
    source: globalOf(1),
    destination: globalOf(0),
    message: dao(4, globalOf(1), globalOf(0), 12, 0),
  });
  assert.equal(root.route(globalOf(1)), undefined);
  assert.ok(
    np.events.some((e) => e.kind === 'route-removed' && e.reason === 'no-path'),
    'No-Path event',
  );
});

test('root: multicast DIS resets Trickle, unicast DIS gets a unicast DIO, a DIS flood is rate limited', () => {
  const root = newRoot({ disRateLimit: { burst: 5, refillMs: 10_000 } });
  // let Trickle grow so a reset is visible
  let now = 0;
  for (let i = 0; i < 50 && root.dioInterval < 2 ** 14; i++) {
    now = root.handle(now, { kind: 'timer', id: 'trickle' }).timers.find((t) => t.id === 'trickle')!.at;
  }
  assert.ok(root.dioInterval > 2 ** 12, 'interval grew');
  root.handle(now, {
    kind: 'message',
    source: linkLocalOf(9),
    destination: ALL_RPL_NODES,
    message: { kind: 'dis', options: [] },
  });
  assert.equal(root.dioInterval, 2 ** 12, 'multicast DIS reset Trickle to Imin (RFC 6550 §8.3)');
  const uni = root.handle(now, {
    kind: 'message',
    source: linkLocalOf(9),
    destination: linkLocalOf(0),
    message: { kind: 'dis', options: [] },
  });
  assert.equal(uni.send.filter((x) => !addressesEqual(x.destination, ALL_RPL_NODES)).length, 1);
  const reply = uni.send.find((x) => !addressesEqual(x.destination, ALL_RPL_NODES));
  assert.ok(reply && addressesEqual(reply.destination, linkLocalOf(9)), 'DIO unicast back to the solicitor');
  assert.equal(reply.message.kind, 'dio');
  // flood: 100 unicast DIS in one second → only the remaining 3 tokens are answered
  let answered = 0;
  for (let i = 0; i < 100; i++) {
    const out = root.handle(now + i * 10, {
      kind: 'message',
      source: linkLocalOf(9),
      destination: linkLocalOf(0),
      message: { kind: 'dis', options: [] },
    });
    answered += out.send.filter((x) => addressesEqual(x.destination, linkLocalOf(9))).length;
  }
  assert.equal(answered, 3);
  assert.equal(root.counters.disRateLimited, 97);
  assert.equal(root.counters.disReceived, 102);
  // tokens come back with time
  const later = root.handle(now + 30_000, {
    kind: 'message',
    source: linkLocalOf(9),
    destination: linkLocalOf(0),
    message: { kind: 'dis', options: [] },
  });
  assert.ok(
    later.send.some((x) => addressesEqual(x.destination, linkLocalOf(9))),
    'answered again after the refill',
  );
});

test('root: DIS with a Solicited Information option that does not match is not answered', () => {
  const root = newRoot();
  const out = root.handle(0, {
    kind: 'message',
    source: linkLocalOf(9),
    destination: linkLocalOf(0),
    message: {
      kind: 'dis',
      options: [
        {
          type: RPL_OPTION_TYPE.SOLICITED_INFORMATION,
          instanceId: 5,
          instanceIdPredicate: true,
          versionPredicate: false,
          dodagIdPredicate: false,
          dodagId: globalOf(0),
          version: 0,
        },
      ],
    },
  });
  assert.equal(out.send.length, 0);
});

test('root: DIOs carry the field profile, a DODAG Configuration and the prefix with the root address', () => {
  const root = newRoot();
  const dio = root.currentDio();
  assert.equal(dio.rank, 256, 'ROOT_RANK = MinHopRankIncrease');
  assert.equal(dio.mop, MOP.NON_STORING);
  assert.equal(dio.grounded, true);
  const conf = dio.options.find((o) => o.type === RPL_OPTION_TYPE.DODAG_CONFIGURATION);
  assert.ok(conf && conf.type === RPL_OPTION_TYPE.DODAG_CONFIGURATION, 'DODAG Configuration present');
  assert.equal(conf.dioIntervalMin, 12);
  assert.equal(conf.objectiveCodePoint, 1);
  const pio = dio.options.find((o) => o.type === RPL_OPTION_TYPE.PREFIX_INFORMATION);
  assert.ok(pio && pio.type === RPL_OPTION_TYPE.PREFIX_INFORMATION && pio.routerAddress, 'PIO with R flag');
  assert.ok(addressesEqual(pio.prefix, globalOf(0)));
  const v = root.version;
  const d = root.dtsn;
  root.globalRepair(5);
  root.requestDaoRefresh(6);
  assert.notEqual(root.version, v);
  assert.notEqual(root.dtsn, d);
});

// ---- node ------------------------------------------------------------------------------------

function joinedNode(seed = 'n'): { node: RplNode; root: RplRoot; now: number; daoOut: RplOutput<unknown> } {
  const root = newRoot();
  const node = new RplNode({ linkLocal: linkLocalOf(1), random: rng(seed) });
  node.start(0);
  const out = node.handle(100, {
    kind: 'message',
    source: linkLocalOf(0),
    destination: ALL_RPL_NODES,
    message: root.currentDio(),
  });
  assert.ok(
    out.events.some((e) => e.kind === 'joined'),
    'joined on the root DIO',
  );
  const daoAt = out.timers.find((t) => t.id === 'dao')!.at;
  const daoOut = node.handle(daoAt, { kind: 'timer', id: 'dao' });
  return { node, root, now: daoAt, daoOut };
}

test('node: joins on a DIO, sends a DAO naming its parent to the root, and handles the DAO-ACK', () => {
  const { node, root, now, daoOut } = joinedNode();
  assert.equal(node.rank > root.rank, true);
  const s = daoOut.send.find((x) => x.message.kind === 'dao');
  assert.ok(s && s.message.kind === 'dao', 'DAO sent');
  assert.ok(addressesEqual(s.destination, globalOf(0)), 'to the root (non-storing)');
  assert.ok(s.nextHop && addressesEqual(s.nextHop, linkLocalOf(0)), 'through the preferred parent');
  const transit = s.message.options.find((o) => o.type === RPL_OPTION_TYPE.TRANSIT_INFORMATION);
  assert.ok(
    transit && transit.type === RPL_OPTION_TYPE.TRANSIT_INFORMATION && transit.parentAddress,
    'parent address',
  );
  assert.ok(addressesEqual(transit.parentAddress, globalOf(0)));
  const rootOut = root.handle(now, {
    kind: 'message',
    source: node.globalAddress!,
    destination: globalOf(0),
    message: s.message,
  });
  const ack = rootOut.send[0]!;
  const ackOut = node.handle(now + 50, {
    kind: 'message',
    source: globalOf(0),
    destination: node.globalAddress!,
    message: ack.message,
  });
  assert.ok(
    ackOut.events.some((e) => e.kind === 'dao-acked'),
    'DAO-ACK accepted',
  );
  assert.ok(!ackOut.timers.some((t) => t.id === 'dao-retransmit'), 'no retransmission pending');
  assert.ok(
    ackOut.timers.some((t) => t.id === 'dao'),
    'refresh scheduled before the lifetime ends',
  );
  const refreshAt = ackOut.timers.find((t) => t.id === 'dao')!.at;
  const lifetimeMs = 30 * 60 * 1000;
  assert.ok(refreshAt > now && refreshAt < now + lifetimeMs, 'refresh before the path lifetime expires');
});

test('node: an unacknowledged DAO is retransmitted with the same DAOSequence, then reported failed', () => {
  const { node, daoOut } = joinedNode('retx');
  const first = daoOut.send.find((x) => x.message.kind === 'dao')!.message as Dao;
  let out = daoOut;
  const seqs: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = out.timers.find((x) => x.id === 'dao-retransmit');
    if (!t) break;
    out = node.handle(t.at, { kind: 'timer', id: 'dao-retransmit' });
    for (const s of out.send) if (s.message.kind === 'dao') seqs.push(s.message.sequence);
  }
  assert.deepEqual(
    seqs,
    [first.sequence, first.sequence, first.sequence],
    'three retransmissions, same sequence',
  );
  assert.equal(node.counters.daoFailed, 1);
});

test('node: a rejected DAO is retried later with a new sequence', () => {
  const { node, now, daoOut } = joinedNode('rej');
  const d = daoOut.send.find((x) => x.message.kind === 'dao')!.message as Dao;
  const out = node.handle(now + 10, {
    kind: 'message',
    source: globalOf(0),
    destination: node.globalAddress!,
    message: { kind: 'dao-ack', instanceId: 0, sequence: d.sequence, status: 128, options: [] },
  });
  assert.ok(
    out.events.some((e) => e.kind === 'dao-rejected'),
    'rejection reported',
  );
  const again = node.handle(out.timers.find((t) => t.id === 'dao')!.at, { kind: 'timer', id: 'dao' });
  const d2 = again.send.find((x) => x.message.kind === 'dao')?.message as Dao | undefined;
  assert.ok(d2 && d2.sequence !== d.sequence, 'a new DAO');
});

test('node: parentless nodes send DIS with growing back-off', () => {
  const node = new RplNode({
    linkLocal: linkLocalOf(1),
    random: rng('dis'),
    disInitialMs: 1_000,
    disMaxMs: 16_000,
  });
  let out = node.start(0);
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    const t = out.timers.find((x) => x.id === 'dis')!.at;
    out = node.handle(t, { kind: 'timer', id: 'dis' });
    assert.ok(
      out.send.some((s) => s.message.kind === 'dis' && addressesEqual(s.destination, ALL_RPL_NODES)),
      'multicast DIS',
    );
    times.push(t);
  }
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(gaps[gaps.length - 1]! > gaps[0]! * 4, `gaps grow: ${gaps.join(', ')}`);
  assert.ok(Math.max(...gaps) <= 16_000, 'capped');
});

test('node: MRHOF hysteresis keeps the parent unless the new path is better by PARENT_SWITCH_THRESHOLD', () => {
  const root = newRoot({ parameters: { minHopRankIncrease: 128 } });
  const node = new RplNode({ linkLocal: linkLocalOf(3), random: rng('hyst') });
  node.start(0);
  node.handle(0, { kind: 'link-tx', neighbour: linkLocalOf(0), acked: true, transmissions: 3 });
  node.handle(0, { kind: 'link-tx', neighbour: linkLocalOf(1), acked: true, transmissions: 1 });
  node.handle(0, { kind: 'link-tx', neighbour: linkLocalOf(2), acked: true, transmissions: 1 });
  node.handle(1, {
    kind: 'message',
    source: linkLocalOf(0),
    destination: ALL_RPL_NODES,
    message: root.currentDio(),
  });
  assert.ok(addressesEqual(node.preferredParent!, linkLocalOf(0)));
  // root path cost 128 + 3×128 = 512; via a Rank-256 neighbour with ETX 1: 384 — better by 128 < 192
  const sibling = { ...root.currentDio(), rank: 256 };
  node.handle(2, { kind: 'message', source: linkLocalOf(1), destination: ALL_RPL_NODES, message: sibling });
  assert.ok(
    addressesEqual(node.preferredParent!, linkLocalOf(0)),
    'no switch for a gain under the threshold',
  );
  // via a Rank-128 … not possible (root rank); a Rank-200 neighbour: 328, better by 184 < 192: still no
  node.handle(3, {
    kind: 'message',
    source: linkLocalOf(2),
    destination: ALL_RPL_NODES,
    message: { ...sibling, rank: 200 },
  });
  assert.ok(addressesEqual(node.preferredParent!, linkLocalOf(0)), 'no switch at 184');
  // the root link degrades: ETX → 4 (cost 640): now 640 − 328 > 192
  node.handle(4, { kind: 'link-tx', neighbour: linkLocalOf(0), acked: true, transmissions: 7 });
  assert.ok(
    addressesEqual(node.preferredParent!, linkLocalOf(2)),
    'switched once the gain exceeds the threshold',
  );
});

test('node: a root left after a collision burst becomes the parent again once that estimate is stale', () => {
  // town-200: meters next to the tablet left it after a few no-ACKs and never sent to it again,
  // so its bad ETX stayed frozen and their traffic took deep meter paths for ever.
  const root = newRoot(); // Rank 256, MinHopRankIncrease 256, MRHOF
  const node = new RplNode({ linkLocal: linkLocalOf(3), random: rng('fresh') });
  node.start(0);
  node.handle(0, { kind: 'link-tx', neighbour: linkLocalOf(0), acked: true, transmissions: 1 });
  node.handle(0, { kind: 'link-tx', neighbour: linkLocalOf(1), acked: true, transmissions: 1 });
  const dio = root.currentDio();
  node.handle(1, { kind: 'message', source: linkLocalOf(0), destination: ALL_RPL_NODES, message: dio });
  node.handle(1, {
    kind: 'message',
    source: linkLocalOf(1),
    destination: ALL_RPL_NODES,
    message: { ...dio, rank: 640 }, // a meter two hops out
  });
  assert.ok(addressesEqual(node.preferredParent!, linkLocalOf(0)), 'starts on the root');
  // A burst of failed transactions to the root: bounded, at most 30.
  let t = 2;
  for (let i = 0; i < 30 && addressesEqual(node.preferredParent!, linkLocalOf(0)); i++)
    node.handle(t++, { kind: 'link-tx', neighbour: linkLocalOf(0), acked: false, transmissions: 4 });
  assert.ok(addressesEqual(node.preferredParent!, linkLocalOf(1)), 'left the root for the meter');
  // Only the meter is used from now on; its DIOs keep coming.
  const later = t + ETX_FRESH_MS + 3 * ETX_STALE_HALF_LIFE_MS;
  node.handle(later, { kind: 'link-tx', neighbour: linkLocalOf(1), acked: true, transmissions: 1 });
  node.handle(later, {
    kind: 'message',
    source: linkLocalOf(0),
    destination: ALL_RPL_NODES,
    message: root.currentDio(),
  });
  assert.ok(
    addressesEqual(node.preferredParent!, linkLocalOf(0)),
    `back on the root once the stale estimate aged (Rank ${node.rank})`,
  );
});

test('node: a DIO advertising INFINITE_RANK from the parent makes the node drop it (poisoning)', () => {
  const { node } = joinedNode('poisoned');
  const root = newRoot();
  const out = node.handle(5_000, {
    kind: 'message',
    source: linkLocalOf(0),
    destination: ALL_RPL_NODES,
    message: { ...root.currentDio(), rank: INFINITE_RANK },
  });
  assert.equal(node.joined, false);
  assert.ok(
    out.events.some((e) => e.kind === 'detached'),
    'detached',
  );
  const poison = out.send.find((s) => s.message.kind === 'dio');
  assert.ok(
    poison && poison.message.kind === 'dio' && poison.message.rank === INFINITE_RANK,
    'advertises INFINITE_RANK',
  );
});

test('node: DIS handling once joined: multicast resets Trickle, unicast gets a unicast DIO', () => {
  const { node, now } = joinedNode('nd');
  const uni = node.handle(now + 1, {
    kind: 'message',
    source: linkLocalOf(7),
    destination: linkLocalOf(1),
    message: { kind: 'dis', options: [] },
  });
  const dio = uni.send.find((s) => s.message.kind === 'dio');
  assert.ok(dio && addressesEqual(dio.destination, linkLocalOf(7)), 'unicast DIO');
  assert.ok(dio.message.kind === 'dio' && dio.message.rank === node.rank, 'advertises its own rank');
  const pio =
    dio.message.kind === 'dio'
      ? dio.message.options.find((o) => o.type === RPL_OPTION_TYPE.PREFIX_INFORMATION)
      : undefined;
  assert.ok(
    pio && pio.type === RPL_OPTION_TYPE.PREFIX_INFORMATION && addressesEqual(pio.prefix, globalOf(1)),
    'own address in the PIO',
  );
});

test('node: OF0 DODAG — rank increase is (Rf·Sp + Sr)·MinHopRankIncrease', () => {
  const root = newRoot({ parameters: { objectiveCodePoint: 0 } });
  const node = new RplNode({ linkLocal: linkLocalOf(1), random: rng('of0') });
  node.start(0);
  node.handle(0, { kind: 'link-tx', neighbour: linkLocalOf(0), acked: true, transmissions: 1 });
  node.handle(1, {
    kind: 'message',
    source: linkLocalOf(0),
    destination: ALL_RPL_NODES,
    message: root.currentDio(),
  });
  assert.equal(node.rank, 256 + 3 * 256, 'ETX 1 → step 3 (the RFC 6552 default)');
});

test('node: DIOs of another instance or a MOP it does not implement are ignored', () => {
  const root = newRoot();
  const node = new RplNode({ linkLocal: linkLocalOf(1), random: rng('ign') });
  node.start(0);
  node.handle(1, {
    kind: 'message',
    source: linkLocalOf(0),
    destination: ALL_RPL_NODES,
    message: { ...root.currentDio(), instanceId: 3 },
  });
  node.handle(2, {
    kind: 'message',
    source: linkLocalOf(0),
    destination: ALL_RPL_NODES,
    message: { ...root.currentDio(), mop: 3 },
  });
  assert.equal(node.joined, false);
  const noConf = { ...root.currentDio(), options: [] };
  node.handle(3, { kind: 'message', source: linkLocalOf(0), destination: ALL_RPL_NODES, message: noConf });
  assert.equal(node.joined, false, 'no DODAG Configuration → cannot join');
});

test('root topology: change events for join state and link quality, paged reads with a cap', () => {
  const root = newRoot();
  for (let i = 1; i <= 30; i++) register(root, i, i, i === 1 ? 0 : i - 1);
  assert.equal(root.topology.size, 30);
  const js = root.setJoinState(100, globalOf(3), 'authenticated');
  assert.equal(js.length, 1);
  const e = js[0]!;
  assert.ok(
    e.kind === 'topology' && e.change === 'changed' && e.node.joinState === 'authenticated',
    'join state',
  );
  assert.equal(root.setJoinState(101, globalOf(3), 'authenticated').length, 0, 'no event without a change');
  const lq = root.reportLinkQuality(102, globalOf(1), 200);
  assert.ok(lq[0]?.kind === 'topology' && lq[0].node.linkQuality === 200, 'link quality');
  assert.equal(
    root.setJoinState(103, globalOf(99), 'failed').length,
    0,
    'unknown nodes are not created by hooks',
  );
  const p = root.topologyPage(10, 5);
  assert.equal(p.total, 30);
  assert.equal(p.nodes.length, 5);
  assert.equal(root.topologyPage(0, 10_000).nodes.length, 30);
  assert.equal(
    root.topology.get(globalOf(30))?.hopCount,
    undefined,
    'beyond the 16-hop source-route limit: no hop count',
  );
  assert.equal(root.topology.get(globalOf(10))?.hopCount, 10);
  assert.throws(() => root.topologyPage(-1, 5), RangeError);
  // a No-Path removes the node and publishes the removal
  const out = root.handle(200, {
    kind: 'message',
    source: globalOf(30),
    destination: globalOf(0),
    message: dao(9, globalOf(30), globalOf(29), 2, 0),
  });
  assert.ok(
    out.events.some((x) => x.kind === 'topology' && x.change === 'removed'),
    'removed event',
  );
  assert.equal(root.topology.size, 29);
});
