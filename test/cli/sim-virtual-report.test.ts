/**
 * `fieldroot sim --virtual-time --report`: per meter, the energy the head-end's AMR server stored
 * from its read through the tool, next to the simulator's own register value at that read — equal
 * for every meter of isolated-area-20 — and the meter's registers at the end of the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import type { SimRunReport } from '../../src/cli/sim/report.ts';

test('sim --virtual-time --report: the head-end stored each meter’s own register value', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-sim-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const reportPath = join(dir, 'report.json');
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runCli(
    ['sim', '--scenario', 'isolated-area-20', '--virtual-time', '--duration', '300', '--report', reportPath],
    { out: (l) => lines.push(l), err: (l) => errors.push(l) },
  );
  assert.equal(code, 0, errors.join('\n'));
  assert.match(lines.join('\n'), /20\/20 meters joined, 20 read by the head-end/);

  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as SimRunReport;
  assert.equal(report.mode, 'virtual-time');
  assert.equal(report.meters.length, 20);
  for (const m of report.meters) {
    assert.ok(m.registers !== null, `${m.id}: the simulator's registers at the end of the run`);
    const h = m.headend;
    assert.ok(h !== null, `${m.id}: read by the head-end`);
    assert.ok(h.simulatorForwardKwh !== null, `${m.id}: the meter answered the read`);
    assert.equal(
      h.forwardKwh,
      h.simulatorForwardKwh,
      `${m.id}: stored forward energy = the meter's register`,
    );
    if (h.reverseKwh !== null)
      assert.equal(h.reverseKwh, h.simulatorReverseKwh, `${m.id}: stored reverse energy = the meter's`);
    assert.ok(Date.parse(h.readAt) >= Date.parse(report.startedAt), `${m.id}: read during the run`);
    // The registers only advance: what was read is at most what the meter shows at the end.
    assert.ok(
      Number(h.forwardKwh) <= Number(m.registers.forwardKwh),
      `${m.id}: read ${h.forwardKwh} kWh, ${m.registers.forwardKwh} kWh at the end`,
    );
  }
});
