/**
 * The application half of a simulated smart meter (issue "Radio", item 5): household load
 * profiles, exactly integrated registers with half-hourly history, and the ECHONET Lite node
 * (meter object 0x028801, node profile 0x0EF001) that answers the AMR/DR server, sans-I/O.
 */
export { EchonetMeterDevice, SIMULATED_MAKER_CODE } from './echonet-device.ts';
export type { EchonetMeterConfig, DeviceStats, MeterTruth } from './echonet-device.ts';
export { meterDeviceFromScenario, meterDevicesFromScenario, meterRandom } from './from-scenario.ts';
export type { MeterDeviceOptions } from './from-scenario.ts';
export { LoadModel, HOUSEHOLD_SHAPES, shapeDailyWh } from './load-profile.ts';
export type { Household, HouseholdShape } from './load-profile.ts';
export { dayLengthHours } from './pv-generation.ts';
export { EnergyRegisters, HISTORY_DAYS } from './registers.ts';
export type { RegisterSpec, FlowDirection, PowerAt, BoundaryReading } from './registers.ts';
export { DemandResponse } from './demand-response.ts';
export { MeterObject, DEVICE_SUPER_EPC } from './meter-object.ts';
export type { Wiring } from './meter-object.ts';
export { NODE_PROFILE_EPC } from './node-profile.ts';
export { ScenarioClock, calendarOf, localDay, weekdayOfDay, JST_UTC_OFFSET_MINUTES } from './local-time.ts';
export type { LocalCalendar } from './local-time.ts';
