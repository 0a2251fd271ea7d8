/**
 * The cumulative energy registers of a simulated class 0x0288 meter and their half-hourly history.
 *
 * Energy is integrated exactly: power is whole watts, constant within each local minute, and
 * energy is kept as a bigint of W·ms (1 mWs), so no reading ever drifts however it is sliced. A
 * register shows `floor(E / countSize) mod 10^digits` where countSize = coefficient (D3) × unit
 * (E1) — "kWh = E0 × D3 × unit" (APPENDIX, class 0x0288, EPC 0xE0) — and 10^digits is the rollover
 * of D7 ("number of effective digits").
 *
 * History (EPCs 0xE2/0xE4): the register value at every 30-minute boundary of a local day, slot
 * 0 = 00:00 … slot 47 = 23:30, for 100 days (day 0 = today … 99). Slots after the latest boundary
 * the meter has reached, and days before its history begins, read "no data". Boundaries at or
 * before the scenario start are pre-filled from the undisturbed load profile, counted backwards from
 * the configured initial register values, for `prefillDays` whole days before the start day (the
 * meter "existed" then), so an AMR server can fill missing days as it would for a real meter.
 */
import {
  energyKwh,
  energyTenthWattHours,
  decodeUnit,
  HISTORY_SLOTS,
} from '../../../src/stack/echonet/index.ts';
import type { UnitExponent } from '../../../src/stack/echonet/index.ts';
import { DAY_MS, HALF_HOUR_MS, MINUTE_MS, localDay } from './local-time.ts';

/** W·ms in 0.1 Wh: 0.1 Wh = 360 J = 360,000 W·ms. */
const MWS_PER_TENTH_WH = 360_000n;
/** Days of history a meter keeps: day 0 (today) … 99 (APPENDIX, class 0x0288, EPC 0xE5). */
export const HISTORY_DAYS = 100;
const RESIDUAL_RESOLUTION = 1n << 20n;

export interface RegisterSpec {
  /** D3; absent = the meter has no D3 (coefficient 1). */
  readonly coefficient?: number | undefined;
  /** E1 unit code; absent = the meter has no E1 (1 kWh). */
  readonly unitCode?: number | undefined;
  readonly digits: number;
  readonly initialForward: number;
  readonly initialReverse: number;
  /** The meter registers reverse flow (E3 advances when exporting). */
  readonly reverseFlow: boolean;
}

/** Power in whole W (negative = export) during absolute local minute `minute`. */
export type PowerAt = (minute: number) => number;

export type FlowDirection = 'normal' | 'reverse';

export interface RegistersOptions {
  /** Local ms of the scenario start: the registers read their initial values here. */
  readonly startLocalMs: number;
  /** Whole local days before the start day that have (pre-filled) history. */
  readonly prefillDays: number;
  /** The undisturbed profile, for the pre-filled history before the start. */
  readonly pastPower: PowerAt;
  /** Fractions (0 ≤ x < 1) of a count already accumulated beyond the initial values. */
  readonly residual?: { readonly forward: number; readonly reverse: number };
}

interface DayHistory {
  readonly normal: (number | null)[];
  readonly reverse: (number | null)[];
}

/** A latest 30-minute boundary reading (EPCs 0xEA/0xEB). */
export interface BoundaryReading {
  readonly localMs: number;
  readonly normal: number | null;
  readonly reverse: number | null;
}

type Sink = (t: number, forwardMws: bigint, reverseMws: bigint, boundary: boolean) => void;

/**
 * Integrates `power` from `from` to `to` (local ms), calling `sink` with the energy since its last
 * call at every 30-minute boundary reached (boundary = true) and once at `to` (boundary = false).
 */
function integrate(from: number, to: number, power: PowerAt, reverseFlow: boolean, sink: Sink): void {
  let t = from;
  let f = 0; // W·ms; at most 30 minutes of one meter's power, far inside 2^53
  let r = 0;
  while (t < to) {
    const minute = Math.floor(t / MINUTE_MS);
    const end = Math.min((minute + 1) * MINUTE_MS, to);
    const p = Math.round(power(minute));
    if (p > 0) f += p * (end - t);
    else if (p < 0 && reverseFlow) r -= p * (end - t);
    t = end;
    if (t % HALF_HOUR_MS === 0) {
      sink(t, BigInt(f), BigInt(r), true);
      f = 0;
      r = 0;
    }
  }
  sink(t, BigInt(f), BigInt(r), false);
}

export class EnergyRegisters {
  readonly coefficient: number;
  readonly unit: UnitExponent;
  readonly digits: number;
  readonly reverseFlow: boolean;
  /** Energy of one register count, W·ms. */
  readonly countSizeMws: bigint;
  readonly historyStartDay: number;
  private readonly modulus: bigint;
  private forward: bigint;
  private reverse: bigint;
  private readonly startForward: bigint;
  private readonly startReverse: bigint;
  private newestDay = Number.NEGATIVE_INFINITY;
  private at: number;
  private readonly days = new Map<number, DayHistory>();
  private prefilled = false;

  constructor(
    readonly spec: RegisterSpec,
    private readonly options: RegistersOptions,
  ) {
    this.coefficient = spec.coefficient ?? 1;
    this.unit = spec.unitCode === undefined ? 0 : decodeUnit(Uint8Array.of(spec.unitCode));
    this.digits = spec.digits;
    this.reverseFlow = spec.reverseFlow;
    this.countSizeMws = energyTenthWattHours(1, this.coefficient, this.unit) * MWS_PER_TENTH_WH;
    this.modulus = this.countSizeMws * 10n ** BigInt(this.digits);
    const limit = 10 ** this.digits;
    if (spec.initialForward >= limit || spec.initialReverse >= limit)
      throw new RangeError(`initial register values must be below 10^${this.digits}`);
    const frac = (x = 0) => {
      if (!(x >= 0 && x < 1)) throw new RangeError(`residual ${x} must be in [0, 1)`);
      return (this.countSizeMws * BigInt(Math.floor(x * Number(RESIDUAL_RESOLUTION)))) / RESIDUAL_RESOLUTION;
    };
    this.forward = BigInt(spec.initialForward) * this.countSizeMws + frac(options.residual?.forward);
    this.reverse = BigInt(spec.initialReverse) * this.countSizeMws + frac(options.residual?.reverse);
    this.startForward = this.forward;
    this.startReverse = this.reverse;
    this.at = options.startLocalMs;
    if (
      !Number.isInteger(options.prefillDays) ||
      options.prefillDays < 0 ||
      options.prefillDays >= HISTORY_DAYS
    )
      throw new RangeError(`prefillDays must be 0..${HISTORY_DAYS - 1}`);
    this.historyStartDay = localDay(options.startLocalMs) - options.prefillDays;
    if (options.startLocalMs % HALF_HOUR_MS === 0) this.record(options.startLocalMs);
  }

  /** Local ms up to which energy has been integrated. */
  get atLocalMs(): number {
    return this.at;
  }

  /** Integrates `power` up to `localMs` (earlier instants are ignored: time never runs back). */
  advanceTo(localMs: number, power: PowerAt): void {
    if (localMs <= this.at) return;
    integrate(this.at, localMs, power, this.reverseFlow, (t, f, r, boundary) => {
      this.forward += f;
      this.reverse += r;
      if (boundary) this.record(t);
    });
    this.at = localMs;
  }

  /** Register value (E0 / E3) now. */
  count(direction: FlowDirection): number {
    return this.countOf(direction === 'normal' ? this.forward : this.reverse);
  }

  /** kWh shown by the register (count × coefficient × unit), exact decimal. */
  registerKwh(direction: FlowDirection): string {
    return energyKwh(this.count(direction), this.coefficient, this.unit);
  }

  /**
   * Energy behind the register modulo its rollover, kWh to 0.0001 (truncated), exact decimal: what
   * the register would show with unlimited resolution.
   */
  exactKwh(direction: FlowDirection): string {
    const e = this.normalise(direction === 'normal' ? this.forward : this.reverse) / MWS_PER_TENTH_WH;
    const frac = (e % 10_000n).toString().padStart(4, '0').replace(/0+$/, '');
    return frac === '' ? `${e / 10_000n}` : `${e / 10_000n}.${frac}`;
  }

  /** The 48 half-hourly values of local day `dayIndex`; null = no data. */
  history(direction: FlowDirection, dayIndex: number): (number | null)[] {
    this.prefill();
    const day = this.days.get(dayIndex);
    return day === undefined ? new Array<number | null>(HISTORY_SLOTS).fill(null) : [...day[direction]];
  }

  /** The latest 30-minute boundary at or before the integrated time, with both registers there. */
  latestBoundary(): BoundaryReading {
    this.prefill();
    const localMs = Math.floor(this.at / HALF_HOUR_MS) * HALF_HOUR_MS;
    const dayIndex = localDay(localMs);
    const slot = (localMs - dayIndex * DAY_MS) / HALF_HOUR_MS;
    const day = this.days.get(dayIndex);
    return { localMs, normal: day?.normal[slot] ?? null, reverse: day?.reverse[slot] ?? null };
  }

  private normalise(e: bigint): bigint {
    return ((e % this.modulus) + this.modulus) % this.modulus;
  }

  private countOf(e: bigint): number {
    return Number(this.normalise(e) / this.countSizeMws);
  }

  private record(t: number, forward = this.forward, reverse = this.reverse): void {
    const dayIndex = localDay(t);
    if (dayIndex < this.historyStartDay || dayIndex <= this.newestDay - HISTORY_DAYS) return;
    let day = this.days.get(dayIndex);
    if (day === undefined) {
      day = {
        normal: new Array<number | null>(HISTORY_SLOTS).fill(null),
        reverse: new Array<number | null>(HISTORY_SLOTS).fill(null),
      };
      this.days.set(dayIndex, day);
      if (dayIndex > this.newestDay) {
        this.newestDay = dayIndex;
        for (const d of this.days.keys()) if (d <= dayIndex - HISTORY_DAYS) this.days.delete(d);
      }
    }
    const slot = (t - dayIndex * DAY_MS) / HALF_HOUR_MS;
    day.normal[slot] = this.countOf(forward);
    day.reverse[slot] = this.countOf(reverse);
  }

  /**
   * History before the start: E(b) = E(start) − ∫ power from b to start, for every boundary b from
   * the first day of history to the start. Computed once, on first use.
   */
  private prefill(): void {
    if (this.prefilled) return;
    this.prefilled = true;
    const start = this.options.startLocalMs;
    const from = this.historyStartDay * DAY_MS;
    const marks: { t: number; f: bigint; r: bigint }[] = [{ t: from, f: 0n, r: 0n }];
    let f = 0n;
    let r = 0n;
    integrate(from, start, this.options.pastPower, this.reverseFlow, (t, df, dr, boundary) => {
      f += df;
      r += dr;
      if (boundary) marks.push({ t, f, r });
    });
    for (const m of marks) {
      if (m.t <= start) this.record(m.t, this.startForward - (f - m.f), this.startReverse - (r - m.r));
    }
  }
}
