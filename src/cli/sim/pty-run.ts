/**
 * `fieldroot sim --pty`: the scenario's field on the real clock with the virtual dongle on a
 * pseudo-terminal, until SIGINT/SIGTERM or --duration. The tool (another process) opens the pty
 * with its Spinel driver exactly as it opens a USB dongle.
 */
import { resolve } from 'node:path';
import { RealTimeScheduler } from '../../../hardware/sim/clock/index.ts';
import { FieldDongle, TabletSniffer } from '../../../hardware/sim/field-dongle/index.ts';
import { immAckBuilder } from '../../../hardware/sim/medium/index.ts';
import { SimulatedField } from '../../../hardware/sim/node/index.ts';
import type { Scenario } from '../../../hardware/sim/scenario/index.ts';
import { createNodeProvider } from '../../stack/crypto/index.ts';
import type { CliIo } from '../command.ts';
import { CaptureFile } from './capture-file.ts';
import { KeyTable } from './key-table.ts';
import { scheduleLossBursts } from './loss-bursts.ts';
import type { SimOptions } from './options.ts';
import { buildSimReport, writeSimReport } from './report.ts';

/** The SUN PHY frames of the field carry a 4-octet FCS (802.15.4-2015 §7.2.10). */
const FCS_LENGTH = 4;

export function euiBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** Resolves with what stopped the run: a signal's name, or 'duration'. */
export function waitForStop(durationS: number | undefined): Promise<string> {
  return new Promise((done) => {
    const finish = (reason: string): void => {
      if (timer !== undefined) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      done(reason);
    };
    const onSignal = (signal: NodeJS.Signals): void => finish(signal);
    const timer =
      durationS !== undefined ? setTimeout(() => finish('duration'), durationS * 1000) : undefined;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function runPtySim(o: SimOptions, scenario: Scenario, io: CliIo): Promise<number> {
  const crypto = createNodeProvider();
  const scheduler = new RealTimeScheduler();
  const startEpochMs = Date.now();
  const buildAck = immAckBuilder(FCS_LENGTH);
  const keys = o.keysOut !== undefined ? new KeyTable() : undefined;
  const field = new SimulatedField({
    scenario,
    scheduler,
    crypto,
    echonet: { startEpochMs },
    medium: { buildAck },
    ...(keys
      ? {
          onNetworkKey: (_meter: string, index: number, key: Uint8Array) => {
            keys.add(index, key);
            key.fill(0);
          },
        }
      : {}),
  });
  const capture = o.pcap !== undefined ? new CaptureFile(o.pcap, BigInt(startEpochMs) * 1000n) : undefined;
  const sniffer = capture
    ? new TabletSniffer(field.medium, scenario.tablet.position, scenario.radio.channel, (f) =>
        capture.record(f),
      )
    : undefined;

  let dongle: FieldDongle;
  try {
    dongle = await FieldDongle.start({
      site: field,
      scheduler,
      hostPath: resolve(o.pty!),
      hardwareAddress: euiBytes(scenario.tablet.eui64),
      radio: { sensitivityDbm: scenario.radio.sensitivityDbm, buildAck },
    });
  } catch (e) {
    scheduler.stop();
    capture?.close();
    io.err(`fieldroot sim: cannot start the virtual dongle: ${(e as Error).message}`);
    return 1;
  }
  if (sniffer) dongle.radio.onChannel = (channel) => sniffer.tune(channel);

  field.powerOnAll(o.powerOnSpreadS * 1000);
  field.scheduleFailures(0);
  scheduleLossBursts(field.medium, scheduler, scenario.failures, 0);
  dongle.scheduleFailures(scenario.failures, 0, (e) =>
    io.err(`fieldroot sim: dongle unplug/replug failed: ${(e as Error).message}`),
  );
  io.out(`Virtual dongle: ${dongle.hostPath}`);

  const reason = await waitForStop(o.durationS);
  scheduler.stop();
  await dongle.close();
  capture?.close();
  const report = buildSimReport({
    field,
    scenario,
    mode: 'pty',
    startEpochMs,
    startMs: 0,
    framesCaptured: capture ? capture.frames : null,
    plugHistory: dongle.plugHistory,
  });
  if (o.report !== undefined) writeSimReport(o.report, report);
  if (keys && o.keysOut !== undefined) {
    keys.write(o.keysOut, crypto);
    keys.wipe();
  }
  io.out(
    `Stopped (${reason}) after ${report.durationS.toFixed(1)} s: ${report.summary.joined}/${report.summary.meters} meters joined, ${report.radio.framesOnAir} frames on air` +
      (capture ? `, ${capture.frames} captured in ${capture.path}` : ''),
  );
  return 0;
}
