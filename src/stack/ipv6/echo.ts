/**
 * ICMPv6 echo (RFC 4443 §4) as packets: recognising a request or reply addressed to one of our
 * addresses, answering a request, and building our own request. One implementation for every
 * place that answers ping — the tool's mesh root, its VPN client and the head-end gateway.
 */
import { addressesEqual, type Ipv6Address } from './address.ts';
import { IP_PROTOCOL } from './constants.ts';
import type { Icmpv6Message } from './icmpv6.ts';
import { decodePacket, encodePacket, type Ipv6Packet } from './packet.ts';

/** Hop limit of packets we originate (RFC 4861 §6.3.2 suggests 64 as CurHopLimit's default). */
export const ECHO_HOP_LIMIT = 64;

export type EchoMessage = Extract<Icmpv6Message, { kind: 'echo-request' | 'echo-reply' }>;

/** A decoded packet known to carry an echo request or reply. */
export type EchoPacket = Ipv6Packet & { upper: { kind: 'icmpv6'; message: EchoMessage } };

function isEcho(p: Ipv6Packet): p is EchoPacket {
  return (
    p.upper.kind === 'icmpv6' &&
    (p.upper.message.kind === 'echo-request' || p.upper.message.kind === 'echo-reply')
  );
}

/**
 * The echo request or reply `packet` carries when it is addressed to `own`; null for any other
 * packet, checked on the fixed header before anything is decoded. Throws DecodeError when it
 * claims to be ICMPv6 to `own` but does not decode (bad checksum, truncated).
 */
export function echoAddressedTo(packet: Uint8Array, own: Ipv6Address): EchoPacket | null {
  // RFC 8200 §3: version in the top nibble, Next Header at octet 6, destination at 24..39.
  // Echo without extension headers only.
  if (packet.length < 40 || packet[0]! >> 4 !== 6 || packet[6] !== IP_PROTOCOL.IPV6_ICMP) return null;
  if (!addressesEqual(packet.subarray(24, 40), own)) return null;
  const decoded = decodePacket(packet);
  return isEcho(decoded) ? decoded : null;
}

/** RFC 4443 §4.2: the reply carries the request's Identifier, Sequence Number and data. */
export function echoReplyFor(request: Ipv6Packet, source: Ipv6Address): Ipv6Packet | undefined {
  if (request.upper.kind !== 'icmpv6' || request.upper.message.kind !== 'echo-request') return undefined;
  const m = request.upper.message;
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: ECHO_HOP_LIMIT,
    source: source.slice(),
    destination: request.source.slice(),
    upper: {
      kind: 'icmpv6',
      message: { kind: 'echo-reply', identifier: m.identifier, sequence: m.sequence, data: m.data.slice() },
    },
  };
}

export function echoRequestBytes(
  source: Ipv6Address,
  destination: Ipv6Address,
  identifier: number,
  sequence: number,
  data: Uint8Array,
): Uint8Array {
  return encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: ECHO_HOP_LIMIT,
    source,
    destination,
    upper: { kind: 'icmpv6', message: { kind: 'echo-request', identifier, sequence, data } },
  });
}
