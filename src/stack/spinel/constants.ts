/**
 * Spinel constants, named as in OpenThread `src/lib/spinel/spinel.h` with the `SPINEL_<GROUP>_` prefix
 * moved into the object name (`SPINEL_PROP_PHY_CHAN` → `SPINEL_PROP.PHY_CHAN`). Every value below was
 * checked against spinel.h (openthread/openthread, blob at commit 004e57ab…); the comment on each group
 * names the enum it comes from.
 */

/** `SPINEL_PROTOCOL_VERSION_THREAD_MAJOR` / `_MINOR` — spinel.h "This specification describes major version 4, minor version 3". */
export const SPINEL_PROTOCOL_VERSION_THREAD_MAJOR = 4;
export const SPINEL_PROTOCOL_VERSION_THREAD_MINOR = 3;

/** `SPINEL_RCP_API_VERSION` (spinel.h) — the RCP API this codec was written against. */
export const SPINEL_RCP_API_VERSION = 11;
/** `SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION` (spinel.h). */
export const SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION = 4;

/** `SPINEL_FRAME_MAX_SIZE` (spinel.h default, overridable per build). */
export const SPINEL_FRAME_MAX_SIZE = 1300;

/** `SPINEL_MAX_UINT_PACKED` (spinel.h): the largest value three 7-bit groups hold, 2^21 − 1. */
export const SPINEL_MAX_UINT_PACKED = 2_097_151;

/** Header byte layout: `FLG(2) | IID(2) | TID(4)` (spinel.h "Header Format", `SPINEL_HEADER_*` macros). */
export const SPINEL_HEADER_FLAG = 0x80;
export const SPINEL_HEADER_FLAGS_MASK = 0xc0;
export const SPINEL_HEADER_IID_SHIFT = 4;
export const SPINEL_HEADER_IID_MASK = 0x30;
export const SPINEL_HEADER_IID_MAX = 3;
export const SPINEL_HEADER_TID_MASK = 0x0f;

/** Commands (spinel.h anonymous enum `SPINEL_CMD_*`). */
export const SPINEL_CMD = {
  NOOP: 0,
  RESET: 1,
  PROP_VALUE_GET: 2,
  PROP_VALUE_SET: 3,
  PROP_VALUE_INSERT: 4,
  PROP_VALUE_REMOVE: 5,
  PROP_VALUE_IS: 6,
  PROP_VALUE_INSERTED: 7,
  PROP_VALUE_REMOVED: 8,
  NET_CLEAR: 10,
  PEEK: 18,
  PEEK_RET: 19,
  POKE: 20,
  PROP_VALUE_MULTI_GET: 21,
  PROP_VALUE_MULTI_SET: 22,
  PROP_VALUES_ARE: 23,
} as const;

/** Reset types carried by `CMD_RESET` (spinel.h `SPINEL_RESET_*`). */
export const SPINEL_RESET = {
  PLATFORM: 1,
  STACK: 2,
  BOOTLOADER: 3,
} as const;

/** Status codes (spinel.h `SPINEL_STATUS_*`, type `spinel_status_t`). */
export const SPINEL_STATUS = {
  OK: 0,
  FAILURE: 1,
  UNIMPLEMENTED: 2,
  INVALID_ARGUMENT: 3,
  INVALID_STATE: 4,
  INVALID_COMMAND: 5,
  INVALID_INTERFACE: 6,
  INTERNAL_ERROR: 7,
  SECURITY_ERROR: 8,
  PARSE_ERROR: 9,
  IN_PROGRESS: 10,
  NOMEM: 11,
  BUSY: 12,
  PROP_NOT_FOUND: 13,
  DROPPED: 14,
  EMPTY: 15,
  CMD_TOO_BIG: 16,
  NO_ACK: 17,
  CCA_FAILURE: 18,
  ALREADY: 19,
  ITEM_NOT_FOUND: 20,
  INVALID_COMMAND_FOR_PROP: 21,
  UNKNOWN_NEIGHBOR: 22,
  NOT_CAPABLE: 23,
  RESPONSE_TIMEOUT: 24,
  SWITCHOVER_DONE: 25,
  SWITCHOVER_FAILED: 26,
  JOIN_FAILURE: 104,
  JOIN_SECURITY: 105,
  JOIN_NO_PEERS: 106,
  JOIN_INCOMPATIBLE: 107,
  JOIN_RSP_TIMEOUT: 108,
  JOIN_SUCCESS: 109,
  RESET__BEGIN: 112,
  RESET_POWER_ON: 112,
  RESET_EXTERNAL: 113,
  RESET_SOFTWARE: 114,
  RESET_FAULT: 115,
  RESET_CRASH: 116,
  RESET_ASSERT: 117,
  RESET_OTHER: 118,
  RESET_UNKNOWN: 119,
  RESET_WATCHDOG: 120,
  RESET__END: 128,
  VENDOR__BEGIN: 15360,
  VENDOR__END: 16384,
} as const;

/** Capabilities listed in `PROP_CAPS` (spinel.h `SPINEL_CAP_*`). */
export const SPINEL_CAP = {
  LOCK: 1,
  NET_SAVE: 2,
  HBO: 3,
  POWER_SAVE: 4,
  COUNTERS: 5,
  JAM_DETECT: 6,
  PEEK_POKE: 7,
  WRITABLE_RAW_STREAM: 8,
  GPIO: 9,
  TRNG: 10,
  CMD_MULTI: 11,
  UNSOL_UPDATE_FILTER: 12,
  MCU_POWER_STATE: 13,
  PCAP: 14,
  '802_15_4_2003': 16,
  '802_15_4_2006': 17,
  '802_15_4_2011': 18,
  '802_15_4_PIB': 21,
  '802_15_4_2450MHZ_OQPSK': 24,
  '802_15_4_915MHZ_OQPSK': 25,
  '802_15_4_868MHZ_OQPSK': 26,
  '802_15_4_915MHZ_BPSK': 27,
  '802_15_4_868MHZ_BPSK': 28,
  '802_15_4_915MHZ_ASK': 29,
  '802_15_4_868MHZ_ASK': 30,
  CONFIG_FTD: 32,
  CONFIG_MTD: 33,
  CONFIG_RADIO: 34,
  ROLE_ROUTER: 48,
  ROLE_SLEEPY: 49,
  NET_THREAD_1_0: 52,
  NET_THREAD_1_1: 53,
  NET_THREAD_1_2: 54,
  RCP_API_VERSION: 64,
  RCP_MIN_HOST_API_VERSION: 65,
  RCP_RESET_TO_BOOTLOADER: 66,
  RCP_LOG_CRASH_DUMP: 67,
  MAC_ALLOWLIST: 512,
  MAC_RAW: 513,
} as const;

/** Property ids (spinel.h `SPINEL_PROP_*`; ranges per its "Property Keys" table). */
export const SPINEL_PROP = {
  LAST_STATUS: 0,
  PROTOCOL_VERSION: 1,
  NCP_VERSION: 2,
  INTERFACE_TYPE: 3,
  VENDOR_ID: 4,
  CAPS: 5,
  INTERFACE_COUNT: 6,
  HWADDR: 8,
  HOST_POWER_STATE: 12,
  MCU_POWER_STATE: 13,
  PHY_ENABLED: 0x20,
  PHY_CHAN: 0x21,
  PHY_CHAN_SUPPORTED: 0x22,
  PHY_FREQ: 0x23,
  PHY_CCA_THRESHOLD: 0x24,
  PHY_TX_POWER: 0x25,
  PHY_RSSI: 0x26,
  PHY_RX_SENSITIVITY: 0x27,
  PHY_CHAN_PREFERRED: 0x29,
  PHY_CHAN_MAX_POWER: 0x2b,
  PHY_REGION_CODE: 0x2c,
  MAC_SCAN_STATE: 0x30,
  MAC_SCAN_MASK: 0x31,
  MAC_SCAN_PERIOD: 0x32,
  MAC_15_4_LADDR: 0x34,
  MAC_15_4_SADDR: 0x35,
  MAC_15_4_PANID: 0x36,
  MAC_RAW_STREAM_ENABLED: 0x37,
  MAC_PROMISCUOUS_MODE: 0x38,
  MAC_ENERGY_SCAN_RESULT: 0x39,
  MAC_RX_ON_WHEN_IDLE_MODE: 0x3b,
  MAC_15_4_ALT_SADDR: 0x3c,
  STREAM_DEBUG: 0x70,
  STREAM_RAW: 0x71,
  STREAM_NET: 0x72,
  STREAM_LOG: 0x74,
  RCP_API_VERSION: 0xb0,
  RCP_MIN_HOST_API_VERSION: 0xb1,
  RCP_LOG_CRASH_DUMP: 0xb2,
  UART_BITRATE: 0x100,
  UART_XON_XOFF: 0x101,
  RADIO_CAPS: 0x120b,
  MAC_EXTENDED_ADDR: 0x1302,
  MAC_SRC_MATCH_ENABLED: 0x1303,
  MAC_SRC_MATCH_SHORT_ADDRESSES: 0x1304,
  MAC_SRC_MATCH_EXTENDED_ADDRESSES: 0x1305,
} as const;

/** `SPINEL_PROTOCOL_TYPE_*` values of `PROP_INTERFACE_TYPE` (spinel.h). */
export const SPINEL_PROTOCOL_TYPE = {
  BOOTLOADER: 0,
  ZIGBEE_IP: 2,
  THREAD: 3,
} as const;

/** `SPINEL_MAC_PROMISCUOUS_MODE_*` values of `PROP_MAC_PROMISCUOUS_MODE` (spinel.h). */
export const SPINEL_MAC_PROMISCUOUS_MODE = {
  OFF: 0,
  NETWORK: 1,
  FULL: 2,
} as const;

/** `SPINEL_MD_FLAG_*`: the `S` flags of `PROP_STREAM_RAW` receive metadata (spinel.h). */
export const SPINEL_MD_FLAG = {
  TX: 0x0001,
  BAD_FCS: 0x0004,
  DUPE: 0x0008,
  ACKED_FP: 0x0010,
  ACKED_SEC: 0x0020,
  RESERVED: 0xffc2,
} as const;

/**
 * Transmit power "not set" in the STREAM_RAW transmit metadata: OpenThread's NCP defaults
 * `mTxPower` to `OT_RADIO_POWER_INVALID`, which `include/openthread/platform/radio.h` defines as 127
 * (`src/ncp/ncp_base_radio.cpp` `DecodeStreamRawTxRequest`).
 */
export const SPINEL_TX_POWER_UNSET = 127;

/** `true` for the boot/reset statuses an RCP emits unsolicited after power-on or RESET (spinel.h `RESET__BEGIN`..`RESET__END`). */
export function isResetStatus(status: number): boolean {
  return status >= SPINEL_STATUS.RESET__BEGIN && status < SPINEL_STATUS.RESET__END;
}

function reverse(
  table: Readonly<Record<string, number>>,
  skip: (name: string) => boolean,
): Map<number, string> {
  const out = new Map<number, string>();
  for (const [name, value] of Object.entries(table)) if (!skip(name) && !out.has(value)) out.set(value, name);
  return out;
}

const STATUS_NAMES = reverse(SPINEL_STATUS, (n) => n.includes('__'));
const PROP_NAMES = reverse(SPINEL_PROP, () => false);
const CMD_NAMES = reverse(SPINEL_CMD, () => false);

/** `NO_ACK`, `RESET_POWER_ON`, … or `STATUS_<n>` for values this table does not name; for logs. */
export function spinelStatusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `STATUS_${status}`;
}

export function spinelPropName(prop: number): string {
  return PROP_NAMES.get(prop) ?? `PROP_0x${prop.toString(16)}`;
}

export function spinelCommandName(command: number): string {
  return CMD_NAMES.get(command) ?? `CMD_${command}`;
}
