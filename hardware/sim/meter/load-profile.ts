/**
 * Household load profiles: the net power a simulated meter sees, per minute of local time.
 *
 * Each household type has a mean daily shape, given as the mean power (W) of each local hour on
 * working days and on rest days, interpolated linearly between hour midpoints (which keeps the
 * daily energy equal to the sum of the hourly figures). Figures are modelling assumptions chosen
 * to match the orders of magnitude of Japanese statistics: a household uses about 4,300 kWh a year
 * (about 12 kWh a day; Ministry of the Environment, household CO2 survey), a single-person
 * household about half of that.
 *
 * | type         | shape                                                        | kWh/day (work / rest) |
 * |--------------|--------------------------------------------------------------|-----------------------|
 * | single       | base 120 W, morning peak 7:00, evening peak 19–21 h, out by day | 5.3 / 6.9          |
 * | family       | base 200 W, morning peak 7:00 (1.1 kW), evening peak 19:00 (1.3 kW) | 12.5 / 13.9     |
 * | family-solar | family load, plus PV generation (pv-generation.ts) that exceeds it around noon | 12.5 / 13.9 load |
 * | shop         | open Mon–Sat 9–19 h at 3.5 kW, refrigeration 600 W at night, closed Sunday | 45.5 / 14.4 |
 * | vacant       | 20 W standby all day                                          | 0.5 / 0.5            |
 *
 * Rest days are Saturday and Sunday for homes and Sunday for shops; public holidays are not
 * modelled. Per meter (seeded): a scale factor exp(N(0, σ)) clipped to 0.8–1.15 (σ 0.12; vacant 0.3),
 * and a time shift of the whole shape of up to ±45 min. Per day (seeded by the day, so any day
 * can be computed in any order): a factor N(1, 0.08) clipped to 0.8–1.2. Per minute: an AR(1)
 * noise factor (ρ 0.9, stationary σ 15 %; vacant 5 %). Net power = load − PV, rounded to whole W.
 */
import type { HOUSEHOLD_TYPES } from '../scenario/index.ts';
import type { Random } from '../random.ts';
import { DAY_MS, MINUTES_PER_DAY, calendarOf, weekdayOfDay } from './local-time.ts';
import { drawPvArray, pvDay } from './pv-generation.ts';
import type { PvArray } from './pv-generation.ts';

export type Household = (typeof HOUSEHOLD_TYPES)[number];

export interface HouseholdShape {
  /** Mean power (W) of each local hour 0–23 on a working day. */
  readonly workday: readonly number[];
  /** The same on a rest day. */
  readonly restday: readonly number[];
  /** Rest days, 0 = Sunday … 6 = Saturday. */
  readonly restWeekdays: readonly number[];
  /** σ of the per-meter log scale factor. */
  readonly meterSpread: number;
  /** Stationary σ of the per-minute noise factor. */
  readonly noise: number;
}

const hours = (spec: readonly (readonly [from: number, to: number, watts: number])[]): number[] => {
  const out = new Array<number>(24).fill(Number.NaN);
  for (const [from, to, w] of spec) for (let h = from; h <= to; h++) out[h] = w;
  if (out.some((w) => Number.isNaN(w))) throw new Error('hourly shape leaves an hour undefined');
  return out;
};

const FAMILY_WORKDAY = hours([
  [0, 5, 200],
  [6, 6, 600],
  [7, 7, 1100],
  [8, 8, 700],
  [9, 15, 280],
  [16, 16, 450],
  [17, 17, 700],
  [18, 18, 1100],
  [19, 19, 1300],
  [20, 20, 1200],
  [21, 21, 1000],
  [22, 22, 750],
  [23, 23, 450],
]);
const FAMILY_RESTDAY = FAMILY_WORKDAY.map((w, h) => (h >= 9 && h <= 15 ? 480 : w));

export const HOUSEHOLD_SHAPES: Readonly<Record<Household, HouseholdShape>> = {
  single: {
    workday: hours([
      [0, 5, 120],
      [6, 6, 200],
      [7, 7, 450],
      [8, 8, 300],
      [9, 17, 130],
      [18, 18, 300],
      [19, 19, 500],
      [20, 20, 550],
      [21, 21, 500],
      [22, 22, 400],
      [23, 23, 250],
    ]),
    restday: hours([
      [0, 5, 120],
      [6, 6, 200],
      [7, 7, 450],
      [8, 8, 300],
      [9, 17, 300],
      [18, 18, 300],
      [19, 19, 500],
      [20, 20, 550],
      [21, 21, 500],
      [22, 22, 400],
      [23, 23, 250],
    ]),
    restWeekdays: [0, 6],
    meterSpread: 0.12,
    noise: 0.15,
  },
  family: {
    workday: FAMILY_WORKDAY,
    restday: FAMILY_RESTDAY,
    restWeekdays: [0, 6],
    meterSpread: 0.12,
    noise: 0.15,
  },
  'family-solar': {
    workday: FAMILY_WORKDAY,
    restday: FAMILY_RESTDAY,
    restWeekdays: [0, 6],
    meterSpread: 0.12,
    noise: 0.15,
  },
  shop: {
    workday: hours([
      [0, 7, 600],
      [8, 8, 1500],
      [9, 18, 3500],
      [19, 19, 1800],
      [20, 23, 600],
    ]),
    restday: hours([[0, 23, 600]]),
    restWeekdays: [0],
    meterSpread: 0.12,
    noise: 0.15,
  },
  vacant: {
    workday: hours([[0, 23, 20]]),
    restday: hours([[0, 23, 20]]),
    restWeekdays: [],
    meterSpread: 0.3,
    noise: 0.05,
  },
};

/** Energy of a shape's day in Wh (the sum of its hourly means). */
export function shapeDailyWh(hourly: readonly number[]): number {
  return hourly.reduce((a, b) => a + b, 0);
}

const MAX_SHIFT_MIN = 45;
const SCALE_MIN = 0.8;
const SCALE_MAX = 1.15;
const AR_RHO = 0.9;
const DAY_CACHE = 4;

/** Mean power at minute-of-day `m` (fractional), linear between hour midpoints, cyclic. */
function meanAt(hourly: readonly number[], m: number): number {
  const x = (((m / 60 - 0.5) % 24) + 24) % 24;
  const h0 = Math.floor(x);
  const f = x - h0;
  return hourly[h0]! * (1 - f) + hourly[(h0 + 1) % 24]! * f;
}

const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * One meter's load model. Deterministic: every figure comes from `random` (the meter's own fork),
 * and each local day from `random.fork('day:<index>')`, so a day's minutes are the same whatever
 * order days are asked for in.
 */
export class LoadModel {
  readonly scale: number;
  readonly shiftMinutes: number;
  readonly pv: PvArray | null;
  private readonly shape: HouseholdShape;
  private readonly days = new Map<number, Int32Array>();

  constructor(
    readonly household: Household,
    private readonly random: Random,
  ) {
    this.shape = HOUSEHOLD_SHAPES[household];
    const setup = random.fork('setup');
    this.scale = clip(Math.exp(setup.gaussian(0, this.shape.meterSpread)), SCALE_MIN, SCALE_MAX);
    this.shiftMinutes = Math.round(setup.uniformRange(-MAX_SHIFT_MIN, MAX_SHIFT_MIN));
    this.pv = household === 'family-solar' ? drawPvArray(setup) : null;
  }

  /** Net power (W, load − PV; negative when exporting) during absolute local minute `minute`. */
  netPowerW(minute: number): number {
    const day = Math.floor(minute / MINUTES_PER_DAY);
    return this.day(day)[minute - day * MINUTES_PER_DAY]!;
  }

  /** Net power of every minute of local day `dayIndex`, W. */
  day(dayIndex: number): Int32Array {
    let d = this.days.get(dayIndex);
    if (d === undefined) {
      d = this.computeDay(dayIndex);
      if (this.days.size >= DAY_CACHE) this.days.delete(this.days.keys().next().value!);
      this.days.set(dayIndex, d);
    }
    return d;
  }

  private computeDay(dayIndex: number): Int32Array {
    const r = this.random.fork(`day:${dayIndex}`);
    const rest = this.shape.restWeekdays.includes(weekdayOfDay(dayIndex));
    const hourly = rest ? this.shape.restday : this.shape.workday;
    const dayFactor = clip(r.gaussian(1, 0.08), 0.8, 1.2);
    const innovation = this.shape.noise * Math.sqrt(1 - AR_RHO * AR_RHO);
    const pv =
      this.pv === null ? null : pvDay(this.pv, calendarOf(dayIndex * DAY_MS).dayOfYear, r.fork('pv'));
    const out = new Int32Array(MINUTES_PER_DAY);
    let noise = 0;
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      noise = AR_RHO * noise + r.gaussian(0, innovation);
      const mean = meanAt(hourly, m + 0.5 - this.shiftMinutes);
      const load = Math.max(0, mean * this.scale * dayFactor * (1 + noise));
      out[m] = Math.round(load) - Math.round(pv?.[m] ?? 0);
    }
    return out;
  }
}
