// Issue #4 "revoking the tool mid-job … and every meter it served is rekeyed", on the virtual clock
// (src/cli/sim/virtual-job.ts): tool A serves the area, the supervisor revokes it, tool A stops;
// a second tablet (its own enrolment, job and mesh root) arrives where A stood, and every meter A
// served leaves the lost network (hardware/sim/node/simulated-meter.ts "Network lost"),
// authenticates again through B, holds the key in force and none that A saw, and refuses a
// frame under the pre-revocation key. Also: the revoked tablet's WireGuard retries are counted
// and answered with nothing.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RadioMac } from '../../hardware/sim/medium/index.ts';
import type { SimulatedMeter } from '../../hardware/sim/node/index.ts';
import { loadScenario } from '../../hardware/sim/scenario/index.ts';
import { buildVirtualJob, type VirtualJob } from '../../src/cli/sim/virtual-job.ts';
import {
  addressesEqual,
  encodePacket,
  linkLocalFromEui64,
  matchesPrefix,
  parseIpv6Address,
} from '../../src/stack/ipv6/index.ts';
import { MeshLink } from '../../src/stack/mesh-link/index.ts';

const SCENARIO = 'isolated-area-20';
/** Between tool A stopping and tool B arriving. */
const GAP_MS = 30_000;
/** From the revocation, every meter must be back through B within this (simulated). */
const REKEY_LIMIT_MS = 600_000;

async function openJob(t: TestContext): Promise<VirtualJob> {
  const job = await buildVirtualJob({ scenario: loadScenario(SCENARIO) });
  t.after(() => job.close());
  return job;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function runFor(job: VirtualJob, ms: number, stepMs = 1_000): Promise<void> {
  const end = job.scheduler.now() + ms;
  // Bounded: one step per stepMs of virtual time.
  while (job.scheduler.now() < end) {
    job.system.runUntil(Math.min(end, job.scheduler.now() + stepMs));
    await job.system.settle();
  }
}

/** Pings every meter from the head-end through `tool`; unanswered ones again, three rounds at most. */
async function pingAll(tool: VirtualJob, ids: string[]): Promise<Set<string>> {
  const answered = new Set<string>();
  const seen = tool.echoReplies.length;
  for (let round = 0; round < 3 && answered.size < ids.length; round++) {
    for (const [i, id] of ids.entries()) {
      if (answered.has(id)) continue;
      tool.ping(id, 1000 + round * 100 + i);
      tool.system.runFor(500);
    }
    await runFor(tool, 10_000);
    for (const r of tool.echoReplies.slice(seen)) {
      const id = ids.find((m) => addressesEqual(tool.system.meterAddress(m), parseIpv6Address(r.from)));
      if (id !== undefined) answered.add(id);
    }
  }
  return answered;
}

test('after a revocation, a second tool rekeys every meter the revoked tool served', async (t) => {
  const job = await openJob(t);
  const { system } = job;
  const ks = system.keyServer;
  await job.connect();
  system.start();
  const joined = await system.runUntilJoined({ limitMs: 240_000 });
  await system.settle();
  const ids = system.report().map((r) => r.id);
  assert.ok(joined.allJoined, `tool A did not serve every meter: ${joined.joinedFraction}`);
  const meter = (id: string): SimulatedMeter => system.field.meter(id)!;
  const prefixA = parseIpv6Address(job.connection.meshPrefix.replace(/\/64$/, ''));
  assert.ok(
    ids.every((id) => matchesPrefix(meter(id).status().globalAddress!, prefixA, 64)),
    "every meter is in tool A's mesh",
  );
  const oldKey = ks.keys.currentKeys().current;

  // --- the supervisor revokes tool A ------------------------------------------------------------
  const reauthenticated = new Map<string, number>();
  const revokedAt = job.scheduler.now();
  ks.on('meter-joined', (e) => {
    if (e.at >= revokedAt && !reauthenticated.has(e.meterId)) reauthenticated.set(e.meterId, e.at);
  });
  const leftAfter: { meterId: string; at: number; reason: string }[] = [];
  ks.on('meter-left', (e) => leftAfter.push(e));
  const outcome = await job.revoke();
  assert.ok(outcome.rotatedToKeyIndex !== null, 'the revocation rotates the network key');
  for (let i = 0; i < 100 && job.stopped === undefined; i++) await runFor(job, 100, 100);
  assert.ok(job.stopped !== undefined, 'tool A stopped');
  await runFor(job, GAP_MS);
  const keysOfA = job.toolKeys.map((k) => k.key);
  assert.ok(keysOfA.length >= 1, 'tool A held keys');

  // --- tool B arrives -------------------------------------------------------------------------
  const toolB = await job.replaceTool({ deviceId: 'tablet-0002' });
  assert.notEqual(toolB.connection.meshPrefix, job.connection.meshPrefix, 'a new job has its own /64');
  assert.notEqual(toolB.connection.tunnelAddress, job.connection.tunnelAddress);
  await toolB.connect();
  assert.ok(
    toolB.toolKeys.every((k) => !keysOfA.some((a) => sameBytes(a, k.key)) || k.keyIndex === oldKey.index),
    'tool B is given no key A saw but the one still in force until the rotation completes',
  );
  const prefixB = parseIpv6Address(toolB.connection.meshPrefix.replace(/\/64$/, ''));

  /** What is still missing for `id` to count as rekeyed through B (empty: done). */
  const missing = (id: string): string[] => {
    const m = meter(id);
    const s = m.status();
    const current = ks.keys.currentKeys().current;
    const held = m.heldNetworkKeys();
    const out: string[] = [];
    if (s.state !== 'joined') out.push(`state ${s.state}`);
    if (!s.globalAddress || !matchesPrefix(s.globalAddress, prefixB, 64)) out.push("not in B's mesh");
    if (!reauthenticated.has(id)) out.push('not re-authenticated');
    if (s.keyIndex !== current.index) out.push(`key ${s.keyIndex} in force, server's ${current.index}`);
    if (!held.some((k) => k.index === current.index && sameBytes(k.key, current.key)))
      out.push("not holding the server's key");
    if (held.some((k) => keysOfA.some((a) => sameBytes(a, k.key)))) out.push('holds a key A saw');
    return out;
  };
  const rekeyedAt = new Map<string, number>();
  // Bounded by the simulated limit.
  while (job.scheduler.now() - revokedAt < REKEY_LIMIT_MS) {
    for (const id of ids)
      if (!rekeyedAt.has(id) && missing(id).length === 0) rekeyedAt.set(id, job.scheduler.now());
    if (rekeyedAt.size === ids.length) break;
    await runFor(job, 5_000);
  }
  const left = ids.filter((id) => missing(id).length > 0);
  assert.deepEqual(
    left.map((id) => `${id}: ${missing(id).join(', ')}`),
    [],
    `meters not rekeyed through tool B within ${REKEY_LIMIT_MS / 1000} s of the revocation`,
  );
  const lastRekeyMs = Math.max(...rekeyedAt.values()) - revokedAt;
  // The old sessions (served through A) were replaced, not left hanging: once a meter is back,
  // the key server never reports it gone.
  await runFor(job, 60_000);
  assert.deepEqual(
    leftAfter.filter((e) => e.at >= reauthenticated.get(e.meterId)!).map((e) => `${e.meterId}: ${e.reason}`),
    [],
    'meters reported gone after they came back',
  );

  // The key server's audit log shows every meter authenticating again after the revocation.
  const audit = await system.store.repositories.audit.list({ limit: 100_000 });
  const authenticatedAfter = new Set(
    audit
      .filter((e) => e.action === 'pana.authenticate' && e.outcome === 'allowed' && e.atMs >= revokedAt)
      .map((e) => e.subject),
  );
  assert.deepEqual(
    ids.filter((id) => !authenticatedAfter.has(id)),
    [],
    'meters with no audited authentication after the revocation',
  );
  const current = ks.keys.currentKeys().current;
  assert.equal(
    current.index,
    outcome.rotatedToKeyIndex,
    'the key in force is the one the revocation started',
  );
  assert.ok(!keysOfA.some((a) => sameBytes(a, current.key)), 'the key in force is none A ever saw');

  // Reachable through tool B from the head-end.
  const answered = await pingAll(toolB, ids);
  assert.deepEqual(
    ids.filter((id) => !answered.has(id)),
    [],
    'meters not answering echo from the head-end through tool B',
  );

  // After the grace, a frame under the pre-revocation key is refused; the same frame under the
  // key in force is taken (the injection path works).
  const records = await system.store.repositories.networkKeys.list();
  assert.equal(records.find((k) => k.keyIndex === oldKey.index)?.state, 'retired', 'the old key is retired');
  const forgerEui = 0x0212_34ff_0000_0001n;
  const refusedBy: string[] = [];
  const acceptedBy: string[] = [];
  for (const id of ids) {
    const m = meter(id);
    const link = m.meshLink!;
    const failures = (): number =>
      link.counters.received['no-key'] +
      link.counters.received['key-retired'] +
      link.counters.received['mic-failure'];
    const before = { failures: failures(), echoes: m.counters.echoReplies };
    sendSecuredEcho(job, id, forgerEui, { index: oldKey.index, key: oldKey.key });
    await runFor(job, 2_000, 500);
    if (failures() > before.failures && m.counters.echoReplies === before.echoes) refusedBy.push(id);
    sendSecuredEcho(job, id, forgerEui + 1n, { index: current.index, key: current.key });
    await runFor(job, 2_000, 500);
    if (m.counters.echoReplies > before.echoes) acceptedBy.push(id);
  }
  assert.deepEqual(
    ids.filter((id) => !refusedBy.includes(id)),
    [],
    'meters that did not refuse (and count) a frame under the pre-revocation key',
  );
  assert.deepEqual(
    ids.filter((id) => !acceptedBy.includes(id)),
    [],
    'meters that did not answer the same frame under the key in force (control)',
  );
  t.diagnostic(
    `${SCENARIO}: revoke → tool A stopped ${Math.round(job.stopped.atMs - revokedAt)} ms; tool B arrived ${GAP_MS / 1000} s later; ` +
      `last of ${ids.length} meters rekeyed through B ${(lastRekeyMs / 1000).toFixed(0)} s after the revoke ` +
      `(network lost: ${ids.reduce((n, id) => n + meter(id).counters.networkLost, 0)} leaves, ` +
      `root checks ${ids.reduce((n, id) => n + meter(id).counters.rootProbes, 0)})`,
  );
});

test('a revoked tablet that keeps retrying its tunnel is counted at the gateway and answered with nothing', async (t) => {
  const job = await openJob(t);
  await job.connect();
  job.system.runFor(1_000);
  await job.system.settle();
  await job.revoke();
  for (let i = 0; i < 100 && job.stopped === undefined; i++) await runFor(job, 100, 100);
  assert.ok(job.stopped !== undefined, 'the tool stopped');
  assert.equal(job.gateway.peers().length, 0, 'the peer is gone');
  const before = { answered: job.datagrams.toTablet, counters: job.gateway.counters() };

  const retry = await job.retryRevokedTunnel();
  await runFor(job, 60_000);
  const after = job.gateway.counters();
  const attempts = after.revokedPeerAttempts - before.counters.revokedPeerAttempts;
  assert.ok(attempts >= 2, `the revoked tablet's handshake retries are counted (${attempts})`);
  assert.ok(
    job.datagrams.toGateway > 0 && job.datagrams.toTablet === before.answered,
    `no datagram answered to the revoked tablet (${job.datagrams.toTablet - before.answered} sent)`,
  );
  assert.equal(after.datagramsOut, before.counters.datagramsOut, 'the gateway sent nothing at all');
  assert.equal(job.gateway.peers().length, 0, 'no peer state for the revoked tablet');
  assert.notEqual(retry.state, 'up');
  t.diagnostic(`revoked tablet: ${attempts} handshake initiations in 60 s, all dropped unanswered`);
});

/** ICMPv6 echo to meter `id`'s link-local address, secured under `key`, sent by a new radio next to it. */
function sendSecuredEcho(
  job: VirtualJob,
  id: string,
  sourceEui: bigint,
  key: { index: number; key: Uint8Array },
): void {
  const { system } = job;
  const field = system.field;
  const m = field.meter(id)!;
  const at = loadScenario(SCENARIO).meters.find((x) => x.id === id)!.position;
  const now = job.scheduler.now();
  const link = new MeshLink({
    crypto: system.crypto,
    extendedAddress: sourceEui,
    panId: field.panId,
    meshPrefix: system.meshPrefix,
    maxPsdu: 255,
    fcsLength: 4,
    randomBytes: (n) => new Uint8Array(n).fill(7),
  });
  link.installNetworkKey(key.index, key.key, now);
  link.activate(key.index, now);
  const packet = encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 255,
    source: linkLocalFromEui64(sourceEui),
    destination: m.linkLocal,
    upper: {
      kind: 'icmpv6',
      message: { kind: 'echo-request', identifier: 0x7e57, sequence: 1, data: new Uint8Array(8) },
    },
  });
  const framed = link.send(now, packet, m.eui64, { secure: true });
  assert.ok(framed.ok, 'the test frame was built');
  const node = field.medium.addNode({ x: at.x + 5, y: at.y });
  const mac = new RadioMac(field.medium, node);
  const destination = field.directory.get(m.eui64)!;
  for (const psdu of framed.psdus) mac.transmit({ psdu, ackRequest: true, destination }, () => undefined);
}
