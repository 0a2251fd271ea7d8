/**
 * The AMR server wired as `headend serve` wires it (attachAmrServer): key-server events in, IPv6/UDP
 * 3610 packets out through a gateway, replies back through the gateway's service route — here a
 * stand-in gateway that hands each packet to a simulated meter, in real time, in memory. Also: junk from the tunnel is counted and dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meterDeviceFromScenario } from '../../../hardware/sim/meter/index.ts';
import { Random } from '../../../hardware/sim/random.ts';
import { loadScenario } from '../../../hardware/sim/scenario/index.ts';
import { attachAmrServer } from '../../../src/headend/amr/index.ts';
import type { MeterJoinedEvent, MeterJoinSource } from '../../../src/headend/amr/index.ts';
import { openHeadendStore } from '../../../src/headend/storage/index.ts';
import { ECHONET_LITE_PORT } from '../../../src/stack/echonet/index.ts';
import {
  decodePacket,
  encodePacket,
  formatIpv6Address,
  parseIpv6Address,
} from '../../../src/stack/ipv6/index.ts';
import { prefixContains } from '../../../src/stack/wireguard/index.ts';
import type { IpPrefix } from '../../../src/stack/wireguard/index.ts';
import { meterAddress } from './fixtures/virtual-field.ts';

test('reads a meter through the gateway edge and drops junk from the tunnel', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-amr-attach-'));
  const store = openHeadendStore({ directory: dir }, Date.now());
  const scenario = loadScenario('isolated-area-20');
  const meter = scenario.meters[0]!;
  const start = Date.now();
  const device = meterDeviceFromScenario(meter, new Random(scenario.seed), { startEpochMs: start });
  const address = meterAddress(meter.eui64);
  const serverAddress = 'fd00:db8:ffff::3610';
  let route: { prefix: IpPrefix; handler: (p: Uint8Array) => void } | undefined;
  const delivered: Uint8Array[] = [];
  let firstAnswer: number | undefined;
  const gateway = {
    addRoute(prefix: IpPrefix, handler: (p: Uint8Array) => void) {
      route = { prefix, handler };
      return () => (route = undefined);
    },
    deliver(packet: Uint8Array) {
      delivered.push(packet);
      const p = decodePacket(packet);
      assert.equal(p.upper.kind, 'udp');
      if (p.upper.kind !== 'udp') return false;
      assert.equal(p.upper.datagram.destinationPort, ECHONET_LITE_PORT);
      const now = Date.now() - start;
      const reply = device.handle(now, p.upper.datagram.payload);
      // The register as the meter had it when it answered the first (register) read.
      if (delivered.length === 1) firstAnswer = device.meterTruth(now).forward;
      if (reply !== null)
        setImmediate(() =>
          route!.handler(
            encodePacket({
              trafficClass: 0,
              flowLabel: 0,
              hopLimit: 60,
              source: p.destination,
              destination: p.source,
              upper: { kind: 'udp', datagram: { sourcePort: 3610, destinationPort: 3610, payload: reply } },
            }),
          ),
        );
      return true;
    },
  };
  const joined: ((e: MeterJoinedEvent) => void)[] = [];
  const keyServer = {
    on: (type: string, l: (e: MeterJoinedEvent) => void) => {
      if (type === 'meter-joined') joined.push(l);
      return () => undefined;
    },
  } as MeterJoinSource;
  await store.repositories.meters.upsert({
    meterId: meter.id,
    eui64: meter.eui64,
    site: scenario.name,
    latitude: 35,
    longitude: 139,
    serving: { via: 'gateway', id: 'concentrator-7', sinceMs: start - 1 },
  });
  const amr = attachAmrServer({
    store,
    keyServer,
    gateway,
    serverAddress,
    activeJobs: () => [
      { deviceId: 'tool-0001', meshPrefix: 'fd00:db8:20::/64', state: 'active' },
      { deviceId: 'tool-0002', meshPrefix: 'fd00:db8:21::/64', state: 'active' },
    ],
    service: { engine: { initialHistoryDays: 1 } },
  });
  try {
    assert.ok(
      route !== undefined && prefixContains(route.prefix, parseIpv6Address(serverAddress)),
      'the AMR address is routed to the service',
    );
    // Junk from the tunnel: not IPv6, and UDP to another port.
    route.handler(Uint8Array.of(1, 2, 3));
    route.handler(
      encodePacket({
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: 60,
        source: parseIpv6Address(address),
        destination: parseIpv6Address(serverAddress),
        upper: { kind: 'udp', datagram: { sourcePort: 9, destinationPort: 9, payload: Uint8Array.of(0) } },
      }),
    );
    assert.equal(amr.link.stats.dropped, 2);

    const stored = new Promise<void>((resolve) => amr.service.onRead(() => resolve()));
    for (const l of joined)
      l({ meterId: meter.id, eui64: meter.eui64, via: `[${address}]:716`, at: Date.now() });
    await stored;
    const readings = await store.repositories.readings.listReadings(meter.id, 0, Date.now() + 1);
    assert.equal(readings.length, 1, 'the reading went through the gateway edge and was stored');
    assert.equal(readings[0]!.registers[0]!.raw, firstAnswer);
    const m = await store.repositories.meters.findById(meter.id);
    assert.equal(m?.serving.id, 'tool-0001', 'served by the tool whose mesh prefix holds the address');
    assert.equal(formatIpv6Address(decodePacket(delivered[0]!).destination), address);
  } finally {
    amr.detach();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
