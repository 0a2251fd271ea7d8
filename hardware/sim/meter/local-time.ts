/**
 * Wall-clock time of a simulated meter. The simulator injects `now` as milliseconds since the
 * scenario started plus the scenario's start date (an epoch instant); the meter's calendar — which
 * half-hour slot, which day of its history, weekday or weekend — is local time in Japan (JST,
 * UTC+9, no daylight saving time), where class 0x0288 meters are deployed.
 *
 * Everything downstream works in "local ms": milliseconds since 1970-01-01T00:00 local wall time,
 * so a local day is simply `floor(localMs / DAY_MS)` and a minute `floor(localMs / MINUTE_MS)`.
 */

export const MINUTE_MS = 60_000;
export const HALF_HOUR_MS = 30 * MINUTE_MS;
export const DAY_MS = 24 * 60 * MINUTE_MS;
export const MINUTES_PER_DAY = 1440;
/** Japan Standard Time, UTC+9 (no DST). */
export const JST_UTC_OFFSET_MINUTES = 540;

export interface LocalCalendar {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  /** 1 = 1 January. */
  readonly dayOfYear: number;
}

/** Converts scenario time (ms since the scenario started) to local ms. */
export class ScenarioClock {
  private readonly offsetMs: number;

  /**
   * `startEpochMs`: the instant the scenario starts (ms since the Unix epoch, UTC).
   * `utcOffsetMinutes`: the meter's local offset (JST by default).
   */
  constructor(
    readonly startEpochMs: number,
    readonly utcOffsetMinutes = JST_UTC_OFFSET_MINUTES,
  ) {
    if (!Number.isSafeInteger(startEpochMs))
      throw new RangeError(`start must be integer ms, got ${startEpochMs}`);
    if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 14 * 60)
      throw new RangeError(`UTC offset ${utcOffsetMinutes} min out of range`);
    this.offsetMs = utcOffsetMinutes * MINUTE_MS;
  }

  /** Local ms of scenario time `now` (fractions of a ms are dropped). */
  localMs(now: number): number {
    return this.startEpochMs + this.offsetMs + Math.floor(now);
  }

  /** Scenario time of a local instant. */
  scenarioMs(localMs: number): number {
    return localMs - this.startEpochMs - this.offsetMs;
  }
}

export function localDay(localMs: number): number {
  return Math.floor(localMs / DAY_MS);
}

export function localMinute(localMs: number): number {
  return Math.floor(localMs / MINUTE_MS);
}

/** Weekday of a local day index (1970-01-01 was a Thursday): 0 = Sunday … 6 = Saturday. */
export function weekdayOfDay(dayIndex: number): number {
  return (((dayIndex + 4) % 7) + 7) % 7;
}

export function calendarOf(localMs: number): LocalCalendar {
  const d = new Date(localMs); // read with getUTC*: localMs already carries the offset
  const year = d.getUTCFullYear();
  const dayOfYear = localDay(localMs) - localDay(Date.UTC(year, 0, 1)) + 1;
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    dayOfYear,
  };
}
