/** The AMR/DR server: meter registry, ECHONET Lite reading engine, demand response (issue #5). */
export { AmrService, DEFAULT_REREAD } from './amr-service.ts';
export { attachAmrServer } from './attach.ts';
export type { AmrAttachment } from './attach.ts';
export type { AmrServiceOptions, AmrStats, ReadListener, ReadRetry } from './amr-service.ts';
export {
  DemandResponseService,
  DEFAULT_DR_MANUFACTURERS,
  DEFAULT_AUTHORISATION_TTL_MS,
  MAX_AUTHORISATION_TTL_MS,
} from './demand-response.ts';
export type { DrCommand, DrOutcome, DrRefusal, DrResult, DemandResponseDeps } from './demand-response.ts';
export { attachEchonetToGateway } from './gateway-port.ts';
export type { GatewayEchonetLink, GatewayServicePort } from './gateway-port.ts';
export {
  ReadingEngine,
  MANUFACTURER_CODE_EPC,
  MAX_HISTORY_DAYS_AGO,
  DEFAULT_PER_TOOL_CONCURRENCY,
  DEFAULT_INITIAL_HISTORY_DAYS,
  localDayText,
} from './reading-engine.ts';
export type { ReadJob, ReadOutcome, ReadingEngineOptions, MeterCapabilities } from './reading-engine.ts';
export { MeterRegistry, addressOfEndpoint, meterAddressOf, servingFromJobs } from './registry.ts';
export type {
  JoinedMeter,
  MeterJoinSource,
  MeterJoinedEvent,
  MeterLeftEvent,
  RegistryStats,
  ServingJob,
  ServingResolver,
} from './registry.ts';
export { EchonetTransactions, DEFAULT_RETRY_POLICY } from './transactions.ts';
export type { EchonetDatagramPort, ReplyDropKind, RetryPolicy, TransactionResult } from './transactions.ts';
export { checkPower, checkRegister, DEFAULT_PLAUSIBILITY } from './validation.ts';
export type { Finding, PlausibilityPolicy, PreviousReading } from './validation.ts';
