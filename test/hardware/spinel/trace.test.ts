import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPINEL_PROP, encodeSpinelFrame, hdlcEncode, propSet } from '../../../src/stack/spinel/index.ts';
import { createLogger, memorySink } from '../../../src/log/index.ts';
import { ManualClock, settle } from '../../../hardware/spinel/clock.ts';
import { SpinelDongle } from '../../../hardware/spinel/dongle.ts';
import type { ReceivedFrame, TransmitResult } from '../../../hardware/spinel/dongle.ts';
import { createMemoryLinkPair } from '../../../hardware/spinel/serial-link.ts';
import {
  TracingLink,
  createMemoryTraceSink,
  createTraceFileSink,
  readTraceFile,
  replayTrace,
} from '../../../hardware/spinel/trace.ts';
import { LoopbackRadio } from '../../../hardware/virtual-dongle/loopback-radio.ts';
import { VirtualRcp } from '../../../hardware/virtual-dongle/rcp.ts';
import { attachVirtualDongle } from '../../../hardware/virtual-dongle/virtual-dongle.ts';
import { CONFIG } from './helpers.ts';

const PSDU = Uint8Array.of(0x41, 0xd8, 0x07, 0xcd, 0xab, 0xff, 0xff, 0xaa, 0xbb, 0x00, 0x00);

interface Session {
  info: unknown;
  results: TransmitResult[];
  frames: ReceivedFrame[];
}

/** The scripted session: bring-up, two transmits (sent, no-ack), one received frame. */
async function runSession(dongle: SpinelDongle, afterTransmit: () => void): Promise<Session> {
  const frames: ReceivedFrame[] = [];
  dongle.on('frame', (f) => frames.push(f));
  const info = await dongle.start(CONFIG);
  const results = [await dongle.transmit(PSDU), await dongle.transmit(PSDU)];
  afterTransmit();
  for (let i = 0; i < 50 && frames.length === 0; i++) await settle(1);
  return { info, results, frames };
}

function quietLogger() {
  return createLogger('test.trace', { level: 'error', sink: memorySink() });
}

test('trace record → file → replay reproduces the session byte for byte', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-trace-'));
  try {
    // Record against the virtual dongle.
    const clock = new ManualClock();
    const radio = new LoopbackRadio({ clock });
    radio.queueOutcome({ outcome: 'sent' }, { outcome: 'no-ack' });
    const rcp = new VirtualRcp({ radio, clock });
    const [host, dev] = createMemoryLinkPair();
    attachVirtualDongle(dev, rcp);
    const file = join(dir, 'session.jsonl');
    const sink = createTraceFileSink(file);
    const traced = new TracingLink(host, sink, clock);
    const recorded = await runSession(
      new SpinelDongle({ link: traced, clock, logger: quietLogger() }),
      () => {
        radio.inject({ psdu: PSDU, rssi: -77, lqi: 150, channel: CONFIG.channel, timestampUs: 42 });
      },
    );
    await sink.close();
    assert.equal(statSync(file).mode & 0o777, 0o600, 'trace file readable by its owner only');
    assert.deepEqual(
      recorded.results.map((r) => r.status),
      ['sent', 'no-ack'],
    );
    assert.equal(recorded.frames.length, 1);

    const records = readTraceFile(file);
    assert.ok(records.length > 20);
    assert.equal(records[0]!.dir, 'out');
    assert.equal(records[0]!.hex, '7e', 'the lone sync flag first');
    assert.ok(records.some((r) => r.dir === 'in'));

    // Replay: a fresh driver against the recorded dongle side.
    const replay = replayTrace(file);
    const clock2 = new ManualClock();
    const replayed = await runSession(
      new SpinelDongle({ link: replay, clock: clock2, logger: quietLogger() }),
      () => undefined,
    );
    assert.equal(replay.divergence, undefined);
    assert.ok(replay.finished, 'all recorded bytes matched and delivered');
    assert.deepEqual(replayed, recorded);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay detects a driver that writes something else', async () => {
  const clock = new ManualClock();
  const rcp = new VirtualRcp({ radio: new LoopbackRadio({ clock }), clock });
  const [host, dev] = createMemoryLinkPair();
  attachVirtualDongle(dev, rcp);
  const sink = createMemoryTraceSink();
  const d = new SpinelDongle({ link: new TracingLink(host, sink, clock), clock, logger: quietLogger() });
  await d.start(CONFIG);
  await d.close();

  const replay = replayTrace(sink.records);
  const other = new SpinelDongle({ link: replay, clock: new ManualClock(), logger: quietLogger() });
  // Different channel: the PHY_CHAN SET differs from the recording.
  await assert.rejects(other.start({ ...CONFIG, channel: 41 }));
  assert.ok(replay.divergence, 'divergence reported');
  await other.close();
});

test('a frame that sets a key property never reaches the trace', () => {
  const [host] = createMemoryLinkPair();
  const sink = createMemoryTraceSink();
  const traced = new TracingLink(host, sink, new ManualClock());
  const key = new Uint8Array(16).fill(0x5a);
  traced.write(hdlcEncode(encodeSpinelFrame(propSet(1, 0x800, Uint8Array.of(0x08, 0x01, 16, 0, ...key)))));
  traced.write(hdlcEncode(encodeSpinelFrame(propSet(2, SPINEL_PROP.PHY_CHAN, Uint8Array.of(40)))));
  assert.equal(sink.records.length, 2);
  assert.equal(sink.records[0]!.hex, undefined);
  assert.match(sink.records[0]!.redacted!, /0x800/);
  assert.ok(!JSON.stringify(sink.records).includes('5a5a5a5a'));
  assert.ok(sink.records[1]!.hex);
});
