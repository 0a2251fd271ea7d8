import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EtxEstimate,
  ETX_FRESH_MS,
  ETX_INITIAL,
  ETX_NOACK_EXTRA,
  ETX_STALE_HALF_LIFE_MS,
  INFINITE_RANK,
  LOLLIPOP_INIT,
  MRHOF_MAX_LINK_METRIC,
  MRHOF_PARENT_SWITCH_THRESHOLD,
  createMrhof,
  createOf0,
  dagRank,
  lollipopCompare,
  lollipopIncrement,
} from '../../../src/stack/rpl/index.ts';

test('lollipop (RFC 6550 §7.2): starts at 240, runs through 255 into the circular region and wraps at 127', () => {
  assert.equal(LOLLIPOP_INIT, 240);
  assert.equal(lollipopIncrement(254), 255);
  assert.equal(lollipopIncrement(255), 0);
  assert.equal(lollipopIncrement(126), 127);
  assert.equal(lollipopIncrement(127), 0);
  assert.throws(() => lollipopIncrement(256), RangeError);
});

test('lollipop comparison: window, regions and desynchronisation', () => {
  assert.equal(lollipopCompare(241, 240), 1);
  assert.equal(lollipopCompare(240, 241), -1);
  assert.equal(lollipopCompare(5, 5), 0);
  assert.equal(lollipopCompare(2, 250), 1, 'just wrapped out of the linear region: newer');
  assert.equal(lollipopCompare(250, 2), -1);
  assert.equal(lollipopCompare(240, 100), 1, 'a restarted sender (linear) beats an old circular value');
  assert.equal(lollipopCompare(1, 126), 1, 'circular wrap 126 → 127 → 0 → 1');
  assert.equal(lollipopCompare(126, 1), -1);
  assert.equal(lollipopCompare(60, 10), undefined, 'beyond SEQUENCE_WINDOW: not comparable');
  let v = LOLLIPOP_INIT;
  for (let i = 0; i < 300; i++) {
    const next = lollipopIncrement(v);
    assert.equal(lollipopCompare(next, v), 1, `${next} newer than ${v}`);
    v = next;
  }
});

test('MRHOF (RFC 6719): Rank = parent Rank + ETX·128, at least one MinHopRankIncrease; poor links unusable', () => {
  const of = createMrhof(256);
  assert.equal(of.rankVia(256, 1), 512, 'floored at MinHopRankIncrease');
  assert.equal(of.rankVia(256, 3), 256 + 384);
  assert.equal(of.rankVia(256, 4.5), INFINITE_RANK, 'link metric over MAX_LINK_METRIC');
  assert.equal(of.rankVia(INFINITE_RANK, 1), INFINITE_RANK);
  assert.equal(of.shouldSwitch(1000, 1000 - MRHOF_PARENT_SWITCH_THRESHOLD), false);
  assert.equal(of.shouldSwitch(1000, 1000 - MRHOF_PARENT_SWITCH_THRESHOLD - 1), true);
});

test('OF0 (RFC 6552): step of rank from ETX, bounded 1..9', () => {
  const of = createOf0(256);
  assert.equal(of.rankVia(256, 1), 256 + 3 * 256);
  assert.equal(of.rankVia(256, 16), 256 + 9 * 256, 'capped at MAXIMUM_STEP_OF_RANK');
  assert.equal(of.shouldSwitch(1024, 1024), false);
  assert.equal(of.shouldSwitch(1024, 768), true);
  assert.equal(dagRank(767, 256), 2);
});

test('ETX estimate: first acknowledged sample replaces the guess, then EWMA with α = 1/8', () => {
  const e = new EtxEstimate();
  assert.equal(e.etx, 2);
  e.update(true, 1);
  assert.equal(e.etx, 1);
  e.update(true, 3);
  assert.equal(e.etx, 1.25);
  // A failed MAC transaction of 4 attempts is one sample of 4 + ETX_NOACK_EXTRA, not a fixed 8.
  e.update(false, 4);
  assert.equal(e.etx, 0.125 * (4 + ETX_NOACK_EXTRA) + 0.875 * 1.25);
  for (let i = 0; i < 100; i++) e.update(false, 4);
  assert.ok(e.etx <= 16, 'capped');
  assert.ok(e.etx * 128 > MRHOF_MAX_LINK_METRIC, 'a link that keeps failing ends up unacceptable to MRHOF');
});

test('ETX estimate: a few lost transactions do not make a fresh or a good link unacceptable to MRHOF', () => {
  const fresh = new EtxEstimate();
  fresh.update(false, 4);
  assert.ok(
    fresh.etx * 128 <= MRHOF_MAX_LINK_METRIC,
    `a fresh neighbour survives one loss (ETX ${fresh.etx})`,
  );
  assert.ok(fresh.etx > 2, 'but the loss counts');
  const good = new EtxEstimate();
  good.update(true, 1);
  let lost = 0;
  // Bounded: a dead link must be rejected within 20 failed transactions.
  while (good.etx * 128 <= MRHOF_MAX_LINK_METRIC && lost < 20) {
    good.update(false, 4);
    lost++;
  }
  assert.ok(lost >= 8, `a collision burst of several transactions is tolerated (rejected after ${lost})`);
  assert.ok(
    good.etx * 128 > MRHOF_MAX_LINK_METRIC,
    `a link that keeps failing is rejected (ETX ${good.etx})`,
  );
  good.update(true, 1);
  good.update(true, 1);
  assert.ok(good.etx * 128 <= MRHOF_MAX_LINK_METRIC, 'acknowledged frames bring it back');
});

test('ETX estimate: a stale bad estimate ages back towards the initial guess, a fresh one does not', () => {
  const e = new EtxEstimate();
  e.update(true, 1, 0);
  for (let i = 0; i < 12; i++) e.update(false, 4, 1_000 + i);
  const bad = e.etxAt(2_000);
  assert.ok(bad * 128 > MRHOF_MAX_LINK_METRIC, `just after the losses the link is unusable (ETX ${bad})`);
  assert.equal(e.etxAt(1_011 + ETX_FRESH_MS), bad, 'no ageing while the estimate is fresh');
  const later = e.etxAt(1_011 + ETX_FRESH_MS + 4 * ETX_STALE_HALF_LIFE_MS);
  assert.ok(
    later * 128 <= MRHOF_MAX_LINK_METRIC && later > ETX_INITIAL,
    `after four half-lives unused it is a candidate again, still above the guess (ETX ${later})`,
  );
  const good = new EtxEstimate();
  good.update(true, 1, 0);
  assert.equal(good.etxAt(10 * ETX_FRESH_MS), 1, 'a good link used rarely (DAO refreshes) stays good');
  // After the silence the first acknowledged transaction is the measurement, as for a new neighbour.
  e.update(true, 3, 1_011 + ETX_FRESH_MS + 4 * ETX_STALE_HALF_LIFE_MS);
  assert.equal(e.etx, 3, 'the first acknowledged sample after a silence replaces the estimate');
  e.update(false, 4, 1_012 + ETX_FRESH_MS + 4 * ETX_STALE_HALF_LIFE_MS);
  assert.equal(e.etx, 0.125 * 5 + 0.875 * 3, 'then EWMA again while fresh');
});
