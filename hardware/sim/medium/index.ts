export type { AirFrame, Destination, MediumClient, NodeId, ReceivedFrame } from './types.ts';
export { RadioMedium } from './medium.ts';
export type { LinkBudget, MediumConfig, NodeConfig, NodeDefaults } from './medium.ts';
export { RadioMac, MAC_DEFAULTS } from './radio-mac.ts';
export type {
  MacSettings,
  TransmitDone,
  TransmitRequest,
  TransmitResult,
  TransmitStatus,
} from './radio-mac.ts';
export { SUN_FSK_920MHZ_100KBPS, airtimeUs, headerOctets, shrDurationUs, unitBackoffUs } from './phy.ts';
export type { SunFskPhy } from './phy.ts';
export { freeSpaceLossDb, pathLossDb, suburban920MHz, SPEED_OF_LIGHT_M_PER_S } from './path-loss.ts';
export type { LogDistancePathLoss } from './path-loss.ts';
export { linkShadowingDb } from './shadowing.ts';
export {
  bitErrorRate2Fsk,
  frameSuccessProbability,
  lqiFor,
  thermalNoiseFloorDbm,
  DEFAULT_NOISE_BANDWIDTH_HZ,
  DEFAULT_NOISE_FIGURE_DB,
  LQI_SPAN_DB,
} from './link-quality.ts';
export { DutyCycleMeter, ARIB_T108_SHORT_CARRIER_SENSE, UNLIMITED_DUTY_CYCLE } from './duty-cycle.ts';
export type { DutyCycleRules } from './duty-cycle.ts';
export { GilbertElliottLoss } from './burst-loss.ts';
export type { BurstLossConfig } from './burst-loss.ts';
export { createRadioStats, addRadioStats } from './stats.ts';
export type { RadioStats } from './stats.ts';
export { dbmToMw, mwToDbm } from './units.ts';
export { immAckBuilder } from './imm-ack.ts';
