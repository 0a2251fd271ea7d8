#!/usr/bin/env node
// `npm run demo`: `fieldroot headend serve` with demo accounts (key server, gateway, API), the simulated
// isolated-area-20 field on a pseudo-terminal and the app (Electron, or the web shell with its
// URL printed). Data lives under $FIELDROOT_HOME (else a fresh temporary folder, removed on
// exit). Ctrl-C stops everything. Pieces that do not exist yet are named, never faked.
import { spawn } from 'node:child_process';
import { setTimeout } from 'node:timers';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ownHome = process.env.FIELDROOT_HOME === undefined || process.env.FIELDROOT_HOME === '';
const home = ownHome ? mkdtempSync(join(tmpdir(), 'fieldroot-demo-')) : process.env.FIELDROOT_HOME;
mkdirSync(join(home, 'sim'), { recursive: true });
const env = { ...process.env, FIELDROOT_HOME: home };
const say = (line) => process.stdout.write(`${line}\n`);
const children = [];

/** Starts a child; resolves with the lines it printed once `ready` matched them all. */
function start(name, args, ready, extraEnv = {}) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push({ name, child });
  return new Promise((resolve, reject) => {
    let out = '';
    const found = {};
    child.stdout.on('data', (d) => {
      out += d.toString();
      for (const [key, re] of Object.entries(ready)) {
        const m = re.exec(out);
        if (m !== null) found[key] = m[1];
      }
      if (Object.keys(found).length === Object.keys(ready).length) resolve(found);
    });
    child.once('exit', (code, signal) => {
      if (Object.keys(found).length < Object.keys(ready).length)
        reject(new Error(`${name} exited (${String(code ?? signal)}) before it was ready`));
    });
  });
}

let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  say('demo: stopping…');
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGINT');
    await Promise.race([
      new Promise((r) => child.once('exit', r)),
      new Promise((r) => setTimeout(r, 5000).unref()),
    ]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  if (ownHome) rmSync(home, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  say(`demo: data under ${home}${ownHome ? ' (temporary; set FIELDROOT_HOME to keep it)' : ''}`);
  const data = join(home, 'headend');
  await start('demo accounts', ['--import', 'tsx', 'scripts/demo-accounts.ts', '--data', data], {
    done: /^(Demo accounts ready)/m,
  });
  // `fieldroot headend serve`: key server (PANA on loopback), WireGuard gateway and the API.
  const api = await start(
    'head-end',
    [
      'scripts/fieldroot.mjs',
      'headend',
      'serve',
      '--data',
      data,
      '--pana-host',
      '127.0.0.1',
      '--api-port',
      '0',
    ],
    { url: /^\s*api: (https:\/\/\S+)/m, ca: /^\s*api: \S+ \(CA certificate: ([^)]+)\)/m },
  );
  say(`demo: head-end (key server, gateway, API) running; API at ${api.url}`);

  const dongle = join(home, 'sim', 'dongle');
  const sim = await start(
    'simulator',
    ['scripts/fieldroot.mjs', 'sim', '--scenario', 'isolated-area-20', '--pty', dongle],
    { path: /^Virtual dongle: (\S+)$/m },
  );
  say(`demo: simulated isolated-area-20 behind the virtual dongle ${sim.path}`);

  const app = await start(
    'app',
    ['scripts/start.mjs', '--headend-url', api.url, '--headend-ca', api.ca, '--dongle', sim.path],
    { url: /^Web shell: (\S+)$/m },
    { FIELDROOT_HEADEND_URL: api.url, FIELDROOT_HEADEND_CA: api.ca, FIELDROOT_DONGLE: sim.path },
  ).catch((err) => {
    // Electron prints no URL: it opens its own window.
    throw err;
  });
  say('');
  say(`Web shell: ${app.url}`);
  say('');
  say('Demo accounts (created in this head-end only):');
  say('  field worker: demo-worker / fieldroot-demo-1');
  say('  supervisor:   demo-supervisor / fieldroot-demo-sup');
  say('');
  say('Not in this build yet, so the demo cannot show them:');
  say('  - the job engine (src/field/job): "Start job" answers that it is not available;');
  say('  - read results and DR from the head-end AMR/DR API in the app;');
  say('  - the supervisor console and an enrolled demo tool (keys in an in-memory vault).');
  say('Sign-in, the dongle picker (the virtual dongle), settings, language and themes work.');
  say('Press Ctrl-C to stop everything.');
} catch (err) {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAll(1);
}
