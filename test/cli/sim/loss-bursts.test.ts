/** The scenario's loss bursts raise the medium's loss for their span, combining independently. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualScheduler } from '../../../hardware/sim/clock/index.ts';
import { RadioMedium } from '../../../hardware/sim/medium/index.ts';
import { scheduleLossBursts } from '../../../src/cli/sim/loss-bursts.ts';

test('loss bursts: on at `at`, off after `duration`, overlapping ones combine as independent losses', () => {
  const scheduler = new VirtualScheduler();
  const medium = new RadioMedium(scheduler, { extraLossRate: 0.05 });
  const n = scheduleLossBursts(
    medium,
    scheduler,
    [
      { kind: 'loss-burst', at: 1, duration: 2, lossRate: 0.5 },
      { kind: 'dongle-unplug', at: 1, duration: 1 },
      { kind: 'loss-burst', at: 2, duration: 3, lossRate: 0.2 },
    ],
    0,
  );
  assert.equal(n, 2);
  const at = (s: number): number => {
    scheduler.runUntil(s * 1000);
    return medium.extraLossRate;
  };
  assert.equal(at(0.5), 0.05);
  assert.ok(Math.abs(at(1.5) - (1 - 0.95 * 0.5)) < 1e-12, 'first burst on top of the base loss');
  assert.ok(Math.abs(at(2.5) - (1 - 0.95 * 0.5 * 0.8)) < 1e-12, 'both bursts');
  assert.ok(Math.abs(at(4) - (1 - 0.95 * 0.8)) < 1e-12, 'second burst only');
  assert.equal(at(6), 0.05, 'back to the scenario loss');
  assert.throws(() => medium.setExtraLossRate(1.5), RangeError);
});
