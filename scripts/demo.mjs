#!/usr/bin/env node
// `npm run demo`: `fieldroot headend serve` with demo accounts, the meters of isolated-area-20 and
// a work order for the demo tool (scripts/demo-accounts.ts); the simulated isolated-area-20 field
// on a pseudo-terminal; and the app (Electron, or the web shell with its URL printed), which
// enrols the demo tool at start-up (approved by the demo supervisor) with its keys in an
// ephemeral in-memory vault, and says so. Data lives under $FIELDROOT_HOME (else a fresh
// temporary folder, removed on exit). Ctrl-C stops everything.
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
const SCENARIO = 'isolated-area-20';
const DEMO_TOOL = 'demo-tablet';
// isolated-area-20's radio (hardware/sim/scenarios/isolated-area-20.json): the head-end gives it
// to the tool with the job, as it would the PAN of a failed concentrator.
const RADIO = { channel: '33', panId: '31292' };
const SUPERVISOR = { username: 'demo-supervisor', password: 'fieldroot-demo-sup' };
const WORKER = { username: 'demo-worker', password: 'fieldroot-demo-1' };

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
  await start(
    'demo accounts',
    [
      '--import',
      'tsx',
      'scripts/demo-accounts.ts',
      '--data',
      data,
      '--scenario',
      SCENARIO,
      '--tool',
      DEMO_TOOL,
    ],
    { done: /^(Demo accounts ready)/m },
  );
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
      // Free ports, so a demo never collides with another head-end on this machine; tools reach
      // the key server through their tunnels, not this UDP port.
      '--pana-port',
      '0',
      '--gateway-port',
      '0',
      '--api-port',
      '0',
      '--radio-channel',
      RADIO.channel,
      '--radio-pan-id',
      RADIO.panId,
    ],
    { url: /^\s*api: (https:\/\/\S+)/m, ca: /^\s*api: \S+ \(CA certificate: ([^)]+)\)/m },
  );
  say(`demo: head-end (key server, gateway, API) running; API at ${api.url}`);

  const dongle = join(home, 'sim', 'dongle');
  const sim = await start(
    'simulator',
    ['scripts/fieldroot.mjs', 'sim', '--scenario', SCENARIO, '--pty', dongle],
    { path: /^Virtual dongle: (\S+)$/m },
  );
  say(`demo: simulated isolated-area-20 behind the virtual dongle ${sim.path}`);

  const app = await start(
    'app',
    [
      'scripts/start.mjs',
      ...process.argv.slice(2),
      '--demo',
      '--headend-url',
      api.url,
      '--headend-ca',
      api.ca,
      '--dongle',
      sim.path,
      '--device-id',
      DEMO_TOOL,
    ],
    // Electron prints no URL (it opens its own window): it reports itself ready on stdout too.
    { url: /^(?:Web shell: (\S+)|FieldRoot window open())$/m },
    {
      FIELDROOT_HEADEND_URL: api.url,
      FIELDROOT_HEADEND_CA: api.ca,
      FIELDROOT_DONGLE: sim.path,
      FIELDROOT_DEVICE_ID: DEMO_TOOL,
      FIELDROOT_DEMO: '1',
      FIELDROOT_DEMO_SUPERVISOR: `${SUPERVISOR.username}:${SUPERVISOR.password}`,
    },
  );
  say('');
  if (app.url) say(`Web shell: ${app.url}`);
  else say('demo: the Electron window is open');
  say('');
  say('Demo accounts (created in this head-end only):');
  say(`  field worker: ${WORKER.username} / ${WORKER.password}`);
  say(
    `  supervisor:   ${SUPERVISOR.username} / ${SUPERVISOR.password} (console: ${new URL('/console/', api.url).href})`,
  );
  say('');
  say(`The demo tool "${DEMO_TOOL}" is enrolled; its keys are in an in-memory vault (gone on exit).`);
  say('Sign in as the field worker, pick the virtual dongle, press "Start job". The demo supervisor');
  say("approves the job's access grant automatically (FIELDROOT_DEMO_MANUAL_GRANTS=1: approve it in the");
  say('console and type the verification key into the app, as a real supervisor and worker do).');
  say('A disconnect or load limit needs a supervisor authorisation: sign in to the console as the');
  say('supervisor, authorise the action for the meter, then reopen the meter in the app.');
  say('Press Ctrl-C to stop everything.');
} catch (err) {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAll(1);
}
