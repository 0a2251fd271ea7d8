/** RPL constants (RFC 6550; names follow the IANA "Routing Protocol for Low Power and Lossy Networks (RPL)" registries). */

/** ICMPv6 type of RPL control messages (RFC 6550 §6). */
export const ICMPV6_TYPE_RPL = 155;

/** RPL Control Codes (RFC 6550 §6, IANA). Codes with 0x80 set are the secure variants (§6.1). */
export const RPL_CODE = {
  DIS: 0x00,
  DIO: 0x01,
  DAO: 0x02,
  DAO_ACK: 0x03,
  SECURE_DIS: 0x80,
  SECURE_DIO: 0x81,
  SECURE_DAO: 0x82,
  SECURE_DAO_ACK: 0x83,
  CONSISTENCY_CHECK: 0x8a,
} as const;

/** RPL Control Message Options (RFC 6550 §6.7, IANA). */
export const RPL_OPTION_TYPE = {
  PAD1: 0x00,
  PADN: 0x01,
  DAG_METRIC_CONTAINER: 0x02,
  ROUTE_INFORMATION: 0x03,
  DODAG_CONFIGURATION: 0x04,
  RPL_TARGET: 0x05,
  TRANSIT_INFORMATION: 0x06,
  SOLICITED_INFORMATION: 0x07,
  PREFIX_INFORMATION: 0x08,
  TARGET_DESCRIPTOR: 0x09,
} as const;

/** Mode of Operation (RFC 6550 §6.3.1, IANA "Mode of Operation"). */
export const MOP = {
  NO_DOWNWARD_ROUTES: 0,
  NON_STORING: 1,
  STORING_WITHOUT_MULTICAST: 2,
  STORING_WITH_MULTICAST: 3,
} as const;

/** Objective Code Points (IANA): OF0 (RFC 6552), MRHOF (RFC 6719). */
export const OCP = {
  OF0: 0,
  MRHOF: 1,
} as const;

/** DAO-ACK status (RFC 6550 §6.5.1): 0 accepted, 1..127 accepted with a warning, ≥128 rejected. */
export const DAO_ACK_STATUS = {
  ACCEPT: 0,
  /** First "rejection" value. */
  REJECT_MIN: 128,
} as const;

// RFC 6550 §17 protocol constants and defaults.
export const BASE_RANK = 0;
export const INFINITE_RANK = 0xffff;
export const RPL_DEFAULT_INSTANCE = 0;
export const DEFAULT_PATH_CONTROL_SIZE = 0;
/** Imin = 2^3 ms. */
export const DEFAULT_DIO_INTERVAL_MIN = 3;
export const DEFAULT_DIO_INTERVAL_DOUBLINGS = 20;
export const DEFAULT_DIO_REDUNDANCY_CONSTANT = 10;
export const DEFAULT_MIN_HOP_RANK_INCREASE = 256;
/** Seconds. */
export const DEFAULT_DAO_DELAY = 1;

/**
 * DODAG parameters suited to the 100 kbps 920 MHz mesh (PROTOCOL-NOTES "6LoWPAN / IPv6 / RPL").
 * The RFC 6550 default Imin of 2^3 ms is shorter than the airtime of one DIO at 100 kbps
 * (~100 B ≈ 8 ms plus preamble and CSMA), so every node would transmit at once after a reset.
 * Contiki-NG's values are used instead: Imin 2^12 ms (4.1 s), 8 doublings (Imax ≈ 17.5 min),
 * k = 10, routes valid 30 × 60 s. MRHOF (RFC 6719) with the RFC MinHopRankIncrease.
 */
export const FIELD_DODAG_DEFAULTS = {
  dioIntervalMin: 12,
  dioIntervalDoublings: 8,
  dioRedundancyConstant: 10,
  minHopRankIncrease: DEFAULT_MIN_HOP_RANK_INCREASE,
  maxRankIncrease: 7 * DEFAULT_MIN_HOP_RANK_INCREASE,
  objectiveCodePoint: OCP.MRHOF,
  defaultLifetime: 30,
  lifetimeUnit: 60,
  mop: MOP.NON_STORING,
} as const;

/** ff02::1a (RFC 6550 §20.19). */
export const ALL_RPL_NODES_TEXT = 'ff02::1a';
