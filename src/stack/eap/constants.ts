/** EAP constants (RFC 3748 §4, IANA "EAP Registry"). */

/** RFC 3748 §4: packet codes. */
export const EAP_CODE = {
  REQUEST: 1,
  RESPONSE: 2,
  SUCCESS: 3,
  FAILURE: 4,
} as const;
export type EapCode = (typeof EAP_CODE)[keyof typeof EAP_CODE];

/** IANA "Method Types" used here. */
export const EAP_TYPE = {
  /** RFC 3748 §5.1. */
  IDENTITY: 1,
  /** RFC 3748 §5.2. */
  NOTIFICATION: 2,
  /** RFC 3748 §5.3.1: Legacy Nak (Response only). */
  NAK: 3,
  /** RFC 5216. */
  TLS: 13,
  /** RFC 4764. */
  PSK: 47,
  /** RFC 3748 §5.7: Expanded Types. */
  EXPANDED: 254,
} as const;

/** RFC 3748 §4: Code(1) Identifier(1) Length(2). */
export const EAP_HEADER_LENGTH = 4;
