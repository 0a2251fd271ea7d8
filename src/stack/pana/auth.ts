/**
 * PANA key derivation and message authentication (RFC 5191 §5.3, RFC 6786).
 *
 * With PRF_HMAC_SHA2_256 (5) and AUTH_HMAC_SHA2_256_128 (12), the only pair this project speaks:
 *   PANA_AUTH_KEY = prf+(MSK, "IETF PANA" | I_PAR | I_PAN | PaC_nonce | PAA_nonce | Key_ID), 32 bytes
 *   AUTH          = HMAC-SHA256(PANA_AUTH_KEY, message with the AUTH value zeroed)[0:16]
 * and RFC 6786's encryption keys with the labels "IETF PANA PAA Encr" / "IETF PANA PaC Encr",
 * 16 bytes for AES-128. prf+ is IKEv2's (RFC 7296 §2.13); one 32-byte block covers both lengths,
 * which is why nanostack (`pana_key_calc`) can compute them as a single HMAC over "… | 0x01".
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { ByteWriter, concatBytes } from '../wire/index.ts';
import { PANA_AUTH_LENGTH } from './constants.ts';
import { findAuthValueOffsets } from './codec.ts';

/** Inputs shared by every PANA key (RFC 5191 §5.3). */
export interface PanaKeyInputs {
  /** The EAP MSK (64 bytes for EAP-PSK and EAP-TLS). */
  msk: Uint8Array;
  /** The initial PAR (S flag set), whole message including the header, as sent. */
  iPar: Uint8Array;
  /** The initial PAN (S flag set), whole message including the header, as sent. */
  iPan: Uint8Array;
  /** Nonce AVP value sent by the PaC. */
  pacNonce: Uint8Array;
  /** Nonce AVP value sent by the PAA. */
  paaNonce: Uint8Array;
  /** Key-Id AVP value (4 bytes big-endian on air). */
  keyId: number;
}

const LABEL_AUTH = 'IETF PANA';
const LABEL_PAA_ENCR = 'IETF PANA PAA Encr';
const LABEL_PAC_ENCR = 'IETF PANA PaC Encr';

/** Length of PANA_AUTH_KEY for PRF_HMAC_SHA2_256 / AUTH_HMAC_SHA2_256_128 (RFC 4868 key length). */
export const PANA_AUTH_KEY_LENGTH = 32;
/** Length of the RFC 6786 encryption keys for AES-128. */
export const PANA_ENCR_KEY_LENGTH = 16;

function seed(label: string, k: PanaKeyInputs): Uint8Array {
  if (!Number.isInteger(k.keyId) || k.keyId < 0 || k.keyId > 0xffffffff) {
    throw new RangeError(`Key-Id ${k.keyId} is not a u32`);
  }
  return concatBytes(
    new TextEncoder().encode(label),
    k.iPar,
    k.iPan,
    k.pacNonce,
    k.paaNonce,
    new ByteWriter(4).u32be(k.keyId).finish(),
  );
}

/** PANA_AUTH_KEY (RFC 5191 §5.3), 32 bytes. */
export function derivePanaAuthKey(crypto: CryptoProvider, inputs: PanaKeyInputs): Uint8Array {
  return crypto.prfPlus(inputs.msk, seed(LABEL_AUTH, inputs), PANA_AUTH_KEY_LENGTH);
}

/**
 * RFC 6786 encryption key: `PAA` (PANA_PAA_ENC_KEY, protects what the PAA sends, e.g. the
 * network key) or `PaC` (PANA_PAC_ENC_KEY). 16 bytes (AES-128).
 */
export function derivePanaEncrKey(
  crypto: CryptoProvider,
  inputs: PanaKeyInputs,
  sender: 'PAA' | 'PaC' = 'PAA',
): Uint8Array {
  return crypto.prfPlus(
    inputs.msk,
    seed(sender === 'PAA' ? LABEL_PAA_ENCR : LABEL_PAC_ENCR, inputs),
    PANA_ENCR_KEY_LENGTH,
  );
}

/**
 * The AUTH value for an encoded message: HMAC-SHA256 over the message with its (single) AUTH
 * value zeroed, truncated to 16 bytes. Throws RangeError if the message has no single 16-byte
 * AUTH AVP (our own encoding is wrong); DecodeError if the bytes are not a PANA AVP layout.
 */
export function computePanaAuth(
  crypto: CryptoProvider,
  authKey: Uint8Array,
  msgBytes: Uint8Array,
): Uint8Array {
  const found = findAuthValueOffsets(msgBytes);
  if (found.length !== 1 || found[0]!.length !== PANA_AUTH_LENGTH) {
    throw new RangeError(`message needs exactly one 16-byte AUTH AVP (found ${found.length})`);
  }
  return macWithZeroedAuth(crypto, authKey, msgBytes, found[0]!.offset);
}

function macWithZeroedAuth(
  crypto: CryptoProvider,
  authKey: Uint8Array,
  msgBytes: Uint8Array,
  at: number,
): Uint8Array {
  const copy = msgBytes.slice();
  copy.fill(0, at, at + PANA_AUTH_LENGTH);
  return crypto.hmacSha256(authKey, copy).slice(0, PANA_AUTH_LENGTH);
}

/**
 * Checks the AUTH AVP of a received message over the bytes as received (constant-time compare).
 * False when there is no AUTH AVP, more than one, one of the wrong length, or the value differs.
 * Throws DecodeError only if the bytes are not a PANA message layout at all.
 */
export function verifyPanaAuth(crypto: CryptoProvider, authKey: Uint8Array, msgBytes: Uint8Array): boolean {
  const found = findAuthValueOffsets(msgBytes);
  if (found.length !== 1 || found[0]!.length !== PANA_AUTH_LENGTH) return false;
  const at = found[0]!.offset;
  const expected = macWithZeroedAuth(crypto, authKey, msgBytes, at);
  return crypto.timingSafeEqual(expected, msgBytes.subarray(at, at + PANA_AUTH_LENGTH));
}
