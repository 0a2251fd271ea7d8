import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RelayChoice } from '../../../../hardware/sim/node/index.ts';
import type { JoinBeacon } from '../../../../src/stack/mesh-link/join-beacon.ts';

const beacon = (source: bigint, permitJoin = true): JoinBeacon => ({
  source,
  panId: 1,
  permitJoin,
  meshPrefix: new Uint8Array(16),
  paaAddress: new Uint8Array(16),
});

test('the best link wins: LQI first, then RSSI, then the lower EUI-64', () => {
  const c = new RelayChoice(60_000);
  c.hear(0, beacon(3n), -90, 120);
  c.hear(10, beacon(2n), -80, 200);
  c.hear(20, beacon(1n), -70, 200);
  assert.equal(c.best(30)?.beacon.source, 1n, 'equal LQI: stronger RSSI');
  c.hear(40, beacon(0n), -70, 200);
  assert.equal(c.best(50)?.beacon.source, 0n, 'equal LQI and RSSI: lower EUI-64');
  assert.equal(c.firstHeardAt, 0, 'the scan started with the first beacon');
});

test('no Permit Join, stale beacons and avoided relays are not chosen', () => {
  const c = new RelayChoice(1_000);
  c.hear(0, beacon(1n, false), -50, 255);
  assert.equal(c.best(0), undefined, 'a sender that does not permit joining is ignored');
  c.hear(0, beacon(2n), -60, 250);
  c.hear(500, beacon(3n), -90, 100);
  assert.equal(c.best(600)?.beacon.source, 2n);
  assert.equal(c.best(1_200)?.beacon.source, 3n, 'beacon 2 is older than the maximum age');
  c.avoid(3n, 5_000);
  c.hear(1_300, beacon(3n), -40, 255);
  assert.equal(c.best(1_300), undefined, 'an avoided relay is not taken back while avoided');
  c.hear(6_000, beacon(3n), -40, 255);
  assert.equal(c.best(6_000)?.beacon.source, 3n, 'after the avoidance it is usable again');
  c.restart();
  assert.equal(c.best(6_000), undefined, 'a new scan starts empty');
  assert.equal(c.firstHeardAt, undefined);
});
