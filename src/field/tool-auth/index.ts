export {
  authenticateTool,
  ToolPanaSession,
  ToolAuthenticationError,
  DEFAULT_KEY_SERVER_NAME,
} from './authenticate-tool.ts';
export type {
  AuthenticateToolOptions,
  KeyServerDatagramPort,
  ToolAuthenticated,
  ToolPanaSessionEvents,
  ToolTimers,
} from './authenticate-tool.ts';
export { NodeTlsClientEngine, SETTLE_QUIET_TURNS } from './node-tls-client.ts';
export type { NodeTlsClientOptions } from './node-tls-client.ts';
export { UdpDatagramPort } from './udp-datagram-port.ts';
export { NorthboundDatagramPort, TOOL_PANA_PORT } from './northbound-datagram-port.ts';
export type { NorthboundDatagramPortOptions } from './northbound-datagram-port.ts';
