/**
 * What the tool does on its side of the dongle, reduced to what these tests need: the tablet's
 * MeshLink to frame a join beacon and to read the frames meters send back.
 */
import { createNodeProvider } from '../../../../src/stack/crypto/index.ts';
import { encodePacket, parseIpv6Address } from '../../../../src/stack/ipv6/index.ts';
import { BROADCAST, MeshLink, type ReceiveResult } from '../../../../src/stack/mesh-link/index.ts';
import { joinBeaconPacket } from '../../../../src/stack/mesh-link/join-beacon.ts';
import type { Scenario } from '../../../../hardware/sim/scenario/index.ts';
import { hopCounts } from '../../../../hardware/sim/scenario/index.ts';

export const MESH_PREFIX = parseIpv6Address('2001:db8:1:2::');
export const PAA_ADDRESS = parseIpv6Address('2001:db8:ffff::716');

export class HostSide {
  readonly eui64: bigint;
  readonly link: MeshLink;

  constructor(readonly scenario: Scenario) {
    this.eui64 = BigInt(`0x${scenario.tablet.eui64}`);
    let counter = 1;
    this.link = new MeshLink({
      crypto: createNodeProvider(),
      extendedAddress: this.eui64,
      panId: scenario.radio.panId,
      meshPrefix: MESH_PREFIX,
      maxPsdu: 255,
      fcsLength: 4,
      randomBytes: (n) => Uint8Array.from({ length: n }, () => counter++ & 0xff),
    });
  }

  /** The tablet's EUI-64 in wire order (what the host sets as MAC_15_4_LADDR). */
  get euiBytes(): Uint8Array {
    return Uint8Array.from(this.scenario.tablet.eui64.match(/../g)!.map((h) => parseInt(h, 16)));
  }

  /** One unsecured broadcast join beacon, as the mesh root sends it (PSDU with FCS). */
  beaconPsdu(now = 0): Uint8Array {
    const packet = joinBeaconPacket({
      source: this.eui64,
      panId: this.scenario.radio.panId,
      permitJoin: true,
      meshPrefix: MESH_PREFIX,
      paaAddress: PAA_ADDRESS,
    });
    const r = this.link.send(now, encodePacket(packet), BROADCAST, { secure: false });
    if (!r.ok || r.psdus.length !== 1) throw new Error(`beacon did not fit one frame: ${JSON.stringify(r)}`);
    return r.psdus[0]!;
  }

  receive(psdu: Uint8Array, rssi: number, lqi: number, now = 0): ReceiveResult {
    return this.link.receive(now, psdu, { rssi, lqi });
  }
}

/** Ids of the scenario's meters one radio hop from the tablet (by the scenario's reach model). */
export function oneHopMeters(scenario: Scenario): string[] {
  const hops = hopCounts(scenario);
  return scenario.meters.filter((_, i) => hops[i + 1] === 1).map((m) => m.id);
}
