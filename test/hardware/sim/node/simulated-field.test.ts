/**
 * isolated-area-20 end to end on the virtual clock: 20 simulated meters join an in-test root (RplRoot,
 * MeshLink, PanaRelay, in-process PAA + EAP-PSK key server) over the simulated 920 MHz medium.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SimulatedFieldOptions, SimulatedMeter } from '../../../../hardware/sim/node/index.ts';
import { EOJ, ESV, METER_EPC, decodeFrame, encodeFrame } from '../../../../src/stack/echonet/index.ts';
import { loadScenario, parseScenario, type Scenario } from '../../../../hardware/sim/scenario/index.ts';
import { toHex } from '../../../../src/stack/wire/index.ts';
import { buildHarness, runUntil, type Harness } from './harness.ts';

const JOIN_LIMIT_MS = 30 * 60_000;
const allJoined = (h: Harness): boolean => h.field.meters.every((m) => m.state === 'joined');

function joinedField(
  scenario: Scenario = loadScenario('isolated-area-20'),
  extra: Parameters<typeof buildHarness>[1] = {},
): Harness & { wallMs: number } {
  const started = performance.now();
  const h = buildHarness(scenario, extra);
  h.root.start();
  h.field.powerOnAll(10_000);
  // A meter holds the key (PAR-C) and is reachable before its PAN-C reaches the PAA when that
  // answer is lost and the PAA has to retransmit PAR-C: wait for both views to agree.
  assert.ok(
    runUntil(
      h,
      () => allJoined(h) && authenticatedPeers(h).size === h.field.meters.length,
      JOIN_LIMIT_MS,
      1_000,
    ),
    'every meter joined, and the PAA saw every session complete, within 30 simulated minutes',
  );
  return { ...h, wallMs: performance.now() - started };
}

function authenticatedPeers(h: Harness): Set<string> {
  const peers = new Set<string>();
  for (const { event } of h.root.paaEvents)
    if (event.type === 'authenticated') peers.add(new TextDecoder().decode(event.peerId));
  return peers;
}

function deepest(h: Harness): { meter: SimulatedMeter; hops: number } {
  let best: { meter: SimulatedMeter; hops: number } | undefined;
  for (const m of h.field.meters) {
    const hops = h.field.hopCount(m) ?? 0;
    if (!best || hops > best.hops) best = { meter: m, hops };
  }
  return best!;
}

function pingAnswered(h: Harness, meter: SimulatedMeter, sequence: number): boolean {
  const target = meter.status().globalAddress!;
  assert.ok(h.root.ping(target, sequence), 'the root has a source route for the echo request');
  return runUntil(
    h,
    () => h.root.echoReplies.some((r) => r.sequence === sequence && toHex(r.from) === toHex(target)),
    60_000,
    500,
  );
}

const ECHONET: Pick<SimulatedFieldOptions, 'echonet'> = { echonet: { startEpochMs: Date.UTC(2026, 0, 15) } };

test('isolated-area-20: every meter authenticates, holds the key, routes, and the deepest answers a ping', () => {
  const h = joinedField(loadScenario('isolated-area-20'), ECHONET);
  const joinedAtMs = h.scheduler.now();
  const scenario = loadScenario('isolated-area-20');

  const peers = authenticatedPeers(h);
  for (const m of scenario.meters)
    assert.ok(peers.has(m.eui64), `PAA authenticated ${m.id} (ID_P ${m.eui64})`);
  for (const m of h.field.meters) {
    const s = m.status();
    assert.equal(s.keyIndex, 1, 'network key 1 in force at every meter');
    assert.ok(s.parent !== undefined, 'every meter has an RPL parent');
    assert.equal(s.panaState, 'open', 'PANA session open');
    const route = h.root.rpl.sourceRoute(s.globalAddress!);
    assert.ok(route.ok, `the root has a source route to ${s.eui64.toString(16)}: ${JSON.stringify(route)}`);
  }
  // Meters beyond the tablet's range joined through other meters: PRYs sent by meters reached the PAA.
  const relayedByMeters = [...h.root.pryBySender.values()].reduce((a, b) => a + b, 0);
  assert.ok(relayedByMeters > 0, 'some PANA went through a meter relay (RFC 6345)');
  assert.ok(
    h.field.meters.some((m) => m.status().relayedToPaa > 0),
    'a meter counts PRYs it relayed',
  );
  const report = h.field.report();
  assert.ok(
    report.some((r) => (r.hops ?? 0) >= 2),
    'at least one meter is two or more hops from the tablet',
  );
  const { meter, hops } = deepest(h);
  assert.ok(pingAnswered(h, meter, 1), `the deepest meter (${hops} hops) answers an ICMPv6 echo`);
  assert.ok(meter.counters.echoReplies >= 1, 'the echo was answered by that meter');

  // ECHONET Lite Get of the cumulative energy (E0) over UDP 3610, answered by the meter's device.
  const get = encodeFrame({
    tid: 0x0102,
    seoj: EOJ.CONTROLLER,
    deoj: EOJ.SMART_METER,
    esv: ESV.Get,
    properties: [{ epc: METER_EPC.CUMULATIVE_ENERGY_NORMAL, edt: new Uint8Array(0) }],
  });
  const target = toHex(meter.status().globalAddress!);
  assert.ok(h.root.sendUdp(meter.status().globalAddress!, 3610, get), 'Get sent down the source route');
  assert.ok(
    runUntil(h, () => h.root.udpReceived.some((u) => toHex(u.from) === target), 60_000, 500),
    'the meter answered on UDP 3610',
  );
  const answer = decodeFrame(h.root.udpReceived.find((u) => toHex(u.from) === target)!.payload);
  assert.equal(answer.tid, 0x0102, 'same TID');
  assert.equal(answer.esv, ESV.Get_Res, 'Get_Res');
  assert.equal(answer.properties[0]?.epc, METER_EPC.CUMULATIVE_ENERGY_NORMAL);
  assert.equal(answer.properties[0]?.edt.length, 4, 'E0 is 4 bytes');
  console.log(
    `isolated-area-20: full join at ${(joinedAtMs / 1000).toFixed(1)} s simulated, ` +
      `${h.wallMs.toFixed(0)} ms wall, ${h.scheduler.eventsRun} events, hops ${report.map((r) => r.hops).join(',')}`,
  );
});

test('a meter with a wrong PSK is rejected by the key server and never joins', () => {
  const scenario = loadScenario('isolated-area-20');
  const victim = scenario.meters[1]!; // in the tablet's range
  const h = buildHarness(scenario, {
    pskFor: (m) => (m.id === victim.id ? new Uint8Array(16).fill(0x42) : undefined)!,
  });
  h.root.start();
  h.field.powerOnAll(10_000);
  const others = h.field.meters.filter((m) => m !== h.field.meter(victim.id));
  assert.ok(
    runUntil(h, () => others.every((m) => m.state === 'joined'), JOIN_LIMIT_MS, 1_000),
    'the other meters join',
  );
  h.scheduler.runFor(10 * 60_000);
  const bad = h.field.meter(victim.id)!;
  assert.ok(!authenticatedPeers(h).has(victim.eui64), 'the PAA never authenticated the wrong-PSK meter');
  const rejected = h.root.paaEvents.filter(
    ({ event }) =>
      event.type === 'rejected' && event.peerId && new TextDecoder().decode(event.peerId) === victim.eui64,
  );
  assert.ok(rejected.length >= 2, `the PAA rejected it on every attempt (${rejected.length})`);
  assert.notEqual(bad.state, 'joined', 'not joined');
  assert.equal(bad.status().keyIndex, undefined, 'holds no network key');
  assert.ok(bad.counters.joinFailures >= 2, 'the meter keeps trying, with back-off');
});

test('meter power loss (scenario failure) wipes its state; it rejoins when power returns', () => {
  const base = loadScenario('isolated-area-20');
  const target = base.meters[4]!;
  const scenario = parseScenario(
    {
      ...base,
      failures: [{ kind: 'meter-power-loss', at: 600, meter: target.id, duration: 120 }],
    },
    'power-loss test',
  );
  const h = buildHarness(scenario);
  h.root.start();
  h.field.powerOnAll(10_000);
  assert.equal(h.field.scheduleFailures(0), 1, 'the failure is on the clock');
  const meter = h.field.meter(target.id)!;
  h.scheduler.runUntil(599_000);
  assert.ok(allJoined(h), 'all joined before the failure');
  h.scheduler.runUntil(601_000);
  assert.equal(meter.state, 'off', 'power is off');
  assert.equal(meter.status().keyIndex, undefined, 'keys wiped');
  assert.equal(meter.meshLink, undefined, 'no link state survives');
  h.scheduler.runUntil(721_000);
  assert.ok(meter.powered, 'power is back');
  assert.ok(
    runUntil(h, () => meter.state === 'joined', JOIN_LIMIT_MS, 1_000),
    'the meter rejoins',
  );
  assert.equal(meter.status().joins, 2, 'it joined twice');
  const peers = h.root.paaEvents.filter(
    ({ event }) => event.type === 'authenticated' && new TextDecoder().decode(event.peerId) === target.eui64,
  );
  assert.equal(peers.length, 2, 'a fresh PANA authentication after the restore');
  assert.ok(
    runUntil(h, () => allJoined(h), JOIN_LIMIT_MS, 1_000),
    'the whole field is joined again',
  );
  assert.ok(pingAnswered(h, meter, 9), 'the restored meter answers a ping');
});

test('concentrator failure (scenario): meters stay on their concentrator until it fails, then join the tool', () => {
  const base = loadScenario('isolated-area-20');
  const scenario = parseScenario(
    { ...base, failures: [{ kind: 'concentrator-failure', at: 120 }] },
    'concentrator test',
  );
  const h = buildHarness(scenario);
  h.root.start();
  h.field.powerOnAll(10_000);
  assert.equal(h.field.isolatedAfterMs(), 120_000, 'isolated from the failure on');
  h.scheduler.runUntil(119_000);
  assert.ok(
    h.field.meters.every((m) => !m.powered && m.state !== 'joined'),
    'before the failure no meter looks for the tool',
  );
  assert.equal(h.root.paaEvents.length, 0, 'and nothing reached the key server');
  assert.ok(
    runUntil(h, () => allJoined(h), JOIN_LIMIT_MS, 1_000),
    'after the failure every meter joins the tool',
  );
  const firstJoin = Math.min(...h.field.meters.map((m) => m.status().joinedAt ?? Infinity));
  assert.ok(firstJoin >= 120_000, `the first join (${firstJoin} ms) comes after the failure`);
});

test('key rotation: PNR announces key 2, the confirming PNR activates it at every meter', () => {
  const h = joinedField();
  const key2 = { key: Uint8Array.from({ length: 16 }, (_, i) => 0x50 + i), index: 2 };
  h.root.announceKey(key2);
  assert.ok(
    runUntil(
      h,
      () => h.field.meters.every((m) => m.meshLink?.keyInfo().some((k) => k.index === 2) ?? false),
      10 * 60_000,
      1_000,
    ),
    'every meter installed the announced key',
  );
  for (const m of h.field.meters)
    assert.equal(m.status().keyIndex, 1, 'the announced key is not in force yet');
  h.root.activateAnnouncedKey();
  assert.ok(
    runUntil(h, () => h.field.meters.every((m) => m.status().keyIndex === 2), 10 * 60_000, 1_000),
    'every meter activated key 2',
  );
  const { meter } = deepest(h);
  h.scheduler.runFor(120_000); // past the old key's grace period: only key 2 is accepted now
  assert.ok(
    h.field.meters.every((m) => !m.meshLink!.keyInfo().some((k) => k.index === 1)),
    'key 1 retired everywhere',
  );
  assert.ok(pingAnswered(h, meter, 2), 'the deepest meter answers under the new key');
  assert.ok(allJoined(h), 'nobody fell off the mesh during the rotation');
});
