/**
 * The gateway answers ICMPv6 echo requests (RFC 4443 §4) addressed to its own tunnel address, so
 * a tool (or `ping6` on any WireGuard peer) can check the tunnel end to end.
 */
import { IP_PROTOCOL, addressesEqual, decodePacket, encodePacket } from '../../stack/ipv6/index.ts';
import type { Ipv6Address } from '../../stack/ipv6/index.ts';

/** Hop limit of the replies (RFC 4861 §6.3.2 suggests 64 as CurHopLimit's default). */
const REPLY_HOP_LIMIT = 64;

/**
 * The echo reply to `packet` when it is an echo request to `own`; null for any other packet.
 * Throws DecodeError when it is ICMPv6 to `own` but does not decode (bad checksum, truncated).
 */
export function echoReplyFor(packet: Uint8Array, own: Ipv6Address): Uint8Array | null {
  // RFC 8200 §3: Next Header at octet 6, destination at octets 24..39.
  if (packet.length < 40 || packet[6] !== IP_PROTOCOL.IPV6_ICMP) return null;
  if (!addressesEqual(packet.subarray(24, 40), own)) return null;
  const p = decodePacket(packet);
  if (p.upper.kind !== 'icmpv6' || p.upper.message.kind !== 'echo-request') return null;
  const { identifier, sequence, data } = p.upper.message;
  // RFC 4443 §4.2: identifier, sequence number and data are copied from the request.
  return encodePacket({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: REPLY_HOP_LIMIT,
    source: p.destination,
    destination: p.source,
    upper: { kind: 'icmpv6', message: { kind: 'echo-reply', identifier, sequence, data } },
  });
}
