export { SimulatedMeter, METER_TIMING_DEFAULTS } from './simulated-meter.ts';
export type {
  MeterCounters,
  MeterJoinState,
  MeterStatus,
  MeterTiming,
  SimulatedMeterOptions,
} from './simulated-meter.ts';
export { SimulatedField } from './simulated-field.ts';
export type { MeterReport, SimulatedFieldOptions } from './simulated-field.ts';
export { RadioPort } from './radio-port.ts';
export type { Datagram, EuiDirectory, LinkOutcome, PortSendFailure } from './radio-port.ts';
export { RelayChoice } from './relay-choice.ts';
export type { HeardBeacon } from './relay-choice.ts';
export type { MeterApplication } from './meter-application.ts';
export { Wakeup } from './wakeup.ts';
