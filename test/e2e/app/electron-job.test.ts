/**
 * The field app's job flow in the Electron app itself (issue #6 §6: "the same specs run against
 * Electron where its binary is installed, and are skipped otherwise with that reason"): the
 * head-end and the simulator as processes (field-app-harness.ts), the Electron main process
 * configured through its environment exactly as scripts/demo.mjs configures it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { FieldAppHarness, SUPERVISOR, TOOL, WORKER } from './field-app-harness.ts';

const root = new URL('../../../', import.meta.url).pathname;

/** The installed Electron binary, or why there is none (as scripts/start.mjs decides). */
function electronBinary(): { path: string | null; reason: string } {
  const pathFile = join(root, 'node_modules/electron/path.txt');
  if (!existsSync(pathFile))
    return {
      path: null,
      reason: "Electron's binary is not installed (node node_modules/electron/install.js)",
    };
  const binary = join(root, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { path: binary, reason: '' } : { path: null, reason: `${binary} is missing` };
}

const binary = electronBinary();

describe('the field app in Electron', { skip: binary.path === null && binary.reason }, () => {
  let h: FieldAppHarness;
  let app: ElectronApplication;

  before(async () => {
    h = new FieldAppHarness();
    await h.start('none');
    const built = spawnSync(process.execPath, ['scripts/build-main.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    app = await electron.launch({
      executablePath: binary.path ?? '',
      args: [root],
      cwd: root,
      env: {
        ...process.env,
        FIELDROOT_HOME: h.appHome,
        FIELDROOT_HEADEND_URL: h.apiUrl,
        FIELDROOT_HEADEND_CA: h.caPath,
        FIELDROOT_DONGLE: h.ptyPath,
        FIELDROOT_DEVICE_ID: TOOL,
        FIELDROOT_DEMO: '1',
        FIELDROOT_DEMO_SUPERVISOR: `${SUPERVISOR.username}:${SUPERVISOR.password}`,
      },
    });
  });
  after(async () => {
    await app?.close().catch(() => undefined);
    await h?.close();
  });

  it('a worker signs in, starts a job on the pseudo-terminal dongle, sees the mesh root run and ends the job', async () => {
    const win = await app.firstWindow();
    await win.getByLabel('User name').fill(WORKER.username);
    await win.getByLabel('Password').fill(WORKER.password);
    await win.getByRole('button', { name: 'Sign in' }).click();
    await win.getByText(`Signed in as ${WORKER.username}`).waitFor({ timeout: 20_000 });
    await win.getByRole('button', { name: `Use Pseudo-terminal ${h.ptyPath}` }).click();
    await win.getByRole('button', { name: 'Start job' }).click();
    await win.getByText('channel 33, PAN 0x7a3c').waitFor({ timeout: 120_000 });
    await win.getByRole('img', { name: /Mesh: ([2-9]|\d\d) nodes/ }).waitFor({ timeout: 120_000 });
    await win.getByRole('button', { name: 'End job' }).click();
    await win.getByRole('heading', { name: 'Job summary' }).waitFor({ timeout: 30_000 });
    assert.equal(await win.evaluate('typeof require'), 'undefined', 'no Node in the renderer');
  });
});
