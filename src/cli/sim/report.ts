/**
 * `--report`: what happened to each meter of the run, as JSON — identity, whether and when it
 * joined, its hop count to the tablet, and its register values at the end of the run (the
 * simulator's own values, to compare with what the tool read). In virtual-time mode also what
 * the head-end's AMR server stored from its read, next to the meter's own registers at that read.
 */
import { writeFileSync } from 'node:fs';
import type { SimulatedField } from '../../../hardware/sim/node/index.ts';
import { EchonetMeterDevice } from '../../../hardware/sim/meter/index.ts';
import { WitnessedMeter } from './virtual-amr.ts';

export interface RegisterValues {
  /** E0 / E3 counts as the meter reports them. */
  forward: number;
  reverse: number;
  /** The same in kWh (count × coefficient × unit), exact decimals. */
  forwardKwh: string;
  reverseKwh: string;
  coefficient: number;
  digits: number;
  /** E7, W (− = export). */
  powerW: number;
}

export interface MeterRunReport {
  id: string;
  eui64: string;
  joined: boolean;
  state: string;
  /** Seconds after the start of the run the meter first joined (since its last power-up). */
  joinedAfterS: number | null;
  joinedAt: string | null;
  hops: number | null;
  registers: RegisterValues | null;
  /** What the head-end stored from its latest read (virtual-time mode); null when not read. */
  headend: HeadendRead | null;
}

export interface HeadendRead {
  readAt: string;
  /** Stored register × coefficient × unit, kWh, exact decimals. */
  forwardKwh: string;
  reverseKwh: string | null;
  /** The simulator's own registers when the meter answered that read (null: not witnessed). */
  simulatorForwardKwh: string | null;
  simulatorReverseKwh: string | null;
}

export interface SimRunReport {
  scenario: string;
  seed: number;
  mode: 'pty' | 'virtual-time';
  startedAt: string;
  durationS: number;
  meters: MeterRunReport[];
  summary: { meters: number; joined: number; maxHops: number | null };
  radio: { framesOnAir: number; framesCaptured: number | null };
  dongle?: { plugHistory: { atS: number; event: string }[] };
}

export interface ReportContext {
  field: SimulatedField;
  scenario: { name: string; seed: number };
  mode: 'pty' | 'virtual-time';
  /** Wall-clock ms (since 1970) of the field's time `startMs`. */
  startEpochMs: number;
  startMs: number;
  framesCaptured: number | null;
  plugHistory?: readonly [number, string][];
  /** The head-end's stored reads by meter id (virtual-time mode). */
  headend?: ReadonlyMap<string, HeadendRead>;
}

export function buildSimReport(c: ReportContext): SimRunReport {
  const now = c.field.medium.scheduler.now();
  const meters = c.field.report().map((m): MeterRunReport => {
    const application = c.field.applications.get(m.id);
    const app = application instanceof WitnessedMeter ? application.device : application;
    let registers: RegisterValues | null = null;
    if (app instanceof EchonetMeterDevice) {
      const t = app.meterTruth(now);
      registers = {
        forward: t.forward,
        reverse: t.reverse,
        forwardKwh: t.forwardKwh,
        reverseKwh: t.reverseKwh,
        coefficient: t.coefficient,
        digits: t.digits,
        powerW: t.powerW,
      };
    }
    const joinedAt = m.joined && m.joinedAt !== undefined ? m.joinedAt : undefined;
    return {
      id: m.id,
      eui64: m.eui64,
      joined: m.joined,
      state: m.state,
      joinedAfterS: joinedAt === undefined ? null : round3((joinedAt - c.startMs) / 1000),
      joinedAt: joinedAt === undefined ? null : new Date(c.startEpochMs + joinedAt - c.startMs).toISOString(),
      hops: m.hops ?? null,
      registers,
      headend: c.headend?.get(m.id) ?? null,
    };
  });
  const hops = meters.map((m) => m.hops).filter((h): h is number => h !== null);
  const report: SimRunReport = {
    scenario: c.scenario.name,
    seed: c.scenario.seed,
    mode: c.mode,
    startedAt: new Date(c.startEpochMs).toISOString(),
    durationS: round3((now - c.startMs) / 1000),
    meters,
    summary: {
      meters: meters.length,
      joined: meters.filter((m) => m.joined).length,
      maxHops: hops.length > 0 ? Math.max(...hops) : null,
    },
    radio: { framesOnAir: c.field.medium.totals().transmissions, framesCaptured: c.framesCaptured },
  };
  if (c.plugHistory) {
    report.dongle = {
      plugHistory: c.plugHistory.map(([at, event]) => ({ atS: round3((at - c.startMs) / 1000), event })),
    };
  }
  return report;
}

export function writeSimReport(path: string, report: SimRunReport): void {
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
