/**
 * The gateway answers ICMPv6 echo requests (RFC 4443 §4) addressed to its own tunnel address, so
 * a tool (or `ping6` on any WireGuard peer) can check the tunnel end to end. The packet logic is
 * src/stack/ipv6/echo.ts.
 */
import { echoAddressedTo, echoReplyFor as replyTo, encodePacket } from '../../stack/ipv6/index.ts';
import type { Ipv6Address } from '../../stack/ipv6/index.ts';

/**
 * The echo reply to `packet` when it is an echo request to `own`; null for any other packet.
 * Throws DecodeError when it is ICMPv6 to `own` but does not decode (bad checksum, truncated).
 */
export function echoReplyFor(packet: Uint8Array, own: Ipv6Address): Uint8Array | null {
  const echo = echoAddressedTo(packet, own);
  const reply = echo === null ? undefined : replyTo(echo, own);
  return reply === undefined ? null : encodePacket(reply);
}
