/**
 * The clock every simulated part runs on. Protocol cores are sans-I/O (DESIGN.md §3.1): they are
 * given `now` and ask for timers; in the simulator both come from a `Scheduler`, so the same code
 * runs on the virtual clock (fast, reproducible) or on the wall clock (real time).
 *
 * Times are milliseconds as a `number` (fractions allowed; the medium works in whole
 * microseconds and converts).
 */

/** An opaque token for a scheduled callback; pass it to `Scheduler.cancel`. */
export interface TimerHandle {
  /** The time the callback is (or was) due, in ms on the scheduler's clock. */
  readonly dueMs: number;
}

export interface Scheduler {
  /** Current time in ms. Never decreases. */
  now(): number;
  /**
   * Runs `callback(arg)` at `timeMs`. A time in the past runs at the current time, after the
   * callbacks already due then. The optional `arg` lets hot paths pass state without a closure.
   */
  scheduleAt<A = undefined>(timeMs: number, callback: (arg: A) => void, arg?: A): TimerHandle;
  /** Runs `callback(arg)` `delayMs` from now (negative delays count as 0). */
  scheduleAfter<A = undefined>(delayMs: number, callback: (arg: A) => void, arg?: A): TimerHandle;
  /** Cancels a pending callback. Returns false if it already ran or was cancelled. */
  cancel(handle: TimerHandle): boolean;
}
