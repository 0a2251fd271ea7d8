/**
 * ECHONET Lite constants (ECHONET Lite Specification Ver.1.13 Part II "ECHONET Lite Communications
 * Middleware Specifications", Chapter 3; APPENDIX "Detailed Requirements for ECHONET Device
 * Objects" for class 0x0288, low-voltage smart electric energy meter).
 */

/** UDP port for ECHONET Lite (Part II §3.1). */
export const ECHONET_LITE_PORT = 3610;
/** EHD1: ECHONET Lite protocol (Part II §3.2.1). */
export const EHD1_ECHONET_LITE = 0x10;
/** EHD2: specified message format (format 1) (Part II §3.2.1). */
export const EHD2_FORMAT1 = 0x81;
/** EHD2: arbitrary message format (format 2); not supported by this codec. */
export const EHD2_FORMAT2 = 0x82;

/** ECHONET Lite service codes (Part II §3.2.5, Table 3-9/3-10). */
export const ESV = {
  // requests
  SetI: 0x60,
  SetC: 0x61,
  Get: 0x62,
  INF_REQ: 0x63,
  SetGet: 0x6e,
  // responses and notifications
  Set_Res: 0x71,
  Get_Res: 0x72,
  INF: 0x73,
  INFC: 0x74,
  INFC_Res: 0x7a,
  SetGet_Res: 0x7e,
  // "service not available" responses
  SetI_SNA: 0x50,
  SetC_SNA: 0x51,
  Get_SNA: 0x52,
  INF_SNA: 0x53,
  SetGet_SNA: 0x5e,
} as const;
export type Esv = (typeof ESV)[keyof typeof ESV];

const ESV_VALUES: ReadonlySet<number> = new Set(Object.values(ESV));
export function isEsv(v: number): v is Esv {
  return ESV_VALUES.has(v);
}

/** The SetGet family carries two property lists, OPCSet then OPCGet (Part II §3.2.5). */
export function isSetGetEsv(esv: number): boolean {
  return esv === ESV.SetGet || esv === ESV.SetGet_Res || esv === ESV.SetGet_SNA;
}

/** Requests whose properties carry no data: PDC must be 0 (Part II §3.2.7). */
export function isReadRequestEsv(esv: number): boolean {
  return esv === ESV.Get || esv === ESV.INF_REQ;
}

/** Class codes used by the project (class group code ‖ class code). */
export const CLASS = {
  /** Low-voltage smart electric energy meter (APPENDIX §3.3.25). */
  LOW_VOLTAGE_SMART_METER: 0x0288,
  /** Controller (management/operation class group). */
  CONTROLLER: 0x05ff,
  /** Node profile (profile class group). */
  NODE_PROFILE: 0x0ef0,
} as const;

/** Object instances (EOJ = class group, class, instance) as 24-bit numbers. */
export const EOJ = {
  CONTROLLER: 0x05ff01,
  SMART_METER: 0x028801,
  NODE_PROFILE: 0x0ef001,
} as const;

/**
 * EPCs of class 0x0288 used here (APPENDIX, low-voltage smart electric energy meter class) plus
 * the super-class property maps (APPENDIX §2, device object super class).
 */
export const METER_EPC = {
  OPERATION_STATUS: 0x80,
  STATUS_CHANGE_ANNOUNCEMENT_PROPERTY_MAP: 0x9d,
  SET_PROPERTY_MAP: 0x9e,
  GET_PROPERTY_MAP: 0x9f,
  COEFFICIENT: 0xd3,
  NUMBER_OF_EFFECTIVE_DIGITS: 0xd7,
  CUMULATIVE_ENERGY_NORMAL: 0xe0,
  CUMULATIVE_ENERGY_UNIT: 0xe1,
  HISTORICAL_CUMULATIVE_ENERGY_NORMAL: 0xe2,
  CUMULATIVE_ENERGY_REVERSE: 0xe3,
  HISTORICAL_CUMULATIVE_ENERGY_REVERSE: 0xe4,
  HISTORY_DAY: 0xe5,
  INSTANTANEOUS_POWER: 0xe7,
  INSTANTANEOUS_CURRENTS: 0xe8,
  CUMULATIVE_ENERGY_FIXED_TIME_NORMAL: 0xea,
  CUMULATIVE_ENERGY_FIXED_TIME_REVERSE: 0xeb,
} as const;

/** User-defined EPCs occupy 0xF0–0xFF in every class (APPENDIX §1). */
export const USER_DEFINED_EPC_MIN = 0xf0;
export const USER_DEFINED_EPC_MAX = 0xff;
