/**
 * Wall-clock scheduler for real-time runs (the simulated field behind a pseudo-terminal). It keeps
 * its own (time, sequence) queue and arms one `setTimeout` for the earliest event, so callbacks
 * run in exactly the order the virtual scheduler would use; only the pacing differs. `now()` is
 * `performance.now()` relative to construction, so it is monotonic. Timer resolution is that of
 * Node's timers (about 1 ms); sub-millisecond spacing collapses into one timer tick, still in order.
 * A time in the past is due at once and keeps its place in the (time, sequence) order, so a late
 * wake-up runs the backlog in the order the virtual clock would have used.
 */
import { EventQueue } from './event-queue.ts';
import type { Scheduler, TimerHandle } from './scheduler.ts';

const MAX_EVENTS_PER_PASS = 10_000;

export class RealTimeScheduler implements Scheduler {
  private readonly queue = new EventQueue();
  private readonly originMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedForMs = Number.POSITIVE_INFINITY;
  private running = false;
  private stopped = false;

  /** `startMs` is the value `now()` reports at construction. */
  constructor(startMs = 0) {
    this.originMs = performance.now() - startMs;
  }

  now(): number {
    return performance.now() - this.originMs;
  }

  get pendingCount(): number {
    return this.queue.size;
  }

  scheduleAt<A = undefined>(timeMs: number, callback: (arg: A) => void, arg?: A): TimerHandle {
    if (Number.isNaN(timeMs)) throw new RangeError('scheduleAt: time is NaN');
    const event = this.queue.push(timeMs, callback as (arg: unknown) => void, arg);
    this.arm();
    return event;
  }

  scheduleAfter<A = undefined>(delayMs: number, callback: (arg: A) => void, arg?: A): TimerHandle {
    return this.scheduleAt(this.now() + (delayMs > 0 ? delayMs : 0), callback, arg);
  }

  cancel(handle: TimerHandle): boolean {
    return this.queue.cancel(handle);
  }

  /** Drops the armed timer and refuses to run further events (lets the process exit). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.stopped || this.running) return; // the drain loop re-arms when it finishes
    const next = this.queue.peek();
    if (!next) return;
    if (this.timer !== undefined && this.armedForMs <= next.dueMs) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedForMs = next.dueMs;
    this.timer = setTimeout(this.drain, Math.max(0, next.dueMs - this.now()));
  }

  private readonly drain = (): void => {
    this.timer = undefined;
    this.armedForMs = Number.POSITIVE_INFINITY;
    this.running = true;
    try {
      const now = this.now();
      // Events scheduled by these callbacks for "now" run in this pass, after those already due.
      // The pass is bounded so a callback that keeps rescheduling itself cannot starve I/O: the
      // rest runs on the next timer tick, still in order.
      for (let ran = 0; ran < MAX_EVENTS_PER_PASS && !this.stopped; ran++) {
        const next = this.queue.peek();
        if (!next || next.dueMs > now) break;
        this.queue.pop();
        next.callback(next.arg);
      }
    } finally {
      this.running = false;
      this.arm();
    }
  };
}
