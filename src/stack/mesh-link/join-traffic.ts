/**
 * Which unsecured datagrams a node accepts: only the join traffic. A meter that has not joined has
 * no network key, so PANA between it (the PaC) and its relay travels in unsecured MAC frames
 * (RFC 6345 §3: the PaC talks to its relay over the link), and MLE carries its own CCM* security
 * (mle/message.ts) in unsecured MAC frames. Both are link-local exchanges; nothing else may
 * arrive unsecured, and nothing unsecured may be routed beyond the link.
 */
import { isLinkLocalScope, isLinkLocalUnicast, type Ipv6Packet } from '../ipv6/index.ts';
import { MLE_UDP_PORT } from '../mle/constants.ts';
import { PANA_UDP_PORT } from '../pana/constants.ts';

/** UDP destination ports accepted in unsecured frames: PANA (RFC 5191 §11) and MLE (IANA 19788). */
export const UNSECURED_JOIN_PORTS: readonly number[] = [PANA_UDP_PORT, MLE_UDP_PORT];

/**
 * True when `packet` may arrive in an unsecured frame: UDP to the PANA or MLE port, link-local
 * unicast source, link-local destination (unicast or link-scope multicast), no routing header.
 */
export function isUnsecuredJoinTraffic(packet: Ipv6Packet): boolean {
  if (packet.upper.kind !== 'udp') return false;
  if (!UNSECURED_JOIN_PORTS.includes(packet.upper.datagram.destinationPort)) return false;
  if (packet.routing) return false;
  return isLinkLocalUnicast(packet.source) && isLinkLocalScope(packet.destination);
}
