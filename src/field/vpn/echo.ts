/**
 * ICMPv6 echo for the tool's tunnel endpoint: answering requests to its tunnel address and
 * building its own requests for `ping`, in bytes. The packet logic is src/stack/ipv6/echo.ts.
 */
import {
  echoAddressedTo,
  echoReplyFor,
  echoRequestBytes,
  encodePacket,
  type EchoPacket,
  type Ipv6Address,
} from '../../stack/ipv6/index.ts';

/** The echo request or reply in `packet` when addressed to `own` (see echoAddressedTo). */
export function echoFor(packet: Uint8Array, own: Ipv6Address): EchoPacket | null {
  return echoAddressedTo(packet, own);
}

/** The reply to an echo request addressed to us, from the address it was sent to. */
export function echoReply(request: EchoPacket): Uint8Array {
  const reply = echoReplyFor(request, request.destination);
  if (reply === undefined) throw new RangeError('only an echo request has a reply');
  return encodePacket(reply);
}

export const echoRequest = echoRequestBytes;
