/**
 * The engine's clock. Structurally the subset of the simulator's `Scheduler`
 * (hardware/sim/clock) the engine uses, so the virtual scheduler and a real-time one both fit;
 * the engine never imports hardware/ (DESIGN.md §2).
 */

export interface EngineTimerHandle {
  readonly dueMs: number;
}

export interface EngineClock {
  /** Current time in ms; never decreases. */
  now(): number;
  /** Runs `callback` at `timeMs` (a past time runs as soon as possible). */
  scheduleAt(timeMs: number, callback: () => void): EngineTimerHandle;
  /** Cancels a pending callback; false when it already ran or was cancelled. */
  cancel(handle: EngineTimerHandle): boolean;
}

/**
 * Named one-shot timers on an `EngineClock`: arming a name replaces its earlier arming, so the
 * engine can hand over a sans-I/O core's "complete set of armed timers" after every call.
 */
export class TimerSet {
  private readonly armed = new Map<string, { at: number; handle: EngineTimerHandle }>();

  constructor(
    private readonly clock: EngineClock,
    private readonly fire: (name: string) => void,
  ) {}

  arm(name: string, at: number): void {
    const old = this.armed.get(name);
    if (old && old.at === at) return;
    if (old) this.clock.cancel(old.handle);
    const handle = this.clock.scheduleAt(at, () => {
      const current = this.armed.get(name);
      if (current?.handle !== handle) return; // replaced or cancelled meanwhile
      this.armed.delete(name);
      this.fire(name);
    });
    this.armed.set(name, { at, handle });
  }

  disarm(name: string): void {
    const old = this.armed.get(name);
    if (!old) return;
    this.clock.cancel(old.handle);
    this.armed.delete(name);
  }

  /** Arms exactly `timers` among the names starting with `prefix`, disarming the others. */
  sync(prefix: string, timers: readonly { name: string; at: number }[]): void {
    const keep = new Set(timers.map((t) => t.name));
    for (const name of [...this.armed.keys()])
      if (name.startsWith(prefix) && !keep.has(name)) this.disarm(name);
    for (const t of timers) this.arm(t.name, t.at);
  }

  names(): string[] {
    return [...this.armed.keys()];
  }

  cancelAll(): void {
    for (const { handle } of this.armed.values()) this.clock.cancel(handle);
    this.armed.clear();
  }
}
