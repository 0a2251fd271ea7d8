/** The tool's WireGuard VPN edge (DESIGN.md §1 "WAN side"). */
export { VpnClient, REAL_CLOCK } from './vpn-client.ts';
export type {
  EdgeClock,
  EdgeDatagramSocket,
  EdgeTimers,
  PingOptions,
  PingResult,
  VpnClientCounters,
  VpnClientEvents,
  VpnClientOptions,
  VpnDownReason,
  VpnGatewayPeer,
} from './vpn-client.ts';
export { VpnConfigError, vpnClientOptionsFromConfig } from './from-config.ts';
export { echoFor, echoReply, echoRequest } from './echo.ts';
