/**
 * The reading engine: reads a meter over ECHONET Lite when it joins through a tool (issue #5
 * item 2), with no I/O of its own — the clock is injected and datagrams go through the
 * transactions' port. At most `perToolConcurrency` meters are read at once through one tool, so
 * the tool's radio is not flooded; further meters wait in that tool's queue.
 *
 * One read:
 *  1. Get of 0x8A, 0x9E, D3, D7, E1, E0, E3, E7, E8, EA, EB from the meter object 0x028801 in
 *     one frame (one radio round trip). Get_SNA marks unavailable properties with PDC 0 (Part II
 *     §4.2.3.3): D3 absent means coefficient 1 and E1 absent means 1 kWh (APPENDIX 0x0288); E0
 *     and D7 are required.
 *  2. For every local day missing since the last read (up to 99, the E5 range), SetGet of E5 =
 *     days ago with a Get of E2 (and E4 when the meter has E3): the selector and the history in
 *     one round trip, so no other controller can move E5 in between.
 *  3. Validation (validation.ts): a finding that blocks the store makes the read an exception
 *     and no reading is produced.
 *
 * A matched reply whose EDT does not decode (e.g. truncated) ends the read with 'decode-error';
 * a meter that does not answer ends it with 'timeout' after the retries.
 */
import {
  EOJ,
  ESV,
  METER_EPC,
  decodeCoefficient,
  decodeCumulativeEnergy,
  decodeCurrents,
  decodeEffectiveDigits,
  decodeFixedTimeEnergy,
  decodeHistory,
  decodeInstantaneousPower,
  decodePropertyMap,
  decodeUnit,
  encodeHistoryDay,
} from '../../stack/echonet/index.ts';
import type { EchonetFrame, UnitExponent } from '../../stack/echonet/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import type { DayHistory, MeterReading, ReadException, RegisterValue } from '../storage/index.ts';
import type { EchonetTransactions, TransactionResult } from './transactions.ts';
import { DEFAULT_PLAUSIBILITY, checkPower, checkRegister } from './validation.ts';
import type { Finding, PlausibilityPolicy, PreviousReading } from './validation.ts';

/** Manufacturer code, EPC 0x8A (APPENDIX §2, device object super class). */
export const MANUFACTURER_CODE_EPC = 0x8a;

const FIRST_READ_EPCS = [
  MANUFACTURER_CODE_EPC,
  METER_EPC.SET_PROPERTY_MAP,
  METER_EPC.COEFFICIENT,
  METER_EPC.NUMBER_OF_EFFECTIVE_DIGITS,
  METER_EPC.CUMULATIVE_ENERGY_UNIT,
  METER_EPC.CUMULATIVE_ENERGY_NORMAL,
  METER_EPC.CUMULATIVE_ENERGY_REVERSE,
  METER_EPC.INSTANTANEOUS_POWER,
  METER_EPC.INSTANTANEOUS_CURRENTS,
  METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_NORMAL,
  METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_REVERSE,
] as const;

const EMPTY = new Uint8Array(0);
const DAY_MS = 86_400_000;
/** E5 selects 0..99 days ago (APPENDIX 0x0288, EPC 0xE5). */
export const MAX_HISTORY_DAYS_AGO = 99;

export interface ReadJob {
  readonly meterId: string;
  /** The meter's IPv6 address, canonical text. */
  readonly address: string;
  readonly toolId: string;
  /** The last stored reading, for validation and for the missing history days. */
  readonly previous: PreviousReading | null;
}

export interface MeterCapabilities {
  readonly manufacturerCode: number | null;
  /** EPCs of the Set property map 0x9E; empty when the meter did not give it. */
  readonly settable: readonly number[];
}

export interface ReadOutcome {
  readonly meterId: string;
  readonly toolId: string;
  readonly atMs: number;
  /** Null when the read failed or a finding blocked the store. */
  readonly reading: MeterReading | null;
  readonly exceptions: readonly ReadException[];
  readonly capabilities: MeterCapabilities | null;
}

export interface ReadingEngineOptions {
  readonly transactions: EchonetTransactions;
  /** Milliseconds since the Unix epoch. */
  readonly clock: () => number;
  readonly perToolConcurrency?: number;
  /** The meters' local time offset from UTC, minutes; history days are local days (JST: 540). */
  readonly utcOffsetMinutes?: number;
  /** History days fetched for a meter never read before (1..99). */
  readonly initialHistoryDays?: number;
  readonly plausibility?: PlausibilityPolicy;
}

/**
 * Meters read at once through one tool. Every answer of several fragments shares the tool's one
 * radio channel: on isolated-area-20 four at once cost 2 timed-out reads and 23 resends, two cost
 * 15 resends, one none (virtual clock, session 2 measurements) — two keeps reads overlapping.
 */
export const DEFAULT_PER_TOOL_CONCURRENCY = 2;
export const DEFAULT_INITIAL_HISTORY_DAYS = 7;

class ReadFailure extends Error {
  constructor(
    readonly reason: ReadException['reason'],
    readonly detail: string,
  ) {
    super(detail);
  }
}

interface ToolQueue {
  active: number;
  readonly waiting: (() => void)[];
}

/** The local calendar day (YYYY-MM-DD) `daysAgo` days before the local day of `epochMs`. */
export function localDayText(epochMs: number, utcOffsetMinutes: number, daysAgo = 0): string {
  const day = Math.floor((epochMs + utcOffsetMinutes * 60_000) / DAY_MS) - daysAgo;
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function localDayIndex(epochMs: number, utcOffsetMinutes: number): number {
  return Math.floor((epochMs + utcOffsetMinutes * 60_000) / DAY_MS);
}

export class ReadingEngine {
  private readonly queues = new Map<string, ToolQueue>();
  private readonly concurrency: number;
  private readonly offset: number;
  private readonly initialDays: number;
  private readonly plausibility: PlausibilityPolicy;

  constructor(private readonly o: ReadingEngineOptions) {
    this.concurrency = o.perToolConcurrency ?? DEFAULT_PER_TOOL_CONCURRENCY;
    this.offset = o.utcOffsetMinutes ?? 540;
    this.initialDays = o.initialHistoryDays ?? DEFAULT_INITIAL_HISTORY_DAYS;
    this.plausibility = o.plausibility ?? DEFAULT_PLAUSIBILITY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1)
      throw new RangeError('perToolConcurrency must be a positive integer');
    if (
      !Number.isInteger(this.initialDays) ||
      this.initialDays < 0 ||
      this.initialDays > MAX_HISTORY_DAYS_AGO
    )
      throw new RangeError('initialHistoryDays must be 0..99');
  }

  /** Meters being read through `toolId` now (never above the concurrency limit). */
  activeReads(toolId: string): number {
    return this.queues.get(toolId)?.active ?? 0;
  }

  /** Queues a read; settles when it is done, never rejects for a meter's misbehaviour. */
  async read(job: ReadJob): Promise<ReadOutcome> {
    const queue = this.queues.get(job.toolId) ?? { active: 0, waiting: [] };
    this.queues.set(job.toolId, queue);
    if (queue.active >= this.concurrency) await new Promise<void>((go) => queue.waiting.push(go));
    else queue.active++;
    try {
      return await this.readNow(job);
    } finally {
      const next = queue.waiting.shift();
      if (next !== undefined) next();
      else if (--queue.active === 0) this.queues.delete(job.toolId);
    }
  }

  private async readNow(job: ReadJob): Promise<ReadOutcome> {
    const atMs = this.o.clock();
    const fail = (reason: ReadException['reason'], detail: string): ReadOutcome => ({
      meterId: job.meterId,
      toolId: job.toolId,
      atMs,
      reading: null,
      exceptions: [{ meterId: job.meterId, atMs, reason, detail }],
      capabilities: null,
    });
    try {
      const reply = await this.exchange(job, {
        esv: ESV.Get,
        properties: FIRST_READ_EPCS.map((epc) => ({ epc, edt: EMPTY })),
      });
      const snapshot = this.decodeSnapshot(reply);
      const findings: Finding[] = [];
      for (const r of snapshot.registers)
        findings.push(...checkRegister(r, atMs, job.previous, this.plausibility));
      if (snapshot.powerW !== null) findings.push(...checkPower(snapshot.powerW, this.plausibility));
      const exceptions: ReadException[] = findings.map((f) => ({
        meterId: job.meterId,
        atMs,
        reason: f.reason,
        detail: f.detail,
      }));
      if (findings.some((f) => f.blocksStore))
        return {
          meterId: job.meterId,
          toolId: job.toolId,
          atMs,
          reading: null,
          exceptions,
          capabilities: snapshot.capabilities,
        };
      const history: DayHistory[] = [];
      for (const daysAgo of this.missingDays(job.previous, atMs)) {
        const days = await this.readHistoryDay(job, daysAgo, snapshot.hasReverse, snapshot.digits, atMs);
        if (typeof days === 'string')
          exceptions.push({ meterId: job.meterId, atMs, reason: 'rejected', detail: days });
        else history.push(...days);
      }
      const reading: MeterReading = {
        meterId: job.meterId,
        readAtMs: atMs,
        registers: snapshot.registers,
        instantaneousPowerW: snapshot.powerW,
        currentRDeciampere: snapshot.currentR,
        currentTDeciampere: snapshot.currentT,
        history,
      };
      return {
        meterId: job.meterId,
        toolId: job.toolId,
        atMs,
        reading,
        exceptions,
        capabilities: snapshot.capabilities,
      };
    } catch (e) {
      if (e instanceof ReadFailure) return fail(e.reason, e.detail);
      if (e instanceof DecodeError) return fail('decode-error', e.message);
      throw e;
    }
  }

  /** Days ago (descending, oldest first) whose complete history is not stored yet. */
  private missingDays(previous: PreviousReading | null, atMs: number): number[] {
    const today = localDayIndex(atMs, this.offset);
    const count =
      previous === null
        ? this.initialDays
        : Math.min(MAX_HISTORY_DAYS_AGO, today - localDayIndex(previous.readAtMs, this.offset));
    const days: number[] = [];
    for (let d = count; d >= 1; d--) days.push(d);
    return days;
  }

  private async readHistoryDay(
    job: ReadJob,
    daysAgo: number,
    reverse: boolean,
    digits: number,
    atMs: number,
  ): Promise<DayHistory[] | string> {
    const gets = [METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_NORMAL as number];
    if (reverse) gets.push(METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_REVERSE);
    const reply = await this.exchange(job, {
      esv: ESV.SetGet,
      properties: [{ epc: METER_EPC.HISTORY_DAY, edt: encodeHistoryDay(daysAgo) }],
      getProperties: gets.map((epc) => ({ epc, edt: EMPTY })),
    });
    if (reply.esv === ESV.SetGet_SNA) return `meter refused history of ${daysAgo} day(s) ago (SetGet_SNA)`;
    if (reply.properties[0]!.edt.length !== 0)
      throw new ReadFailure('decode-error', 'SetGet_Res carries data for the accepted E5');
    const day = localDayText(atMs, this.offset, daysAgo);
    const limit = 10 ** digits;
    return (reply.getProperties ?? []).map((p) => {
      const h = decodeHistory(p.edt);
      if (h.day !== daysAgo)
        throw new ReadFailure('decode-error', `history is for ${h.day} day(s) ago, asked ${daysAgo}`);
      if (h.values.some((v) => v !== null && v >= limit))
        throw new ReadFailure(
          'out-of-range',
          `history of ${day} has a value with more than ${digits} digits`,
        );
      return {
        register: p.epc === METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_NORMAL ? 'normal' : 'reverse',
        day,
        slots: h.values,
      };
    });
  }

  private async exchange(
    job: ReadJob,
    request: Pick<Parameters<EchonetTransactions['request']>[1], 'esv' | 'properties' | 'getProperties'>,
  ): Promise<EchonetFrame> {
    const result: TransactionResult = await this.o.transactions.request(this.o.clock(), {
      address: job.address,
      deoj: EOJ.SMART_METER,
      ...request,
    });
    if (result.kind === 'reply') return result.frame;
    const last = result.lastDrop === null ? '' : `; last reply dropped as ${result.lastDrop}`;
    throw new ReadFailure('timeout', `no usable answer after ${result.attempts} attempt(s)${last}`);
  }

  private decodeSnapshot(reply: EchonetFrame) {
    const sna = reply.esv === ESV.Get_SNA;
    const edt = (epc: number): Uint8Array | null => {
      const p = reply.properties.find((q) => q.epc === epc)!;
      // Only a Get_SNA may leave a property out (PDC 0); in Get_Res an empty EDT is malformed.
      return sna && p.edt.length === 0 ? null : p.edt;
    };
    const required = (epc: number): Uint8Array => {
      const v = edt(epc);
      if (v === null)
        throw new ReadFailure('rejected', `meter answered Get_SNA for EPC 0x${epc.toString(16)}`);
      return v;
    };
    const optional = <T>(epc: number, decode: (e: Uint8Array) => T): T | null => {
      const v = edt(epc);
      return v === null ? null : decode(v);
    };
    const coefficient = optional(METER_EPC.COEFFICIENT, decodeCoefficient) ?? 1;
    const unitExponent: UnitExponent = optional(METER_EPC.CUMULATIVE_ENERGY_UNIT, decodeUnit) ?? 0;
    const digits = decodeEffectiveDigits(required(METER_EPC.NUMBER_OF_EFFECTIVE_DIGITS));
    const normal = decodeCumulativeEnergy(required(METER_EPC.CUMULATIVE_ENERGY_NORMAL));
    const reverse = optional(METER_EPC.CUMULATIVE_ENERGY_REVERSE, decodeCumulativeEnergy);
    const register = (which: 'normal' | 'reverse', raw: number): RegisterValue => ({
      register: which,
      raw,
      coefficient,
      unitExponent,
      digits,
    });
    const registers = [register('normal', normal)];
    if (reverse !== null) registers.push(register('reverse', reverse));
    const power = optional(METER_EPC.INSTANTANEOUS_POWER, decodeInstantaneousPower);
    const currents = optional(METER_EPC.INSTANTANEOUS_CURRENTS, decodeCurrents);
    // Decoded for strictness (a malformed EA/EB is a malformed reply); not stored (no column yet).
    optional(METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_NORMAL, decodeFixedTimeEnergy);
    optional(METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_REVERSE, decodeFixedTimeEnergy);
    const maker = optional(MANUFACTURER_CODE_EPC, (e) => {
      if (e.length !== 3)
        throw new ReadFailure('decode-error', `manufacturer code is ${e.length} bytes, must be 3`);
      return (e[0]! << 16) | (e[1]! << 8) | e[2]!;
    });
    const settable = optional(METER_EPC.SET_PROPERTY_MAP, decodePropertyMap) ?? [];
    const numeric = (v: number | string | null | undefined): number | null =>
      typeof v === 'number' ? v : null;
    return {
      registers,
      digits,
      hasReverse: reverse !== null,
      powerW: numeric(power),
      currentR: numeric(currents?.r),
      currentT: numeric(currents?.t),
      capabilities: { manufacturerCode: maker, settable },
    };
  }
}
