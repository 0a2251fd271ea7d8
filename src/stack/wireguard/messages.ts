/**
 * WireGuard message codecs (whitepaper §5.4.2–§5.4.7). All integers little-endian; every message
 * starts with a type byte and three reserved bytes that must be zero.
 *
 * Decoders are strict: exact lengths for the three handshake messages, reserved bytes zero,
 * transport messages at least header + tag. Field arrays are copies, safe to keep.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import {
  COOKIE_NONCE_LENGTH,
  COOKIE_REPLY_LENGTH,
  HANDSHAKE_INITIATION_LENGTH,
  HANDSHAKE_RESPONSE_LENGTH,
  KEEPALIVE_LENGTH,
  KEY_LENGTH,
  MAC_LENGTH,
  MESSAGE_TYPE,
  type MessageType,
  TAG_LENGTH,
  TIMESTAMP_LENGTH,
  TRANSPORT_HEADER_LENGTH,
} from './constants.ts';

const CODEC = 'wireguard';

/** Message 1 (whitepaper §5.4.2), 148 bytes. */
export interface HandshakeInitiation {
  readonly type: typeof MESSAGE_TYPE.HANDSHAKE_INITIATION;
  readonly senderIndex: number;
  /** Initiator's ephemeral public key, 32 bytes. */
  readonly ephemeral: Uint8Array;
  /** AEAD(initiator static public key), 32 + 16 bytes. */
  readonly encryptedStatic: Uint8Array;
  /** AEAD(TAI64N timestamp), 12 + 16 bytes. */
  readonly encryptedTimestamp: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

/** Message 2 (whitepaper §5.4.3), 92 bytes. */
export interface HandshakeResponse {
  readonly type: typeof MESSAGE_TYPE.HANDSHAKE_RESPONSE;
  readonly senderIndex: number;
  readonly receiverIndex: number;
  readonly ephemeral: Uint8Array;
  /** AEAD(empty), the 16-byte tag only. */
  readonly encryptedNothing: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

/** Message 3 (whitepaper §5.4.7), 64 bytes. */
export interface CookieReply {
  readonly type: typeof MESSAGE_TYPE.COOKIE_REPLY;
  readonly receiverIndex: number;
  /** XChaCha20-Poly1305 nonce, 24 bytes. */
  readonly nonce: Uint8Array;
  /** XAEAD(cookie), 16 + 16 bytes. */
  readonly encryptedCookie: Uint8Array;
}

/** Message 4 (whitepaper §5.4.6): 16-byte header, then ciphertext ‖ tag (≥ 16 bytes). */
export interface TransportData {
  readonly type: typeof MESSAGE_TYPE.TRANSPORT_DATA;
  readonly receiverIndex: number;
  /** 64-bit counter, also the AEAD nonce. */
  readonly counter: bigint;
  readonly encryptedPacket: Uint8Array;
}

export type WireGuardMessage = HandshakeInitiation | HandshakeResponse | CookieReply | TransportData;

// --- helpers ---

function header(r: ByteReader, expected: number): void {
  const type = r.u8('message type');
  if (type !== expected) r.fail(`message type ${type}, expected ${expected}`, 0);
  for (let i = 0; i < 3; i++) if (r.u8('reserved') !== 0) r.fail('reserved byte not zero', r.offset - 1);
}

function exactLength(bytes: Uint8Array, length: number, what: string): ByteReader {
  const r = new ByteReader(bytes, CODEC);
  if (bytes.length !== length) r.fail(`${what} is ${bytes.length} bytes, must be exactly ${length}`);
  return r;
}

function checkBytes(value: Uint8Array, length: number, field: string): Uint8Array {
  if (value.length !== length) throw new RangeError(`${field} must be ${length} bytes, got ${value.length}`);
  return value;
}

function checkU32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${field} must be a u32, got ${value}`);
  }
  return value;
}

function writeHeader(w: ByteWriter, type: number): void {
  w.u8(type).zeros(3);
}

// --- message 1 ---

export function encodeHandshakeInitiation(m: Omit<HandshakeInitiation, 'type'>): Uint8Array {
  const w = new ByteWriter(HANDSHAKE_INITIATION_LENGTH);
  writeHeader(w, MESSAGE_TYPE.HANDSHAKE_INITIATION);
  w.u32le(checkU32(m.senderIndex, 'senderIndex'));
  w.bytes(checkBytes(m.ephemeral, KEY_LENGTH, 'ephemeral'));
  w.bytes(checkBytes(m.encryptedStatic, KEY_LENGTH + TAG_LENGTH, 'encryptedStatic'));
  w.bytes(checkBytes(m.encryptedTimestamp, TIMESTAMP_LENGTH + TAG_LENGTH, 'encryptedTimestamp'));
  w.bytes(checkBytes(m.mac1, MAC_LENGTH, 'mac1'));
  w.bytes(checkBytes(m.mac2, MAC_LENGTH, 'mac2'));
  return w.finish();
}

export function decodeHandshakeInitiation(bytes: Uint8Array): HandshakeInitiation {
  const r = exactLength(bytes, HANDSHAKE_INITIATION_LENGTH, 'handshake initiation');
  header(r, MESSAGE_TYPE.HANDSHAKE_INITIATION);
  const m: HandshakeInitiation = {
    type: MESSAGE_TYPE.HANDSHAKE_INITIATION,
    senderIndex: r.u32le('sender index'),
    ephemeral: r.bytesCopy(KEY_LENGTH, 'ephemeral'),
    encryptedStatic: r.bytesCopy(KEY_LENGTH + TAG_LENGTH, 'encrypted static'),
    encryptedTimestamp: r.bytesCopy(TIMESTAMP_LENGTH + TAG_LENGTH, 'encrypted timestamp'),
    mac1: r.bytesCopy(MAC_LENGTH, 'mac1'),
    mac2: r.bytesCopy(MAC_LENGTH, 'mac2'),
  };
  r.end('handshake initiation');
  return m;
}

// --- message 2 ---

export function encodeHandshakeResponse(m: Omit<HandshakeResponse, 'type'>): Uint8Array {
  const w = new ByteWriter(HANDSHAKE_RESPONSE_LENGTH);
  writeHeader(w, MESSAGE_TYPE.HANDSHAKE_RESPONSE);
  w.u32le(checkU32(m.senderIndex, 'senderIndex'));
  w.u32le(checkU32(m.receiverIndex, 'receiverIndex'));
  w.bytes(checkBytes(m.ephemeral, KEY_LENGTH, 'ephemeral'));
  w.bytes(checkBytes(m.encryptedNothing, TAG_LENGTH, 'encryptedNothing'));
  w.bytes(checkBytes(m.mac1, MAC_LENGTH, 'mac1'));
  w.bytes(checkBytes(m.mac2, MAC_LENGTH, 'mac2'));
  return w.finish();
}

export function decodeHandshakeResponse(bytes: Uint8Array): HandshakeResponse {
  const r = exactLength(bytes, HANDSHAKE_RESPONSE_LENGTH, 'handshake response');
  header(r, MESSAGE_TYPE.HANDSHAKE_RESPONSE);
  const m: HandshakeResponse = {
    type: MESSAGE_TYPE.HANDSHAKE_RESPONSE,
    senderIndex: r.u32le('sender index'),
    receiverIndex: r.u32le('receiver index'),
    ephemeral: r.bytesCopy(KEY_LENGTH, 'ephemeral'),
    encryptedNothing: r.bytesCopy(TAG_LENGTH, 'encrypted nothing'),
    mac1: r.bytesCopy(MAC_LENGTH, 'mac1'),
    mac2: r.bytesCopy(MAC_LENGTH, 'mac2'),
  };
  r.end('handshake response');
  return m;
}

// --- message 3 ---

export function encodeCookieReply(m: Omit<CookieReply, 'type'>): Uint8Array {
  const w = new ByteWriter(COOKIE_REPLY_LENGTH);
  writeHeader(w, MESSAGE_TYPE.COOKIE_REPLY);
  w.u32le(checkU32(m.receiverIndex, 'receiverIndex'));
  w.bytes(checkBytes(m.nonce, COOKIE_NONCE_LENGTH, 'nonce'));
  w.bytes(checkBytes(m.encryptedCookie, MAC_LENGTH + TAG_LENGTH, 'encryptedCookie'));
  return w.finish();
}

export function decodeCookieReply(bytes: Uint8Array): CookieReply {
  const r = exactLength(bytes, COOKIE_REPLY_LENGTH, 'cookie reply');
  header(r, MESSAGE_TYPE.COOKIE_REPLY);
  const m: CookieReply = {
    type: MESSAGE_TYPE.COOKIE_REPLY,
    receiverIndex: r.u32le('receiver index'),
    nonce: r.bytesCopy(COOKIE_NONCE_LENGTH, 'nonce'),
    encryptedCookie: r.bytesCopy(MAC_LENGTH + TAG_LENGTH, 'encrypted cookie'),
  };
  r.end('cookie reply');
  return m;
}

// --- message 4 ---

export function encodeTransportData(m: Omit<TransportData, 'type'>): Uint8Array {
  if (m.encryptedPacket.length < TAG_LENGTH) {
    throw new RangeError(`encryptedPacket must hold at least the ${TAG_LENGTH}-byte tag`);
  }
  if (m.counter < 0n || m.counter > 0xffffffffffffffffn) throw new RangeError('counter must be a u64');
  const w = new ByteWriter(TRANSPORT_HEADER_LENGTH + m.encryptedPacket.length);
  writeHeader(w, MESSAGE_TYPE.TRANSPORT_DATA);
  w.u32le(checkU32(m.receiverIndex, 'receiverIndex'));
  w.u64le(m.counter);
  w.bytes(m.encryptedPacket);
  return w.finish();
}

/**
 * Transport data. The ciphertext length is not required to be a multiple of 16: senders pad to 16
 * but never past the MTU (wireguard-go `calculatePaddingSize`), so receivers accept any length.
 */
export function decodeTransportData(bytes: Uint8Array): TransportData {
  const r = new ByteReader(bytes, CODEC);
  if (bytes.length < KEEPALIVE_LENGTH) {
    r.fail(`transport message is ${bytes.length} bytes, needs at least ${KEEPALIVE_LENGTH}`);
  }
  header(r, MESSAGE_TYPE.TRANSPORT_DATA);
  return {
    type: MESSAGE_TYPE.TRANSPORT_DATA,
    receiverIndex: r.u32le('receiver index'),
    counter: r.u64le('counter'),
    encryptedPacket: r.rest(),
  };
}

// --- dispatch ---

/** The type byte of a datagram, or a DecodeError if it is empty or not a WireGuard type. */
export function peekMessageType(bytes: Uint8Array): MessageType {
  const r = new ByteReader(bytes, CODEC);
  const t = r.u8('message type');
  if (t < MESSAGE_TYPE.HANDSHAKE_INITIATION || t > MESSAGE_TYPE.TRANSPORT_DATA) {
    r.fail(`unknown message type ${t}`, 0);
  }
  return t as MessageType;
}

/** Decodes any of the four messages by its type byte. */
export function decodeMessage(bytes: Uint8Array): WireGuardMessage {
  switch (peekMessageType(bytes)) {
    case MESSAGE_TYPE.HANDSHAKE_INITIATION:
      return decodeHandshakeInitiation(bytes);
    case MESSAGE_TYPE.HANDSHAKE_RESPONSE:
      return decodeHandshakeResponse(bytes);
    case MESSAGE_TYPE.COOKIE_REPLY:
      return decodeCookieReply(bytes);
    case MESSAGE_TYPE.TRANSPORT_DATA:
      return decodeTransportData(bytes);
  }
}

export function encodeMessage(m: WireGuardMessage): Uint8Array {
  switch (m.type) {
    case MESSAGE_TYPE.HANDSHAKE_INITIATION:
      return encodeHandshakeInitiation(m);
    case MESSAGE_TYPE.HANDSHAKE_RESPONSE:
      return encodeHandshakeResponse(m);
    case MESSAGE_TYPE.COOKIE_REPLY:
      return encodeCookieReply(m);
    case MESSAGE_TYPE.TRANSPORT_DATA:
      return encodeTransportData(m);
  }
}
