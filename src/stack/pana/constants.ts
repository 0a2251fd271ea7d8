/**
 * PANA constants, named as in the IANA "PANA Parameters" registry (RFC 5191 §11, RFC 6345,
 * RFC 6786) and the IKEv2 transform registries PANA borrows its algorithm numbers from.
 */

/** RFC 5191 §11: UDP port 716 for both PaC and PAA. */
export const PANA_UDP_PORT = 716;

/** RFC 5191 §6.2: the fixed header is 16 bytes. */
export const PANA_HEADER_LENGTH = 16;

/** RFC 5191 §6.4 / RFC 6345 §3: message types. Request and answer share a type; the R flag tells them apart. */
export const PANA_MESSAGE_TYPE = {
  /** PANA-Client-Initiation. */
  PCI: 1,
  /** PANA-Auth-Request / PANA-Auth-Answer (PAR / PAN). */
  AUTH: 2,
  /** PANA-Termination-Request / -Answer (PTR / PTA). */
  TERMINATION: 3,
  /** PANA-Notification-Request / -Answer (PNR / PNA). */
  NOTIFICATION: 4,
  /** PANA-Relay (PRY), RFC 6345 §3: session id 0, sequence 0. */
  RELAY: 5,
} as const;
export type PanaMessageType = (typeof PANA_MESSAGE_TYPE)[keyof typeof PANA_MESSAGE_TYPE];

/** RFC 5191 §6.2: message flags (bit 0 is the most significant bit of the 16-bit field). */
export const PANA_FLAG = {
  /** R: request. */
  REQUEST: 0x8000,
  /** S: start (PAR/PAN only). */
  START: 0x4000,
  /** C: complete (PAR/PAN only). */
  COMPLETE: 0x2000,
  /** A: re-authentication (PNR/PNA only). */
  REAUTH: 0x1000,
  /** P: ping (PNR/PNA only). */
  PING: 0x0800,
  /** I: IP reconfiguration (PAR/PAN only). */
  IP_RECONFIGURATION: 0x0400,
} as const;

/** Every defined flag; the remaining 10 bits are reserved and must be zero. */
export const PANA_FLAGS_DEFINED = 0xfc00;

/** RFC 5191 §6.3: AVP flags; only V is defined. */
export const PANA_AVP_FLAG = {
  /** V: a 4-byte Vendor-Id follows the AVP header. */
  VENDOR: 0x8000,
} as const;

/** RFC 5191 §6.3: the AVP header is 8 bytes, 12 with the Vendor-Id. */
export const PANA_AVP_HEADER_LENGTH = 8;

/**
 * AVP codes (IANA PANA "AVP Codes"; RFC 5191 §8, RFC 6345 §4, RFC 6786 §3).
 *
 * Interop note: ZigBee IP stacks (mbed-os nanostack `Security/PANA/pana_avp.h`) number the two
 * RFC 6786 AVPs the other way round: their 12 is the key-wrap *algorithm* and their 13 is the
 * encrypted container. We follow IANA; `NANOSTACK_AVP_CODE` names the peer's numbering.
 */
export const PANA_AVP_CODE = {
  AUTH: 1,
  EAP_PAYLOAD: 2,
  INTEGRITY_ALGORITHM: 3,
  KEY_ID: 4,
  NONCE: 5,
  PRF_ALGORITHM: 6,
  RESULT_CODE: 7,
  SESSION_LIFETIME: 8,
  TERMINATION_CAUSE: 9,
  /** RFC 6345 §4: PaC IPv6 address (16 B) ‖ UDP port (2 B). */
  PAC_INFORMATION: 10,
  /** RFC 6345 §4: a whole PANA message. */
  RELAYED_MESSAGE: 11,
  /** RFC 6786 §3.1: encrypted AVPs. */
  ENCR_ENCAP: 12,
  /** RFC 6786 §3.2: the encryption algorithm. */
  ENCRYPTION_ALGORITHM: 13,
} as const;
export type PanaAvpCode = (typeof PANA_AVP_CODE)[keyof typeof PANA_AVP_CODE];

/** nanostack's (non-IANA) numbering of the RFC 6786 AVPs, for an interop switch. */
export const NANOSTACK_AVP_CODE = {
  KEY_WRAP_ALGORITHM: 12,
  ENCRYPTED_AVPS: 13,
} as const;

/** RFC 5191 §8.7 / IANA "Result-Code AVP Values". */
export const PANA_RESULT_CODE = {
  PANA_SUCCESS: 0,
  PANA_AUTHENTICATION_REJECTED: 1,
  PANA_AUTHORIZATION_REJECTED: 2,
} as const;

/** RFC 5191 §8.9 / IANA "Termination-Cause AVP Values" (the Diameter values PANA reuses). */
export const PANA_TERMINATION_CAUSE = {
  LOGOUT: 1,
  ADMINISTRATIVE: 4,
  SESSION_TIMEOUT: 8,
} as const;

/** IKEv2 Transform Type 2 (PRF) value PANA uses in the PRF-Algorithm AVP (RFC 4868 §2.2). */
export const PRF_HMAC_SHA2_256 = 5;
/** IKEv2 Transform Type 3 (integrity) value PANA uses in the Integrity-Algorithm AVP (RFC 4868 §2.3). */
export const AUTH_HMAC_SHA2_256_128 = 12;

/** Length of the AUTH AVP value under AUTH_HMAC_SHA2_256_128 (RFC 4868: 128-bit truncation). */
export const PANA_AUTH_LENGTH = 16;

/** RFC 6786 §3.2 / IANA "Encryption-Algorithm AVP Values": AES128_CTR. */
export const PANA_ENCRYPTION_ALGORITHM = {
  AES128_CTR: 1,
} as const;

/** ZigBee Alliance IANA enterprise number (0x917C), used by the ZigBee IP vendor AVPs. */
export const ZIGBEE_VENDOR_ID = 37244;

/** ZigBee IP vendor AVP codes under ZIGBEE_VENDOR_ID (nanostack `pana.h`). */
export const ZIGBEE_AVP_CODE = {
  /** Key-wrap: network key (16) ‖ key index (1) ‖ auth counter (1). */
  KEY_WRAP: 1,
  /** Key request: 2 bytes (nanostack sends 1 ‖ current key index). */
  KEY_REQUEST: 2,
} as const;

/** Nonce AVP length this project sends (RFC 5191 §8.5 allows 8..256; 16 bytes = the PRF's strength). */
export const PANA_NONCE_LENGTH = 16;
