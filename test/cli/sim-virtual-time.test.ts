/**
 * `fieldroot sim --virtual-time`: the whole system in one process on the virtual clock. Every
 * meter of isolated-area-20 joins through the real mesh root and key server; the report says so
 * with hop counts within the scenario's bound, and the capture decrypts in tshark with the key
 * table the simulator wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { loadScenario } from '../../hardware/sim/scenario/index.ts';
import { tsharkFields, tsharkProblems, type TsharkOptions } from '../support/tshark.ts';

test('sim --virtual-time: every meter joins; report, capture and key table agree with tshark', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-sim-vt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [pcap, keys, reportPath] = ['run.pcapng', 'keys.txt', 'report.json'].map((f) => join(dir, f));
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runCli(
    [
      'sim',
      '--scenario',
      'isolated-area-20',
      '--virtual-time',
      '--duration',
      '900',
      '--pcap',
      pcap!,
      '--keys-out',
      keys!,
      '--report',
      reportPath!,
    ],
    { out: (l) => lines.push(l), err: (l) => errors.push(l) },
  );
  assert.equal(code, 0, errors.join('\n'));
  assert.match(lines.join('\n'), /Simulated 900\.0 s in .*20\/20 meters joined/);

  const scenario = loadScenario('isolated-area-20');
  const report = JSON.parse(readFileSync(reportPath!, 'utf8')) as {
    mode: string;
    meters: { eui64: string; joined: boolean; joinedAfterS: number | null; hops: number | null }[];
  };
  assert.equal(report.mode, 'virtual-time');
  assert.equal(report.meters.length, 20);
  for (const m of report.meters) {
    assert.equal(m.joined, true, `${m.eui64} joined`);
    assert.ok(m.joinedAfterS !== null && m.joinedAfterS > 0 && m.joinedAfterS <= 900, `${m.eui64} join time`);
    assert.ok(
      m.hops !== null && m.hops >= 1 && m.hops <= scenario.expect!.maxHops,
      `${m.eui64}: ${m.hops} hops`,
    );
  }

  // The key table holds the simulated network key: with it tshark decrypts the secured frames.
  const records = readFileSync(keys!, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('"'));
  assert.ok(records.length >= 2, 'a network key and its MLE key');
  const options: TsharkOptions = {
    uat: records.map((r) => `ieee802154_keys:${r}`),
    prefs: { '6lowpan.context0': '2001:db8:1:2::/64' },
    decodeAs: ['udp.port==716,pana'],
  };
  assert.deepEqual(tsharkProblems(pcap!, options), [], 'tshark finds nothing malformed');
  const rows = tsharkFields(
    pcap!,
    ['wpan.security', 'wpan.decrypt_error', 'frame.protocols', 'wpan.frame_type'],
    options,
  );
  assert.ok(
    rows.some((r) => Number(r[3]) === 2),
    'ACKs are captured',
  );
  const secured = rows.filter((r) => r[0] === '1' || r[0] === 'True');
  assert.ok(secured.length > 0, 'secured frames were captured');
  // Decrypted, a frame reads as 6LoWPAN (a first fragment has no IPv6 header until reassembly).
  const opaque = secured.filter((r) => (r[1] ?? '') !== '' || !(r[2] ?? '').includes('6lowpan'));
  assert.deepEqual(opaque, [], 'every secured frame decrypts to 6LoWPAN');
});
