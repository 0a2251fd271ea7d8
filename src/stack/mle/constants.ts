/**
 * MLE constants (draft-kelsey-intarea-mesh-link-establishment as used by ZigBee IP; the numbering
 * Wireshark `epan/dissectors/packet-mle.c` and Thread share for the values below).
 */

/** IANA: UDP port 19788. */
export const MLE_UDP_PORT = 19788;

/** First byte of every MLE datagram. */
export const MLE_SECURITY_SUITE = {
  /** 802.15.4-style auxiliary security header, CCM* payload and MIC. */
  IEEE802154: 0,
  /** No security: command and TLVs in clear. */
  NONE: 255,
} as const;

export const MLE_COMMAND = {
  LINK_REQUEST: 0,
  LINK_ACCEPT: 1,
  LINK_ACCEPT_AND_REQUEST: 2,
  LINK_REJECT: 3,
  ADVERTISEMENT: 4,
  UPDATE: 5,
  UPDATE_REQUEST: 6,
} as const;

export const MLE_TLV_TYPE = {
  SOURCE_ADDRESS: 0,
  MODE: 1,
  TIMEOUT: 2,
  CHALLENGE: 3,
  RESPONSE: 4,
  LINK_LAYER_FRAME_COUNTER: 5,
  LINK_QUALITY: 6,
  NETWORK_PARAMETER: 7,
  MLE_FRAME_COUNTER: 8,
} as const;

/** Network Parameter TLV parameter ids (packet-mle.c `mle_tlv_nwk_param_vals`). */
export const MLE_NETWORK_PARAMETER = {
  CHANNEL: 0,
  PAN_ID: 1,
  PERMIT_JOIN: 2,
  BEACON_PAYLOAD: 3,
} as const;

/** Link Quality TLV bits (packet-mle.c LQI_FLAGS_*, NEIGHBOR_FLAG_*). */
export const MLE_LINK_QUALITY_FLAG = {
  /** C: the list is complete. */
  COMPLETE: 0x80,
  /** Low 4 bits: neighbour address size − 1. */
  SIZE_MASK: 0x0f,
} as const;
export const MLE_NEIGHBOR_FLAG = {
  /** I: incoming link quality is given. */
  INCOMING: 0x80,
  /** O: outgoing link quality is given. */
  OUTGOING: 0x40,
  /** P: priority. */
  PRIORITY: 0x20,
} as const;
