/** The tool's job session orchestration (issue #4 §5–§7). */
export {
  JobSession,
  REVOCATION_MESSAGES,
  TOOL_PERSISTENT_KEEPALIVE_S,
  DEFAULT_CHECK_INTERVAL_MS,
  DEFAULT_VPN_UP_TIMEOUT_MS,
} from './job-session.ts';
export type {
  AuthenticateTool,
  JobConnectionInfo,
  JobPhase,
  JobSessionEvents,
  JobSessionOptions,
  JobStatusInfo,
  MeshRootHandle,
  RevocationSignal,
  StartMeshRoot,
  ToolAuthentication,
  VpnLink,
} from './job-session.ts';
export { loadOrCreateWireguardKey } from './wireguard-key.ts';
