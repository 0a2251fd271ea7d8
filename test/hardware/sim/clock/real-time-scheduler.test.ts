import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealTimeScheduler } from '../../../../hardware/sim/clock/index.ts';

test('real-time scheduler fires in (time, insertion) order and its clock is monotonic', async () => {
  // Absolute due times, so the expected order holds however late the process wakes up.
  const s = new RealTimeScheduler();
  const t0 = s.now();
  const seen: string[] = [];
  const clock: number[] = [];
  const finished = new Promise<void>((resolve) => {
    s.scheduleAt(t0 + 30, () => {
      seen.push('last');
      resolve();
    });
  });
  s.scheduleAt(t0 + 12, () => seen.push('c'));
  s.scheduleAt(t0 + 4, () => seen.push('a'));
  s.scheduleAt(t0 + 12, () => seen.push('d'));
  s.scheduleAt(t0 + 8, () => {
    seen.push('b');
    clock.push(s.now());
    // Due at the same instant as this callback: runs next, before 'c'.
    s.scheduleAt(t0 + 8, () => {
      seen.push('b+0');
      clock.push(s.now());
    });
  });
  const cancelled = s.scheduleAt(t0 + 6, () => seen.push('cancelled'));
  s.cancel(cancelled);
  const guard = setTimeout(() => s.stop(), 5000);
  await finished;
  clearTimeout(guard);
  s.stop();
  assert.deepEqual(seen, ['a', 'b', 'b+0', 'c', 'd', 'last']);
  assert.ok(clock[0]! >= t0 + 8, 'nothing fires early');
  assert.ok(clock[1]! >= clock[0]!, 'now() does not go backwards');
  assert.equal(s.pendingCount, 0);
});

test('stop() drops pending events', async () => {
  const s = new RealTimeScheduler();
  let ran = false;
  s.scheduleAfter(5, () => {
    ran = true;
  });
  s.stop();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(ran, false);
});
