/**
 * IEEE 802.15.4 MAC constants, named as in the standard (802.15.4-2015 §7.2, §9.4; 802.15.4-2006 §7.2).
 */
import type { SecurityLevel } from '../crypto/provider.ts';

export type { SecurityLevel };

/** Codec name used in every DecodeError from this folder. */
export const CODEC = 'ieee802154';

/** Frame Type field, frame control bits 0–2 (802.15.4-2015 Table 7-1). */
export const FRAME_TYPE = {
  BEACON: 0,
  DATA: 1,
  ACKNOWLEDGMENT: 2,
  MAC_COMMAND: 3,
  /** 0b100 is reserved (LLDN frames in 802.15.4e-2012). */
  RESERVED: 4,
  MULTIPURPOSE: 5,
  FRAGMENT: 6,
  EXTENDED: 7,
} as const;
export type FrameType = 0 | 1 | 2 | 3;

/** Frame Version field, frame control bits 12–13 (802.15.4-2015 Table 7-4). */
export const FRAME_VERSION = {
  IEEE_802_15_4_2003: 0,
  IEEE_802_15_4_2006: 1,
  IEEE_802_15_4: 2,
} as const;
export type FrameVersion = 0 | 1 | 2;

/** Destination / Source Addressing Mode fields (802.15.4-2015 Table 7-3). */
export const ADDRESSING_MODE = {
  NONE: 0,
  /** 0b01: reserved in 2006; "short" with an 8-bit address only in LECIM/ later amendments; refused here. */
  RESERVED: 1,
  SHORT: 2,
  EXTENDED: 3,
} as const;
export type AddressingMode = 0 | 2 | 3;

/** Security levels (802.15.4-2015 Table 9-6). */
export const SECURITY_LEVEL = {
  NONE: 0,
  MIC_32: 1,
  MIC_64: 2,
  MIC_128: 3,
  ENC: 4,
  ENC_MIC_32: 5,
  ENC_MIC_64: 6,
  ENC_MIC_128: 7,
} as const satisfies Record<string, SecurityLevel>;

/** Key Identifier Mode (802.15.4-2015 Table 9-7). */
export const KEY_ID_MODE = {
  /** Key determined implicitly from the originator and recipient. */
  IMPLICIT: 0,
  /** Key determined from the 1-octet Key Index field. */
  KEY_INDEX: 1,
  /** Key determined from the 4-octet Key Source and the Key Index. */
  KEY_SOURCE_4: 2,
  /** Key determined from the 8-octet Key Source and the Key Index. */
  KEY_SOURCE_8: 3,
} as const;
export type KeyIdMode = 0 | 1 | 2 | 3;

/** MIC length in octets for each security level (802.15.4-2015 Table 9-6). */
export const MIC_LENGTH: readonly number[] = [0, 4, 8, 16, 0, 4, 8, 16];

/** Whether a level encrypts the payload (802.15.4-2015 Table 9-6, "Data confidentiality"). */
export function isEncrypting(level: SecurityLevel): boolean {
  return level >= 4;
}

/** MAC command frame identifiers used in the tests and by the mesh layer (802.15.4-2015 Table 7-49). */
export const MAC_COMMAND_ID = {
  ASSOCIATION_REQUEST: 0x01,
  ASSOCIATION_RESPONSE: 0x02,
  DISASSOCIATION_NOTIFICATION: 0x03,
  DATA_REQUEST: 0x04,
  PAN_ID_CONFLICT_NOTIFICATION: 0x05,
  ORPHAN_NOTIFICATION: 0x06,
  BEACON_REQUEST: 0x07,
  COORDINATOR_REALIGNMENT: 0x08,
  GTS_REQUEST: 0x09,
} as const;

/** Broadcast short address and PAN identifier (802.15.4-2015 §6.1). */
export const BROADCAST_SHORT_ADDRESS = 0xffff;
export const BROADCAST_PAN_ID = 0xffff;

/** aMaxPhyPacketSize for the 2.4 GHz O-QPSK PHY (127) and the SUN PHYs (2047) (802.15.4-2015 §11.3, Table 11-1). */
export const A_MAX_PHY_PACKET_SIZE = 127;
export const A_MAX_SUN_PHY_PACKET_SIZE = 2047;
