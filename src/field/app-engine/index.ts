export { AppEngine, memorySettingsStore } from './engine.ts';
export type { AppEngineDeps, DongleInfo, EngineConnection, SettingsStore } from './engine.ts';
export { HeadendError, classifyHeadendError, headendSessions } from './headend-client.ts';
export type { HeadendFailure, HeadendSessions, SignedInWorker } from './headend-client.ts';
export { FieldJobDriver, DEFAULT_READ_POLL_MS } from './field-job-driver.ts';
export type { BuiltFieldJob, FieldJob, FieldJobDriverOptions } from './field-job-driver.ts';
export { HeadendMeterData, MAX_KEY_ATTEMPTS } from './headend-meter-data.ts';
export type {
  GrantApproval,
  HeadendMeterDataOptions,
  JobReads,
  MeterDataClient,
  MeterReadOutcome,
  PendingGrant,
  UsableAuthorisation,
} from './headend-meter-data.ts';
export { GrantHandOver } from './grant-hand-over.ts';
export type { DemoGrantApprover } from './grant-hand-over.ts';
export { MeshTopologyView } from './mesh-topology-view.ts';
export { VaultEnrolment } from './vault-enrolment.ts';
export type {
  EnrolmentSource,
  GrantKeys,
  JobDriver,
  JobHandle,
  JobObserver,
  JobStartRequest,
  KeySubmission,
  MeterData,
  MeterState,
} from './seams.ts';
