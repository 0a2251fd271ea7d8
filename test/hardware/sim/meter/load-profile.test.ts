import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../../../hardware/sim/random.ts';
import {
  HOUSEHOLD_SHAPES,
  LoadModel,
  dayLengthHours,
  localDay,
  shapeDailyWh,
  weekdayOfDay,
} from '../../../../hardware/sim/meter/index.ts';
import type { Household } from '../../../../hardware/sim/meter/index.ts';
import { START } from './fixture.ts';

const MONDAY = localDay(START + 9 * 3_600_000);
const SUNDAY = MONDAY + 6;
const mean = (xs: ArrayLike<number>, from: number, to: number) => {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i]!;
  return s / (to - from);
};
const dayKwh = (xs: ArrayLike<number>) => (mean(xs, 0, 1440) * 24) / 1000;

describe('household load profiles', () => {
  it('documents the daily energy of each shape (Wh on work / rest days)', () => {
    const figures: Record<Household, [number, number]> = {
      single: [5340, 6870],
      family: [12510, 13910],
      'family-solar': [12510, 13910],
      shop: [45500, 14400],
      vacant: [480, 480],
    };
    for (const [h, [work, rest]] of Object.entries(figures)) {
      const shape = HOUSEHOLD_SHAPES[h as Household];
      assert.equal(shapeDailyWh(shape.workday), work, `${h} work day`);
      assert.equal(shapeDailyWh(shape.restday), rest, `${h} rest day`);
    }
  });

  it('knows 2026-05-11 is a Monday and shops close on Sunday', () => {
    assert.equal(weekdayOfDay(MONDAY), 1);
    const shop = new LoadModel('shop', new Random('shop-a'));
    const open = shop.day(MONDAY + 5); // Saturday
    const closed = shop.day(SUNDAY);
    assert.ok(mean(open, 10 * 60, 18 * 60) > 2000, 'a shop draws kilowatts during business hours');
    assert.ok(mean(closed, 10 * 60, 18 * 60) < 1000, 'a closed shop runs only its refrigeration');
    assert.ok(mean(open, 1 * 60, 5 * 60) < 1000, 'a shop at night runs only its refrigeration');
  });

  it('gives homes morning and evening peaks above the midday and night levels', () => {
    for (const h of ['single', 'family'] as const) {
      for (let k = 0; k < 5; k++) {
        const d = new LoadModel(h, new Random(`${h}-${k}`)).day(MONDAY + 1);
        const night = mean(d, 2 * 60, 5 * 60);
        const midday = mean(d, 11 * 60, 15 * 60);
        const evening = mean(d, 18 * 60 + 30, 21 * 60 + 30);
        assert.ok(evening > 1.8 * midday && evening > 2 * night, `${h} ${k}: evening peak ${evening} W`);
      }
    }
  });

  it('keeps a vacant house at standby level all day', () => {
    const d = new LoadModel('vacant', new Random('empty')).day(MONDAY);
    assert.ok(Math.max(...d) < 60 && Math.min(...d) >= 0, `vacant house stays between 0 and 60 W`);
    assert.ok(dayKwh(d) < 1, 'vacant house uses under 1 kWh a day');
  });

  it('varies per meter and per minute but stays near the documented energy', () => {
    const family = Array.from({ length: 30 }, (_, k) =>
      dayKwh(new LoadModel('family', new Random(k)).day(MONDAY)),
    );
    const avg = family.reduce((a, b) => a + b) / family.length;
    assert.ok(avg > 10 && avg < 15, `30 families average ${avg.toFixed(2)} kWh on a Monday`);
    assert.ok(new Set(family.map((x) => x.toFixed(9))).size === 30, 'every meter has its own load');
    const d = new LoadModel('family', new Random(1)).day(MONDAY);
    let changes = 0;
    for (let m = 1; m < 1440; m++) if (d[m] !== d[m - 1]) changes++;
    assert.ok(changes > 1000, 'power changes from minute to minute (noise)');
  });

  it('generates PV by day only, exporting around noon on clear days', () => {
    let exporting = 0;
    for (let k = 0; k < 10; k++) {
      const model = new LoadModel('family-solar', new Random(`pv-${k}`));
      assert.ok(model.pv !== null && model.pv.kWp >= 3 && model.pv.kWp <= 6, 'PV array of 3–6 kWp');
      const plain = new LoadModel('family', new Random(`pv-${k}`));
      for (let day = MONDAY; day < MONDAY + 7; day++) {
        const d = model.day(day);
        assert.ok(mean(d, 0, 3 * 60) > 0, 'no generation at night: the household imports');
        if (mean(d, 11 * 60, 13 * 60) < 0) exporting++;
      }
      assert.equal(plain.pv, null, 'a family without solar has no PV array');
    }
    assert.ok(exporting > 35, `net export at noon on most of 70 May days (${exporting})`);
  });

  it('follows the seasons: about 9.6 h of daylight in December, 14.4 h in June (Tokyo)', () => {
    assert.ok(Math.abs(dayLengthHours(355) - 9.6) < 0.1, `winter solstice ${dayLengthHours(355)}`);
    assert.ok(Math.abs(dayLengthHours(172) - 14.4) < 0.1, `summer solstice ${dayLengthHours(172)}`);
  });

  it('computes a day the same whatever order days are asked in (seeded per day)', () => {
    const a = new LoadModel('family-solar', new Random('order'));
    const b = new LoadModel('family-solar', new Random('order'));
    const forward = [0, 1, 2, 3, 4, 5].map((k) => Array.from(a.day(MONDAY + k)));
    const backward = [5, 4, 3, 2, 1, 0].map((k) => Array.from(b.day(MONDAY + k))).reverse();
    assert.deepEqual(forward, backward);
    assert.notDeepEqual(forward[0], forward[1], 'two days differ');
    assert.equal(a.netPowerW(MONDAY * 1440 + 600), forward[0]![600]);
  });
});
