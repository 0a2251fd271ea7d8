/** Unit conversions used throughout the medium. Times inside the medium are whole microseconds. */

export function dbmToMw(dbm: number): number {
  return 10 ** (dbm / 10);
}

export function mwToDbm(mw: number): number {
  return 10 * Math.log10(mw);
}

/** Scheduler time (ms) for a medium time (µs). Integer µs map to one exact double, so equal µs compare equal. */
export function usToMs(us: number): number {
  return us / 1000;
}

/** Medium time (whole µs) for a scheduler time (ms). */
export function msToUs(ms: number): number {
  return Math.round(ms * 1000);
}
