/**
 * The low-voltage smart electric energy meter object, class 0x0288 instance 1 (APPENDIX "Detailed
 * Requirements for ECHONET Device Objects", low-voltage smart electric energy meter class), of a
 * simulated meter: its load, its registers and its demand-response state, and the property table
 * the AMR/DR server reads.
 *
 * Properties (Get unless noted; maps 0x9D/0x9E/0x9F are derived from this list):
 *   0x80 operation status 0x30 (on)            0x81 installation location (Get/Set, 1 byte)
 *   0x82 standard version (release letter)     0x88 fault status 0x42 (no fault)
 *   0x8A manufacturer code                     0xD3 coefficient — only if configured
 *   0xD7 effective digits                      0xE0/0xE3 cumulative energy normal/reverse
 *   0xE1 unit — only if configured             0xE2/0xE4 half-hourly history of the E5 day
 *   0xE5 history day (Get/Set 0–99)            0xE7 instantaneous power, W, − when exporting
 *   0xE8 currents R/T, 0.1 A                   0xEA/0xEB cumulative energy at the latest 30-min boundary
 *   0xF0 DR switch (Get/Set)                   0xF1 DR load limit (Get/Set)
 * A meter without D3 or E1 answers Get_SNA for them; the reader then assumes coefficient 1 and
 * 1 kWh (APPENDIX: D3 absent means 1).
 *
 * Currents: power is split between the two 100 V lines of a single-phase three-wire supply
 * (100/200 V, the usual Japanese house service), R carrying a per-meter share of 50–65 %:
 * I_R = P·share / 100 V, I_T = P·(1 − share) / 100 V; on a single-phase two-wire meter I_R = P / 100 V
 * and T reads 0x7FFE ("not applicable").
 */
import {
  EOJ,
  FIELDROOT_DR_EPC,
  METER_EPC,
  decodeDrLoadLimit,
  decodeDrSwitchState,
  decodeHistoryDay,
  encodeCoefficient,
  encodeCumulativeEnergy,
  encodeCurrents,
  encodeDrLoadLimit,
  encodeDrSwitchState,
  encodeEffectiveDigits,
  encodeFixedTimeEnergy,
  encodeHistory,
  encodeHistoryDay,
  encodeInstantaneousPower,
  encodeOperationStatus,
  encodeUnit,
} from '../../../src/stack/echonet/index.ts';
import type { InstantaneousCurrents, Measured } from '../../../src/stack/echonet/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';
import type { Random } from '../random.ts';
import { DemandResponse } from './demand-response.ts';
import { calendarOf, localDay, localMinute } from './local-time.ts';
import type { ScenarioClock } from './local-time.ts';
import { LoadModel } from './load-profile.ts';
import type { Household } from './load-profile.ts';
import { EchonetObjectModel } from './object-model.ts';
import type { PropertySpec } from './object-model.ts';
import { EnergyRegisters } from './registers.ts';
import type { FlowDirection, RegisterSpec } from './registers.ts';

/** Super-class EPCs beyond METER_EPC (APPENDIX §2, device object super class). */
export const DEVICE_SUPER_EPC = {
  INSTALLATION_LOCATION: 0x81,
  STANDARD_VERSION: 0x82,
  FAULT_STATUS: 0x88,
  MANUFACTURER_CODE: 0x8a,
} as const;

/** Fault status 0x88: 0x41 fault, 0x42 no fault (APPENDIX §2). */
const NO_FAULT = 0x42;
/** Installation location 0x81: 0x00 "not specified" (APPENDIX §2); 0x01 needs 17 bytes, refused. */
const LOCATION_NOT_SPECIFIED = 0x00;
const LOCATION_POSITION_INFO = 0x01;

export type Wiring = 'single-phase-3-wire' | 'single-phase-2-wire';

export interface MeterObjectConfig {
  readonly household: Household;
  readonly register: RegisterSpec;
  /** The meter's own random stream (already forked for this meter). */
  readonly random: Random;
  readonly clock: ScenarioClock;
  /** Whole days before the start day with pre-filled history (default 7). */
  readonly prefillDays?: number;
  /** EPC 0x8A, 3 bytes. */
  readonly makerCode: number;
  /** APPENDIX release letter for EPC 0x82 (default 'H'). */
  readonly appendixRelease?: string;
  readonly wiring?: Wiring;
}

const S16_MAX = 0x7ffd;

function current(tenthsA: number): Measured<number> {
  if (tenthsA > S16_MAX) return 'overflow';
  if (tenthsA < -0x7fff) return 'underflow';
  return tenthsA;
}

export class MeterObject {
  readonly load: LoadModel;
  readonly registers: EnergyRegisters;
  readonly dr = new DemandResponse();
  readonly object: EchonetObjectModel;
  readonly wiring: Wiring;
  /** Share of the power on the R line (single-phase three-wire). */
  readonly rShare: number;
  /** EPC 0xE5. */
  historyDay = 0;
  /** False during a supply outage (scenario failure 'meter-power-loss'): nothing flows or registers. */
  private mains = true;
  private location = LOCATION_NOT_SPECIFIED;
  private readonly clock: ScenarioClock;

  constructor(config: MeterObjectConfig) {
    this.clock = config.clock;
    this.wiring = config.wiring ?? 'single-phase-3-wire';
    this.load = new LoadModel(config.household, config.random.fork('load'));
    this.rShare = Math.round(config.random.fork('phases').uniformRange(0.5, 0.65) * 100) / 100;
    const residual = config.random.fork('residual');
    this.registers = new EnergyRegisters(config.register, {
      startLocalMs: config.clock.localMs(0),
      prefillDays: config.prefillDays ?? 7,
      pastPower: (m) => this.load.netPowerW(m),
      residual: { forward: residual.uniform(), reverse: residual.uniform() },
    });
    this.object = new EchonetObjectModel(EOJ.SMART_METER, this.properties(config));
  }

  /** Integrates the registers up to scenario time `now`. */
  advance(now: number): void {
    this.registers.advanceTo(this.clock.localMs(now), (m) => this.measuredW(m));
  }

  /** Instantaneous power (W, − = export) as the meter measures it at `now`. */
  powerW(now: number): number {
    this.advance(now);
    return this.measuredW(localMinute(this.clock.localMs(now)));
  }

  /** Mains supply on or off from `now` (energy up to `now` is integrated under the old state). */
  setMains(now: number, on: boolean): void {
    this.advance(now);
    this.mains = on;
  }

  get mainsOn(): boolean {
    return this.mains;
  }

  private measuredW(minute: number): number {
    return this.mains ? this.dr.effectivePowerW(this.load.netPowerW(minute)) : 0;
  }

  currents(now: number): InstantaneousCurrents {
    const p = this.powerW(now);
    if (this.wiring === 'single-phase-2-wire') return { r: current(Math.round(p / 10)), t: 'not-applicable' };
    // 0.1 A = P[W] · share / 100 V · 10
    const r = Math.round((p * this.rShare) / 10);
    return { r: current(r), t: current(Math.round(p / 10) - r) };
  }

  /** Half-hourly values of the day `daysAgo` (0 = today) at `now`. */
  history(now: number, direction: FlowDirection, daysAgo: number): (number | null)[] {
    this.advance(now);
    return this.registers.history(direction, localDay(this.clock.localMs(now)) - daysAgo);
  }

  private fixedTime(now: number, direction: FlowDirection): Uint8Array {
    this.advance(now);
    const b = this.registers.latestBoundary();
    const c = calendarOf(b.localMs);
    const value = direction === 'normal' ? b.normal : b.reverse;
    return encodeFixedTimeEnergy({ ...c, second: 0, value });
  }

  private properties(config: MeterObjectConfig): Map<number, PropertySpec> {
    const reg = config.register;
    const release = config.appendixRelease ?? 'H';
    if (!/^[A-Z]$/.test(release))
      throw new RangeError(`APPENDIX release must be one letter A–Z, got ${release}`);
    const p = new Map<number, PropertySpec>();
    p.set(METER_EPC.OPERATION_STATUS, { get: () => encodeOperationStatus('on'), announce: true });
    p.set(DEVICE_SUPER_EPC.INSTALLATION_LOCATION, {
      get: () => Uint8Array.of(this.location),
      set: (edt) => {
        if (edt.length !== 1 || edt[0] === LOCATION_POSITION_INFO)
          throw new DecodeError(
            'echonet-0288',
            'installation location: only 1-byte codes other than 0x01',
            0,
          );
        this.location = edt[0]!;
      },
      announce: true,
    });
    // APPENDIX §2: 0x00, 0x00, release letter in ASCII, 0x00
    p.set(DEVICE_SUPER_EPC.STANDARD_VERSION, { get: () => Uint8Array.of(0, 0, release.charCodeAt(0), 0) });
    p.set(DEVICE_SUPER_EPC.FAULT_STATUS, { get: () => Uint8Array.of(NO_FAULT), announce: true });
    const maker = Uint8Array.of(
      (config.makerCode >> 16) & 0xff,
      (config.makerCode >> 8) & 0xff,
      config.makerCode & 0xff,
    );
    p.set(DEVICE_SUPER_EPC.MANUFACTURER_CODE, { get: () => maker });
    if (reg.coefficient !== undefined) {
      const d3 = encodeCoefficient(reg.coefficient);
      p.set(METER_EPC.COEFFICIENT, { get: () => d3 });
    }
    p.set(METER_EPC.NUMBER_OF_EFFECTIVE_DIGITS, { get: () => encodeEffectiveDigits(reg.digits) });
    if (reg.unitCode !== undefined) {
      const e1 = encodeUnit(this.registers.unit);
      p.set(METER_EPC.CUMULATIVE_ENERGY_UNIT, { get: () => e1 });
    }
    const cumulative = (direction: FlowDirection) => (now: number) => {
      this.advance(now);
      return encodeCumulativeEnergy(this.registers.count(direction));
    };
    const history = (direction: FlowDirection) => (now: number) =>
      encodeHistory({ day: this.historyDay, values: this.history(now, direction, this.historyDay) });
    p.set(METER_EPC.CUMULATIVE_ENERGY_NORMAL, { get: cumulative('normal') });
    p.set(METER_EPC.CUMULATIVE_ENERGY_REVERSE, { get: cumulative('reverse') });
    p.set(METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_NORMAL, { get: history('normal') });
    p.set(METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_REVERSE, { get: history('reverse') });
    p.set(METER_EPC.HISTORY_DAY, {
      get: () => encodeHistoryDay(this.historyDay),
      set: (edt) => {
        this.historyDay = decodeHistoryDay(edt);
      },
    });
    p.set(METER_EPC.INSTANTANEOUS_POWER, { get: (now) => encodeInstantaneousPower(this.powerW(now)) });
    p.set(METER_EPC.INSTANTANEOUS_CURRENTS, { get: (now) => encodeCurrents(this.currents(now)) });
    p.set(METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_NORMAL, { get: (now) => this.fixedTime(now, 'normal') });
    p.set(METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_REVERSE, { get: (now) => this.fixedTime(now, 'reverse') });
    p.set(FIELDROOT_DR_EPC.DR_SWITCH_STATE, {
      get: () => encodeDrSwitchState(this.dr.switchState),
      set: (edt, now) => {
        const state = decodeDrSwitchState(edt);
        this.advance(now); // energy up to now flows under the old state
        this.dr.switchState = state;
      },
    });
    p.set(FIELDROOT_DR_EPC.DR_LOAD_LIMIT, {
      get: () => encodeDrLoadLimit(this.dr.loadLimitW),
      set: (edt, now) => {
        const limit = decodeDrLoadLimit(edt);
        this.advance(now);
        this.dr.loadLimitW = limit;
      },
    });
    return p;
  }
}
