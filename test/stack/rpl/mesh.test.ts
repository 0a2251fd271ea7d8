import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressesEqual } from '../../../src/stack/ipv6/index.ts';
import { INFINITE_RANK, MOP, dagRank, forwardDecision } from '../../../src/stack/rpl/index.ts';
import { Mesh, addGrid, addLine, globalOf, linkLocalOf } from './mesh-harness.ts';

const MINUTE = 60_000;

function fieldMesh(seed: string, mop: 1 | 2 = MOP.NON_STORING): { mesh: Mesh; names: string[] } {
  const mesh = new Mesh({ seed, root: { mop } });
  const line = addLine(mesh, 5, 1);
  const grid = addGrid(mesh, 3, 5, 10);
  return { mesh, names: [...line, ...grid] };
}

test('mesh (non-storing): a root and 20 nodes in a 5-hop line and a grid converge', () => {
  const { mesh, names } = fieldMesh('converge');
  assert.equal(names.length, 20);
  mesh.start();
  mesh.run(10 * MINUTE);
  const root = mesh.root;
  for (const name of names) {
    const n = mesh.node(name);
    assert.ok(n.joined, `${name} has a parent`);
    const parent = mesh.parentName(name)!;
    const parentRank = parent === 'root' ? root.rank : mesh.node(parent).rank;
    assert.ok(
      dagRank(n.rank, 256) > dagRank(parentRank, 256),
      `${name} rank ${n.rank} must exceed its parent ${parent}'s ${parentRank} in DAGRank`,
    );
    // the root's source route follows the parents
    const sr = root.sourceRoute(globalOf(mesh.end(name).index));
    assert.ok(sr.ok, `root has a source route to ${name}`);
    if (!sr.ok) continue;
    const chain: string[] = [];
    for (let cur: string | undefined = name; cur && cur !== 'root'; cur = mesh.parentName(cur))
      chain.unshift(cur);
    assert.deepEqual(
      sr.hops.map((h) => mesh.byAddress(h)?.name),
      chain,
      `source route to ${name} follows the parent chain`,
    );
    assert.ok(
      mesh.eventsOf(name).some((e) => e.kind === 'dao-acked'),
      `${name} received a DAO-ACK (through the source route)`,
    );
  }
  const l5 = root.sourceRoute(globalOf(5));
  assert.ok(l5.ok && l5.hops.length === 5, 'the end of the line is 5 hops away');
  assert.equal(root.routeCount, 20);
  // topology: one added event per node, paged snapshot without an unbounded blob
  const added = mesh.rootEvents.filter((e) => e.kind === 'topology' && e.change === 'added');
  assert.equal(added.length, 20);
  const page = root.topologyPage(0, 8);
  assert.equal(page.total, 20);
  assert.equal(page.nodes.length, 8);
  assert.equal(root.topologyPage(16, 8).nodes.length, 4);
  const l5node = root.topology.get(globalOf(5));
  assert.equal(l5node?.hopCount, 5);
  assert.ok(l5node?.parent && addressesEqual(l5node.parent, globalOf(4)), 'L5 parent is L4 in the topology');
  // the DAO-ACK to L5 went through the source route, hop by hop
  const ack = mesh.delivered.find((d) => d.to === 'L5' && d.message.kind === 'dao-ack');
  assert.deepEqual(ack?.path, ['root', 'L1', 'L2', 'L3', 'L4', 'L5']);
});

test('mesh (storing): the root and every intermediate hold downward routes; forwarding follows them', () => {
  const { mesh, names } = fieldMesh('storing', MOP.STORING_WITHOUT_MULTICAST);
  mesh.start();
  mesh.run(10 * MINUTE);
  for (const name of names) assert.ok(mesh.node(name).joined, `${name} joined`);
  assert.equal(mesh.root.routeCount, 20, 'root has a route to every node');
  // the root's next hop for L5 is L1, L1's is L2, … L4's is L5
  assert.ok(addressesEqual(mesh.root.nextHop(globalOf(5))!, linkLocalOf(1)), 'root → L1 for L5');
  for (let i = 1; i <= 4; i++) {
    const r = mesh.node(`L${i}`).downwardRoute(globalOf(5));
    assert.ok(r?.nextHop && addressesEqual(r.nextHop, linkLocalOf(i + 1)), `L${i} routes L5 via L${i + 1}`);
    assert.equal(mesh.node(`L${i}`).routeCount, 5 - i, `L${i} holds routes to its ${5 - i} descendants`);
  }
  // every grid node's descendants are in its table (storing mode, RFC 6550 §9.4)
  for (const name of names) {
    let cur = mesh.parentName(name);
    while (cur && cur !== 'root') {
      assert.ok(
        mesh.node(cur).downwardRoute(globalOf(mesh.end(name).index)),
        `${cur} has a route to descendant ${name}`,
      );
      cur = mesh.parentName(cur);
    }
    assert.ok(
      mesh.eventsOf(name).some((e) => e.kind === 'dao-acked'),
      `${name} got a DAO-ACK from its parent`,
    );
  }
  // a downward packet at L2 goes to L3 with O set and L2's rank as SenderRank
  const d = forwardDecision(mesh.node('L2'), {
    source: globalOf(0),
    destination: globalOf(5),
    hopLimit: 60,
    from: linkLocalOf(1),
    rpl: {
      optionType: 0x63,
      down: true,
      rankError: false,
      forwardingError: false,
      instanceId: 0,
      senderRank: mesh.node('L1').rank,
      subTlvs: new Uint8Array(0),
    },
  });
  assert.equal(d.action, 'forward');
  if (d.action === 'forward') {
    assert.ok(addressesEqual(d.nextHop, linkLocalOf(3)), 'next hop L3');
    assert.equal(d.rpl?.down, true);
    assert.equal(d.rpl?.senderRank, mesh.node('L2').rank);
  }
});

test('mesh: a node that stops refreshing loses its route when the path lifetime ends', () => {
  // lifetime 6 × 10 s = 60 s so the test runs in little virtual time
  const mesh = new Mesh({ seed: 'expiry', root: { parameters: { defaultLifetime: 6, lifetimeUnit: 10 } } });
  addLine(mesh, 3, 1);
  mesh.start();
  mesh.run(2 * MINUTE);
  assert.ok(mesh.root.route(globalOf(3)), 'L3 routed before it stops');
  const stoppedAt = mesh.now;
  mesh.kill('L3');
  mesh.run(stoppedAt + 3 * MINUTE);
  assert.equal(mesh.root.route(globalOf(3)), undefined, 'route to L3 expired');
  assert.ok(
    mesh.rootEvents.some(
      (e) => e.kind === 'route-removed' && e.reason === 'expired' && addressesEqual(e.target, globalOf(3)),
    ),
    'route-removed (expired) reported',
  );
  assert.ok(
    mesh.rootEvents.some(
      (e) => e.kind === 'topology' && e.change === 'removed' && addressesEqual(e.node.address, globalOf(3)),
    ),
    'topology removal published',
  );
  assert.ok(
    mesh.root.route(globalOf(1)) && mesh.root.route(globalOf(2)),
    'nodes that refresh keep their routes',
  );
  assert.ok(mesh.root.counters.routesExpired >= 1, 'expiry counted');
});

test('mesh: global repair increments the DODAG version and every node re-joins and re-registers', () => {
  const { mesh, names } = fieldMesh('repair');
  mesh.start();
  mesh.run(10 * MINUTE);
  const before = mesh.root.version;
  const acksBefore = new Map(names.map((n) => [n, mesh.node(n).counters.daoAcked]));
  mesh.apply('root', mesh.root.globalRepair(mesh.now));
  assert.notEqual(mesh.root.version, before);
  mesh.run(mesh.now + 5 * MINUTE);
  for (const name of names) {
    const n = mesh.node(name);
    assert.equal(n.version, mesh.root.version, `${name} moved to the new version`);
    assert.ok(n.joined, `${name} re-joined`);
    assert.ok(n.counters.daoAcked > acksBefore.get(name)!, `${name} registered again (new DAO acknowledged)`);
    assert.ok(
      mesh.eventsOf(name).some((e) => e.kind === 'version-changed'),
      `${name} reported the version change`,
    );
  }
  for (const name of names)
    assert.ok(mesh.root.sourceRoute(globalOf(mesh.end(name).index)).ok, `route to ${name}`);
});

test('mesh: a DTSN increment at the root makes every node send a new DAO', () => {
  const { mesh, names } = fieldMesh('dtsn');
  mesh.start();
  mesh.run(10 * MINUTE);
  const sent = new Map(names.map((n) => [n, mesh.node(n).counters.daoSent]));
  mesh.apply('root', mesh.root.requestDaoRefresh(mesh.now));
  mesh.run(mesh.now + 3 * MINUTE);
  for (const name of names)
    assert.ok(
      mesh.node(name).counters.daoSent > sent.get(name)!,
      `${name} sent a DAO after the DTSN increment`,
    );
});

test('mesh: a node that loses its parent picks another one when it has one', () => {
  const mesh = new Mesh({ seed: 'reselect' });
  // diamond: C hears two nodes one hop from the root
  mesh.addNode('A', 1);
  mesh.addNode('B', 2);
  mesh.addNode('C', 3);
  mesh.link('root', 'A');
  mesh.link('root', 'B');
  mesh.link('A', 'C');
  mesh.link('B', 'C');
  mesh.start();
  mesh.run(10 * MINUTE);
  const oldParent = mesh.parentName('C')!;
  assert.ok(oldParent === 'A' || oldParent === 'B', `C's parent is ${oldParent}`);
  mesh.unlink('C', oldParent);
  mesh.input('C', { kind: 'neighbour-lost', neighbour: mesh.end(oldParent).ll });
  const n = mesh.node('C');
  assert.ok(n.joined, 'still joined');
  assert.equal(n.counters.detaches, 0, 'no detach needed');
  const newParent = mesh.parentName('C');
  assert.ok(newParent && newParent !== oldParent, `moved to another parent (${newParent})`);
  assert.ok(
    mesh.eventsOf('C').some((e) => e.kind === 'parent-changed'),
    'parent change reported',
  );
  mesh.run(mesh.now + 2 * MINUTE);
  const sr = mesh.root.sourceRoute(globalOf(3));
  assert.ok(
    sr.ok && addressesEqual(sr.hops[0]!, globalOf(mesh.end(newParent).index)),
    'root learnt the new parent',
  );
});

test('mesh: a node without another parent poisons (INFINITE_RANK) and its sub-DODAG detaches, then all re-join', () => {
  const mesh = new Mesh({ seed: 'poison' });
  addLine(mesh, 5, 1);
  mesh.start();
  mesh.run(10 * MINUTE);
  mesh.unlink('L2', 'L3');
  const t0 = mesh.now;
  const deliveredBefore = mesh.delivered.length;
  mesh.input('L3', { kind: 'neighbour-lost', neighbour: linkLocalOf(2) });
  assert.equal(mesh.node('L3').joined, false);
  assert.equal(mesh.node('L3').rank, INFINITE_RANK);
  assert.ok(
    mesh.eventsOf('L3').some((e) => e.kind === 'detached'),
    'detach reported',
  );
  mesh.run(t0 + 2_000);
  const poison = mesh.delivered
    .slice(deliveredBefore)
    .find(
      (d) => d.from === 'L3' && d.to === 'L4' && d.message.kind === 'dio' && d.message.rank === INFINITE_RANK,
    );
  assert.ok(poison, 'L4 heard a DIO with INFINITE_RANK from L3 (RFC 6550 §8.2.2.5)');
  assert.equal(mesh.node('L4').joined, false, 'L4 dropped its poisoned parent and had no other');
  assert.equal(mesh.node('L5').joined, false, 'L5 followed');
  // never a loop: no node picked a node of its own former sub-DODAG while cut off
  mesh.run(t0 + 5 * MINUTE);
  for (const name of ['L3', 'L4', 'L5'])
    assert.equal(mesh.node(name).joined, false, `${name} stays detached while cut off`);
  assert.ok(mesh.node('L3').counters.disSent > 0, 'L3 solicits DIOs with DIS once the hold-down ends');
  mesh.link('L2', 'L3');
  mesh.run(mesh.now + 10 * MINUTE);
  for (const name of ['L3', 'L4', 'L5']) assert.ok(mesh.node(name).joined, `${name} re-joined`);
  assert.deepEqual(
    (() => {
      const r = mesh.root.sourceRoute(globalOf(5));
      return r.ok ? r.hops.length : -1;
    })(),
    5,
  );
});

test('mesh (MRHOF): a lossy direct link to the root loses against two good hops', () => {
  // MinHopRankIncrease 128 so ETX differences show in the Rank (RFC 6719 with ETX × 128)
  const run = (rootLinkTransmissions: number) => {
    const mesh = new Mesh({ seed: 'mrhof', root: { parameters: { minHopRankIncrease: 128 } } });
    mesh.addNode('A', 1);
    mesh.addNode('B', 2);
    mesh.link('root', 'A');
    mesh.link('A', 'B');
    mesh.link('root', 'B', { transmissions: rootLinkTransmissions });
    // B has measured its link to the root before it hears any DIO
    mesh.input('B', {
      kind: 'link-tx',
      neighbour: linkLocalOf(0),
      acked: true,
      transmissions: rootLinkTransmissions,
    });
    mesh.input('B', { kind: 'link-tx', neighbour: linkLocalOf(1), acked: true, transmissions: 1 });
    mesh.input('A', { kind: 'link-tx', neighbour: linkLocalOf(0), acked: true, transmissions: 1 });
    mesh.start();
    mesh.run(5 * MINUTE);
    return mesh;
  };
  const good = run(1);
  assert.equal(good.parentName('B'), 'root', 'with a good direct link, B uses the root (fewer hops)');
  const lossy = run(4);
  assert.equal(lossy.parentName('B'), 'A', 'with ETX 4 to the root, B goes through A');
  assert.ok(lossy.node('B').rank > lossy.node('A').rank, 'rank increases along the path');
});

test('mesh: with 40 % frame loss on every link (MAC retries on unicast) the 20 nodes still converge, retransmitting DAOs as needed', () => {
  const mesh = new Mesh({ seed: 'lossy' });
  const names = [...addLine(mesh, 5, 1), ...addGrid(mesh, 3, 5, 10)];
  // re-create every link as lossy
  for (const a of ['root', ...names])
    for (const b of mesh.neighboursOf(a)) mesh.link(a, b, { loss: 0.4, transmissions: 1 });
  mesh.start();
  mesh.run(30 * MINUTE);
  for (const name of names) {
    assert.ok(mesh.node(name).joined, `${name} joined`);
    assert.ok(mesh.root.sourceRoute(globalOf(mesh.end(name).index)).ok, `root reaches ${name}`);
  }
  const retransmitted = names.reduce((s, n) => s + mesh.node(n).counters.daoRetransmitted, 0);
  assert.ok(retransmitted > 0, 'lost DAOs or DAO-ACKs were retransmitted');
  assert.ok(mesh.dropped.length > 0, 'the links did lose frames');
});
