/**
 * The key server's PANA edge inside the tools' tunnels: tools reach the PAA at its address behind
 * the WireGuard gateway (the job's `keyServer.address`), so PANA arrives as IPv6/UDP packets that
 * the gateway routes here (`addRoute`, the key server's /128), and answers go back as IPv6/UDP
 * packets through `gateway.deliver` (cryptokey routing picks the tool). Both the tool's own
 * EAP-TLS session and the PRYs it relays for meters (RFC 6345) take this path.
 *
 * A `fallback` transport (the UDP socket on port 716) keeps serving PaCs that reach the key server
 * outside any tunnel (diagnostics, tests); an answer goes back the way its peer came in. Packets
 * that are not UDP to port 716 or fail the strict decoders are counted and dropped.
 */
import type { Logger } from '../../log/index.ts';
import {
  addressesEqual,
  decodePacket,
  encodePacket,
  formatIpv6Address,
  type Ipv6Address,
} from '../../stack/ipv6/index.ts';
import { PANA_UDP_PORT, type PanaEndpoint } from '../../stack/pana/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import { parseIpPrefix, type IpPrefix } from '../../stack/wireguard/index.ts';
import type { PanaReceive, PanaTransport } from './pana-transport.ts';

/** The part of WireguardGateway this edge uses. */
export interface GatewayPanaPort {
  addRoute(prefix: IpPrefix, handler: (packet: Uint8Array) => void): () => void;
  deliver(ipv6Packet: Uint8Array): boolean;
}

/** RFC 8200 §3 leaves the Hop Limit to the node; mesh paths behind the tool can be long. */
const HOP_LIMIT = 64;
/** Tunnel peers remembered for the way back; far above the tools one head-end serves at once. */
const MAX_TUNNEL_PEERS = 4096;

export class GatewayPanaTransport implements PanaTransport {
  readonly stats = { received: 0, sent: 0, undeliverable: 0, dropped: 0 };
  private detach: (() => void) | undefined;
  /** Addresses (hex) whose PANA came through the tunnel: answers to them go back there. */
  private readonly tunnelPeers = new Set<string>();

  constructor(
    private readonly gateway: GatewayPanaPort,
    private readonly ownAddress: Ipv6Address,
    private readonly fallback?: PanaTransport,
    private readonly log?: Logger,
  ) {}

  async open(receive: PanaReceive): Promise<void> {
    this.detach = this.gateway.addRoute(parseIpPrefix(`${formatIpv6Address(this.ownAddress)}/128`), (bytes) =>
      this.fromTunnel(bytes, receive),
    );
    await this.fallback?.open(receive);
  }

  send(bytes: Uint8Array, to: PanaEndpoint): void {
    if (!this.tunnelPeers.has(hex(to.address))) {
      this.fallback?.send(bytes, to);
      return;
    }
    const packet = encodePacket({
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: HOP_LIMIT,
      source: this.ownAddress,
      destination: to.address,
      upper: {
        kind: 'udp',
        datagram: { sourcePort: PANA_UDP_PORT, destinationPort: to.port, payload: bytes },
      },
    });
    this.stats.sent++;
    if (!this.gateway.deliver(packet)) this.stats.undeliverable++;
  }

  address(): { address: string; port: number } {
    return this.fallback?.address() ?? { address: formatIpv6Address(this.ownAddress), port: PANA_UDP_PORT };
  }

  async close(): Promise<void> {
    this.detach?.();
    this.detach = undefined;
    this.tunnelPeers.clear();
    await this.fallback?.close();
  }

  private fromTunnel(bytes: Uint8Array, receive: PanaReceive): void {
    try {
      const p = decodePacket(bytes);
      if (
        !addressesEqual(p.destination, this.ownAddress) ||
        p.upper.kind !== 'udp' ||
        p.upper.datagram.destinationPort !== PANA_UDP_PORT
      ) {
        this.stats.dropped++;
        return;
      }
      const key = hex(p.source);
      if (!this.tunnelPeers.has(key) && this.tunnelPeers.size >= MAX_TUNNEL_PEERS) this.tunnelPeers.clear();
      this.tunnelPeers.add(key);
      this.stats.received++;
      receive(p.upper.datagram.payload.slice(), {
        address: p.source.slice(),
        port: p.upper.datagram.sourcePort,
      });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.stats.dropped++;
      this.log?.debug('PANA packet from the tunnel dropped', { reason: e.message });
    }
  }
}

function hex(address: Uint8Array): string {
  let s = '';
  for (const b of address) s += b.toString(16).padStart(2, '0');
  return s;
}
