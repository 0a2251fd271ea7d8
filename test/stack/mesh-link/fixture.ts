/** Two mesh nodes (a tablet and a meter) sharing a network key, and datagrams they exchange. */
import { createJsProvider, createNodeProvider } from '../../../src/stack/crypto/index.ts';
import type { CryptoProvider } from '../../../src/stack/crypto/index.ts';
import {
  encodePacket,
  linkLocalFromEui64,
  parseIpv6Address,
  type Ipv6Packet,
} from '../../../src/stack/ipv6/index.ts';
import { MeshLink, type MeshLinkOptions } from '../../../src/stack/mesh-link/index.ts';
import { fromHex } from '../../../src/stack/wire/index.ts';

export const PROVIDERS: CryptoProvider[] = [createNodeProvider(), createJsProvider()];
export const NETWORK_KEY = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
export const NETWORK_KEY_2 = fromHex('00112233445566778899aabbccddeeff');
export const PAN_ID = 0x7a3c;
export const MESH_PREFIX = parseIpv6Address('2001:db8:1:2::');
export const TABLET = 0x00124b0000000001n;
export const METER = 0x00124b0000000a01n;
export const RADIO = { rssi: -61, lqi: 200 };

/** Deterministic "random" bytes for sequence numbers and tags. */
export function counterBytes(start = 7): (n: number) => Uint8Array {
  let v = start;
  return (n) => Uint8Array.from({ length: n }, () => v++ & 0xff);
}

export function node(
  eui: bigint,
  overrides: Partial<MeshLinkOptions> = {},
  crypto: CryptoProvider = PROVIDERS[0]!,
): MeshLink {
  return new MeshLink({
    crypto,
    extendedAddress: eui,
    panId: PAN_ID,
    meshPrefix: MESH_PREFIX,
    maxPsdu: 127,
    fcsLength: 2,
    randomBytes: counterBytes(),
    ...overrides,
  });
}

/** A tablet and a meter with key 1 installed and active. */
export function pair(
  overrides: Partial<MeshLinkOptions> = {},
  crypto?: CryptoProvider,
): { tablet: MeshLink; meter: MeshLink } {
  const tablet = node(TABLET, overrides, crypto);
  const meter = node(METER, overrides, crypto);
  for (const n of [tablet, meter]) {
    n.installNetworkKey(1, NETWORK_KEY, 0);
    n.activate(1, 0);
  }
  return { tablet, meter };
}

export function global(eui: bigint): Uint8Array {
  const a = linkLocalFromEui64(eui);
  a.set(MESH_PREFIX.subarray(0, 8), 0);
  return a;
}

export function udpPacket(
  from: Uint8Array,
  to: Uint8Array,
  sourcePort: number,
  destinationPort: number,
  payload: Uint8Array,
): Ipv6Packet {
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    source: from,
    destination: to,
    upper: { kind: 'udp', datagram: { sourcePort, destinationPort, payload } },
  };
}

export function echoPacket(from: Uint8Array, to: Uint8Array, data: Uint8Array): Ipv6Packet {
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    source: from,
    destination: to,
    upper: { kind: 'icmpv6', message: { kind: 'echo-request', identifier: 0x1234, sequence: 9, data } },
  };
}

/** An ECHONET Lite-sized UDP datagram from the tablet to the meter. */
export function readingDatagram(size = 20): Uint8Array {
  return encodePacket(
    udpPacket(
      global(TABLET),
      global(METER),
      3610,
      3610,
      Uint8Array.from({ length: size }, (_, i) => i & 0xff),
    ),
  );
}
