/**
 * ICMPv6 echo (RFC 4443 §4) for a tunnel endpoint: answering requests addressed to our own tunnel
 * address, and building and matching our own requests for `ping`.
 */
import {
  IP_PROTOCOL,
  addressesEqual,
  decodePacket,
  encodePacket,
  type Icmpv6Message,
  type Ipv6Address,
} from '../../stack/ipv6/index.ts';

/** Hop limit of packets we originate (RFC 4861 §6.3.2 suggests 64 as CurHopLimit's default). */
export const DEFAULT_HOP_LIMIT = 64;

export type EchoMessage = Extract<Icmpv6Message, { kind: 'echo-request' | 'echo-reply' }>;

export interface EchoPacket {
  readonly source: Ipv6Address;
  readonly destination: Ipv6Address;
  readonly message: EchoMessage;
}

/**
 * The echo request or reply `packet` carries, when it is one addressed to `own`; null for any
 * other packet. Throws DecodeError when it claims to be ICMPv6 to `own` but does not decode.
 */
export function echoFor(packet: Uint8Array, own: Ipv6Address): EchoPacket | null {
  // RFC 8200 §3: Next Header at octet 6, destination at 24..39. Echo without extension headers only.
  if (packet.length < 40 || packet[0]! >> 4 !== 6 || packet[6] !== IP_PROTOCOL.IPV6_ICMP) return null;
  if (!addressesEqual(packet.subarray(24, 40), own)) return null;
  const decoded = decodePacket(packet);
  const m = decoded.upper.kind === 'icmpv6' ? decoded.upper.message : null;
  if (m === null || (m.kind !== 'echo-request' && m.kind !== 'echo-reply')) return null;
  return { source: decoded.source, destination: decoded.destination, message: m };
}

/** RFC 4443 §4.2: the reply copies identifier, sequence and data, to the request's source. */
export function echoReply(request: EchoPacket): Uint8Array {
  return encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: DEFAULT_HOP_LIMIT,
    source: request.destination,
    destination: request.source,
    upper: {
      kind: 'icmpv6',
      message: {
        kind: 'echo-reply',
        identifier: request.message.identifier,
        sequence: request.message.sequence,
        data: request.message.data,
      },
    },
  });
}

export function echoRequest(
  source: Ipv6Address,
  destination: Ipv6Address,
  identifier: number,
  sequence: number,
  data: Uint8Array,
): Uint8Array {
  return encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: DEFAULT_HOP_LIMIT,
    source,
    destination,
    upper: { kind: 'icmpv6', message: { kind: 'echo-request', identifier, sequence, data } },
  });
}
