/**
 * The ECHONET Lite node of a simulated smart meter: the meter object 0x028801 and the node profile
 * 0x0EF001, answering request frames sans-I/O. The radio/IPv6/UDP side (RPL, PANA, MLE) lives
 * elsewhere and hands this class the UDP 3610 payloads.
 *
 * Time is injected: `now` is ms since the scenario started; the scenario start instant and the
 * meter's local offset (JST) fix its calendar. Calls must come in non-decreasing `now`; an earlier
 * `now` reads the state as of the latest time seen (registers never run back).
 *
 * Bad input never throws: frames that do not decode are counted as `malformed` and dropped (null);
 * frames for other objects or that are not requests are counted and dropped.
 *
 * Unsolicited notifications (the caller decides when to send them and where):
 *  - `bootAnnouncement()`: INF of the node profile's instance list 0xD5 (Part II §4.3.1, sent when
 *    a node starts, to the node-profile multicast group).
 *  - `inf(now)`: when a new 30-minute boundary has passed since the last call, INF of 0xEA (and
 *    0xEB on a reverse-flow meter) to the controller 0x05FF01, as Route B meters announce the
 *    fixed-time cumulative energy every 30 minutes (check against JJ-300.10 before relying on it).
 */
import { EOJ, ESV, METER_EPC, decodeFrame, encodeFrame } from '../../../src/stack/echonet/index.ts';
import type { InstantaneousCurrents, UnitExponent } from '../../../src/stack/echonet/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';
import type { Random } from '../random.ts';
import { HALF_HOUR_MS, ScenarioClock, localDay } from './local-time.ts';
import type { Household } from './load-profile.ts';
import { MeterObject } from './meter-object.ts';
import type { Wiring } from './meter-object.ts';
import { NODE_PROFILE_EPC, instanceListEdt, nodeProfileObject } from './node-profile.ts';
import type { EchonetObjectModel } from './object-model.ts';
import type { RegisterSpec } from './registers.ts';
import { serveRequest } from './request-handler.ts';

/**
 * Manufacturer code the simulated meters report (EPC 0x8A). 0xFFFFFF is outside the codes the
 * ECHONET Consortium assigns to members, so no real meter is impersonated; FieldRoot's AMR/DR server
 * uses it (with the Set map 0x9E) to know the meter implements FieldRoot's DR EPCs.
 */
export const SIMULATED_MAKER_CODE = 0xffffff;

export interface EchonetMeterConfig {
  readonly household: Household;
  readonly register: RegisterSpec;
  /** EUI-64, 16 hex digits (feeds the node profile's identification number 0x83). */
  readonly eui64: string;
  /** This meter's random stream (fork it per meter from the scenario's generator). */
  readonly random: Random;
  /** The scenario's start instant, ms since the Unix epoch (UTC). */
  readonly startEpochMs: number;
  /** Local offset from UTC, minutes (default 540, JST). */
  readonly utcOffsetMinutes?: number;
  /** Whole days before the start day with pre-filled history (default 7, at most 99). */
  readonly prefillDays?: number;
  readonly makerCode?: number;
  readonly wiring?: Wiring;
}

export interface DeviceStats {
  /** Frames handed to `handle`. */
  received: number;
  /** Answers returned. */
  answered: number;
  /** SetI accepted (no answer by design). */
  acceptedSilently: number;
  /** Frames that did not decode. */
  malformed: number;
  /** Well-formed frames that are not requests (responses, INF, …). */
  notRequest: number;
  /** Requests for an object this node does not have. */
  unknownObject: number;
  /** Exceptions other than DecodeError (a bug; dropped rather than crash the simulator). */
  internalErrors: number;
}

/** The simulator's own view of a meter, to compare with what the AMR server stored. */
export interface MeterTruth {
  /** Scenario time the truth is for. */
  readonly now: number;
  /** E0 / E3 register values. */
  readonly forward: number;
  readonly reverse: number;
  /** kWh the registers show (count × coefficient × unit), exact decimals (energyKwh). */
  readonly forwardKwh: string;
  readonly reverseKwh: string;
  /** kWh behind the registers to 0.0001 kWh (modulo rollover), exact decimals. */
  readonly forwardExactKwh: string;
  readonly reverseExactKwh: string;
  readonly coefficient: number;
  readonly unit: UnitExponent;
  readonly digits: number;
  /** E7, W (− = export). */
  readonly powerW: number;
  readonly currents: InstantaneousCurrents;
  readonly switchState: 'connected' | 'disconnected';
  readonly loadLimitW: number | null;
}

export class EchonetMeterDevice {
  readonly meter: MeterObject;
  readonly nodeProfile: EchonetObjectModel;
  readonly clock: ScenarioClock;
  readonly stats: DeviceStats = {
    received: 0,
    answered: 0,
    acceptedSilently: 0,
    malformed: 0,
    notRequest: 0,
    unknownObject: 0,
    internalErrors: 0,
  };
  private readonly objects: readonly EchonetObjectModel[];
  private lastNow = Number.NEGATIVE_INFINITY;
  private nextTid = 1;
  private lastAnnouncedBoundary: number;

  constructor(config: EchonetMeterConfig) {
    if (!/^[0-9a-fA-F]{16}$/.test(config.eui64)) throw new RangeError('eui64 must be 16 hex digits');
    const makerCode = config.makerCode ?? SIMULATED_MAKER_CODE;
    if (!Number.isInteger(makerCode) || makerCode < 0 || makerCode > 0xffffff)
      throw new RangeError('maker code must be 3 bytes');
    this.clock = new ScenarioClock(config.startEpochMs, config.utcOffsetMinutes);
    this.meter = new MeterObject({
      household: config.household,
      register: config.register,
      random: config.random,
      clock: this.clock,
      makerCode,
      ...(config.prefillDays !== undefined ? { prefillDays: config.prefillDays } : {}),
      ...(config.wiring !== undefined ? { wiring: config.wiring } : {}),
    });
    const eui = Uint8Array.from(config.eui64.match(/../g)!.map((h) => parseInt(h, 16)));
    this.nodeProfile = nodeProfileObject({ makerCode, eui64: eui, instances: [EOJ.SMART_METER] });
    this.objects = [this.meter.object, this.nodeProfile];
    this.lastAnnouncedBoundary = this.boundaryAt(this.clock.localMs(0));
  }

  /** Answers one ECHONET Lite request (UDP 3610 payload); null when nothing is to be sent. */
  handle(now: number, frameBytes: Uint8Array): Uint8Array | null {
    this.stats.received++;
    const t = this.time(now);
    try {
      const outcome = serveRequest(this.objects, decodeFrame(frameBytes), t);
      if (outcome.kind === 'answer') {
        this.stats.answered++;
        return encodeFrame(outcome.frame);
      }
      if (outcome.kind === 'accepted-silently') this.stats.acceptedSilently++;
      else if (outcome.reason === 'not-a-request') this.stats.notRequest++;
      else this.stats.unknownObject++;
      return null;
    } catch (e) {
      if (e instanceof DecodeError) this.stats.malformed++;
      else this.stats.internalErrors++;
      return null;
    }
  }

  /**
   * INF of 0xEA (and 0xEB when the meter registers reverse flow) if a 30-minute boundary has
   * passed since the last call (or since the start); else null.
   */
  inf(now: number): Uint8Array | null {
    const t = this.time(now);
    const boundary = this.boundaryAt(this.clock.localMs(t));
    if (boundary <= this.lastAnnouncedBoundary) return null;
    this.lastAnnouncedBoundary = boundary;
    const epcs: number[] = [METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_NORMAL];
    if (this.meter.registers.reverseFlow) epcs.push(METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_REVERSE);
    return encodeFrame({
      tid: this.takeTid(),
      seoj: EOJ.SMART_METER,
      deoj: EOJ.CONTROLLER,
      esv: ESV.INF,
      properties: epcs.map((epc) => ({ epc, edt: this.meter.object.get(epc, t)! })),
    });
  }

  /** INF of the node profile's instance list (0xD5), as a node sends when it starts. */
  bootAnnouncement(): Uint8Array {
    return encodeFrame({
      tid: this.takeTid(),
      seoj: EOJ.NODE_PROFILE,
      deoj: EOJ.NODE_PROFILE,
      esv: ESV.INF,
      properties: [
        { epc: NODE_PROFILE_EPC.INSTANCE_LIST_NOTIFICATION, edt: instanceListEdt([EOJ.SMART_METER]) },
      ],
    });
  }

  /**
   * Mains supply lost (`on` false) or restored at `now`, for the scenario's 'meter-power-loss'
   * failures: while off nothing flows and the registers hold. The caller also stops delivering
   * frames to a dead meter; this class keeps only the energy side right.
   */
  setMains(now: number, on: boolean): void {
    this.meter.setMains(this.time(now), on);
  }

  /** The simulator's own values at `now`. */
  meterTruth(now: number): MeterTruth {
    const t = this.time(now);
    const m = this.meter;
    m.advance(t);
    const r = m.registers;
    return {
      now: t,
      forward: r.count('normal'),
      reverse: r.count('reverse'),
      forwardKwh: r.registerKwh('normal'),
      reverseKwh: r.registerKwh('reverse'),
      forwardExactKwh: r.exactKwh('normal'),
      reverseExactKwh: r.exactKwh('reverse'),
      coefficient: r.coefficient,
      unit: r.unit,
      digits: r.digits,
      powerW: m.powerW(t),
      currents: m.currents(t),
      switchState: m.dr.switchState,
      loadLimitW: m.dr.loadLimitW,
    };
  }

  /** Half-hourly register values of the day `daysAgo` (0 = today), as E2/E4 would report them. */
  historyTruth(now: number, daysAgo: number): { normal: (number | null)[]; reverse: (number | null)[] } {
    const t = this.time(now);
    return {
      normal: this.meter.history(t, 'normal', daysAgo),
      reverse: this.meter.history(t, 'reverse', daysAgo),
    };
  }

  /** Local day index (days since 1970-01-01 local) at scenario time `now`. */
  localDay(now: number): number {
    return localDay(this.clock.localMs(now));
  }

  private time(now: number): number {
    if (!Number.isFinite(now)) return Math.max(this.lastNow, 0);
    this.lastNow = Math.max(this.lastNow, now);
    return this.lastNow;
  }

  private boundaryAt(localMs: number): number {
    return Math.floor(localMs / HALF_HOUR_MS) * HALF_HOUR_MS;
  }

  private takeTid(): number {
    const tid = this.nextTid;
    this.nextTid = (this.nextTid + 1) & 0xffff;
    return tid;
  }
}
