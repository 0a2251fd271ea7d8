/**
 * `node --import tsx scripts/screenshots.ts` — screenshots of the app's main screens for the
 * README (docs/screenshots): light, high contrast and Japanese, mid-job with 20 meters read.
 * Same setup as the renderer tests: a real head-end API, the web shell, the steerable job driver.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startAppUnderTest, WORKER } from '../test/renderer/fixtures/app-under-test.ts';

const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });
const app = await startAppUnderTest({
  meterData: {
    detail: (id) =>
      Promise.resolve({
        meterId: id,
        fetchedAtMs: Date.now(),
        registerKWh: 10432.7,
        instantaneousPowerW: 642,
        currentA: { r: 3.1, t: 2.8 },
        halfHourly: Array.from({ length: 96 }, (_, i) => ({
          startMs: Date.now() - (96 - i) * 1_800_000,
          kWh: Math.round((0.15 + 0.25 * Math.abs(Math.sin(i / 7))) * 100) / 100,
        })),
        drAuthorisations: [
          { action: 'disconnect', loadLimitW: null, issuedBy: 'sato', expiresAtMs: Date.now() + 1_800_000 },
        ],
      }),
    demandResponse: () => Promise.reject(new Error('not in screenshots')),
  },
});
const { page } = app;
try {
  await page.screenshot({ path: `${out}sign-in.png` });
  await page.getByLabel('User name').fill(WORKER.username);
  await page.getByLabel('Password').fill(WORKER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Use Simulated dongle' }).click();
  await page.getByRole('button', { name: 'Start job' }).click();
  await page.locator('.stepper li[data-status]').first().waitFor();
  app.job.completeWith(20);
  await page
    .getByRole('status', { name: 'Job progress' })
    .filter({ hasText: '20 of 20 meters read' })
    .waitFor();
  await page.getByRole('button', { name: 'Open meter M0007' }).click();
  await page.locator('[data-value="register"]').waitFor();
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.screenshot({ path: `${out}job-light.png`, fullPage: true });
  await page.getByLabel('Theme').selectOption('high-contrast');
  await page.waitForFunction(`document.documentElement.dataset.theme === 'high-contrast'`);
  await page.screenshot({ path: `${out}job-high-contrast.png`, fullPage: true });
  await page.getByLabel('Theme').selectOption('light');
  await page.getByLabel('Language').selectOption('ja');
  await page.getByRole('button', { name: '作業終了' }).waitFor();
  await page.screenshot({ path: `${out}job-japanese.png`, fullPage: true });
  console.log(`screenshots written to ${out}`);
} finally {
  await app.close();
}
