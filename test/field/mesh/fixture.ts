/** A tool (MeshRoot) and a few test meters on an ideal radio bus, with a northbound link pair. */
import { MeshRoot, type MeshRootEvent, type MeshRootOptions } from '../../../src/field/mesh/index.ts';
import { createNodeProvider } from '../../../src/stack/crypto/index.ts';
import {
  addressFromPrefixAndIid,
  encodePacket,
  iidFromEui64,
  parseIpv6Address,
  type Ipv6Address,
  type Ipv6Packet,
} from '../../../src/stack/ipv6/index.ts';
import { fromHex } from '../../../src/stack/wire/index.ts';
import { Random } from '../../../hardware/sim/random.ts';
import { TestNorthbound } from './northbound-pair.ts';
import { RadioBus } from './radio-bus.ts';
import { TestMeter } from './test-meter.ts';

export const MESH_PREFIX = parseIpv6Address('2001:db8:1:2::');
export const PAA = parseIpv6Address('2001:db8:ffff::716');
export const HEADEND_HOST = parseIpv6Address('2001:db8:ffff::10');
export const NETWORK_KEY = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
export const TOOL = 0x00124b0000000001n;
export const METER_A = 0x00124b0000000a01n;
export const METER_B = 0x00124b0000000b02n;
export const METER_C = 0x00124b0000000c03n;

export function globalOf(eui: bigint): Ipv6Address {
  return addressFromPrefixAndIid(MESH_PREFIX, iidFromEui64(eui));
}

export interface Field {
  bus: RadioBus;
  root: MeshRoot;
  northbound: TestNorthbound;
  events: MeshRootEvent[];
  meters: Map<bigint, TestMeter>;
  meter(eui: bigint): TestMeter;
}

/**
 * `links`: pairs of linked radios. Meters listed in `keyed` get the network key (joined meters);
 * the others have none (unjoined PaCs) and do not run RPL.
 */
export function field(options: {
  links: [bigint, bigint][];
  keyed: bigint[];
  unkeyed?: bigint[];
  root?: Partial<MeshRootOptions>;
  seed?: string;
}): Field {
  const bus = new RadioBus();
  const northbound = new TestNorthbound();
  const rootRandom = new Random(`${options.seed ?? 'field'}/root`);
  const root = new MeshRoot({
    crypto: createNodeProvider(),
    extendedAddress: TOOL,
    panId: 0x7a3c,
    channel: 33,
    meshPrefix: MESH_PREFIX,
    paaAddress: PAA,
    radio: bus.attach(TOOL),
    northbound,
    clock: bus.clock,
    random: () => rootRandom.uniform(),
    randomBytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(rootRandom.uniform() * 256)),
    // Short path lifetimes (2 min) so a lost node's route expires within a test.
    dodag: { defaultLifetime: 2, lifetimeUnit: 60 },
    ...options.root,
  });
  const events: MeshRootEvent[] = [];
  root.onEvent((e) => events.push(e));
  const meters = new Map<bigint, TestMeter>();
  for (const eui of [...options.keyed, ...(options.unkeyed ?? [])]) {
    meters.set(eui, new TestMeter(bus, eui, MESH_PREFIX, `${options.seed ?? 'field'}/${eui}`));
  }
  for (const [a, b] of options.links) bus.link(a, b);
  root.installNetworkKey(1, NETWORK_KEY);
  root.activateKey(1);
  for (const eui of options.keyed) {
    const m = meters.get(eui)!;
    m.giveKey(1, NETWORK_KEY);
    m.start();
  }
  root.start();
  return {
    bus,
    root,
    northbound,
    events,
    meters,
    meter(eui) {
      const m = meters.get(eui);
      if (!m) throw new Error(`no meter ${eui}`);
      return m;
    },
  };
}

export function echoRequest(
  source: Ipv6Address,
  destination: Ipv6Address,
  sequence: number,
  hopLimit = 64,
): Uint8Array {
  const p: Ipv6Packet = {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit,
    source,
    destination,
    upper: {
      kind: 'icmpv6',
      message: { kind: 'echo-request', identifier: 0x4652, sequence, data: Uint8Array.of(1, 2, 3, 4) },
    },
  };
  return encodePacket(p);
}
