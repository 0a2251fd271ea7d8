/**
 * Property codecs of class 0x0288, low-voltage smart electric energy meter (ECHONET APPENDIX
 * "Detailed Requirements for ECHONET Device Objects", low-voltage smart electric energy meter
 * class; ranges as there). Each decoder takes the EDT of one property and is strict: exact
 * length, values in the specified range, special codes mapped to named values.
 *
 * Special codes (APPENDIX §1 general rules; the signed overflow/underflow pair confirmed by the
 * APPENDIX Release C errata): signed values use 0x7F…FF for overflow and 0x80…00 for underflow;
 * the history properties use 0xFFFFFFFE for "no data"; E8 uses 0x7FFE for the T phase of a
 * single-phase two-wire meter.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { METER_EPC } from './constants.ts';
import { decodePropertyMap, encodePropertyMap } from './property-map.ts';

const CODEC = 'echonet-0288';

/** A measurement that may be out of the representable range. */
export type Measured<T> = T | 'overflow' | 'underflow';

function reader(edt: Uint8Array, length: number, what: string): ByteReader {
  const r = new ByteReader(edt, CODEC);
  if (edt.length !== length) r.fail(`${what}: EDT is ${edt.length} bytes, must be ${length}`);
  return r;
}

function intIn(v: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${what} must be ${min}..${max}, got ${v}`);
  return v;
}

// --- 0x80 operation status ---

export type OperationStatus = 'on' | 'off';

export function decodeOperationStatus(edt: Uint8Array): OperationStatus {
  const r = reader(edt, 1, 'operation status');
  const v = r.u8();
  if (v === 0x30) return 'on';
  if (v === 0x31) return 'off';
  return r.fail(`operation status 0x${v.toString(16)} is neither 0x30 (on) nor 0x31 (off)`, 0);
}

export function encodeOperationStatus(s: OperationStatus): Uint8Array {
  return Uint8Array.of(s === 'on' ? 0x30 : 0x31);
}

// --- 0xD3 coefficient ---

/** Coefficient (synthetic transformation ratio), 1..999,999; a meter without D3 means 1. */
export function decodeCoefficient(edt: Uint8Array): number {
  const r = reader(edt, 4, 'coefficient');
  const v = r.u32be();
  if (v < 1 || v > 999_999) r.fail(`coefficient ${v} outside 1..999999`, 0);
  return v;
}

export function encodeCoefficient(v: number): Uint8Array {
  return new ByteWriter(4).u32be(intIn(v, 1, 999_999, 'coefficient')).finish();
}

// --- 0xD7 number of effective digits ---

export function decodeEffectiveDigits(edt: Uint8Array): number {
  const r = reader(edt, 1, 'effective digits');
  const v = r.u8();
  if (v < 1 || v > 8) r.fail(`effective digits ${v} outside 1..8`, 0);
  return v;
}

export function encodeEffectiveDigits(v: number): Uint8Array {
  return Uint8Array.of(intIn(v, 1, 8, 'effective digits'));
}

// --- 0xE0 / 0xE3 cumulative energy ---

export const CUMULATIVE_MAX = 99_999_999;
/** "No data" in the history properties E2/E4 (APPENDIX). */
export const NO_DATA_U32 = 0xfffffffe;

/** Measured cumulative amount of electric energy (E0 normal, E3 reverse), 0..99,999,999. */
export function decodeCumulativeEnergy(edt: Uint8Array): number {
  const r = reader(edt, 4, 'cumulative energy');
  const v = r.u32be();
  if (v > CUMULATIVE_MAX) r.fail(`cumulative energy ${v} above 99999999`, 0);
  return v;
}

export function encodeCumulativeEnergy(v: number): Uint8Array {
  return new ByteWriter(4).u32be(intIn(v, 0, CUMULATIVE_MAX, 'cumulative energy')).finish();
}

// --- 0xE1 unit ---

/**
 * Unit for cumulative amounts (E1), decoded to a power-of-ten exponent of kWh:
 * 0x00 → 0 (1 kWh), 0x01 → −1 (0.1), 0x02 → −2, 0x03 → −3, 0x04 → −4 (0.0001 kWh),
 * 0x0A → 1 (10 kWh), 0x0B → 2, 0x0C → 3, 0x0D → 4 (10000 kWh). Other codes are refused.
 */
export type UnitExponent = -4 | -3 | -2 | -1 | 0 | 1 | 2 | 3 | 4;

const UNIT_CODE_TO_EXPONENT: ReadonlyMap<number, UnitExponent> = new Map<number, UnitExponent>([
  [0x00, 0],
  [0x01, -1],
  [0x02, -2],
  [0x03, -3],
  [0x04, -4],
  [0x0a, 1],
  [0x0b, 2],
  [0x0c, 3],
  [0x0d, 4],
]);

const UNIT_EXPONENTS: ReadonlySet<number> = new Set(UNIT_CODE_TO_EXPONENT.values());

export function decodeUnit(edt: Uint8Array): UnitExponent {
  const r = reader(edt, 1, 'unit');
  const code = r.u8();
  const exp = UNIT_CODE_TO_EXPONENT.get(code);
  if (exp === undefined) return r.fail(`unit code 0x${code.toString(16)} is not defined`, 0);
  return exp;
}

export function encodeUnit(exponent: UnitExponent): Uint8Array {
  for (const [code, exp] of UNIT_CODE_TO_EXPONENT) if (exp === exponent) return Uint8Array.of(code);
  throw new RangeError(`no unit code for 10^${String(exponent)} kWh`);
}

// --- 0xE2 / 0xE4 half-hourly history ---

export interface EnergyHistory {
  /** Days before today, 0..99 (the day selected with E5). */
  readonly day: number;
  /** 48 half-hourly cumulative readings from 00:00; null where the meter has no data. */
  readonly values: readonly (number | null)[];
}

export const HISTORY_SLOTS = 48;

export function decodeHistory(edt: Uint8Array): EnergyHistory {
  const r = reader(edt, 2 + 4 * HISTORY_SLOTS, 'history');
  const day = r.u16be('day');
  if (day > 99) r.fail(`history day ${day} above 99`, 0);
  const values: (number | null)[] = [];
  for (let i = 0; i < HISTORY_SLOTS; i++) {
    const v = r.u32be('history value');
    if (v === NO_DATA_U32) values.push(null);
    else if (v > CUMULATIVE_MAX) r.fail(`history value ${v} above 99999999`, r.offset - 4);
    else values.push(v);
  }
  return { day, values };
}

export function encodeHistory(h: EnergyHistory): Uint8Array {
  if (h.values.length !== HISTORY_SLOTS) throw new RangeError('history needs 48 values');
  const w = new ByteWriter(2 + 4 * HISTORY_SLOTS).u16be(intIn(h.day, 0, 99, 'history day'));
  for (const v of h.values) w.u32be(v === null ? NO_DATA_U32 : intIn(v, 0, CUMULATIVE_MAX, 'history value'));
  return w.finish();
}

// --- 0xE5 day selector ---

export function decodeHistoryDay(edt: Uint8Array): number {
  const r = reader(edt, 1, 'history day');
  const v = r.u8();
  if (v > 99) r.fail(`history day ${v} above 99`, 0);
  return v;
}

export function encodeHistoryDay(v: number): Uint8Array {
  return Uint8Array.of(intIn(v, 0, 99, 'history day'));
}

// --- 0xE7 instantaneous power ---

const S32_OVERFLOW = 0x7fffffff;
const S32_UNDERFLOW = -0x80000000;
const POWER_MAX = 0x7ffffffd;
const POWER_MIN = -0x7fffffff;

/** Instantaneous power in W, −2,147,483,647..2,147,483,645; 0x7FFFFFFE is not defined and refused. */
export function decodeInstantaneousPower(edt: Uint8Array): Measured<number> {
  const r = reader(edt, 4, 'instantaneous power');
  const v = r.i32be();
  if (v === S32_OVERFLOW) return 'overflow';
  if (v === S32_UNDERFLOW) return 'underflow';
  if (v > POWER_MAX) r.fail('instantaneous power 0x7ffffffe is not a defined value', 0);
  return v;
}

export function encodeInstantaneousPower(v: Measured<number>): Uint8Array {
  const raw =
    v === 'overflow'
      ? S32_OVERFLOW
      : v === 'underflow'
        ? S32_UNDERFLOW
        : intIn(v, POWER_MIN, POWER_MAX, 'power');
  return new ByteWriter(4).i32be(raw).finish();
}

// --- 0xE8 instantaneous currents ---

/** A phase current in units of 0.1 A (an integer, so no float rounding). */
export type PhaseCurrent = Measured<number> | 'not-applicable';

export interface InstantaneousCurrents {
  /** R phase, 0.1 A, −32767..32765. */
  readonly r: Measured<number>;
  /** T phase, 0.1 A; 'not-applicable' (0x7FFE) on a single-phase two-wire meter. */
  readonly t: PhaseCurrent;
}

const S16_NA = 0x7ffe;

function decodeCurrent(r: ByteReader, what: string, allowNa: boolean): PhaseCurrent {
  const raw = r.u16be(what);
  if (raw === 0x7fff) return 'overflow';
  if (raw === 0x8000) return 'underflow';
  if (raw === S16_NA) {
    if (allowNa) return 'not-applicable';
    r.fail(`${what}: 0x7ffe is only defined for the T phase`, r.offset - 2);
  }
  return raw >= 0x8000 ? raw - 0x10000 : raw;
}

export function decodeCurrents(edt: Uint8Array): InstantaneousCurrents {
  const r = reader(edt, 4, 'instantaneous currents');
  const rPhase = decodeCurrent(r, 'R phase', false) as Measured<number>;
  return { r: rPhase, t: decodeCurrent(r, 'T phase', true) };
}

function currentRaw(v: PhaseCurrent, what: string): number {
  if (v === 'overflow') return 0x7fff;
  if (v === 'underflow') return 0x8000;
  if (v === 'not-applicable') return S16_NA;
  return intIn(v, -0x7fff, 0x7ffd, what) & 0xffff;
}

export function encodeCurrents(c: InstantaneousCurrents): Uint8Array {
  return new ByteWriter(4).u16be(currentRaw(c.r, 'R phase')).u16be(currentRaw(c.t, 'T phase')).finish();
}

// --- 0xEA / 0xEB cumulative energy at fixed time ---

export interface FixedTimeEnergy {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Cumulative energy 0..99,999,999; null for "no data" (0xFFFFFFFE). */
  readonly value: number | null;
}

export function decodeFixedTimeEnergy(edt: Uint8Array): FixedTimeEnergy {
  const r = reader(edt, 11, 'fixed-time energy');
  const year = r.u16be('year');
  const fields = [r.u8('month'), r.u8('day'), r.u8('hour'), r.u8('minute'), r.u8('second')] as const;
  const [month, day, hour, minute, second] = fields;
  if (year < 1 || year > 9999) r.fail(`year ${year} out of range`, 0);
  if (month < 1 || month > 12) r.fail(`month ${month} out of range`, 2);
  if (day < 1 || day > 31) r.fail(`day ${day} out of range`, 3);
  if (hour > 23) r.fail(`hour ${hour} out of range`, 4);
  if (minute > 59) r.fail(`minute ${minute} out of range`, 5);
  if (second > 59) r.fail(`second ${second} out of range`, 6);
  const raw = r.u32be('value');
  if (raw !== NO_DATA_U32 && raw > CUMULATIVE_MAX) r.fail(`value ${raw} above 99999999`, 7);
  return { year, month, day, hour, minute, second, value: raw === NO_DATA_U32 ? null : raw };
}

export function encodeFixedTimeEnergy(v: FixedTimeEnergy): Uint8Array {
  return new ByteWriter(11)
    .u16be(intIn(v.year, 1, 9999, 'year'))
    .u8(intIn(v.month, 1, 12, 'month'))
    .u8(intIn(v.day, 1, 31, 'day'))
    .u8(intIn(v.hour, 0, 23, 'hour'))
    .u8(intIn(v.minute, 0, 59, 'minute'))
    .u8(intIn(v.second, 0, 59, 'second'))
    .u32be(v.value === null ? NO_DATA_U32 : intIn(v.value, 0, CUMULATIVE_MAX, 'value'))
    .finish();
}

// --- codec table ---

export interface PropertyCodec<T> {
  readonly name: string;
  decode(edt: Uint8Array): T;
  encode(value: T): Uint8Array;
}

const codec = <T>(
  name: string,
  decode: (e: Uint8Array) => T,
  encode: (v: T) => Uint8Array,
): PropertyCodec<T> => ({
  name,
  decode,
  encode,
});

/** Codecs of the 0x0288 properties this project reads, by EPC. */
export const METER_PROPERTY_CODECS = {
  [METER_EPC.OPERATION_STATUS]: codec('operation status', decodeOperationStatus, encodeOperationStatus),
  [METER_EPC.STATUS_CHANGE_ANNOUNCEMENT_PROPERTY_MAP]: codec(
    'INF property map',
    decodePropertyMap,
    encodePropertyMap,
  ),
  [METER_EPC.SET_PROPERTY_MAP]: codec('Set property map', decodePropertyMap, encodePropertyMap),
  [METER_EPC.GET_PROPERTY_MAP]: codec('Get property map', decodePropertyMap, encodePropertyMap),
  [METER_EPC.COEFFICIENT]: codec('coefficient', decodeCoefficient, encodeCoefficient),
  [METER_EPC.NUMBER_OF_EFFECTIVE_DIGITS]: codec(
    'effective digits',
    decodeEffectiveDigits,
    encodeEffectiveDigits,
  ),
  [METER_EPC.CUMULATIVE_ENERGY_NORMAL]: codec(
    'cumulative energy (normal)',
    decodeCumulativeEnergy,
    encodeCumulativeEnergy,
  ),
  [METER_EPC.CUMULATIVE_ENERGY_UNIT]: codec('unit', decodeUnit, encodeUnit),
  [METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_NORMAL]: codec('history (normal)', decodeHistory, encodeHistory),
  [METER_EPC.CUMULATIVE_ENERGY_REVERSE]: codec(
    'cumulative energy (reverse)',
    decodeCumulativeEnergy,
    encodeCumulativeEnergy,
  ),
  [METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_REVERSE]: codec('history (reverse)', decodeHistory, encodeHistory),
  [METER_EPC.HISTORY_DAY]: codec('history day', decodeHistoryDay, encodeHistoryDay),
  [METER_EPC.INSTANTANEOUS_POWER]: codec(
    'instantaneous power',
    decodeInstantaneousPower,
    encodeInstantaneousPower,
  ),
  [METER_EPC.INSTANTANEOUS_CURRENTS]: codec('instantaneous currents', decodeCurrents, encodeCurrents),
  [METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_NORMAL]: codec(
    'fixed-time energy (normal)',
    decodeFixedTimeEnergy,
    encodeFixedTimeEnergy,
  ),
  [METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_REVERSE]: codec(
    'fixed-time energy (reverse)',
    decodeFixedTimeEnergy,
    encodeFixedTimeEnergy,
  ),
} as const;

// --- arithmetic ---

/**
 * Energy in units of 0.0001 kWh (0.1 Wh) as an exact bigint: raw × coefficient × 10^(exponent+4).
 * Every E1 unit is a whole multiple of 0.0001 kWh, so this never rounds.
 */
export function energyTenthWattHours(raw: number, coefficient: number, unit: UnitExponent): bigint {
  intIn(raw, 0, CUMULATIVE_MAX, 'raw cumulative energy');
  intIn(coefficient, 1, 999_999, 'coefficient');
  if (!UNIT_EXPONENTS.has(unit)) throw new RangeError(`bad unit exponent ${String(unit)}`);
  return BigInt(raw) * BigInt(coefficient) * 10n ** BigInt(unit + 4);
}

/**
 * kWh = raw (E0/E3) × coefficient (D3, 1 when absent) × unit (E1), as an exact decimal string
 * without trailing zeros: energyKwh(12345678, 1, -1) === "1234567.8". Computed on bigints, so
 * no binary floating-point rounding ever enters (0.1 is not representable as a double).
 */
export function energyKwh(raw: number, coefficient: number, unit: UnitExponent): string {
  const tenthWh = energyTenthWattHours(raw, coefficient, unit);
  const whole = tenthWh / 10_000n;
  const frac = (tenthWh % 10_000n).toString().padStart(4, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

/** The value at which an E0/E3 counter with `digits` effective digits (D7) rolls over to 0: 10^digits. */
export function rolloverModulus(digits: number): number {
  return 10 ** intIn(digits, 1, 8, 'effective digits');
}

/**
 * Raw units consumed between two readings of a counter with `digits` effective digits, allowing
 * for one rollover past 10^digits − 1 (a counter that went "backwards" wrapped once).
 */
export function cumulativeDelta(previous: number, current: number, digits: number): number {
  const m = rolloverModulus(digits);
  intIn(previous, 0, m - 1, 'previous reading');
  intIn(current, 0, m - 1, 'current reading');
  return current >= previous ? current - previous : current + m - previous;
}
