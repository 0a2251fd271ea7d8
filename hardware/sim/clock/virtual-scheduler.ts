/**
 * Discrete-event clock (DESIGN.md §3.7): time jumps from one event to the next, so a field of
 * meters runs as fast as the CPU allows and every run is reproducible. Time only moves forward;
 * an event scheduled in the past runs at the current time. Every run loop has an event limit so
 * that a callback that keeps rescheduling itself at "now" fails loudly instead of hanging.
 */
import { EventQueue } from './event-queue.ts';
import type { Scheduler, TimerHandle } from './scheduler.ts';

export const DEFAULT_EVENT_LIMIT = 100_000_000;

export class EventLimitError extends Error {
  constructor(limit: number, nowMs: number) {
    super(`virtual scheduler ran ${limit} events without reaching its goal (now ${nowMs} ms)`);
    this.name = 'EventLimitError';
  }
}

export class VirtualScheduler implements Scheduler {
  private readonly queue = new EventQueue();
  private current: number;
  private executed = 0;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Events run since construction (useful for benchmarks and traces). */
  get eventsRun(): number {
    return this.executed;
  }

  /** Events scheduled and not yet run or cancelled. */
  get pendingCount(): number {
    return this.queue.size;
  }

  /** Due time of the next pending event, or undefined when idle. */
  nextDueMs(): number | undefined {
    return this.queue.peek()?.dueMs;
  }

  scheduleAt<A = undefined>(timeMs: number, callback: (arg: A) => void, arg?: A): TimerHandle {
    if (Number.isNaN(timeMs)) throw new RangeError('scheduleAt: time is NaN');
    const due = timeMs > this.current ? timeMs : this.current;
    return this.queue.push(due, callback as (arg: unknown) => void, arg);
  }

  scheduleAfter<A = undefined>(delayMs: number, callback: (arg: A) => void, arg?: A): TimerHandle {
    return this.scheduleAt(this.current + (delayMs > 0 ? delayMs : 0), callback, arg);
  }

  cancel(handle: TimerHandle): boolean {
    return this.queue.cancel(handle);
  }

  /** Runs the earliest pending event. Returns false when there was none. */
  step(): boolean {
    const event = this.queue.pop();
    if (!event) return false;
    this.current = event.dueMs;
    this.executed++;
    event.callback(event.arg);
    return true;
  }

  /**
   * Runs every event due at or before `timeMs` (including those they schedule in that span), then
   * sets the clock to `timeMs`. Returns the number of events run.
   */
  runUntil(timeMs: number, eventLimit = DEFAULT_EVENT_LIMIT): number {
    let count = 0;
    while (true) {
      const next = this.queue.peek();
      if (!next || next.dueMs > timeMs) break;
      if (count >= eventLimit) throw new EventLimitError(eventLimit, this.current);
      this.step();
      count++;
    }
    if (timeMs > this.current) this.current = timeMs;
    return count;
  }

  runFor(durationMs: number, eventLimit = DEFAULT_EVENT_LIMIT): number {
    return this.runUntil(this.current + durationMs, eventLimit);
  }

  /**
   * Runs events until none is pending. Throws `EventLimitError` if `eventLimit` events ran and
   * more are still pending (a periodic timer never lets the queue go idle; use runFor then).
   */
  runUntilIdle(eventLimit = 1_000_000): number {
    let count = 0;
    while (this.queue.size > 0) {
      if (count >= eventLimit) throw new EventLimitError(eventLimit, this.current);
      this.step();
      count++;
    }
    return count;
  }
}
