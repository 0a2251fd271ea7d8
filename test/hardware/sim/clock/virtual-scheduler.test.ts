import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventLimitError, VirtualScheduler } from '../../../../hardware/sim/clock/index.ts';
import { Random } from '../../../../hardware/sim/random.ts';

test('events run in time order, ties in the order they were scheduled', () => {
  const s = new VirtualScheduler();
  const seen: string[] = [];
  s.scheduleAt(5, () => seen.push('b@5'));
  s.scheduleAt(1, () => seen.push('a@1'));
  s.scheduleAt(5, () => seen.push('c@5'));
  s.scheduleAfter(3, () => seen.push('x@3'));
  s.scheduleAt(5, () => seen.push('d@5'));
  s.runUntilIdle();
  assert.deepEqual(seen, ['a@1', 'x@3', 'b@5', 'c@5', 'd@5']);
  assert.equal(s.now(), 5);
});

test('callbacks see their own due time and receive their argument', () => {
  const s = new VirtualScheduler(100);
  const seen: [number, number][] = [];
  for (const t of [130, 110, 120]) s.scheduleAt(t, (arg: number) => seen.push([s.now(), arg]), t * 2);
  s.runUntilIdle();
  assert.deepEqual(seen, [
    [110, 220],
    [120, 240],
    [130, 260],
  ]);
});

test('time never goes backwards: the past runs at now, after what is already due now', () => {
  const s = new VirtualScheduler();
  const seen: string[] = [];
  s.runFor(50);
  s.scheduleAt(50, () => seen.push('due-now'));
  s.scheduleAt(10, () => {
    seen.push(`past ran at ${s.now()}`);
  });
  s.scheduleAfter(-5, () => seen.push('negative delay'));
  s.runUntilIdle();
  assert.deepEqual(seen, ['due-now', 'past ran at 50', 'negative delay']);
  assert.equal(s.now(), 50);
  s.runUntil(20);
  assert.equal(s.now(), 50, 'runUntil an earlier time does not rewind');
});

test('runUntil runs events due up to and including the limit and advances the clock', () => {
  const s = new VirtualScheduler();
  const seen: number[] = [];
  for (const t of [10, 20, 30]) s.scheduleAt(t, () => seen.push(t));
  assert.equal(s.runUntil(20), 2);
  assert.deepEqual(seen, [10, 20]);
  assert.equal(s.now(), 20);
  assert.equal(s.runFor(5), 0);
  assert.equal(s.now(), 25);
  assert.equal(s.pendingCount, 1);
  assert.equal(s.nextDueMs(), 30);
});

test('events scheduled by callbacks inside the window run in the same call', () => {
  const s = new VirtualScheduler();
  const seen: number[] = [];
  s.scheduleAt(1, () => {
    seen.push(1);
    s.scheduleAfter(1, () => seen.push(2));
    s.scheduleAfter(100, () => seen.push(101));
  });
  s.runUntil(10);
  assert.deepEqual(seen, [1, 2]);
});

test('cancel removes a pending event, once', () => {
  const s = new VirtualScheduler();
  const seen: string[] = [];
  const h = s.scheduleAt(1, () => seen.push('cancelled'));
  s.scheduleAt(2, () => seen.push('kept'));
  assert.equal(s.cancel(h), true);
  assert.equal(s.cancel(h), false);
  assert.equal(s.pendingCount, 1);
  s.runUntilIdle();
  assert.deepEqual(seen, ['kept']);
  const ran = s.scheduleAt(3, () => undefined);
  s.runUntilIdle();
  assert.equal(s.cancel(ran), false, 'an event that already ran cannot be cancelled');
});

test('runaway loops hit the event limit instead of hanging', () => {
  const s = new VirtualScheduler();
  const again = (): void => {
    s.scheduleAfter(0, again);
  };
  s.scheduleAt(0, again);
  assert.throws(() => s.runUntilIdle(1000), EventLimitError);
  assert.throws(() => s.runUntil(1, 1000), EventLimitError);
});

test('the heap orders thousands of random events correctly', () => {
  const s = new VirtualScheduler();
  const r = new Random('heap');
  const due: number[] = [];
  const seen: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const t = r.int(0, 1000);
    due.push(t);
    const h = s.scheduleAt(t, () => seen.push(t));
    if (i % 7 === 0) {
      s.cancel(h);
      due.pop();
    }
  }
  s.runUntilIdle();
  assert.deepEqual(
    seen,
    due.sort((a, b) => a - b),
  );
});

/** A small self-driving process: timers whose delays come from the seeded generator. */
function trace(seed: number): string[] {
  const s = new VirtualScheduler();
  const random = new Random(seed);
  const out: string[] = [];
  for (let node = 0; node < 5; node++) {
    const r = random.fork(`node:${node}`);
    const tick = (n: number): void => {
      out.push(`${s.now().toFixed(3)} node${node} #${n}`);
      if (n < 20) s.scheduleAfter(r.uniformRange(0, 10), tick, n + 1);
    };
    s.scheduleAt(r.uniformRange(0, 5), tick, 0);
  }
  s.runUntilIdle();
  return out;
}

test('same seed gives an identical event trace; another seed does not', () => {
  const a = trace(42);
  assert.equal(a.length, 5 * 21);
  assert.deepEqual(trace(42), a);
  assert.notDeepEqual(trace(43), a);
});
