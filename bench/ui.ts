/**
 * bench/ui: what a worker waits for in the app, in headless Chromium (Debian `chromium`) against
 * the web shell. Two parts:
 *
 * - latency: interaction latency with 1,000 meters, the engine fed by the steerable job driver of
 *   the renderer tests. Each figure is wall time from the Playwright action to the awaited paint,
 *   CDP round trips included (so an upper bound of what a worker feels).
 * - job: "Start job" → "20 of 20 meters read" in the demo (bench/support/demo-job.ts: head-end
 *   and `fieldroot sim --pty` for isolated-area-20 as processes, demo mode, real time), with
 *   when each stepper step completed and how many meters were joined at 60/120/180 s. Minutes
 *   per run; gives up after 10 minutes with what the app showed.
 *
 * `npm run bench -- ui` runs both, one job run. Directly:
 * `node --import tsx bench/ui.ts [--latency | --job] [--runs N]` (`--runs`: job runs, default 1).
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { METERS, SCENARIO, timeDemoJob, type DemoJobTiming } from './support/demo-job.ts';
import { meterId, meters, topology } from '../test/field/app-engine/fixtures/scripted-job.ts';
import { startAppUnderTest, WORKER } from '../test/renderer/fixtures/app-under-test.ts';
import { layoutMesh } from '../renderer/src/components/mesh-layout.ts';

const N = 1000;
const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

async function runLatency(): Promise<void> {
  const app = await startAppUnderTest({
    meterData: {
      detail: (id) =>
        Promise.resolve({
          meterId: id,
          fetchedAtMs: Date.now(),
          registerKWh: 1,
          instantaneousPowerW: 1,
          currentA: { r: 1, t: 1 },
          halfHourly: [],
          drAuthorisations: [],
        }),
      demandResponse: () => Promise.reject(new Error('not in this bench')),
    },
  });
  const { page } = app;
  try {
    await page.getByLabel('User name').fill(WORKER.username);
    await page.getByLabel('Password').fill(WORKER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Use Simulated dongle' }).click();
    await page.getByRole('button', { name: 'Start job' }).click();
    await page.locator('.stepper li[data-status]').first().waitFor();

    let t0 = performance.now();
    app.job.o.meters(meters(N, 'joined', 'read', true), N);
    app.job.o.topology(topology(N));
    await page.getByRole('img', { name: new RegExp(`Mesh: ${String(N + 1)} nodes`) }).waitFor();
    await page.getByRole('heading', { name: `Meters (${String(N)})` }).waitFor();
    const firstPaint = performance.now() - t0;

    const placed = layoutMesh(topology(N), 560, 560);
    const search: number[] = [];
    const scroll: number[] = [];
    const meshTap: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const id = meterId(100 + i * 111);
      t0 = performance.now();
      await page.getByLabel('Search meters').fill(id);
      await page.getByRole('button', { name: `Open meter ${id}` }).waitFor();
      search.push(performance.now() - t0);
      await page.getByLabel('Search meters').fill('');
      await page.getByRole('heading', { name: `Meters (${String(N)})` }).waitFor();

      t0 = performance.now();
      await page.evaluate(
        `(() => { const l = document.querySelector('.meter-scroll'); l.scrollTop = ${String((i % 2 === 0 ? N - 5 : 3) * 56)}; })()`,
      );
      await page.getByRole('button', { name: `Open meter ${meterId(i % 2 === 0 ? N - 3 : 5)}` }).waitFor();
      scroll.push(performance.now() - t0);

      // Tap a hop-1 meter where the renderer's own layout puts it (canvas units are 560).
      await page.locator('.mesh-canvas').scrollIntoViewIfNeeded();
      const box = await page.locator('.mesh-canvas').boundingBox();
      const target = placed.find((p) => p.node.meterId === meterId(1 + (i % 3)));
      if (box === null || target === undefined) throw new Error('mesh canvas not laid out');
      t0 = performance.now();
      await page.mouse.click(box.x + (target.x * box.width) / 560, box.y + (target.y * box.height) / 560);
      await page.locator('#detail-title').waitFor();
      meshTap.push(performance.now() - t0);
      await page.getByRole('button', { name: 'Close' }).click();
    }
    console.log(
      `bench/ui — ${String(N)} meters, headless Chromium, ${String(cpus().length)} CPUs (${cpus()[0]?.model ?? '?'}), shared machine`,
    );
    console.log(
      `  topology + list of ${String(N)} pushed → mesh and list painted: ${firstPaint.toFixed(0)} ms`,
    );
    console.log(
      `  meter list search → matching row painted: median ${median(search).toFixed(0)} ms of ${String(ROUNDS)}`,
    );
    console.log(
      `  meter list scroll (virtualised) → far row painted: median ${median(scroll).toFixed(0)} ms of ${String(ROUNDS)}`,
    );
    console.log(
      `  mesh canvas tap → meter detail shown: median ${median(meshTap).toFixed(0)} ms of ${String(ROUNDS)}`,
    );
  } finally {
    await app.close();
  }
}

const JOB_LIMIT_MS = 600_000;

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

async function runJob(runs: number): Promise<void> {
  const cpu = `${cpus()[0]?.model ?? '?'} (${String(cpus().length)} logical cores)`;
  const loadAtStart = load();
  const results: DemoJobTiming[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await timeDemoJob(JOB_LIMIT_MS);
    results.push(r);
    if (r.startToReadMs === null) break;
  }
  console.log(`bench/ui — "Start job" → "${String(METERS)} of ${String(METERS)} meters read" in the demo`);
  console.log(
    `  conditions: Node ${process.version}, ${cpu}, shared machine; load average (1/5/15 min) ` +
      `at start ${loadAtStart}, at end ${load()}`,
  );
  console.log(
    `  scenario ${SCENARIO}, real time over a pseudo-terminal (fieldroot sim --pty), head-end and ` +
      'simulator as their own processes, web shell + headless Chromium, demo mode (the demo ' +
      'supervisor approves the grant)',
  );
  results.forEach((r, i) => {
    console.log(`  run ${String(i + 1)} of ${String(runs)}:`);
    if (r.startToReadMs === null) {
      console.log(
        `    gave up: "${String(METERS)} of ${String(METERS)} meters read" not shown within ` +
          `${String(JOB_LIMIT_MS / 1000)} s of "Start job"; the app showed: ${r.gaveUp}`,
      );
    } else {
      console.log(
        `    "Start job" → "${String(METERS)} of ${String(METERS)} meters read": ${seconds(r.startToReadMs)}`,
      );
    }
    console.log(
      `    steps done after the click: ${r.stepDoneMs.map((s) => `${s.step} ${seconds(s.ms)}`).join(', ')}`,
    );
    console.log(
      `    meters joined: ${r.joinedAt.map((j) => `${j.joined === null ? '— (run over)' : String(j.joined)} at ${String(j.seconds)} s`).join(', ')}`,
    );
  });
  const done = results.flatMap((r) => (r.startToReadMs === null ? [] : [r.startToReadMs]));
  if (done.length > 1) console.log(`  median of ${String(done.length)} runs: ${seconds(median(done))}`);
  if (done.length < results.length) process.exitCode = 1;
}

export interface UiBenchOptions {
  latency: boolean;
  job: boolean;
  runs: number;
}

export function parseOptions(args: string[]): UiBenchOptions {
  const unknown = args.filter(
    (a, i) => !['--latency', '--job', '--runs'].includes(a) && args[i - 1] !== '--runs',
  );
  if (unknown.length > 0)
    throw new Error(`unknown option ${unknown.join(' ')}; known: --latency, --job, --runs N`);
  const only = args.includes('--latency') ? 'latency' : args.includes('--job') ? 'job' : null;
  const at = args.indexOf('--runs');
  const runs = at === -1 ? 1 : Number(args[at + 1]);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20)
    throw new Error('--runs takes a whole number from 1 to 20');
  return { latency: only !== 'job', job: only !== 'latency', runs };
}

export async function run(options: UiBenchOptions = { latency: true, job: true, runs: 1 }): Promise<void> {
  if (options.latency) await runLatency();
  if (options.job) await runJob(options.runs);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  await run(parseOptions(process.argv.slice(2)));
