/**
 * The engine's link towards the head-end: it carries whole IPv6 packets both ways. The engine
 * (router, PANA relay, ECHONET forwarding) does not care whether the link is the WireGuard tunnel
 * (`VpnClient`, DESIGN.md §1 "WAN side") or plain UDP on the loopback interface
 * (`LoopbackUdpLink`, for tests and for the mesh before the VPN exists).
 */
import { IPV6_HEADER_LENGTH } from '../stack/ipv6/index.ts';

/**
 * `down`: not started or stopped; `connecting`: started, no session yet (packets sent now are
 * queued or dropped by the link); `up`: packets flow.
 */
export type NorthboundLinkState = 'down' | 'connecting' | 'up';

/** Event map for `EventEmitter<…>` implementations. */
export interface NorthboundLinkEvents {
  /** An IPv6 packet that arrived over the link, addressed to something behind the engine. */
  packet: [packet: Uint8Array];
  state: [state: NorthboundLinkState];
}

export interface NorthboundLink {
  readonly state: NorthboundLinkState;
  on(event: 'packet', listener: (packet: Uint8Array) => void): unknown;
  on(event: 'state', listener: (state: NorthboundLinkState) => void): unknown;
  off(event: 'packet', listener: (packet: Uint8Array) => void): unknown;
  off(event: 'state', listener: (state: NorthboundLinkState) => void): unknown;
  /** Sends one whole IPv6 packet (RFC 8200 §3 header first) towards the head-end. */
  send(ipv6Packet: Uint8Array): void;
}

/** RFC 8200 §3: version 6 and a payload length that matches the bytes. */
export function looksLikeIpv6Packet(bytes: Uint8Array): boolean {
  return (
    bytes.length >= IPV6_HEADER_LENGTH &&
    bytes[0]! >> 4 === 6 &&
    IPV6_HEADER_LENGTH + ((bytes[4]! << 8) | bytes[5]!) === bytes.length
  );
}
