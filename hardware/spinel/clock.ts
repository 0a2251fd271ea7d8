/**
 * The timer interface the driver, the supervisor and the virtual dongle use. Tests inject a
 * {@link ManualClock} so every timeout is deterministic; the real serial edge uses {@link realClock}.
 */

/** An opaque timer token. */
export type TimerId = object | number;

export interface DriverClock {
  /** Milliseconds; never decreases. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** Wall-clock timers (`performance.now()`, `setTimeout`). Timers do not keep the process alive. */
export const realClock: DriverClock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => {
    const t = setTimeout(callback, Math.max(0, delayMs));
    t.unref();
    return t;
  },
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  id: number;
  due: number;
  callback: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` runs every timer due up to the new time, in
 * due order (ties in creation order), letting promise callbacks settle between timers so code that
 * awaits and re-arms behaves as it would on a real clock.
 */
export class ManualClock implements DriverClock {
  private time = 0;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerId {
    const id = this.nextId++;
    this.timers.push({ id, due: this.time + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimeout(id: TimerId): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Number of armed timers (tests check that nothing is left behind). */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers; bounded to 100,000 timer firings. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (let fired = 0; fired < 100_000; fired++) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.due <= end && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.due);
      next.callback();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

/** Lets queued microtasks, promise continuations and immediates run (`turns` event-loop turns). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
