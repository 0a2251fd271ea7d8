// The join flow end to end on the virtual clock, with the tool's real MeshRoot and the head-end's
// real KeyServer: issue #3 "Done when", first and second points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv6Address } from '../../src/stack/ipv6/index.ts';
import { joinAll, notJoined, virtualSystem } from './fixture.ts';

test('isolated-area-20: every meter is authenticated, holds the key, is routed and answers echo from the head-end', async (t) => {
  const sys = await virtualSystem(t, 'isolated-area-20');
  const joinedAt = await joinAll(sys, 240_000);
  assert.ok(joinedAt !== undefined, `not every meter joined within 240 s: ${notJoined(sys)}`);
  const report = sys.report();
  const keyIndex = sys.keyServer.keys.currentKeys().current.index;
  for (const r of report) {
    assert.ok(r.authenticated, `${r.id}: the key server saw no PANA session open`);
    assert.equal(r.keyIndex, keyIndex, `${r.id}: holds the network key in force`);
    assert.ok(r.hops !== undefined && r.hops >= 1, `${r.id}: has a parent chain to the tablet`);
    const state = sys.root.joinState(BigInt(`0x${r.eui64}`));
    assert.ok(state?.routed === true, `${r.id}: the root has its DAO route (state ${state?.state})`);
  }
  assert.equal(sys.root.routeCount, report.length, 'one DODAG route per meter');
  assert.ok(
    report.some((r) => (r.hops ?? 0) >= 2),
    'some meters are beyond the tablet (the scenario is multi-hop)',
  );

  // ICMPv6 echo from the head-end side, through the northbound link and down the source routes.
  // Spaced like a ping sweep; a meter unanswered after a round is asked again (radio loss), at
  // most three rounds.
  const answered = new Set<string>();
  for (let round = 0; round < 3; round++) {
    for (const [i, r] of report.entries()) {
      if (answered.has(formatIpv6Address(sys.meterAddress(r.id)))) continue;
      sys.ping(r.id, round * 100 + i);
      sys.runFor(500);
    }
    sys.runFor(10_000);
    for (const e of sys.echoReplies) answered.add(e.from);
  }
  for (const r of report) {
    const address = formatIpv6Address(sys.meterAddress(r.id));
    assert.ok(answered.has(address), `${r.id} (${address}, ${r.hops} hops) answered no echo`);
  }
});

test('town-200: joined meters that hear the tablet well take it as their RPL parent', async (t) => {
  // The root cause of the slow town-200 join (docs/protocol-decisions.md): a few collisions at
  // the busy tablet froze the ETX towards it above MRHOF's limit, and nearly every meter next to
  // it routed through deep meter chains instead (1 of 14 on the tablet at 120 s, up to 8 hops).
  const sys = await virtualSystem(t, 'town-200');
  sys.start();
  await sys.runUntilJoined({ limitMs: 120_000, stepMs: 1_000 }); // yields to the key server each second
  const medium = sys.field.medium;
  const near = sys.report().filter((r) => {
    const id = sys.field.directory.get(BigInt(`0x${r.eui64}`));
    assert.ok(id !== undefined, `${r.id} is on the medium`);
    return r.joined && medium.linkBudget(id, sys.field.tabletNodeId).rssiDbm >= -100;
  });
  assert.ok(near.length >= 5, `enough joined meters next to the tablet to judge (${near.length})`);
  const onTablet = near.filter((r) => r.hops === 1).length;
  assert.ok(
    onTablet >= (2 * near.length) / 3,
    `${onTablet} of ${near.length} joined meters heard above −100 dBm have the tablet as parent`,
  );
  const deepest = Math.max(...near.map((r) => r.hops ?? 0));
  assert.ok(deepest <= 3, `a meter next to the tablet is ${deepest} hops from it`);
});

test('town-200 reaches at least 99 % joined within 900 simulated seconds', async (t) => {
  // Issue #3 "Done when" (no time bound there; < 120 s is the benchmark's target). Measured with
  // the shipped seed: all 200 at 588 s (docs/protocol-decisions.md, PANA session
  // check); 900 s leaves room for the chaotic dynamics of a 200-node mesh. Costs ≈ 40–70 s of wall
  // time (the join, then 600 simulated seconds of a settled mesh).
  const sys = await virtualSystem(t, 'town-200');
  sys.start();
  const r = await sys.runUntilJoined({ fraction: 0.99, limitMs: 900_000, stepMs: 5_000 });
  assert.ok(
    r.joinedFraction >= 0.99,
    `joined ${(100 * r.joinedFraction).toFixed(1)} % after 900 s: ${notJoined(sys)}`,
  );
  // Joined means authenticated by the key server — a session open there now, not just once — and
  // holding the key in force, not just routed. A meter whose PAN-C was lost holds the key while the
  // key server failed its session, and no rotation would reach it; its PNR-P ping finds out within
  // ≈ 10 min (pana-liveness test), so the check runs once the last meters have had that long.
  for (let i = 0; i < 120; i++) {
    sys.runFor(5_000);
    await sys.settle(); // the key server's PSK lookups and audit steps run asynchronously
  }
  const keyIndex = sys.keyServer.keys.currentKeys().current.index;
  const inSession = sys.keyServer.metersInSession();
  const joined = sys.report().filter((x) => x.joined);
  assert.deepEqual(
    joined.filter((m) => !inSession.has(m.id)).map((m) => m.id),
    [],
    'every meter counted joined holds an open PANA session at the key server',
  );
  for (const m of joined) assert.equal(m.keyIndex, keyIndex, `${m.id}: holds the network key in force`);
});
