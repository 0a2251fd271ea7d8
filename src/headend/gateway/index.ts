/** The head-end WireGuard gateway (DESIGN.md §1, §4 "VPN"). */
export { WireguardGateway, DEFAULT_GATEWAY_PORT } from './wireguard-gateway.ts';
export type {
  FromPeer,
  GatewayClock,
  GatewayCounters,
  GatewayDatagramSocket,
  GatewayEvents,
  GatewayOptions,
  GatewayPeerConfig,
  GatewayPeerStatus,
  GatewayTimers,
  OfflineReason,
  RouteHandler,
} from './wireguard-gateway.ts';
export { ServiceRoutes } from './service-routes.ts';
export { echoReplyFor } from './echo-responder.ts';
export { gatewayKeyFromMaster } from './gateway-key.ts';
