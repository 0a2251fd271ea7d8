/**
 * What the app's end-to-end specs run against, each piece as the user gets it:
 *
 * - the head-end as its own process: `fieldroot headend serve` over a data folder prepared by
 *   scripts/demo-accounts.ts (demo accounts, the meters of isolated-area-20 with their PSKs, a
 *   work order for the test tool);
 * - the simulated field as its own process: `fieldroot sim --pty <path> --scenario
 *   isolated-area-20`, the tool's dongle on a real pseudo-terminal (restartable: the "unplug");
 * - the web shell in this process (main/web-shell: startFieldApp's engine, startWebShell) with
 *   FIELDROOT_HOME at a folder of its own, and the demo's in-memory vault handed in so the spec
 *   can inspect it afterwards;
 * - Chromium at /usr/bin/chromium (test/support/chromium.ts) on the web shell's URL, and (for
 *   the supervisor's part) a second page on the head-end's own console.
 *
 * The demo supervisor enrols the test tool at start-up; grants are left to the real hand-over
 * (`grants: 'manual'`, the default here): the spec approves them in the console and types the
 * verification key into the app, as a supervisor and a worker would.
 *
 * Every wait is bounded; `close` stops everything it started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { watchDongles } from '../../../main/dongle-watch.ts';
import { builtRendererDir } from '../../../main/renderer-files.ts';
import { appDataDir, fileSettingsStore } from '../../../main/settings-file.ts';
import { buildFieldApp, type FieldApp } from '../../../main/web-shell/field-app.ts';
import { startWebShell, type WebShell } from '../../../main/web-shell/server.ts';
import { MemoryVault } from '../../../src/field/vault/index.ts';
import { createLogger } from '../../../src/log/index.ts';
import { launchChromium } from '../../support/chromium.ts';

const root = new URL('../../../', import.meta.url).pathname;
export const SCENARIO = 'isolated-area-20';
export const TOOL = 'e2e-tablet';
export const SUPERVISOR = { username: 'demo-supervisor', password: 'fieldroot-demo-sup' };
export const WORKER = { username: 'demo-worker', password: 'fieldroot-demo-1' };
/** isolated-area-20's radio (hardware/sim/scenarios/isolated-area-20.json): the head-end hands it to the job. */
const RADIO = { channel: 33, panId: 31292 };

export interface Output {
  text(): string;
}

function collect(child: ChildProcess): Output {
  let out = '';
  const add = (c: Buffer) => {
    out += c.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return { text: () => out };
}

/** Resolves with the first match of `re` in the child's output; bounded. */
function waitFor(child: ChildProcess, output: Output, re: RegExp, what: string, limitMs: number) {
  return new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`${what}: not within ${String(limitMs)} ms\n${output.text().slice(-3000)}`));
    }, limitMs);
    const poll = setInterval(() => {
      const m = re.exec(output.text());
      if (m !== null) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(m);
      } else if (child.exitCode !== null) {
        clearTimeout(timer);
        clearInterval(poll);
        reject(
          new Error(`${what}: the process exited (${String(child.exitCode)})\n${output.text().slice(-3000)}`),
        );
      }
    }, 100);
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export class FieldAppHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'fieldroot-e2e-app-'));
  /** The app's FIELDROOT_HOME: nothing of the head-end lives under it. */
  readonly appHome = join(this.dir, 'app-home');
  readonly headendDir = join(this.dir, 'headend');
  readonly ptyPath = join(this.dir, 'sim', 'dongle');
  readonly vault = new MemoryVault();
  apiUrl = '';
  caPath = '';
  headend: ChildProcess | null = null;
  headendOut: Output | null = null;
  sim: ChildProcess | null = null;
  simOut: Output | null = null;
  field: FieldApp | null = null;
  shell: WebShell | null = null;
  browser: Browser | null = null;
  page: Page | null = null;
  private dongles: { stop(): void } | null = null;

  /**
   * `web`: the web shell in this process and Chromium on it; `none`: head-end and simulator only.
   * `grants`: 'manual' leaves grants to a supervisor in the console; 'demo' approves them itself.
   */
  async start(app: 'web' | 'none' = 'web', grants: 'manual' | 'demo' = 'manual'): Promise<void> {
    mkdirSync(this.appHome, { recursive: true });
    mkdirSync(join(this.dir, 'sim'), { recursive: true });
    const built = spawnSync(process.execPath, ['scripts/build-renderer.mjs'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`renderer build failed: ${built.stderr}`);
    const prepared = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/demo-accounts.ts',
        '--data',
        this.headendDir,
        '--scenario',
        SCENARIO,
        '--tool',
        TOOL,
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    if (prepared.status !== 0) throw new Error(`demo-accounts failed: ${prepared.stderr}${prepared.stdout}`);

    this.headend = spawn(
      process.execPath,
      [
        'scripts/fieldroot.mjs',
        'headend',
        'serve',
        '--data',
        this.headendDir,
        '--pana-host',
        '127.0.0.1',
        '--pana-port',
        '0',
        '--gateway-port',
        '0',
        '--api-port',
        '0',
        '--radio-channel',
        String(RADIO.channel),
        '--radio-pan-id',
        String(RADIO.panId),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.headendOut = collect(this.headend);
    const api = await waitFor(
      this.headend,
      this.headendOut,
      /^\s*api: (https:\/\/\S+) \(CA certificate: ([^)]+)\)/m,
      'head-end API',
      60_000,
    );
    this.apiUrl = api[1] ?? '';
    this.caPath = api[2] ?? '';
    await this.startSim();
    if (app === 'none') return;

    const logger = createLogger('e2e.app', { level: 'error' });
    const settings = fileSettingsStore(appDataDir({ FIELDROOT_HOME: this.appHome }));
    this.field = await buildFieldApp({
      headendUrl: this.apiUrl,
      headendCaPem: readFileSync(this.caPath, 'utf8'),
      deviceId: TOOL,
      vault: 'ephemeral-demo',
      demoVault: this.vault,
      settings,
      logger,
      demoSupervisor: SUPERVISOR,
      demoApprovesGrants: grants === 'demo',
    });
    this.dongles = watchDongles(this.field.engine, { extraPaths: [this.ptyPath], intervalMs: 500 });
    this.shell = await startWebShell({ engine: this.field.engine, rendererDir: builtRendererDir(), logger });
    this.browser = await launchChromium();
    this.page = await this.browser.newPage();
    await this.page.goto(this.shell.url);
  }

  /** The head-end's supervisor console in a page of its own, signed in as the demo supervisor. */
  async openConsole(): Promise<Page> {
    if (this.browser === null) throw new Error('start the harness with the web app first');
    // The head-end's CA is private to this test; this page alone is told to accept it.
    const context = await this.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${this.apiUrl}/console/`);
    await page.getByLabel('User name').fill(SUPERVISOR.username);
    await page.getByLabel('Password').fill(SUPERVISOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in as ${SUPERVISOR.username}`).waitFor({ timeout: 20_000 });
    return page;
  }

  /** The simulated field behind the pseudo-terminal (again, after `unplug`). */
  async startSim(): Promise<void> {
    this.sim = spawn(
      process.execPath,
      ['scripts/fieldroot.mjs', 'sim', '--pty', this.ptyPath, '--scenario', SCENARIO, '--spread', '5'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.simOut = collect(this.sim);
    await waitFor(this.sim, this.simOut, /^Virtual dongle: /m, 'virtual dongle', 60_000);
  }

  /** Unplugs the dongle: the simulator and its pseudo-terminal go away. */
  async unplug(): Promise<void> {
    if (this.sim !== null) await stopChild(this.sim);
    this.sim = null;
  }

  async signInAndStart(page: Page): Promise<number> {
    await page.getByLabel('User name').fill(WORKER.username);
    await page.getByLabel('Password').fill(WORKER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in as ${WORKER.username}`).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: `Use Pseudo-terminal ${this.ptyPath}` }).click();
    await page.getByRole('button', { name: `Use Pseudo-terminal ${this.ptyPath}`, pressed: true }).waitFor();
    const started = performance.now();
    await page.getByRole('button', { name: 'Start job' }).click();
    return started;
  }

  /** Ends a running job from the engine side (a spec that failed mid-job leaves one). */
  async endJob(): Promise<void> {
    const engine = this.field?.engine;
    if (engine === undefined) return;
    const connection = engine.connect(() => undefined);
    await connection.handle({ type: 'job.end', requestId: 'harness-end' }).catch(() => undefined);
    connection.close();
  }

  async close(): Promise<void> {
    await this.endJob();
    await this.browser?.close().catch(() => undefined);
    this.dongles?.stop();
    await this.shell?.close().catch(() => undefined);
    await this.field?.stop();
    if (this.sim !== null) await stopChild(this.sim);
    if (this.headend !== null) await stopChild(this.headend);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
