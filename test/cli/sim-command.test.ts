/**
 * `fieldroot sim` as a worker or a test runs it: a separate process serving the virtual dongle on
 * a pty, opened here with the real Spinel driver; SIGTERM stops it with the report and the capture
 * written, and the capture reads cleanly in tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHIPPED_SCENARIOS_DIR, loadScenario } from '../../hardware/sim/scenario/index.ts';
import { SpinelDongle, type ReceivedFrame } from '../../hardware/spinel/dongle.ts';
import { SerialPortLink } from '../../hardware/spinel/serialport-link.ts';
import { createLogger, memorySink } from '../../src/log/index.ts';
import { readIeee802154Capture } from '../../src/stack/capture/index.ts';
import { runCli } from '../../src/cli/main.ts';
import { waitFor } from '../hardware/spinel/helpers.ts';
import { HostSide } from '../hardware/sim/field-dongle/host-side.ts';
import { tsharkFields, tsharkProblems, type TsharkOptions } from '../support/tshark.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'scripts/fieldroot.mjs');

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [CLI, 'sim', ...args], { cwd: ROOT, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Never leave a simulator behind, whatever the test did.
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(kill));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

test('fieldroot sim --pty: the dongle answers the driver, frames flow, SIGTERM writes the report and a capture tshark reads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-sim-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pty = join(dir, 'ttySim');
  const pcap = join(dir, 'run.pcapng');
  const reportPath = join(dir, 'report.json');
  const keys = join(dir, 'keys.txt');
  const scenario = loadScenario('isolated-area-20');
  const run = start([
    '--scenario',
    'isolated-area-20',
    '--pty',
    pty,
    '--pcap',
    pcap,
    '--report',
    reportPath,
    '--keys-out',
    keys,
    '--spread',
    '0',
  ]);
  t.after(() => run.child.kill('SIGKILL'));
  await waitFor(() => run.stdout().includes(`Virtual dongle: ${pty}\n`), 'the ready line', 30_000);
  assert.ok(existsSync(pty), 'the pty is linked where asked');

  const host = new HostSide(scenario);
  const link = await SerialPortLink.open(pty, { baudRate: 460_800 });
  const driver = new SpinelDongle({
    link,
    logger: createLogger('test.sim', { level: 'error', sink: memorySink() }),
  });
  const info = await driver.start({
    channel: scenario.radio.channel,
    panId: scenario.radio.panId,
    extendedAddress: host.euiBytes,
  });
  assert.match(info.ncpVersion, /VirtualRCP/);
  assert.deepEqual(info.hardwareAddress, host.euiBytes, 'HWADDR is the tablet EUI-64 of the scenario');
  const frames: ReceivedFrame[] = [];
  driver.on('frame', (f) => frames.push(f));
  assert.equal((await driver.transmit(host.beaconPsdu())).status, 'sent');
  // Meters in range pick the tablet as relay after 3 s of listening and start PANA. The RCP
  // acknowledges a frame that asks for it a turnaround after delivering it, so wait for one more
  // frame after the first such one: its ACK is then on air (and in the capture) before SIGTERM.
  // IEEE 802.15.4-2020 §7.2.2.5: Frame Control bit 5 is AR.
  const asksAck = (f: ReceivedFrame) => ((f.psdu[0] ?? 0) & 0x20) !== 0;
  await waitFor(
    () => {
      const i = frames.findIndex(asksAck);
      return i >= 0 && frames.length > i + 1;
    },
    'a meter frame asking for an ACK, and a frame after it',
    30_000,
  );
  await driver.close();

  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.stderr());
  assert.match(run.stdout(), /Stopped \(SIGTERM\)/);
  assert.equal(existsSync(pty), false, 'the pty link is removed');

  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
    scenario: string;
    meters: {
      id: string;
      eui64: string;
      joined: boolean;
      hops: number | null;
      registers: { forward: number } | null;
    }[];
  };
  assert.equal(report.scenario, 'isolated-area-20');
  assert.deepEqual(
    report.meters.map((m) => [m.id, m.eui64]),
    scenario.meters.map((m) => [m.id, m.eui64]),
  );
  assert.ok(
    report.meters.every((m) => m.registers !== null && m.registers.forward >= 0),
    'register values',
  );
  assert.ok(
    report.meters.every((m) => !m.joined && m.hops === null),
    'nobody joined: no key server here',
  );

  // The capture: the host's beacon, the meters' PANA frames and the ACKs, as on air.
  const records = readIeee802154Capture(readFileSync(pcap));
  assert.ok(records.length >= 3, `${records.length} frames captured`);
  assert.ok(
    records.every((r) => r.channel === scenario.radio.channel && r.fcsType === 2),
    'channel and FCS type',
  );
  const options: TsharkOptions = {
    prefs: { '6lowpan.context0': '2001:db8:1:2::/64' },
    decodeAs: ['udp.port==716,pana'],
  };
  assert.deepEqual(tsharkProblems(pcap, options), [], 'tshark finds nothing malformed');
  const rows = tsharkFields(pcap, ['wpan.fcs_ok', 'wpan.frame_type', 'wpan.src64'], options);
  assert.equal(rows.length, records.length);
  assert.ok(
    rows.every((r) => r[0] === '1'),
    'every FCS is good',
  );
  assert.ok(
    rows.some((r) => Number(r[1]) === 2),
    'ACKs are captured',
  );
  assert.ok(
    rows.some((r) => r[2] !== '' && r[2] !== undefined && r[2].replaceAll(':', '') !== scenario.tablet.eui64),
    'frames from meters are captured',
  );
  assert.ok(readFileSync(keys, 'utf8').startsWith('# Wireshark ieee802154_keys'), 'key table written');
});

async function runInProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['sim', ...args], {
    out: (l) => (out += l + '\n'),
    err: (l) => (err += l + '\n'),
  });
  return { code, out, err };
}

test('fieldroot sim: a bad scenario file is refused with the field named; usage errors exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-sim-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = JSON.parse(readFileSync(join(SHIPPED_SCENARIOS_DIR, 'isolated-area-20.json'), 'utf8')) as {
    meters: { eui64: string }[];
  };
  good.meters[3]!.eui64 = 'not-an-eui';
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify(good));
  const r = await runInProcess(['--scenario', bad, '--pty', join(dir, 'tty')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.json: meters\[3\]\.eui64/);
  assert.equal(existsSync(join(dir, 'tty')), false, 'no dongle for a bad scenario');

  const missing = await runInProcess(['--scenario', join(dir, 'absent.json'), '--pty', join(dir, 'tty')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /absent\.json: cannot read/);

  const noPty = await runInProcess(['--scenario', 'isolated-area-20']);
  assert.equal(noPty.code, 2);
  assert.match(noPty.err, /--pty is required/);
  const badSeed = await runInProcess(['--scenario', 'isolated-area-20', '--pty', 'x', '--seed', '1.5']);
  assert.equal(badSeed.code, 2);
  assert.match(badSeed.err, /--seed: bad value/);
});
