/**
 * The whole system in real time, in three processes (issue #3 "the same runs in real time over
 * the pseudo-terminal path with the key server as a separate process"; issue #4 "a job is
 * provisioned, the tunnel comes up, the tool authenticates with EAP-TLS and meters join through
 * the tunnel … in real time with the head-end as a separate process; revoking the tool mid-job
 * ends its access … and every meter it served is rekeyed"):
 *
 * - the head-end (headend-process.ts: what `fieldroot headend serve` runs, plus a pinging host),
 *   its meters' PSKs imported with `fieldroot headend import-meters`;
 * - `fieldroot sim --pty … --scenario isolated-area-20`: the meters on the real clock behind a
 *   virtual Spinel dongle on a pseudo-terminal;
 * - this process: the tool — FieldEngine over the Spinel driver (DongleSupervisor +
 *   SpinelMeshRadio) on that pty, the VPN over loopback UDP, EAP-TLS through the tunnel.
 *
 * Every wait is bounded; the children are killed in `after` hooks. The revoke→stopped latency
 * (real clock) is printed as a diagnostic, not asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DongleSupervisor } from '../../../hardware/ports/supervisor.ts';
import { SpinelMeshRadio } from '../../../hardware/spinel/mesh-radio.ts';
import { loadScenario, meterPsk } from '../../../hardware/sim/scenario/index.ts';
import { TABLET_MAX_PSDU } from '../../../hardware/sim/node/tablet-radio.ts';
import { runCli } from '../../../src/cli/main.ts';
import { FieldEngine, type FieldEngineEvent } from '../../../src/field/engine/index.ts';
import {
  collectCertificate,
  loadDeviceCredentials,
  requestEnrolment,
} from '../../../src/field/enrolment/index.ts';
import { HeadendApiError, HeadendClient } from '../../../src/field/headend-client/index.ts';
import { loadOrCreateWireguardKey } from '../../../src/field/job/index.ts';
import type { MeshRoot } from '../../../src/field/mesh/index.ts';
import { MemoryVault, PersistedHandshakeClock } from '../../../src/field/vault/index.ts';
import { VpnClient } from '../../../src/field/vpn/index.ts';
import { AccountService, systemClock, systemRandom } from '../../../src/headend/access/index.ts';
import { openHeadendStore } from '../../../src/headend/storage/index.ts';
import { createLogger } from '../../../src/log/index.ts';
import { createNodeProvider } from '../../../src/stack/crypto/index.ts';
import {
  addressFromPrefixAndIid,
  formatIpv6Address,
  iidFromEui64,
  parseIpv6Address,
} from '../../../src/stack/ipv6/index.ts';
import { decodeKeyBase64, encodeKeyBase64, parseIpPrefix } from '../../../src/stack/wireguard/index.ts';
import type { HeadendReply, HeadendRequest, HeadendState } from './headend-process.ts';

/** A request without its id (Omit that distributes over the union). */
type Request = HeadendRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

const SCENARIO = 'isolated-area-20';
const DEVICE = 'tablet-rt-01';
const SUP = { username: 'sato', password: 'supervisor-pass-1' };
const WORKER = { username: 'aiko', password: 'worker-pass-0001' };
/** Meters power on over this many seconds (real time). */
const SPREAD_S = 10;
/** Bound on the join wait. All 20 took 90–159 s in real time on a loaded 2-core host (this test
 * and bench/ui's demo job; the virtual clock needs 60–90 simulated s with the same spread), but a
 * meter whose first attempt stalls gives it joinAttemptMs = 300 s before trying another relay
 * (hardware/sim/node/simulated-meter.ts), and one CI run had 19 of 20 at 180 s: the bound must
 * cover one abandoned attempt. */
const JOIN_LIMIT_MS = 420_000;

/** Polls `probe` every `everyMs` until it is true; bounded by `limitMs` (and 10,000 rounds). */
async function until(what: string, probe: () => Promise<boolean> | boolean, limitMs: number, everyMs = 250) {
  const started = performance.now();
  for (let i = 0; i < 10_000; i++) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > limitMs) break;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not within ${String(limitMs)} ms`);
}

function lines(child: ChildProcess): { text: () => string } {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { text: () => out };
}

function stopChild(child: ChildProcess): Promise<void> {
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

test('isolated-area-20 in real time: tool over a pty dongle, head-end in its own process; revocation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-realtime-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'headend');
  const scenario = loadScenario(SCENARIO);
  const crypto = createNodeProvider();

  // --- head-end data: accounts, the meters of the work order, their PSKs -------------------
  const store = openHeadendStore({ directory: dataDir }, Date.now());
  let workerId: string;
  try {
    for (const m of scenario.meters)
      await store.repositories.meters.upsert({
        meterId: m.id,
        eui64: m.eui64,
        site: SCENARIO,
        latitude: 35,
        longitude: 139,
        serving: { via: 'gateway', id: 'conc-failed', sinceMs: Date.now() },
      });
    const accounts = new AccountService({ ...store.repositories, clock: systemClock, random: systemRandom });
    const sup = await accounts.createAccount(SUP.username, SUP.password, 'supervisor', null);
    workerId = (await accounts.createAccount(WORKER.username, WORKER.password, 'field-worker', sup.id)).id;
  } finally {
    store.close();
  }
  const csv = join(dir, 'meters.csv');
  writeFileSync(
    csv,
    [
      'meter_id,eui64,psk_hex',
      ...scenario.meters.map(
        (m) => `${m.id},${m.eui64},${Buffer.from(meterPsk(crypto, scenario, m)).toString('hex')}`,
      ),
    ].join('\n') + '\n',
    { mode: 0o600 },
  );
  const importOut: string[] = [];
  const importCode = await runCli(['headend', 'import-meters', '--file', csv, '--data', dataDir], {
    out: (l) => importOut.push(l),
    err: (l) => importOut.push(l),
  });
  rmSync(csv);
  assert.equal(importCode, 0, importOut.join('\n'));

  // --- the head-end process ------------------------------------------------------------------
  const headend = fork(
    new URL('./headend-process.ts', import.meta.url).pathname,
    [dataDir, String(scenario.radio.channel), String(scenario.radio.panId)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const headendOut = lines(headend);
  t.after(() => stopChild(headend));
  let nextId = 1;
  const pending = new Map<number, (reply: unknown) => void>();
  let apiUrl: string | undefined;
  headend.on('message', (m: HeadendReply) => {
    if ('op' in m) apiUrl = m.apiUrl;
    else pending.get(m.id)?.(m.reply);
  });
  const ask = <R>(request: Request): Promise<R> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the head-end process did not answer ${request.op}`));
      }, 15_000);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(reply as R);
      });
      headend.send({ ...request, id });
    });
  await until('head-end ready', () => apiUrl !== undefined, 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${headendOut.text()}`);
  });
  const caPem = readFileSync(join(dataDir, 'ca', 'ca-cert.pem'), 'utf8');

  // --- enrolment and the work order (API, as the app does it) --------------------------------
  const console = new HeadendClient({ baseUrl: apiUrl!, caCertificatePem: caPem });
  t.after(() => console.close());
  const supToken = (await console.call('signIn', { body: SUP })).token;
  const vault = new MemoryVault();
  await requestEnrolment(vault, console, DEVICE);
  await console.call('approveDevice', { token: supToken, params: { id: DEVICE } });
  assert.equal((await collectCertificate(vault, console, DEVICE)).state, 'issued');
  const creds = (await loadDeviceCredentials(vault, DEVICE))!;
  t.after(() => creds.privateKeyPem.wipe());
  const tool = new HeadendClient({ baseUrl: apiUrl!, caCertificatePem: caPem, device: creds });
  t.after(() => tool.close());
  const workerToken = (await tool.call('signIn', { body: WORKER })).token;
  const now = Date.now();
  const order = await console.call('assignWorkOrder', {
    token: supToken,
    body: {
      workerId,
      toolId: DEVICE,
      meterIds: scenario.meters.map((m) => m.id),
      windowStartMs: now - 60_000,
      windowEndMs: now + 3_600_000,
    },
  });
  await tool.call('startWorkOrder', { token: workerToken, params: { id: order.id } });

  // --- the simulated field behind a pseudo-terminal --------------------------------------------
  const ptyPath = join(dir, 'dongle');
  const sim = spawn(
    process.execPath,
    ['scripts/fieldroot.mjs', 'sim', '--pty', ptyPath, '--scenario', SCENARIO, '--spread', String(SPREAD_S)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const simOut = lines(sim);
  t.after(() => stopChild(sim));
  await until('virtual dongle', () => /Virtual dongle: /.test(simOut.text()), 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${simOut.text()}`);
  });

  // --- the tool ----------------------------------------------------------------------------------
  const logger = createLogger('field', { level: 'error' });
  // Untuned: the engine tunes it to the job's radio (the head-end was given the scenario's).
  const radio = new SpinelMeshRadio({
    // The simulated meters take PSDUs up to 255 octets; the virtual RCP reports 2047.
    maxPsdu: TABLET_MAX_PSDU,
    logger,
  });
  const supervisor = new DongleSupervisor({
    target: { kind: 'path', path: ptyPath },
    logger,
    dongleOptions: { logger },
  });
  radio.follow(supervisor);
  supervisor.start();
  t.after(() => supervisor.stop());
  const engine = new FieldEngine({
    client: tool,
    token: workerToken,
    vault,
    handshakeClock: await PersistedHandshakeClock.open(vault),
    device: {
      certificatePem: creds.certificatePem,
      privateKeyPem: creds.privateKeyPem,
      caCertificatePem: creds.caCertificatePem,
    },
    radio,
    crypto,
    logger,
    vpnUpTimeoutMs: 20_000,
    joinCountsIntervalMs: 5_000,
  });
  const events: FieldEngineEvent[] = [];
  const inDodag = new Set<bigint>();
  engine.onEvent((e) => {
    if (e.kind === 'mesh') {
      if (e.event.kind === 'node-joined-dodag') inDodag.add(e.event.eui);
      return;
    }
    events.push(e);
  });
  t.after(() => engine.end());
  const job = await engine.start(order.id);
  const phases = events.flatMap((e) => (e.kind === 'phase' ? [e.phase] : []));
  assert.deepEqual(phases, ['provisioning', 'connecting', 'authenticating', 'starting-mesh', 'running']);
  const authenticated = events.find((e) => e.kind === 'tool-authenticated');
  assert.ok(authenticated?.kind === 'tool-authenticated', 'the tool authenticated with EAP-TLS');
  const toolKeyIndex = authenticated.keyIndex;
  assert.deepEqual((await ask<HeadendState>({ op: 'state' })).toolsAuthenticated, [DEVICE]);
  const root: MeshRoot = engine.root!;
  const vpn = engine.link!;

  // --- every meter joins ---------------------------------------------------------------------
  const meterEuis = scenario.meters.map((m) => m.eui64.toLowerCase());
  const joinStarted = performance.now();
  await until(
    'every meter authenticated at the key server and in the DODAG',
    async () => {
      const s = await ask<HeadendState>({ op: 'state' });
      return meterEuis.every((e) => s.metersJoined.includes(e) && inDodag.has(BigInt(`0x${e}`)));
    },
    JOIN_LIMIT_MS,
    1_000,
  ).catch(async (e: Error) => {
    const s = await ask<HeadendState>({ op: 'state' });
    throw new Error(
      `${e.message}: key server drops ${JSON.stringify(s.panaDrops)}, over budget ${String(s.overBudget)}; ${String(s.metersJoined.length)} authenticated, ${String(inDodag.size)} in the DODAG ` +
        `of ${String(meterEuis.length)}; engine ${JSON.stringify(engine.joinCounts())}; root counters ` +
        `${JSON.stringify(root.counters(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}\n${simOut.text()}`,
    );
  });
  t.diagnostic(
    `all ${String(meterEuis.length)} meters joined ${((performance.now() - joinStarted) / 1000).toFixed(1)} s ` +
      `after the mesh root started (real time, power-on spread ${String(SPREAD_S)} s, 2-core shared host)`,
  );
  assert.ok(
    events.some((e) => e.kind === 'joins'),
    'the engine reported periodic join counts',
  );

  // --- ICMPv6 echo from the head-end side, through the tunnel and the mesh ----------------------
  const prefix = parseIpPrefix(job.meshPrefix).address;
  let sequence = 1;
  const unanswered: string[] = [];
  for (const m of scenario.meters) {
    const target = formatIpv6Address(addressFromPrefixAndIid(prefix, iidFromEui64(BigInt(`0x${m.eui64}`))));
    let answered = false;
    for (let attempt = 0; attempt < 3 && !answered; attempt++) {
      const r = await ask<{ rttMs: number | null }>({ op: 'ping', target, sequence: sequence++ });
      answered = r.rttMs !== null;
    }
    if (!answered) unanswered.push(m.id);
  }
  assert.deepEqual(unanswered, [], 'every meter answers echo sent from the head-end side');

  // --- revocation by a supervisor, mid-job -------------------------------------------------------
  const before = await ask<HeadendState>({ op: 'state' });
  const wg = await loadOrCreateWireguardKey(vault, crypto);
  const toolWgKey = encodeKeyBase64(wg.publicKey);
  assert.ok(before.gatewayPeers.includes(toolWgKey), 'the gateway has the tool as a peer while it works');
  const revokedAt = performance.now();
  await console.call('revokeDevice', { token: supToken, params: { id: DEVICE } });
  const answeredMs = performance.now() - revokedAt;
  await until('the engine reports revoked', () => events.some((e) => e.kind === 'revoked'), 30_000, 50);
  const stoppedMs = performance.now() - revokedAt;
  await engine.whenStopped();
  t.diagnostic(
    `revocation: API answered in ${answeredMs.toFixed(0)} ms, tool stopped (keys wiped, mesh root down) ` +
      `${stoppedMs.toFixed(0)} ms after the supervisor's request (real clock, loopback, shared 2-core host)`,
  );
  const revoked = events.find((e) => e.kind === 'revoked');
  assert.ok(revoked?.kind === 'revoked' && /revoked/i.test(revoked.message), 'the worker is told why');
  assert.equal(engine.phase, 'revoked');
  assert.ok(root.isWiped && root.keyInfo().length === 0, 'the mesh root holds no network key');
  assert.equal(vpn.state, 'down', 'the tunnel is stopped (its WireGuard keys wiped)');
  assert.ok(events.at(-1)?.kind === 'stopped', 'the engine reported it stopped');

  // The API refuses the certificate.
  const refusal = await tool.call('jobStatus', { token: workerToken, params: { id: job.jobId } }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(refusal instanceof HeadendApiError && refusal.isRevocation, 'the API refuses the revoked tool');

  // The gateway dropped the peer and refuses the tool's handshakes.
  const afterRevoke = await ask<HeadendState>({ op: 'state' });
  assert.ok(!afterRevoke.gatewayPeers.includes(toolWgKey), 'the gateway no longer has the tool as a peer');
  const retry = new VpnClient({
    privateKey: wg.privateKey,
    tunnelAddress: parseIpv6Address(job.tunnelAddress),
    gateway: {
      publicKey: decodeKeyBase64(job.gateway.publicKey)!,
      endpoint: job.gateway.endpoint,
      allowedIps: job.allowedIps.map((p) => parseIpPrefix(p)),
    },
    crypto,
  });
  wg.privateKey.wipe();
  let cameUp = false;
  retry.on('up', () => (cameUp = true));
  t.after(() => retry.stop());
  await retry.start();
  await until(
    'the gateway sees (and drops) the revoked tool’s initiation',
    async () =>
      (await ask<HeadendState>({ op: 'state' })).unknownPeerInitiations > before.unknownPeerInitiations,
    15_000,
  );
  assert.equal(cameUp, false, 'no handshake completes for the revoked tool');
  await retry.stop();

  // The key server rotated the network key of the meters the tool served.
  const keys = afterRevoke.keys;
  assert.ok(
    keys.next !== null || keys.current !== toolKeyIndex,
    `a new network key replaces the one the tool held (tool had ${String(toolKeyIndex)}, now ${JSON.stringify(keys)})`,
  );
  assert.notEqual(keys.next ?? keys.current, toolKeyIndex);
});
