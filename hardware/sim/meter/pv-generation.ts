/**
 * Rooftop photovoltaic output of a 'family-solar' household, per minute of one local day.
 *
 * Model (modelling assumptions, not measurements):
 *  - Array size: uniform 3.0–6.0 kWp per meter (Japanese residential systems are mostly in this
 *    range, around 4.5 kWp on average).
 *  - Daylight: day length L = 12 h + 2.4 h · sin(2π (doy − 80) / 365.25), i.e. about 9.6 h at the
 *    winter solstice and 14.4 h at the summer solstice, as at Tokyo's latitude (35.7° N); solar noon
 *    at 11:40 JST (Tokyo lies 4.7° east of the 135° E JST meridian; the equation of time is ignored).
 *  - Shape: a bell P = kWp · 0.8 · clearness · sin²(π (t − sunrise) / L) between sunrise and sunset;
 *    0.8 covers inverter, wiring and temperature losses. A clear day in May then yields about
 *    5 kWh per kWp, and the year averages about 3 kWh per kWp per day once cloudy days count.
 *  - Weather: each day draws its clearness: 50 % sunny (0.8–1.0), 30 % partly cloudy (0.4–0.8),
 *    20 % overcast (0.1–0.35); passing clouds vary the output minute to minute (an AR(1) factor,
 *    σ 3 % on sunny days, 25 % on partly cloudy ones, 10 % overcast).
 */
import type { Random } from '../random.ts';
import { MINUTES_PER_DAY } from './local-time.ts';

const SOLAR_NOON_MINUTE = 11 * 60 + 40;
const SYSTEM_EFFICIENCY = 0.8;
const AR_RHO = 0.9;

export interface PvArray {
  readonly kWp: number;
}

export function drawPvArray(random: Random): PvArray {
  return { kWp: Math.round(random.uniformRange(3.0, 6.0) * 10) / 10 };
}

/** Hours of daylight on day-of-year `doy` (1–366). */
export function dayLengthHours(doy: number): number {
  return 12 + 2.4 * Math.sin((2 * Math.PI * (doy - 80)) / 365.25);
}

interface Weather {
  readonly clearness: number;
  readonly flicker: number;
}

function drawWeather(random: Random): Weather {
  const u = random.uniform();
  if (u < 0.5) return { clearness: random.uniformRange(0.8, 1.0), flicker: 0.03 };
  if (u < 0.8) return { clearness: random.uniformRange(0.4, 0.8), flicker: 0.25 };
  return { clearness: random.uniformRange(0.1, 0.35), flicker: 0.1 };
}

/** PV output in W for each minute of the day (length 1440), drawn from the day's own `random`. */
export function pvDay(array: PvArray, doy: number, random: Random): Float64Array {
  const out = new Float64Array(MINUTES_PER_DAY);
  const weather = drawWeather(random);
  const lengthMin = dayLengthHours(doy) * 60;
  const sunrise = SOLAR_NOON_MINUTE - lengthMin / 2;
  const innovation = weather.flicker * Math.sqrt(1 - AR_RHO * AR_RHO);
  let cloud = 0;
  for (let m = 0; m < MINUTES_PER_DAY; m++) {
    cloud = AR_RHO * cloud + random.gaussian(0, innovation);
    const t = m + 0.5 - sunrise;
    if (t <= 0 || t >= lengthMin) continue;
    const bell = Math.sin((Math.PI * t) / lengthMin) ** 2;
    const w = array.kWp * 1000 * SYSTEM_EFFICIENCY * weather.clearness * bell * (1 + cloud);
    out[m] = Math.max(0, w);
  }
  return out;
}
