/**
 * bench/ui: interaction latency of the app's renderer with 1,000 meters, in headless Chromium
 * (Debian `chromium`) against the web shell, the engine fed by the steerable job driver of the
 * renderer tests. Each figure is wall time from the Playwright action to the awaited paint,
 * CDP round trips included (so an upper bound of what a worker feels).
 * Not measured yet: "Start job" → "20 of 20 meters read" in the demo, which needs the job
 * engine (src/field/job) wired into the app.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { meterId, meters, topology } from '../test/field/app-engine/fixtures/scripted-job.ts';
import { startAppUnderTest, WORKER } from '../test/renderer/fixtures/app-under-test.ts';
import { layoutMesh } from '../renderer/src/components/mesh-layout.ts';

const N = 1000;
const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

export async function run(): Promise<void> {
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
