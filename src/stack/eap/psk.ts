/**
 * EAP-PSK (RFC 4764), EAP type 47: message codec, key hierarchy, MAC_P/MAC_S and the EAX
 * protected channel. Pinned by the FreeRADIUS `rlm_eap_psk/eap_psk_tests.c` known answers (which
 * were computed with hostap's independent implementation).
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { ByteReader, ByteWriter, concatBytes, DecodeError } from '../wire/index.ts';
import { EAP_CODE, EAP_HEADER_LENGTH, EAP_TYPE } from './constants.ts';
import { decodeEapPacket, encodeEapPacket } from './packet.ts';

const CODEC = 'eap-psk';

export const EAP_PSK_RAND_LENGTH = 16;
export const EAP_PSK_MAC_LENGTH = 16;
export const EAP_PSK_TAG_LENGTH = 16;
export const EAP_PSK_NONCE_LENGTH = 4;
export const EAP_PSK_MSK_LENGTH = 64;
export const EAP_PSK_EMSK_LENGTH = 64;
/** RFC 4764 §5.3: the EAX header is the first 22 bytes of the EAP packet (EAP header, Type, Flags, RAND_S). */
export const EAP_PSK_EAX_HEADER_LENGTH = 22;

/** RFC 4764 §5.3: result indication R in the protected channel. */
export const EAP_PSK_RESULT = {
  CONT: 1,
  DONE_SUCCESS: 2,
  DONE_FAILURE: 3,
} as const;
export type EapPskResult = (typeof EAP_PSK_RESULT)[keyof typeof EAP_PSK_RESULT];

/** RFC 4764 §5.3: PCHANNEL = Nonce(4) ‖ Tag(16) ‖ encrypted data (at least the R/E byte). */
export interface EapPskPChannel {
  nonce: number;
  tag: Uint8Array;
  encrypted: Uint8Array;
}

/** The four messages (RFC 4764 §5.1–§5.4), discriminated by the T field. */
export type EapPskMessage =
  | { t: 0; randS: Uint8Array; idS: Uint8Array }
  | { t: 1; randS: Uint8Array; randP: Uint8Array; macP: Uint8Array; idP: Uint8Array }
  | { t: 2; randS: Uint8Array; macS: Uint8Array; pchannel: EapPskPChannel }
  | { t: 3; randS: Uint8Array; pchannel: EapPskPChannel };

/** Decrypted PCHANNEL contents: R, and the optional extension when E is set. */
export interface EapPskPChannelData {
  result: EapPskResult;
  extension?: { type: number; payload: Uint8Array };
}

// Flags byte: T in the two most significant bits, six reserved bits (RFC 4764 §5).
const T_SHIFT = 6;
const FLAGS_RESERVED = 0x3f;
// Protected-channel first byte: R (2 bits) ‖ E (1 bit) ‖ 5 reserved bits (RFC 4764 §5.3).
const R_SHIFT = 6;
const E_BIT = 0x20;
const PCH_RESERVED = 0x1f;

// ---------------------------------------------------------------------------------------------
// Codec

function decodePChannel(r: ByteReader): EapPskPChannel {
  const nonce = r.u32be('PCHANNEL nonce');
  const tag = r.bytesCopy(EAP_PSK_TAG_LENGTH, 'PCHANNEL tag');
  if (r.atEnd) r.fail('PCHANNEL without encrypted data (the R/E byte is mandatory)');
  return { nonce, tag, encrypted: r.rest() };
}

/** Decodes the EAP-PSK type data (everything after the EAP Type byte). */
export function decodeEapPskTypeData(typeData: Uint8Array, base = 0): EapPskMessage {
  const r = new ByteReader(typeData, CODEC, base);
  const flags = r.u8('flags');
  if (flags & FLAGS_RESERVED) r.fail(`reserved flag bits 0x${(flags & FLAGS_RESERVED).toString(16)} set`, 0);
  const t = flags >> T_SHIFT;
  const randS = r.bytesCopy(EAP_PSK_RAND_LENGTH, 'RAND_S');
  switch (t) {
    case 0: {
      if (r.atEnd) r.fail('first message without ID_S');
      return { t, randS, idS: r.rest() };
    }
    case 1: {
      const randP = r.bytesCopy(EAP_PSK_RAND_LENGTH, 'RAND_P');
      const macP = r.bytesCopy(EAP_PSK_MAC_LENGTH, 'MAC_P');
      if (r.atEnd) r.fail('second message without ID_P');
      return { t, randS, randP, macP, idP: r.rest() };
    }
    case 2: {
      const macS = r.bytesCopy(EAP_PSK_MAC_LENGTH, 'MAC_S');
      return { t, randS, macS, pchannel: decodePChannel(r) };
    }
    default:
      return { t: 3, randS, pchannel: decodePChannel(r) };
  }
}

function need(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, is ${b.length}`);
}

function writePChannel(w: ByteWriter, p: EapPskPChannel): void {
  if (!Number.isInteger(p.nonce) || p.nonce < 0 || p.nonce > 0xffffffff)
    throw new RangeError(`nonce ${p.nonce}`);
  need(p.tag, EAP_PSK_TAG_LENGTH, 'PCHANNEL tag');
  if (p.encrypted.length === 0) throw new RangeError('PCHANNEL needs at least one encrypted byte');
  w.u32be(p.nonce).bytes(p.tag).bytes(p.encrypted);
}

export function encodeEapPskTypeData(m: EapPskMessage): Uint8Array {
  const w = new ByteWriter(64);
  need(m.randS, EAP_PSK_RAND_LENGTH, 'RAND_S');
  w.u8(m.t << T_SHIFT).bytes(m.randS);
  switch (m.t) {
    case 0:
      if (m.idS.length === 0) throw new RangeError('ID_S must not be empty');
      w.bytes(m.idS);
      break;
    case 1:
      need(m.randP, EAP_PSK_RAND_LENGTH, 'RAND_P');
      need(m.macP, EAP_PSK_MAC_LENGTH, 'MAC_P');
      if (m.idP.length === 0) throw new RangeError('ID_P must not be empty');
      w.bytes(m.randP).bytes(m.macP).bytes(m.idP);
      break;
    case 2:
      need(m.macS, EAP_PSK_MAC_LENGTH, 'MAC_S');
      w.bytes(m.macS);
      writePChannel(w, m.pchannel);
      break;
    case 3:
      writePChannel(w, m.pchannel);
      break;
  }
  return w.finish();
}

/** The EAP code each message travels in: T = 0, 2 from the server (Request), 1, 3 from the peer. */
export function eapPskCodeFor(t: EapPskMessage['t']): 1 | 2 {
  return t === 0 || t === 2 ? EAP_CODE.REQUEST : EAP_CODE.RESPONSE;
}

/** Decodes a whole EAP packet that must be an EAP-PSK Request/Response with T matching the code. */
export function decodeEapPskPacket(bytes: Uint8Array): { identifier: number; message: EapPskMessage } {
  const p = decodeEapPacket(bytes);
  if (p.code !== EAP_CODE.REQUEST && p.code !== EAP_CODE.RESPONSE) {
    throw new DecodeError(CODEC, `EAP code ${p.code} is not a Request/Response`, 0);
  }
  if (p.type !== EAP_TYPE.PSK) throw new DecodeError(CODEC, `EAP type ${p.type} is not EAP-PSK (47)`, 4);
  const message = decodeEapPskTypeData(p.typeData, EAP_HEADER_LENGTH + 1);
  if (eapPskCodeFor(message.t) !== p.code) {
    throw new DecodeError(CODEC, `T=${message.t} in an EAP ${p.code === 1 ? 'Request' : 'Response'}`, 5);
  }
  return { identifier: p.identifier, message };
}

export function encodeEapPskPacket(identifier: number, message: EapPskMessage): Uint8Array {
  return encodeEapPacket({
    code: eapPskCodeFor(message.t),
    identifier,
    type: EAP_TYPE.PSK,
    typeData: encodeEapPskTypeData(message),
  });
}

export function decodeEapPskPChannelData(plain: Uint8Array): EapPskPChannelData {
  const r = new ByteReader(plain, 'eap-psk-pchannel');
  const b = r.u8('R/E byte');
  if (b & PCH_RESERVED) r.fail('reserved bits of the R/E byte are set', 0);
  const result = b >> R_SHIFT;
  if (result === 0) r.fail('R = 0 is reserved', 0);
  if (!(b & E_BIT)) {
    r.end('protected channel data without the E flag');
    return { result: result as EapPskResult };
  }
  const type = r.u8('EXT_Type');
  return { result: result as EapPskResult, extension: { type, payload: r.rest() } };
}

export function encodeEapPskPChannelData(d: EapPskPChannelData): Uint8Array {
  if (![1, 2, 3].includes(d.result)) throw new RangeError(`R ${d.result} is not 1..3`);
  const w = new ByteWriter(8);
  w.u8((d.result << R_SHIFT) | (d.extension ? E_BIT : 0));
  if (d.extension) {
    const t = d.extension.type;
    if (!Number.isInteger(t) || t < 0 || t > 0xff) throw new RangeError(`EXT_Type ${t} is not a u8`);
    w.u8(t).bytes(d.extension.payload);
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// Keys (RFC 4764 §3.1 key setup, §3.2 key derivation: the "modified counter mode" over AES-128)

function xorLastByte(block: Uint8Array, c: number): Uint8Array {
  const out = block.slice();
  out[15] = out[15]! ^ c;
  return out;
}

/** RFC 4764 §3.1: AK and KDK from the 16-byte PSK. */
export function deriveEapPskAkKdk(
  crypto: CryptoProvider,
  psk: Uint8Array,
): { ak: Uint8Array; kdk: Uint8Array } {
  need(psk, 16, 'PSK');
  const aes = crypto.aes128(psk);
  const z = aes.encryptBlock(new Uint8Array(16)).slice();
  return {
    ak: aes.encryptBlock(xorLastByte(z, 1)).slice(),
    kdk: aes.encryptBlock(xorLastByte(z, 2)).slice(),
  };
}

/** RFC 4764 §3.2: TEK, MSK (64 B), EMSK (64 B) from KDK and RAND_P. */
export function deriveEapPskSessionKeys(
  crypto: CryptoProvider,
  kdk: Uint8Array,
  randP: Uint8Array,
): { tek: Uint8Array; msk: Uint8Array; emsk: Uint8Array } {
  need(kdk, 16, 'KDK');
  need(randP, EAP_PSK_RAND_LENGTH, 'RAND_P');
  const aes = crypto.aes128(kdk);
  const h = aes.encryptBlock(randP).slice();
  const block = (c: number): Uint8Array => aes.encryptBlock(xorLastByte(h, c)).slice();
  return {
    tek: block(1),
    msk: concatBytes(block(2), block(3), block(4), block(5)),
    emsk: concatBytes(block(6), block(7), block(8), block(9)),
  };
}

/** RFC 4764 §5.2: MAC_P = CMAC-AES-128(AK, ID_P ‖ ID_S ‖ RAND_S ‖ RAND_P). */
export function computeEapPskMacP(
  crypto: CryptoProvider,
  ak: Uint8Array,
  p: { idP: Uint8Array; idS: Uint8Array; randS: Uint8Array; randP: Uint8Array },
): Uint8Array {
  return crypto.cmac(ak, concatBytes(p.idP, p.idS, p.randS, p.randP));
}

/** RFC 4764 §5.3: MAC_S = CMAC-AES-128(AK, ID_S ‖ RAND_P). */
export function computeEapPskMacS(
  crypto: CryptoProvider,
  ak: Uint8Array,
  p: { idS: Uint8Array; randP: Uint8Array },
): Uint8Array {
  return crypto.cmac(ak, concatBytes(p.idS, p.randP));
}

// ---------------------------------------------------------------------------------------------
// Protected channel (RFC 4764 §5.3): AES-EAX under TEK, nonce = 96 zero bits ‖ N (big-endian),
// header = the first 22 bytes of the EAP packet, 16-byte tag.

export function eapPskEaxNonce(nonce: number): Uint8Array {
  if (!Number.isInteger(nonce) || nonce < 0 || nonce > 0xffffffff)
    throw new RangeError(`nonce ${nonce} is not a u32`);
  return new ByteWriter(16).zeros(12).u32be(nonce).finish();
}

/** The 22-byte EAX header of an EAP-PSK packet: Code, Identifier, Length, Type 47, Flags, RAND_S. */
export function eapPskEaxHeader(
  code: 1 | 2,
  identifier: number,
  length: number,
  t: number,
  randS: Uint8Array,
): Uint8Array {
  need(randS, EAP_PSK_RAND_LENGTH, 'RAND_S');
  return new ByteWriter(EAP_PSK_EAX_HEADER_LENGTH)
    .u8(code)
    .u8(identifier)
    .u16be(length)
    .u8(EAP_TYPE.PSK)
    .u8(t << T_SHIFT)
    .bytes(randS)
    .finish();
}

export function sealEapPskPChannel(
  crypto: CryptoProvider,
  tek: Uint8Array,
  header: Uint8Array,
  nonce: number,
  plaintext: Uint8Array,
): EapPskPChannel {
  need(header, EAP_PSK_EAX_HEADER_LENGTH, 'EAX header');
  const sealed = crypto.eaxSeal(tek, eapPskEaxNonce(nonce), header, plaintext);
  const n = sealed.length - EAP_PSK_TAG_LENGTH;
  return { nonce, tag: sealed.slice(n), encrypted: sealed.slice(0, n) };
}

/** `null` when the tag does not verify. */
export function openEapPskPChannel(
  crypto: CryptoProvider,
  tek: Uint8Array,
  header: Uint8Array,
  pchannel: EapPskPChannel,
): Uint8Array | null {
  need(header, EAP_PSK_EAX_HEADER_LENGTH, 'EAX header');
  return crypto.eaxOpen(
    tek,
    eapPskEaxNonce(pchannel.nonce),
    header,
    concatBytes(pchannel.encrypted, pchannel.tag),
  );
}

/** Builds message 3 (server → peer) or 4 (peer → server) with its protected channel sealed. */
export function buildEapPskPChannelPacket(
  crypto: CryptoProvider,
  tek: Uint8Array,
  p: {
    t: 2 | 3;
    identifier: number;
    randS: Uint8Array;
    macS?: Uint8Array;
    nonce: number;
    data: EapPskPChannelData;
  },
): Uint8Array {
  const plain = encodeEapPskPChannelData(p.data);
  const code = eapPskCodeFor(p.t);
  const length =
    EAP_PSK_EAX_HEADER_LENGTH +
    (p.t === 2 ? EAP_PSK_MAC_LENGTH : 0) +
    EAP_PSK_NONCE_LENGTH +
    EAP_PSK_TAG_LENGTH +
    plain.length;
  const header = eapPskEaxHeader(code, p.identifier, length, p.t, p.randS);
  const pchannel = sealEapPskPChannel(crypto, tek, header, p.nonce, plain);
  let message: EapPskMessage;
  if (p.t === 2) {
    if (!p.macS) throw new RangeError('message 3 needs MAC_S');
    message = { t: 2, randS: p.randS, macS: p.macS, pchannel };
  } else {
    message = { t: 3, randS: p.randS, pchannel };
  }
  const bytes = encodeEapPskPacket(p.identifier, message);
  if (bytes.length !== length) throw new Error('EAP-PSK length computation is inconsistent');
  return bytes;
}

/**
 * Opens the protected channel of a received message 3 or 4 (whole EAP packet bytes): `null` on a
 * tag mismatch, DecodeError when the packet or the decrypted data is malformed.
 */
export function openEapPskPChannelPacket(
  crypto: CryptoProvider,
  tek: Uint8Array,
  packet: Uint8Array,
): { identifier: number; message: EapPskMessage; data: EapPskPChannelData } | null {
  const { identifier, message } = decodeEapPskPacket(packet);
  if (message.t !== 2 && message.t !== 3) {
    throw new DecodeError(CODEC, `message T=${message.t} has no protected channel`, 5);
  }
  const plain = openEapPskPChannel(
    crypto,
    tek,
    packet.subarray(0, EAP_PSK_EAX_HEADER_LENGTH),
    message.pchannel,
  );
  if (plain === null) return null;
  return { identifier, message, data: decodeEapPskPChannelData(plain) };
}
