/**
 * A binary min-heap of timed events ordered by (due time, insertion sequence). The sequence
 * number makes ties deterministic: two events due at the same instant run in the order they were
 * scheduled, so a run is reproducible from its seed. Cancellation is lazy (the entry is marked and
 * skipped when it reaches the top), which keeps cancel O(1).
 */
import type { TimerHandle } from './scheduler.ts';

export class TimedEvent implements TimerHandle {
  pending = true;
  constructor(
    readonly dueMs: number,
    readonly seq: number,
    readonly callback: (arg: unknown) => void,
    readonly arg: unknown,
  ) {}
}

function before(a: TimedEvent, b: TimedEvent): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

export class EventQueue {
  private readonly heap: TimedEvent[] = [];
  private nextSeq = 0;
  private live = 0;

  /** Number of scheduled events not yet run or cancelled. */
  get size(): number {
    return this.live;
  }

  push(dueMs: number, callback: (arg: unknown) => void, arg: unknown): TimedEvent {
    const event = new TimedEvent(dueMs, this.nextSeq++, callback, arg);
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
    this.live++;
    return event;
  }

  cancel(handle: TimerHandle): boolean {
    if (!(handle instanceof TimedEvent) || !handle.pending) return false;
    handle.pending = false;
    this.live--;
    return true;
  }

  /** The earliest pending event, without removing it (cancelled entries are discarded). */
  peek(): TimedEvent | undefined {
    this.dropCancelledTop();
    return this.heap[0];
  }

  /** Removes and returns the earliest pending event, marking it as no longer pending. */
  pop(): TimedEvent | undefined {
    this.dropCancelledTop();
    const top = this.removeTop();
    if (top) {
      top.pending = false;
      this.live--;
    }
    return top;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && !this.heap[0]!.pending) this.removeTop();
  }

  private removeTop(): TimedEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return top;
    let i = 0;
    while (true) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
      const c = heap[child]!;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
