export {
  KeyServer,
  DEFAULT_SERVER_ID,
  DEFAULT_SESSION_LIFETIME_S,
  DEFAULT_REFRESH_INTERVAL_MS,
} from './key-server.ts';
export type {
  KeyServerOptions,
  KeyServerEvents,
  KeyServerStats,
  MeterJoined,
  MeterLeft,
  ToolAuthenticated,
  ToolLeft,
} from './key-server.ts';
export { ToolAuthentication, NodeTlsServerEngine, checkToolCertificate } from './tool-authentication.ts';
export type { ToolAuthenticationOptions, ToolIdentity, IdentifyClient } from './tool-authentication.ts';
export { MeterCredentials, meterIdP } from './meter-credentials.ts';
export type { ImportCounts, ActiveMeter, MeterCredentialsDeps } from './meter-credentials.ts';
export {
  parseMeterCredentials,
  parseMeterCredentialCsv,
  parseMeterCredentialJson,
  detectImportFormat,
  MeterImportError,
  CSV_HEADER,
} from './meter-import.ts';
export type { MeterCredentialInput, ImportProblem, ImportFormat } from './meter-import.ts';
export { ToolRegistry } from './tools.ts';
export type { ToolRegistryDeps } from './tools.ts';
export {
  NetworkKeyManager,
  networkKeyStatus,
  nextKeyIndex,
  RotationInProgressError,
  DEFAULT_NETWORK_KEY_POLICY,
  NETWORK_KEY_LENGTH,
  SYSTEM_ACTOR,
} from './network-keys.ts';
export type {
  NetworkKeyPolicy,
  RotateOptions,
  NetworkKeyChange,
  NetworkKeyStatus,
  NetworkKeyManagerDeps,
} from './network-keys.ts';
export {
  loadOrCreateMasterKey,
  masterKeyFromBytes,
  masterKeyPath,
  MasterKeyError,
  MASTER_KEY_LENGTH,
} from './master-key.ts';
export { sealSecret, openSecret, SealedBoxError } from './sealed-box.ts';
export { DatagramBudget, DEFAULT_DATAGRAM_BUDGET } from './datagram-budget.ts';
export type { DatagramBudgetPolicy } from './datagram-budget.ts';
export { endpointFromSocket, socketAddressOf, describeEndpoint } from './udp-endpoint.ts';
export { UdpPanaTransport, nodeTimers } from './pana-transport.ts';
export { GatewayPanaTransport } from './gateway-pana-transport.ts';
export type { GatewayPanaPort } from './gateway-pana-transport.ts';
export type { PanaTransport, PanaReceive, KeyServerTimers } from './pana-transport.ts';
