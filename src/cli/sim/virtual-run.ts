/**
 * `fieldroot sim --virtual-time`: the whole system — the tool's mesh root, the head-end's key
 * server and the scenario's field — in this process on the virtual clock (./virtual-system.ts),
 * for --duration seconds of simulated time, as fast as the CPU allows. The capture, key table and
 * report are the same as in pty mode.
 */
import { TabletSniffer } from '../../../hardware/sim/field-dongle/index.ts';
import { immAckBuilder } from '../../../hardware/sim/medium/index.ts';
import type { Scenario } from '../../../hardware/sim/scenario/index.ts';
import type { CliIo } from '../command.ts';
import { CaptureFile } from './capture-file.ts';
import { KeyTable } from './key-table.ts';
import { scheduleLossBursts } from './loss-bursts.ts';
import type { SimOptions } from './options.ts';
import { buildSimReport, writeSimReport } from './report.ts';
import { buildVirtualSystem } from './virtual-system.ts';
import { VIRTUAL_AMR_STEP_MS } from './virtual-amr.ts';
import type { HeadendRead } from './report.ts';

/**
 * Virtual time run between checks for a signal and the head-end's async steps (key server, AMR
 * server). Short: the AMR server acts on a meter's answer only at the end of a step.
 */
const STEP_MS = VIRTUAL_AMR_STEP_MS;

export async function runVirtualTimeSim(o: SimOptions, scenario: Scenario, io: CliIo): Promise<number> {
  const sys = await buildVirtualSystem({
    scenario,
    powerOnSpreadMs: o.powerOnSpreadS * 1000,
    scheduleFailures: true,
  });
  // The meters' clocks and the head-end's share the system's fixed epoch (a reproducible run).
  const startEpochMs = sys.startEpochMs;
  const capture = o.pcap !== undefined ? new CaptureFile(o.pcap, BigInt(startEpochMs) * 1000n) : undefined;
  if (capture) {
    // Real Imm-Acks on air instead of placeholder octets, so that the capture shows them.
    sys.field.medium.setDefaultAckBuilder(immAckBuilder(4));
    new TabletSniffer(sys.field.medium, scenario.tablet.position, scenario.radio.channel, (f) =>
      capture.record(f),
    );
  }
  let stopSignal: string | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignal = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const wallStart = performance.now();
  try {
    sys.start();
    const startMs = sys.startedAtMs ?? 0;
    scheduleLossBursts(sys.field.medium, sys.scheduler, scenario.failures, startMs);
    const endMs = startMs + o.durationS! * 1000;
    // Bounded by the duration: one step per STEP_MS of virtual time.
    while (sys.scheduler.now() < endMs && stopSignal === undefined) {
      sys.runUntil(Math.min(endMs, sys.scheduler.now() + STEP_MS));
      await sys.settle();
    }
    capture?.close();
    const headend = new Map<string, HeadendRead>();
    for (const e of await sys.amr.storedEnergy())
      headend.set(e.meterId, {
        readAt: new Date(e.readAtMs).toISOString(),
        forwardKwh: e.forwardKwh,
        reverseKwh: e.reverseKwh,
        simulatorForwardKwh: e.simulator?.forwardKwh ?? null,
        simulatorReverseKwh: e.simulator?.reverseKwh ?? null,
      });
    const report = buildSimReport({
      field: sys.field,
      scenario,
      mode: 'virtual-time',
      startEpochMs: startEpochMs + startMs,
      startMs,
      framesCaptured: capture ? capture.frames : null,
      headend,
    });
    if (o.report !== undefined) writeSimReport(o.report, report);
    if (o.keysOut !== undefined) {
      const keys = new KeyTable();
      for (const k of sys.networkKeys()) {
        keys.add(k.index, k.key);
        k.key.fill(0);
      }
      keys.write(o.keysOut, sys.crypto);
      keys.wipe();
    }
    io.out(
      `Simulated ${report.durationS.toFixed(1)} s in ${((performance.now() - wallStart) / 1000).toFixed(1)} s` +
        (stopSignal ? ` (stopped by ${stopSignal})` : '') +
        `: ${report.summary.joined}/${report.summary.meters} meters joined, ${headend.size} read by the head-end, ${report.radio.framesOnAir} frames on air` +
        (capture ? `, ${capture.frames} captured in ${capture.path}` : ''),
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    capture?.close();
    await sys.close();
  }
}
