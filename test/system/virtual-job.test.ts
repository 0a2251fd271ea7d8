// Issue #4 "Done when" on the virtual clock: job provisioned → WireGuard handshake → EAP-TLS through
// the tunnel → meters join through the tunnel → revocation (src/cli/sim/virtual-job.ts).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { loadScenario } from '../../hardware/sim/scenario/index.ts';
import { buildVirtualJob, type VirtualJob } from '../../src/cli/sim/virtual-job.ts';
import { addressesEqual, parseIpv6Address } from '../../src/stack/ipv6/index.ts';
import { DEFAULT_NETWORK_KEY_POLICY } from '../../src/headend/keys/index.ts';
import { formatIpPrefix } from '../../src/stack/wireguard/index.ts';

const SCENARIO = 'isolated-area-20';

async function openJob(t: TestContext, seed?: number): Promise<VirtualJob> {
  const job = await buildVirtualJob({
    scenario: loadScenario(SCENARIO),
    ...(seed === undefined ? {} : { seed }),
  });
  t.after(() => job.close());
  return job;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Pings every meter from the head-end side, spaced like a sweep; unanswered ones again (radio loss), three rounds at most. */
function pingAll(job: VirtualJob): Set<string> {
  const ids = job.system.report().map((r) => r.id);
  const answered = new Set<string>();
  for (let round = 0; round < 3 && answered.size < ids.length; round++) {
    for (const [i, id] of ids.entries()) {
      if (answered.has(id)) continue;
      job.ping(id, round * 100 + i);
      job.system.runFor(500);
    }
    job.system.runFor(10_000);
    for (const r of job.echoReplies) {
      const id = ids.find((m) => addressesEqual(job.system.meterAddress(m), parseIpv6Address(r.from)));
      if (id !== undefined) answered.add(id);
    }
  }
  return answered;
}

test('a job on the virtual clock: tunnel, EAP-TLS key, every meter joins through the tunnel, then revocation cuts the tool off', async (t) => {
  const job = await openJob(t);
  const { system, gateway, connection } = job;

  // Provisioning: one gateway peer with AllowedIPs = the tool's tunnel /128 + the job's mesh /64.
  const peers = gateway.peers();
  assert.equal(peers.length, 1);
  assert.deepEqual(
    peers[0]!.allowedIps.map((p) => formatIpPrefix(p)),
    [`${connection.tunnelAddress}/128`, connection.meshPrefix],
  );
  assert.equal(peers[0]!.online, false, 'no handshake yet');
  assert.equal(system.root.keyInfo().length, 0, 'the tool holds no network key before EAP-TLS');

  let toolAuthenticated: string | undefined;
  system.keyServer.on('tool-authenticated', (e) => (toolAuthenticated = e.deviceId));
  let keysAtTunnelUp: number | undefined;
  job.vpn.once('up', () => (keysAtTunnelUp = system.root.keyInfo().length));
  const { tunnelUpAtMs, authenticatedAtMs } = await job.connect();
  system.runFor(1_000); // the tool's PAN-C completing the session is still in the tunnel
  await system.settle();
  assert.ok(tunnelUpAtMs > 0 && tunnelUpAtMs < 1_000, `handshake on the virtual clock at ${tunnelUpAtMs} ms`);
  assert.ok(gateway.peers()[0]!.online, 'the gateway reports the tool online after the handshake');
  assert.equal(job.jobs.find(connection.jobId)?.online, true);

  // The key comes from the tool's own EAP-TLS PANA session, after the key server's EAP success.
  assert.equal(keysAtTunnelUp, 0, 'no network key when the tunnel came up');
  assert.equal(toolAuthenticated, job.deviceId, 'the key server authenticated the tool with EAP-TLS');
  assert.ok(authenticatedAtMs > tunnelUpAtMs, 'EAP-TLS ran after the handshake, through the tunnel');
  assert.equal(job.toolKeys.length, 1);
  const first = job.toolKeys[0]!;
  assert.equal(first.atMs, authenticatedAtMs, 'the key was installed when the session opened');
  const serverKey = system.keyServer.keys.currentKeys().current;
  assert.equal(first.keyIndex, serverKey.index);
  assert.ok(sameBytes(first.key, serverKey.key), "the tool's key equals the key server's current key");
  assert.deepEqual(
    system.root.keyInfo().map((k) => k.index),
    [serverKey.index],
  );
  assert.ok(job.panaThroughTunnel.toolSession >= 4, 'the EAP-TLS session crossed the gateway');
  assert.equal(job.panaThroughTunnel.relayToKeyServer, 0, 'no meter traffic before the mesh starts');

  // Meters join; the key server only has the gateway as its PANA transport.
  system.start();
  const joined = await system.runUntilJoined({ limitMs: 240_000 });
  await system.settle();
  const meters = system.report();
  assert.ok(
    joined.allJoined,
    `not joined: ${meters
      .filter((m) => !m.joined)
      .map((m) => m.id)
      .join(', ')}`,
  );
  assert.ok(
    meters.every((m) => m.authenticated && m.keyIndex === serverKey.index),
    'every meter authenticated at the key server and holds the key in force',
  );
  assert.ok(
    job.panaThroughTunnel.relayToKeyServer >= 4 * meters.length,
    `PRYs up through the gateway: ${job.panaThroughTunnel.relayToKeyServer} for ${meters.length} meters`,
  );
  assert.ok(
    job.panaThroughTunnel.relayToTool >= 4 * meters.length,
    `PRYs down through the gateway: ${job.panaThroughTunnel.relayToTool}`,
  );
  const answered = pingAll(job);
  assert.equal(answered.size, meters.length, 'every meter answers echo from the head-end through the tunnel');

  // A rotation in progress: the tool receives the announced key through its PANA session.
  const announced = await system.keyServer.rotate('scheduled', 'test');
  for (let i = 0; i < 30 && !job.toolKeys.some((k) => k.keyIndex === announced); i++) {
    system.runFor(1_000);
    await system.settle();
  }
  const heldByTool = job.toolKeys.map((k) => k.key);
  assert.ok(
    job.toolKeys.some((k) => k.keyIndex === announced && k.activation === 'next'),
    'the tool holds the announced key',
  );

  // The supervisor revokes the device.
  const revokedAt = job.scheduler.now();
  const outcome = await job.revoke();
  await system.settle();
  assert.equal(outcome.jobsEnded.length, 1);
  assert.equal(gateway.peers().length, 0, 'the gateway dropped the peer');
  assert.equal(job.jobs.find(connection.jobId)?.state, 'ended');
  assert.ok(outcome.revokedSerials.length >= 1, 'the certificate is revoked');
  // Compromise rotation: the announced key (held by the tool) is discarded for a fresh one.
  assert.ok(outcome.rotatedToKeyIndex !== null, 'revocation started a rotation');
  assert.notEqual(outcome.rotatedToKeyIndex, announced, 'the announced key is discarded');
  const after = system.keyServer.keys.currentKeys();
  assert.equal(after.next?.index, outcome.rotatedToKeyIndex);
  assert.ok(
    !heldByTool.some((k) => sameBytes(k, after.next!.key)),
    'the new key is none the revoked tool ever held',
  );

  // The key server's PANA termination leaves before the tunnel is dropped, so the tool learns at
  // once (not when its WireGuard session expires), wipes and stops.
  for (let i = 0; i < 400 && job.stopped === undefined; i++) {
    system.runFor(100);
    await system.settle();
  }
  assert.ok(job.stopped !== undefined, 'the tool stopped');
  assert.match(job.stopped.reason, /PANA session terminated/, 'told by the key server, not by a timeout');
  assert.ok(
    job.stopped.atMs - revokedAt < 5_000,
    `the tool stopped ${job.stopped.atMs - revokedAt} ms after the revocation, within 5 s`,
  );
  assert.ok(system.root.isWiped, "the tool's mesh root is wiped");
  assert.equal(job.session?.state, 'closed');
  assert.ok(job.stopped.atMs > revokedAt, 'stopped after the revocation');

  // Key table: the announced key was retired at revocation; the key the tool held in force gets
  // only the compromise grace once the new key is in force, then is retired.
  const records = async () => await system.store.repositories.networkKeys.list();
  const byIndex = async (i: number) => (await records()).find((k) => k.keyIndex === i)!;
  assert.equal((await byIndex(announced)).state, 'retired', 'the announced key is retired');
  const announcedFresh = await byIndex(outcome.rotatedToKeyIndex);
  for (let i = 0; i < 200 && job.scheduler.now() <= announcedFresh.activateAtMs; i++) {
    system.runFor(1_000);
    await system.settle();
  }
  const replaced = await byIndex(first.keyIndex);
  const fresh = await byIndex(outcome.rotatedToKeyIndex);
  assert.equal(fresh.state, 'current', 'the new key came into force');
  assert.equal(replaced.state, 'previous');
  assert.equal(fresh.replacedGraceMs, DEFAULT_NETWORK_KEY_POLICY.compromiseGraceMs);
  assert.ok(
    fresh.replacedGraceMs < DEFAULT_NETWORK_KEY_POLICY.graceMs,
    'the compromise grace is shorter than the normal one',
  );
  assert.equal(replaced.retireAtMs, fresh.activatedAtMs! + fresh.replacedGraceMs);
  for (let i = 0; i < 200 && job.scheduler.now() <= replaced.retireAtMs; i++) {
    system.runFor(1_000);
    await system.settle();
  }
  assert.equal((await byIndex(first.keyIndex)).state, 'retired', 'the old key is retired after the grace');
  t.diagnostic(
    `tunnel up ${tunnelUpAtMs} ms, EAP-TLS done ${authenticatedAtMs} ms, all joined ${joined.atMs} ms after start; ` +
      `tool stopped ${Math.round(job.stopped.atMs - revokedAt)} ms after revocation (${job.stopped.reason})`,
  );
});

test('same seed, same job: identical join times through the tunnel', async (t) => {
  const joinTimes = async (): Promise<string> => {
    const job = await openJob(t, 4242);
    const connected = await job.connect();
    job.system.start();
    const r = await job.system.runUntilJoined({ limitMs: 240_000 });
    await job.system.settle();
    assert.ok(r.allJoined, 'every meter joined');
    const times = job.system
      .report()
      .map((m) => `${m.id}@${m.joinedAt}`)
      .join(' ');
    await job.close();
    return `tunnel ${connected.tunnelUpAtMs} auth ${connected.authenticatedAtMs} all ${r.atMs}: ${times}`;
  };
  const a = await joinTimes();
  const b = await joinTimes();
  assert.equal(a, b);
});
