// Issue #3 "Done when": a network-key rotation reaches every joined meter (PNR with the key-wrap,
// announced then activated), and frames under the old key are refused once its grace period ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePacket, linkLocalFromEui64 } from '../../src/stack/ipv6/index.ts';
import { MeshLink } from '../../src/stack/mesh-link/index.ts';
import { joinAll, notJoined, virtualSystem } from './fixture.ts';

const ACTIVATION_MS = 30_000;
const GRACE_MS = 60_000;
/** Not a meter of the scenario: the root has no anti-replay state for it under any key. */
const FORGER = 0x02fe_5100_0000_abcdn;

test('a key rotation reaches every meter; old-key frames are refused after the grace period', async (t) => {
  const sys = await virtualSystem(t, 'isolated-area-20', {
    keyPolicy: { activationDelayMs: ACTIVATION_MS, graceMs: GRACE_MS },
  });
  assert.ok((await joinAll(sys, 240_000)) !== undefined, `not every meter joined: ${notJoined(sys)}`);
  const old = sys.networkKeys()[0]!;

  // A neighbour that kept the old key: secured frames (echo requests to the root's link-local).
  const stale = new MeshLink({
    crypto: sys.crypto,
    extendedAddress: FORGER,
    panId: sys.field.panId,
    meshPrefix: sys.meshPrefix,
    maxPsdu: sys.tabletRadio.maxPsdu,
    fcsLength: sys.tabletRadio.fcsLength,
    randomBytes: (n) => new Uint8Array(n).fill(7),
  });
  stale.installNetworkKey(old.index, old.key, 0);
  stale.activate(old.index, 0);
  let sequence = 0;
  const staleFrame = (): Uint8Array => {
    const r = stale.send(
      0,
      encodePacket({
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: 255,
        source: linkLocalFromEui64(FORGER),
        destination: sys.root.linkLocal,
        upper: {
          kind: 'icmpv6',
          message: { kind: 'echo-request', identifier: 1, sequence: ++sequence, data: new Uint8Array(4) },
        },
      }),
      sys.field.tabletEui64,
      { secure: true },
    );
    assert.ok(r.ok && r.psdus.length === 1, 'one secured frame');
    return r.psdus[0]!;
  };
  const delivered = (): number => sys.root.counters().link.received.datagrams;
  const refused = (): number => {
    const c = sys.root.counters().link.received;
    return c['no-key'] + c['key-retired'];
  };

  const rotated = sys.keyServer.rotate('test rotation', 'tester');
  await sys.settle();
  const next = await rotated;
  assert.notEqual(next, old.index, 'a new key index');
  for (let i = 0; i < 10 && sys.field.meters.some((m) => m.status().keyIndex !== next); i++) {
    sys.runFor(ACTIVATION_MS / 2);
    await sys.settle();
  }
  assert.equal(
    sys.keyServer.keys.currentKeys().current.index,
    next,
    'the key server put the new key in force',
  );
  const behind = sys.report().filter((r) => r.keyIndex !== next);
  assert.deepEqual(
    behind.map((r) => `${r.id}:${r.keyIndex}`),
    [],
    'every meter transmits under the new key',
  );
  assert.equal(sys.root.keyInfo().find((k) => k.index === next)?.state, 'active', 'the root sends under it');

  // Still within the grace period: the old key is accepted (the control for the refusal below).
  let before = delivered();
  sys.tabletRadio.injectReceived({ psdu: staleFrame(), rssiDbm: -60, lqi: 200 });
  assert.equal(delivered(), before + 1, 'an old-key frame is accepted during the grace period');

  sys.runFor(GRACE_MS + 5_000);
  await sys.settle();
  assert.ok(!sys.root.keyInfo().some((k) => k.index === old.index), 'the root retired the old key');
  before = delivered();
  const refusedBefore = refused();
  sys.tabletRadio.injectReceived({ psdu: staleFrame(), rssiDbm: -60, lqi: 200 });
  assert.equal(delivered(), before, 'an old-key frame after the grace period is not delivered');
  assert.equal(refused(), refusedBefore + 1, 'and it is counted as a frame under no key in force');
  assert.ok(
    sys.report().every((r) => r.joined),
    `every meter is still joined under the new key: ${notJoined(sys)}`,
  );
});
