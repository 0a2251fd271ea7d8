/**
 * The edge between the AMR/DR server and the WireGuard gateway: ECHONET Lite payloads go out as
 * IPv6/UDP packets (port 3610 both ways, Part II §3.1) through `gateway.deliver`, which picks the
 * tool whose AllowedIPs hold the meter's address; packets from the tunnel addressed to the AMR
 * server come in through the gateway's service routes. Packets that are not UDP 3610 or do not
 * decode are counted and dropped.
 */
import { ECHONET_LITE_PORT } from '../../stack/echonet/index.ts';
import { decodePacket, encodePacket, formatIpv6Address, parseIpv6Address } from '../../stack/ipv6/index.ts';
import { parseIpPrefix } from '../../stack/wireguard/index.ts';
import type { IpPrefix } from '../../stack/wireguard/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import type { EchonetDatagramPort } from './transactions.ts';

/** The part of WireguardGateway this edge uses. */
export interface GatewayServicePort {
  addRoute(prefix: IpPrefix, handler: (packet: Uint8Array) => void): () => void;
  deliver(ipv6Packet: Uint8Array): boolean;
}

/** Mesh routes can be long; 64 hops is the usual default (RFC 8200 §3 leaves it to the node). */
const HOP_LIMIT = 64;

export interface GatewayEchonetLink extends EchonetDatagramPort {
  readonly stats: { sent: number; undeliverable: number; received: number; dropped: number };
  detach(): void;
}

/**
 * Routes `serverAddress`/128 to `receive` and returns the port that sends through the gateway.
 */
export function attachEchonetToGateway(
  gateway: GatewayServicePort,
  serverAddress: string,
  receive: (address: string, payload: Uint8Array) => void,
): GatewayEchonetLink {
  const own = parseIpv6Address(serverAddress);
  const stats = { sent: 0, undeliverable: 0, received: 0, dropped: 0 };
  const detach = gateway.addRoute(parseIpPrefix(`${formatIpv6Address(own)}/128`), (bytes) => {
    try {
      const p = decodePacket(bytes);
      if (p.upper.kind !== 'udp' || p.upper.datagram.destinationPort !== ECHONET_LITE_PORT) {
        stats.dropped++;
        return;
      }
      stats.received++;
      receive(formatIpv6Address(p.source), p.upper.datagram.payload);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      stats.dropped++;
    }
  });
  return {
    stats,
    detach,
    send(address, payload) {
      const packet = encodePacket({
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: HOP_LIMIT,
        source: own,
        destination: parseIpv6Address(address),
        upper: {
          kind: 'udp',
          datagram: { sourcePort: ECHONET_LITE_PORT, destinationPort: ECHONET_LITE_PORT, payload },
        },
      });
      stats.sent++;
      if (!gateway.deliver(packet)) stats.undeliverable++;
    },
  };
}
