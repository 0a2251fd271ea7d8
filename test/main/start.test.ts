import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';

const root = new URL('../../', import.meta.url).pathname;

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

test('npm start falls back to the web shell, printing exactly one stdout line with its URL', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fieldroot-start-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['scripts/start.mjs', '--web'], {
    cwd: root,
    env: { ...process.env, FIELDROOT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s; stderr: ${stderr}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^Web shell: (\S+)\n/.exec(stdout);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`start exited ${String(code)}: ${stderr}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
  const page = await fetch(url.replace(/#.*/, ''));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<div id="root">/);
  // Without a head-end there is no tool to run (no enrolment, no job): the shell says so.
  assert.match(
    stderr,
    /not available yet: head-end connection \(no head-end URL configured\)/,
    'a missing head-end is named plainly',
  );
  child.kill('SIGINT');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(stdout.trim().split('\n').length, 1, 'exactly one line on stdout');
});

test(
  'without the Electron binary, start says how to install it',
  { skip: electronBinary().path !== null && 'Electron is installed here' },
  async () => {
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no web shell within 60 s: ${stderr}`)), 60_000);
      child.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.match(stderr, /node node_modules\/electron\/install\.js/);
    assert.match(stderr, /Starting the web shell instead/);
  },
);

const binary = electronBinary();
test(
  'the Electron window opens on the sign-in screen with Node out of reach',
  { skip: binary.path === null && binary.reason },
  async () => {
    const app = await electron.launch({ executablePath: binary.path ?? '', args: [root], cwd: root });
    try {
      const win = await app.firstWindow();
      await win.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 20_000 });
      assert.equal(await win.evaluate('typeof require'), 'undefined', 'no require in the renderer');
      assert.equal(await win.evaluate('typeof process'), 'undefined', 'no process in the renderer');
      assert.equal(await win.evaluate('Object.keys(window.fieldroot).sort().join()'), 'onEvent,send');
    } finally {
      await app.close();
    }
  },
);
