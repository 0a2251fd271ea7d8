/**
 * The scenario's 'loss-burst' failures: for `duration` seconds from `at`, every link loses frames
 * at `lossRate` on top of the scenario's own loss (independent losses: 1 − (1 − a)(1 − b)).
 * Overlapping bursts combine the same way; the medium returns to the scenario's rate after them.
 */
import type { Scheduler } from '../../../hardware/sim/clock/index.ts';
import type { RadioMedium } from '../../../hardware/sim/medium/medium.ts';
import type { ScenarioFailure } from '../../../hardware/sim/scenario/index.ts';

export function scheduleLossBursts(
  medium: RadioMedium,
  scheduler: Scheduler,
  failures: readonly ScenarioFailure[],
  startMs: number,
): number {
  const base = medium.extraLossRate;
  /** Bursts in progress: failure index → its loss rate. */
  const active = new Map<number, number>();
  const apply = (): void => {
    if (active.size === 0) return medium.setExtraLossRate(base);
    let survive = 1 - base;
    for (const rate of active.values()) survive *= 1 - rate;
    medium.setExtraLossRate(1 - survive);
  };
  let n = 0;
  failures.forEach((f, i) => {
    if (f.kind !== 'loss-burst') return;
    scheduler.scheduleAt(startMs + f.at * 1000, () => {
      active.set(i, f.lossRate);
      apply();
    });
    scheduler.scheduleAt(startMs + (f.at + f.duration) * 1000, () => {
      active.delete(i);
      apply();
    });
    n++;
  });
  return n;
}
