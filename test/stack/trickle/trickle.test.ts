import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrickleTimer, trickleConfigFromDio } from '../../../src/stack/trickle/index.ts';
import { Random } from '../../../hardware/sim/random.ts';

function seeded(seed: string): () => number {
  const r = new Random(seed);
  return () => r.uniform();
}

/** Runs the timer to `until`, returning the transmit times and the interval lengths seen. */
function drive(t: TrickleTimer, until: number): { sent: number[]; intervals: number[] } {
  const sent: number[] = [];
  const intervals: number[] = [t.interval];
  for (let i = 0; i < 10_000; i++) {
    const d = t.deadline();
    if (d === undefined || d > until) break;
    if (t.expire(d)) sent.push(d);
    if (t.interval !== intervals[intervals.length - 1]) intervals.push(t.interval);
  }
  return { sent, intervals };
}

test('Trickle: I starts at Imin, doubles each interval and stops at Imax', () => {
  const t = new TrickleTimer({ imin: 100, doublings: 3, k: 1 }, seeded('a'));
  t.startTimer(0);
  assert.equal(t.imax, 800);
  const { intervals, sent } = drive(t, 5_000);
  assert.deepEqual(intervals.slice(0, 4), [100, 200, 400, 800]);
  assert.equal(Math.max(...intervals), 800);
  // with nothing heard, every interval transmits once
  assert.ok(sent.length >= 8, `one transmission per interval expected, got ${sent.length}`);
});

test('Trickle: the transmission point t lies in [I/2, I) of its interval (RFC 6206 §4.2)', () => {
  const t = new TrickleTimer({ imin: 64, doublings: 6, k: 3 }, seeded('b'));
  t.startTimer(1_000);
  for (let i = 0; i < 200; i++) {
    const start = t.intervalStart;
    const len = t.interval;
    const at = t.transmitAt;
    assert.ok(
      at >= start + len / 2 && at < start + len,
      `t=${at} outside [${start + len / 2}, ${start + len})`,
    );
    t.expire(at);
    t.expire(t.intervalEnd);
  }
});

test('Trickle: k consistent messages suppress the transmission, fewer do not', () => {
  const t = new TrickleTimer({ imin: 1_000, doublings: 2, k: 2 }, seeded('c'));
  t.startTimer(0);
  t.hearConsistent();
  assert.equal(t.expire(t.transmitAt), true, 'c=1 < k=2 must transmit');
  t.expire(t.intervalEnd);
  t.hearConsistent();
  t.hearConsistent();
  assert.equal(t.expire(t.transmitAt), false, 'c=2 = k must suppress');
  assert.equal(t.suppressed, 1);
  t.expire(t.intervalEnd);
  assert.equal(t.counter, 0, 'c resets at each new interval');
});

test('Trickle: k = 0 never suppresses (RFC 6550 §8.3.1)', () => {
  const t = new TrickleTimer(trickleConfigFromDio(4, 2, 0), seeded('d'));
  t.startTimer(0);
  for (let i = 0; i < 20; i++) t.hearConsistent();
  assert.equal(t.expire(t.transmitAt), true);
});

test('Trickle: an inconsistency resets I to Imin, and is a no-op when I is already Imin', () => {
  const t = new TrickleTimer({ imin: 100, doublings: 4, k: 1 }, seeded('e'));
  t.startTimer(0);
  const firstT = t.transmitAt;
  t.reset(10);
  assert.equal(t.transmitAt, firstT, 'reset at I = Imin must not restart the interval');
  drive(t, 1_000);
  assert.ok(t.interval > 100, 'interval grew');
  t.reset(1_234);
  assert.equal(t.interval, 100);
  assert.equal(t.intervalStart, 1_234);
  assert.ok(t.transmitAt >= 1_284 && t.transmitAt < 1_334, 'new t within the new Imin interval');
});

test('Trickle: deterministic under a seeded random source', () => {
  const run = (seed: string) => {
    const t = new TrickleTimer({ imin: 4096, doublings: 8, k: 10 }, seeded(seed));
    t.startTimer(0);
    return drive(t, 3_600_000).sent;
  };
  assert.deepEqual(run('same'), run('same'));
  assert.notDeepEqual(run('same'), run('other'));
});

test('Trickle: a stopped timer has no deadline and does not transmit; reset starts it', () => {
  const t = new TrickleTimer({ imin: 10, doublings: 1, k: 1 }, seeded('f'));
  assert.equal(t.deadline(), undefined);
  assert.equal(t.expire(100), false);
  t.reset(50);
  assert.ok(t.running, 'reset starts a stopped timer');
  t.stop();
  assert.equal(t.deadline(), undefined);
});

test('Trickle: a caller that sleeps through many intervals gets one transmission, not a burst', () => {
  const t = new TrickleTimer({ imin: 10, doublings: 2, k: 1 }, seeded('g'));
  t.startTimer(0);
  let sent = 0;
  if (t.expire(100_000)) sent++;
  assert.equal(sent, 1);
  assert.ok(t.intervalEnd > 100_000, 'the new interval lies in the future');
});

test('Trickle: invalid parameters are refused', () => {
  assert.throws(() => new TrickleTimer({ imin: 0, doublings: 1, k: 1 }, Math.random), RangeError);
  assert.throws(() => new TrickleTimer({ imin: 1, doublings: -1, k: 1 }, Math.random), RangeError);
  assert.throws(() => new TrickleTimer({ imin: 1, doublings: 1, k: 1.5 }, Math.random), RangeError);
});
