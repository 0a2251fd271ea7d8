/**
 * The virtual dongle on a REAL pseudo-terminal (socat) opened with serialport at 460800 baud, as a
 * USB dongle would be: bring-up, frame exchange, unplug/replug under the supervisor, and the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, memorySink } from '../../../src/log/index.ts';
import { SpinelDongle } from '../../../hardware/spinel/dongle.ts';
import type { ReceivedFrame } from '../../../hardware/spinel/dongle.ts';
import { SerialPortLink } from '../../../hardware/spinel/serialport-link.ts';
import { DongleSupervisor } from '../../../hardware/ports/supervisor.ts';
import { LoopbackRadio } from '../../../hardware/virtual-dongle/loopback-radio.ts';
import { VirtualRcp } from '../../../hardware/virtual-dongle/rcp.ts';
import { createPtyPair } from '../../../hardware/virtual-dongle/pty.ts';
import { startVirtualDongleOnPty } from '../../../hardware/virtual-dongle/virtual-dongle.ts';
import { CONFIG, noise, waitFor } from '../spinel/helpers.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const quiet = () => createLogger('test.pty', { level: 'error', sink: memorySink() });

test('bring-up and frame exchange through a real pty at 460800 baud', async (t) => {
  const radio = new LoopbackRadio();
  const meter = new LoopbackRadio();
  LoopbackRadio.pair(radio, meter);
  meter.setReceiveChannel(CONFIG.channel);
  const vd = await startVirtualDongleOnPty({ rcp: { radio } });
  t.after(() => vd.close());

  const t0 = performance.now();
  const link = await SerialPortLink.open(vd.hostPath, { baudRate: 460_800 });
  const dongle = new SpinelDongle({ link, logger: quiet() });
  t.after(() => dongle.close());
  const info = await dongle.start(CONFIG);
  const bringUpMs = performance.now() - t0;
  assert.deepEqual(info.protocolVersion, { major: 4, minor: 3 });
  assert.equal(vd.rcp.rawStreamEnabled, true);
  assert.equal(vd.rcp.channel, CONFIG.channel);

  // The meter answers every frame it hears with a frame of its own.
  meter.onReceive((f) =>
    meter.transmit(Uint8Array.of(0x41, 0x88, f.psdu[2]!, 0, 0), f.channel, () => {}, {
      maxCsmaBackoffs: 4,
      maxFrameRetries: 3,
      csmaCa: true,
    }),
  );
  const frames: ReceivedFrame[] = [];
  dongle.on('frame', (f) => frames.push(f));

  const N = 50;
  const rtts: number[] = [];
  for (let i = 0; i < N; i++) {
    const psdu = new Uint8Array(100);
    psdu.set([0x41, 0x88, i]);
    const s = performance.now();
    const r = await dongle.transmit(psdu);
    rtts.push(performance.now() - s);
    assert.equal(r.status, 'sent');
  }
  await waitFor(() => frames.length === N, `${N} replies from the meter`);
  assert.deepEqual(
    frames.map((f) => f.psdu[2]),
    Array.from({ length: N }, (_, i) => i),
  );
  assert.equal(frames[0]!.channel, CONFIG.channel);
  assert.equal(meter.sent.length, N);
  rtts.sort((a, b) => a - b);
  t.diagnostic(
    `pty 460800: bring-up ${bringUpMs.toFixed(1)} ms; 100-byte transmit→tx-done median ${rtts[N >> 1]!.toFixed(2)} ms, max ${rtts[N - 1]!.toFixed(2)} ms (n=${N})`,
  );
  assert.equal(dongle.drops.snapshot()['hdlc-bad-fcs'], undefined);
});

test('unplug (socat killed) and replug at the same path: the supervisor reconnects without a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-replug-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hostPath = join(dir, 'ttyFieldRoot');
  const rcp = new VirtualRcp({ radio: new LoopbackRadio() });
  let vd = await startVirtualDongleOnPty({ hostPath, rcp });
  t.after(() => vd.close());

  const states: string[] = [];
  const sup = new DongleSupervisor({
    target: { kind: 'path', path: hostPath },
    config: CONFIG,
    logger: quiet(),
    dongleOptions: { logger: quiet() },
    initialBackoffMs: 50,
    maxBackoffMs: 400,
  });
  t.after(() => sup.stop());
  sup.on('state', (s) => states.push(s));
  sup.start();
  await waitFor(() => sup.state === 'connected', 'first connection');
  const first = sup.dongle!;
  assert.equal((await first.transmit(Uint8Array.of(1, 2, 3, 0, 0))).status, 'sent');

  const unpluggedAt = performance.now();
  await vd.unplug();
  assert.equal(existsSync(hostPath), false, 'the device node is gone');
  await waitFor(() => sup.state === 'reconnecting', 'unplug noticed');
  const detectMs = performance.now() - unpluggedAt;
  assert.ok(states.includes('unplugged'));
  assert.equal(sup.dongle, undefined);
  assert.equal(rcp.phyEnabled, true, 'RCP state before power-off');

  await new Promise((r) => setTimeout(r, 200)); // absent for a few retries
  await vd.close();
  vd = await startVirtualDongleOnPty({ hostPath, rcp });
  const replugAt = performance.now();
  await waitFor(() => sup.state === 'connected', 'reconnection', 8000);
  t.diagnostic(
    `unplug noticed after ${detectMs.toFixed(0)} ms; reconnected and configured ${(performance.now() - replugAt).toFixed(0)} ms after replug (backoff 50–400 ms)`,
  );
  const second = sup.dongle!;
  assert.notEqual(second, first);
  assert.equal(rcp.phyEnabled, true, 'reconfigured after replug');
  assert.equal((await second.transmit(Uint8Array.of(4, 5, 6, 0, 0))).status, 'sent');
  assert.deepEqual(
    states.filter((s) => s === 'connected' || s === 'unplugged'),
    ['connected', 'unplugged', 'connected'],
  );
});

test('line noise through the real pty: random bytes and a bad-FCS frame between received frames are counted and survived', async (t) => {
  const radio = new LoopbackRadio();
  const vd = await startVirtualDongleOnPty({ rcp: { radio } });
  t.after(() => vd.close());
  const link = await SerialPortLink.open(vd.hostPath, { baudRate: 460_800 });
  const dongle = new SpinelDongle({ link, logger: quiet() });
  t.after(() => dongle.close());
  await dongle.start(CONFIG);
  const frames: ReceivedFrame[] = [];
  dongle.on('frame', (f) => frames.push(f));

  // A bad-FCS HDLC frame: what a corrupted STREAM_RAW looks like on the line.
  const badFcs = Uint8Array.of(0x7e, 0x80, 0x06, 0x71, 0x01, 0x02, 0x00, 0x00, 0x7e);
  const N = 40;
  for (let i = 0; i < N; i++) {
    vd.rcp.writeRaw(noise(i + 7, 1 + ((i * 53) % 89)));
    if (i % 10 === 0) vd.rcp.writeRaw(badFcs);
    radio.inject({
      psdu: Uint8Array.of(0x41, 0x88, i, 0, 0),
      rssi: -70,
      lqi: 180,
      channel: CONFIG.channel,
      timestampUs: i,
    });
  }
  await waitFor(() => frames.length === N, `${N} frames through the noise`);
  assert.deepEqual(
    frames.map((f) => f.psdu[2]),
    Array.from({ length: N }, (_, i) => i),
  );
  const drops = dongle.drops.snapshot();
  assert.ok((drops['hdlc-bad-fcs'] ?? 0) >= 4, `bad frames counted: ${JSON.stringify(drops)}`);
  assert.equal((await dongle.transmit(Uint8Array.of(1, 2, 3, 0, 0))).status, 'sent', 'still working');
});

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/fieldroot.mjs'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('fieldroot radio info against the virtual dongle on a pty exits 0 and prints the versions', async (t) => {
  const vd = await startVirtualDongleOnPty({ rcp: { radio: new LoopbackRadio() } });
  t.after(() => vd.close());
  const r = await runCli(['radio', 'info', '--port', vd.hostPath, '--baud', '460800']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /protocol: +Spinel 4\.3/);
  assert.match(r.stdout, /firmware: +FieldRoot-VirtualRCP/);
  assert.match(r.stdout, /RCP API: +11 \(needs host API >= 4\)/);
  assert.match(r.stdout, /capabilities: .*MAC_RAW/);
  assert.match(r.stdout, /channels: +33–60/);
  assert.match(r.stdout, /max PSDU: +2047 bytes/);
  assert.match(r.stdout, /hardware address: 02:46:52:00:00:00:00:01/);
});

test('fieldroot radio info exits non-zero where nothing answers, and for a missing port', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-silent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pty = await createPtyPair({ hostPath: join(dir, 'host'), donglePath: join(dir, 'nobody') });
  t.after(() => pty.close());
  const silent = await runCli(['radio', 'info', '--port', pty.hostPath, '--timeout', '300']);
  assert.equal(silent.code, 1);
  assert.match(silent.stderr, /no boot status from the dongle within 450 ms/);

  const missing = await runCli(['radio', 'info', '--port', join(dir, 'absent')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no serial device at/);

  const usage = await runCli(['radio', 'info', '--port', pty.hostPath, '--baud', '9600']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--baud must be one of 115200, 230400, 460800/);
});

test('socat is stopped cleanly and its links removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-pty-'));
  try {
    const pty = await createPtyPair({ hostPath: join(dir, 'a'), donglePath: join(dir, 'b') });
    assert.ok(existsSync(pty.hostPath) && existsSync(pty.donglePath));
    await pty.close();
    await pty.exited;
    assert.throws(() => process.kill(pty.pid, 0), /ESRCH/, 'socat process gone');
    assert.equal(existsSync(pty.hostPath), false);
    await pty.close(); // idempotent
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
