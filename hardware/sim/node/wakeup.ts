/**
 * One scheduler timer per node: the protocol cores only say when they next need `poll`; the node
 * arms a single callback at the earliest of those deadlines and re-arms it after every input.
 */
import type { Scheduler, TimerHandle } from '../clock/scheduler.ts';

export class Wakeup {
  private handle: TimerHandle | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly fire: () => void,
  ) {}

  /** Arms the callback at `at` (ms), replacing an earlier arming; undefined disarms it. */
  arm(at: number | undefined): void {
    if (at === undefined) return this.cancel();
    const due = Math.max(at, this.scheduler.now());
    if (this.handle && this.handle.dueMs === due) return;
    this.cancel();
    this.handle = this.scheduler.scheduleAt(due, this.run);
  }

  cancel(): void {
    if (this.handle) this.scheduler.cancel(this.handle);
    this.handle = undefined;
  }

  private readonly run = (): void => {
    this.handle = undefined;
    this.fire();
  };
}
