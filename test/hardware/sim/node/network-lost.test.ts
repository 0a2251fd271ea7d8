// The meter's "network lost" rule (hardware/sim/node/simulated-meter.ts): a hint of another network
// only starts a check of the root; a meter whose root answers stays where it is. (That a meter
// whose root is gone leaves and joins the next tool is test/system/revocation-rekey.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RadioMac } from '../../../../hardware/sim/medium/index.ts';
import { loadScenario } from '../../../../hardware/sim/scenario/index.ts';
import { createNodeProvider } from '../../../../src/stack/crypto/index.ts';
import { encodePacket, parseIpv6Address } from '../../../../src/stack/ipv6/index.ts';
import { BROADCAST, MeshLink } from '../../../../src/stack/mesh-link/index.ts';
import { joinBeaconPacket } from '../../../../src/stack/mesh-link/join-beacon.ts';
import { buildHarness, PAA_ADDRESS, runUntil } from './harness.ts';

test('a forged join beacon for another mesh prefix makes a meter check its root, not leave a root that answers', () => {
  const scenario = loadScenario('isolated-area-20');
  const h = buildHarness(scenario);
  h.root.start();
  h.field.powerOnAll(10_000);
  assert.ok(
    runUntil(h, () => h.field.meters.every((m) => m.state === 'joined'), 300_000, 1_000),
    'every meter joined the test root',
  );
  h.scheduler.runUntil(h.scheduler.now() + 30_000);
  const target = h.field.meters[0]!;
  const joinsBefore = target.status().joins;
  const at = scenario.meters.find((m) => BigInt(`0x${m.eui64}`) === target.eui64)!.position;

  // An unsecured join beacon (anyone can send one) advertising a prefix that is not the meter's.
  const forger = 0x0212_34ff_0000_00aan;
  const link = new MeshLink({
    crypto: createNodeProvider(),
    extendedAddress: forger,
    panId: h.field.panId,
    meshPrefix: new Uint8Array(16),
    maxPsdu: 255,
    fcsLength: 4,
    randomBytes: (n) => new Uint8Array(n),
  });
  const beacon = joinBeaconPacket({
    source: forger,
    panId: h.field.panId,
    permitJoin: true,
    meshPrefix: parseIpv6Address('2001:db8:9:9::'),
    paaAddress: PAA_ADDRESS,
  });
  const framed = link.send(h.scheduler.now(), encodePacket(beacon), BROADCAST, { secure: false });
  assert.ok(framed.ok, 'the beacon frame was built');
  const mac = new RadioMac(h.field.medium, h.field.medium.addNode({ x: at.x + 5, y: at.y }));
  for (const psdu of framed.psdus)
    mac.transmit({ psdu, ackRequest: false, destination: 'broadcast' }, () => undefined);

  assert.ok(
    runUntil(h, () => target.counters.rootProbes > 0, 5_000, 100),
    'the beacon started a check of the root',
  );
  h.scheduler.runUntil(h.scheduler.now() + 120_000);
  assert.ok(h.root.echoRequestsAnswered > 0, 'the root answered the check');
  assert.equal(target.counters.networkLost, 0, 'the root answered: the meter did not leave');
  assert.equal(target.state, 'joined');
  assert.equal(target.status().joins, joinsBefore, 'no rejoin');
});
