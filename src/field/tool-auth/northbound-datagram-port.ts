/**
 * A KeyServerDatagramPort over the engine's NorthboundLink (the WireGuard tunnel in a job, or
 * LoopbackUdpLink): PANA datagrams go out as IPv6/UDP packets from the tool's tunnel address to
 * the key server's UDP 716 (RFC 5191 §11), and only IPv6/UDP packets from there to our port come
 * back. Other traffic on the link is left alone (the mesh engine's); a packet that fails the strict
 * IPv6/UDP decoders (bad checksum, wrong length) is counted in `malformed` and dropped.
 */
import { decodeIpv6Header, encodeIpv6Header } from '../../stack/ipv6/header.ts';
import { addressesEqual, type Ipv6Address } from '../../stack/ipv6/address.ts';
import { IP_PROTOCOL } from '../../stack/ipv6/constants.ts';
import { decodeUdp, encodeUdp } from '../../stack/ipv6/udp.ts';
import { PANA_UDP_PORT } from '../../stack/pana/index.ts';
import { concatBytes, DecodeError } from '../../stack/wire/index.ts';
import type { NorthboundLink } from '../northbound-link.ts';
import type { KeyServerDatagramPort } from './authenticate-tool.ts';

/** RFC 8200 §3 Hop Limit for packets the tool originates into the tunnel. */
const HOP_LIMIT = 64;
/** The tool's own UDP port for PANA (the PaC side also uses 716, RFC 5191 §11). */
export const TOOL_PANA_PORT = PANA_UDP_PORT;

export interface NorthboundDatagramPortOptions {
  readonly link: NorthboundLink;
  /** The tool's tunnel address (from the job's connection information). */
  readonly toolAddress: Ipv6Address;
  /** The key server's address (from the job's connection information). */
  readonly keyServerAddress: Ipv6Address;
  readonly keyServerPort?: number;
  readonly toolPort?: number;
}

export class NorthboundDatagramPort implements KeyServerDatagramPort {
  /** Packets addressed like PANA from the key server that failed the IPv6/UDP decoders. */
  malformed = 0;
  private readonly listeners = new Set<(d: Uint8Array) => void>();
  private readonly onPacket = (packet: Uint8Array): void => this.receive(packet);
  private readonly keyServerPort: number;
  private readonly toolPort: number;

  constructor(private readonly o: NorthboundDatagramPortOptions) {
    this.keyServerPort = o.keyServerPort ?? PANA_UDP_PORT;
    this.toolPort = o.toolPort ?? TOOL_PANA_PORT;
    o.link.on('packet', this.onPacket);
  }

  send(datagram: Uint8Array): void {
    const { toolAddress: source, keyServerAddress: destination } = this.o;
    const udp = encodeUdp(
      { sourcePort: this.toolPort, destinationPort: this.keyServerPort, payload: datagram },
      source,
      destination,
    );
    const header = encodeIpv6Header(
      {
        trafficClass: 0,
        flowLabel: 0,
        nextHeader: IP_PROTOCOL.UDP,
        hopLimit: HOP_LIMIT,
        source,
        destination,
      },
      udp.length,
    );
    this.o.link.send(concatBytes(header, udp));
  }

  onDatagram(listener: (datagram: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops listening on the link. */
  close(): void {
    this.o.link.off('packet', this.onPacket);
    this.listeners.clear();
  }

  private receive(packet: Uint8Array): void {
    let payload: Uint8Array;
    try {
      const ip = decodeIpv6Header(packet);
      const h = ip.header;
      if (h.nextHeader !== IP_PROTOCOL.UDP) return;
      if (
        !addressesEqual(h.source, this.o.keyServerAddress) ||
        !addressesEqual(h.destination, this.o.toolAddress)
      )
        return;
      const udp = decodeUdp(ip.payload, h.source, h.destination);
      if (udp.sourcePort !== this.keyServerPort || udp.destinationPort !== this.toolPort) return;
      payload = udp.payload;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.malformed++;
      return;
    }
    for (const l of [...this.listeners]) l(payload);
  }
}
