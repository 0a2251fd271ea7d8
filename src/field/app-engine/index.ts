export { AppEngine, memorySettingsStore } from './engine.ts';
export type { AppEngineDeps, DongleInfo, EngineConnection, SettingsStore } from './engine.ts';
export { HeadendError, classifyHeadendError, headendSessions } from './headend-client.ts';
export type { HeadendFailure, HeadendSessions, SignedInWorker } from './headend-client.ts';
export type {
  EnrolmentSource,
  JobDriver,
  JobHandle,
  JobObserver,
  JobStartRequest,
  MeterData,
  MeterState,
} from './seams.ts';
