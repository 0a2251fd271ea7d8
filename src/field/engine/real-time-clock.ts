/**
 * The mesh root's `EngineClock` on the wall clock, for the app and `fieldroot field` when the
 * host passes none. Monotonic (`performance.now()`); one Node timer per scheduled callback.
 * Callbacks due at the same millisecond run in the order they were scheduled (Node's timer lists
 * keep insertion order), which is all the mesh root relies on.
 */
import type { EngineClock, EngineTimerHandle } from '../mesh/clock.ts';

interface RealTimer extends EngineTimerHandle {
  timer: ReturnType<typeof setTimeout> | undefined;
}

export function realTimeEngineClock(): EngineClock {
  const origin = performance.now();
  const now = (): number => performance.now() - origin;
  return {
    now,
    scheduleAt(timeMs, callback) {
      const handle: RealTimer = { dueMs: timeMs, timer: undefined };
      handle.timer = setTimeout(
        () => {
          handle.timer = undefined;
          callback();
        },
        Math.max(0, timeMs - now()),
      );
      return handle;
    },
    cancel(handle) {
      const t = handle as RealTimer;
      if (t.timer === undefined) return false;
      clearTimeout(t.timer);
      t.timer = undefined;
      return true;
    },
  };
}
