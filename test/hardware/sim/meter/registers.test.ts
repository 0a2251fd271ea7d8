import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { energyKwh } from '../../../../src/stack/echonet/index.ts';
import { EnergyRegisters, HISTORY_DAYS } from '../../../../hardware/sim/meter/index.ts';
import type { PowerAt, RegisterSpec } from '../../../../hardware/sim/meter/index.ts';
import { Random } from '../../../../hardware/sim/random.ts';

const MIN = 60_000;
const HALF = 30 * MIN;
const DAY = 1440 * MIN;
/** Local midnight of some day, and 09:10 that day. */
const DAY0 = 20_584;
const MIDNIGHT = DAY0 * DAY;
const START = MIDNIGHT + 9 * 60 * MIN + 10 * MIN;

const spec = (over: Partial<RegisterSpec> = {}): RegisterSpec => ({
  digits: 8,
  initialForward: 5000,
  initialReverse: 0,
  reverseFlow: false,
  unitCode: 0x02,
  coefficient: 1,
  ...over,
});
const constant =
  (w: number): PowerAt =>
  () =>
    w;

function registers(s: RegisterSpec, power: PowerAt = constant(1000), prefillDays = 2, start = START) {
  return new EnergyRegisters(s, { startLocalMs: start, prefillDays, pastPower: power });
}

describe('energy registers', () => {
  it('integrates exactly: 1 kW for 24 h is 24 kWh = 2400 counts of 0.01 kWh', () => {
    const r = registers(spec());
    r.advanceTo(START + DAY, constant(1000));
    assert.equal(r.count('normal'), 5000 + 2400);
    assert.equal(r.exactKwh('normal'), '74');
    assert.equal(r.registerKwh('normal'), '74');
  });

  it('does not drift however time is sliced', () => {
    const rng = new Random('slices');
    const power: PowerAt = (m) => 300 + ((m * 7919) % 2000) - 500; // varies, sometimes negative
    const whole = registers(spec({ reverseFlow: true }), power);
    const sliced = registers(spec({ reverseFlow: true }), power);
    whole.advanceTo(START + 2 * DAY, power);
    let t = START;
    for (let i = 0; i < 5000 && t < START + 2 * DAY; i++) {
      t = Math.min(START + 2 * DAY, t + rng.int(1, 90_000));
      sliced.advanceTo(t, power);
    }
    sliced.advanceTo(START + 2 * DAY, power);
    assert.equal(sliced.exactKwh('normal'), whole.exactKwh('normal'));
    assert.equal(sliced.exactKwh('reverse'), whole.exactKwh('reverse'));
    assert.deepEqual(sliced.history('normal', DAY0 + 1), whole.history('normal', DAY0 + 1));
  });

  it('scales by coefficient and unit exactly: kWh = E0 × D3 × unit', () => {
    const cases: [number | undefined, number | undefined][] = [
      [undefined, undefined],
      [40, undefined],
      [1, 0x00],
      [1, 0x01],
      [10, 0x02],
      [1, 0x03],
      [1, 0x04],
      [40, 0x0a],
      [1, 0x0b],
    ];
    for (const [coefficient, unitCode] of cases) {
      const r = registers(spec({ coefficient, unitCode, initialForward: 0, digits: 8 }), constant(2345));
      r.advanceTo(START + 3 * DAY, constant(2345)); // 168.84 kWh
      const label = `D3 ${coefficient}, E1 ${unitCode}`;
      const shown = Number(energyKwh(r.count('normal'), r.coefficient, r.unit));
      const step = Number(energyKwh(1, r.coefficient, r.unit));
      assert.equal(r.registerKwh('normal'), energyKwh(r.count('normal'), r.coefficient, r.unit), label);
      assert.ok(shown <= 168.84 && 168.84 < shown + step, `${label}: register shows ${shown} kWh of 168.84`);
      assert.equal(r.exactKwh('normal'), '168.84', label);
    }
  });

  it('rolls over at 10^digits (D7)', () => {
    const r = registers(spec({ digits: 6, initialForward: 999_990, unitCode: 0x02 }));
    r.advanceTo(START + HALF, constant(2000)); // 09:10 → 09:40, 1 kWh = 100 counts
    assert.equal(r.count('normal'), 90, '999,990 + 100 wraps to 90');
    const day = r.history('normal', DAY0);
    assert.equal(day[18], 999_973, '09:00, pre-filled at 1 kW: 16.67 counts before the start');
    assert.equal(day[19], 56, '09:30: 999,990 + 66.67 counts wrapped past 999,999');
    assert.equal(day[20], null, 'no data after the integrated time');
  });

  it('records every 30-minute boundary with the register value there', () => {
    const power: PowerAt = (m) => 200 + (m % 37) * 40;
    const r = registers(spec(), power);
    const seen: number[] = [];
    for (let t = START; t <= START + DAY; t += 7 * MIN) {
      r.advanceTo(t, power);
      if (t % HALF === 0) seen.push(r.count('normal'));
    }
    // the 7-minute walk hits a boundary every 3.5 h; each must equal the recorded slot
    let checked = 0;
    for (let t = START; t <= START + DAY; t += 7 * MIN) {
      if (t % HALF !== 0) continue;
      const day = Math.floor(t / DAY);
      assert.equal(r.history('normal', day)[(t - day * DAY) / HALF], seen[checked], `slot at ${t}`);
      checked++;
    }
    assert.ok(checked >= 6, `checked ${checked} boundaries`);
    const today = r.history('normal', DAY0 + 1);
    for (let i = 1; i < 48; i++)
      if (today[i] !== null)
        assert.ok(today[i]! >= today[i - 1]!, 'history never decreases without rollover');
  });

  it('pre-fills history before the start from the profile, counting back from the initial value', () => {
    const r = registers(spec({ initialForward: 100_000 }), constant(1000), 2);
    // 1 kW = 0.5 kWh = 50 counts per half hour; 09:00 is 10 minutes (16.67 counts) before 09:10
    const today = r.history('normal', DAY0);
    assert.equal(today[18], 100_000 - 17, '09:00 (the residual is 0 here, so 16.67 counts back → floor)');
    assert.equal(today[17], 100_000 - 67, '08:30');
    assert.equal(today[0], 100_000 - Math.ceil((9 * 60 + 10) * (100 / 60)), '00:00');
    assert.equal(today[19], null, '09:30 has not happened yet');
    const twoDaysAgo = r.history('normal', DAY0 - 2);
    assert.ok(
      twoDaysAgo.every((v) => v !== null),
      'the prefilled days are complete',
    );
    assert.ok(
      r.history('normal', DAY0 - 3).every((v) => v === null),
      'before history starts: no data',
    );
  });

  it('advances E3 only on a reverse-flow meter', () => {
    const exporting = constant(-1500);
    const bidirectional = registers(spec({ reverseFlow: true, initialReverse: 10 }), exporting);
    const oneWay = registers(spec({ reverseFlow: false, initialReverse: 10 }), exporting);
    bidirectional.advanceTo(START + 2 * HALF, exporting);
    oneWay.advanceTo(START + 2 * HALF, exporting);
    assert.equal(bidirectional.count('reverse'), 10 + 150);
    assert.equal(bidirectional.count('normal'), 5000, 'export does not move E0');
    assert.equal(oneWay.count('reverse'), 10);
  });

  it('keeps 100 days of history and forgets older days', () => {
    const r = registers(spec(), constant(50), 0, MIDNIGHT);
    r.advanceTo(MIDNIGHT + HISTORY_DAYS * DAY + HALF, constant(50));
    assert.ok(
      r.history('normal', DAY0 + 1).every((v) => v !== null),
      'day 99 is still there',
    );
    assert.ok(
      r.history('normal', DAY0).every((v) => v === null),
      'day 100 is gone',
    );
  });

  it('refuses initial values that do not fit the digits', () => {
    assert.throws(() => registers(spec({ digits: 6, initialForward: 1_000_000 })), RangeError);
  });
});
