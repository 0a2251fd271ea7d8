/** The field engine: a whole job on the tool as one typed event stream (see field-engine.ts). */
export {
  FieldEngine,
  FIELD_CHECK_INTERVAL_MS,
  DEFAULT_RADIO_WAIT_MS,
  DEFAULT_JOIN_COUNTS_INTERVAL_MS,
  LOGOUT_WAIT_MS,
} from './field-engine.ts';
export type { FieldEngineDevice, FieldEngineEvent, FieldEngineOptions, JoinCounts } from './field-engine.ts';
export type { FieldRadio, RadioAttachment, RadioTuning } from './field-radio.ts';
export { realTimeEngineClock } from './real-time-clock.ts';
