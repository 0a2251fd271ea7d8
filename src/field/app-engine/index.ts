export { AppEngine, memorySettingsStore } from './engine.ts';
export type { AppEngineDeps, DongleInfo, EngineConnection, SettingsStore } from './engine.ts';
export { HeadendError, classifyHeadendError, headendSessions } from './headend-client.ts';
export type { HeadendFailure, HeadendSessions, SignedInWorker } from './headend-client.ts';
export { FieldJobDriver, DEFAULT_READ_POLL_MS } from './field-job-driver.ts';
export type { BuiltFieldJob, FieldJob, FieldJobDriverOptions } from './field-job-driver.ts';
export { HeadendMeterData } from './headend-meter-data.ts';
export type {
  DrAuthorisationSource,
  GrantApproval,
  HeadendMeterDataOptions,
  JobReads,
  MeterDataClient,
  MeterReadOutcome,
} from './headend-meter-data.ts';
export { MeshTopologyView } from './mesh-topology-view.ts';
export { VaultEnrolment } from './vault-enrolment.ts';
export type {
  EnrolmentSource,
  JobDriver,
  JobHandle,
  JobObserver,
  JobStartRequest,
  MeterData,
  MeterState,
} from './seams.ts';
