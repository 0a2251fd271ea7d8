/**
 * PANA message and AVP codec (RFC 5191 §6, RFC 6345 relay, RFC 6786 Encr-Encap).
 *
 * Strict on every length and reserved field; lenient only on the value of AVP padding bytes
 * (RFC 5191 §6.3 pads to 4 bytes but the AUTH check covers whatever was sent, so a peer that
 * pads with garbage still authenticates and we still verify it over the received bytes).
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { ByteReader, ByteWriter } from '../wire/index.ts';
import {
  PANA_AUTH_LENGTH,
  PANA_AVP_CODE,
  PANA_AVP_FLAG,
  PANA_AVP_HEADER_LENGTH,
  PANA_FLAG,
  PANA_FLAGS_DEFINED,
  PANA_HEADER_LENGTH,
  PANA_MESSAGE_TYPE,
  ZIGBEE_AVP_CODE,
  ZIGBEE_VENDOR_ID,
} from './constants.ts';
import type { PanaMessageType } from './constants.ts';

const CODEC = 'pana';

/** A decoded AVP. Vendor AVPs other than the ZigBee IP ones, and unknown codes, stay `unknown`. */
export type PanaAvp =
  /** RFC 5191 §8.1: HMAC over the whole message with this value zeroed. */
  | { kind: 'auth'; value: Uint8Array }
  /** RFC 5191 §8.2: one EAP packet (decoded by src/stack/eap). */
  | { kind: 'eap-payload'; eap: Uint8Array }
  /** RFC 5191 §8.3: IKEv2 integrity transform id, e.g. AUTH_HMAC_SHA2_256_128. */
  | { kind: 'integrity-algorithm'; algorithm: number }
  /** RFC 5191 §8.4: Integer32 on air, handled as an opaque u32. */
  | { kind: 'key-id'; keyId: number }
  /** RFC 5191 §8.5: 8..256 bytes. */
  | { kind: 'nonce'; nonce: Uint8Array }
  /** RFC 5191 §8.6: IKEv2 PRF transform id, e.g. PRF_HMAC_SHA2_256. */
  | { kind: 'prf-algorithm'; algorithm: number }
  /** RFC 5191 §8.7. */
  | { kind: 'result-code'; resultCode: number }
  /** RFC 5191 §8.8: seconds. */
  | { kind: 'session-lifetime'; seconds: number }
  /** RFC 5191 §8.9. */
  | { kind: 'termination-cause'; cause: number }
  /** RFC 6345 §4: the PaC's IPv6 address and UDP port as the relay saw them. */
  | { kind: 'pac-information'; address: Uint8Array; port: number }
  /**
   * RFC 6345 §4: a whole PANA message. `bytes` is what goes on the wire (a relay forwards it
   * unchanged, and the PAA checks AUTH over exactly these bytes); `message` is its decoding.
   */
  | { kind: 'relayed-message'; bytes: Uint8Array; message: PanaMessage }
  /** RFC 6786 §3.1: encrypted AVPs (see key-wrap.ts). */
  | { kind: 'encr-encap'; encrypted: Uint8Array }
  /** RFC 6786 §3.2. */
  | { kind: 'encryption-algorithm'; algorithm: number }
  /** ZigBee IP vendor AVP 37244/1 (only ever seen in clear inside an Encr-Encap). */
  | { kind: 'zigbee-key-wrap'; key: Uint8Array; keyIndex: number; authCounter: number }
  /** ZigBee IP vendor AVP 37244/2 (2 bytes, nanostack: 1 ‖ current key index). */
  | { kind: 'zigbee-key-request'; value: Uint8Array }
  | { kind: 'unknown'; code: number; vendorId?: number; value: Uint8Array };

export type PanaAvpKind = PanaAvp['kind'];

export interface PanaMessage {
  type: PanaMessageType;
  /** PANA_FLAG bits. */
  flags: number;
  sessionId: number;
  sequence: number;
  avps: PanaAvp[];
}

/**
 * `iana` (default) numbers Encr-Encap 12 and Encryption-Algorithm 13; `nanostack` swaps the two
 * as ZigBee IP stacks do (constants.ts NANOSTACK_AVP_CODE).
 */
export type PanaAvpNumbering = 'iana' | 'nanostack';

export interface PanaDecodeOptions {
  /**
   * How many Relayed-Message levels may nest. 1 (the default) accepts PRY(message) and refuses a
   * relay inside a relay; RFC 6345 never needs more and each level costs the decoder a full pass.
   */
  maxRelayDepth?: number;
  avpNumbering?: PanaAvpNumbering;
}

export interface PanaEncodeOptions {
  /**
   * Fill the AUTH AVP (RFC 5191 §5.3): appended when the message has none, its value ignored
   * when it has one. The key is PANA_AUTH_KEY (auth.ts derivePanaAuthKey).
   */
  auth?: { crypto: CryptoProvider; key: Uint8Array };
  avpNumbering?: PanaAvpNumbering;
}

const PACKED_LENGTH = 18;
const NONCE_MIN = 8;
const NONCE_MAX = 256;
const EAP_HEADER_MIN = 4;
const ZIGBEE_KEY_WRAP_LENGTH = 18;
const ZIGBEE_KEY_REQUEST_LENGTH = 2;

function swapForNumbering(code: number, numbering: PanaAvpNumbering | undefined): number {
  if (numbering !== 'nanostack') return code;
  if (code === PANA_AVP_CODE.ENCR_ENCAP) return PANA_AVP_CODE.ENCRYPTION_ALGORITHM;
  if (code === PANA_AVP_CODE.ENCRYPTION_ALGORITHM) return PANA_AVP_CODE.ENCR_ENCAP;
  return code;
}

/** Short name for logs: PCI, PAR, PAN, PTR, PTA, PNR, PNA, PRY. */
export function panaMessageName(msg: Pick<PanaMessage, 'type' | 'flags'>): string {
  const req = (msg.flags & PANA_FLAG.REQUEST) !== 0;
  switch (msg.type) {
    case PANA_MESSAGE_TYPE.PCI:
      return 'PCI';
    case PANA_MESSAGE_TYPE.AUTH:
      return req ? 'PAR' : 'PAN';
    case PANA_MESSAGE_TYPE.TERMINATION:
      return req ? 'PTR' : 'PTA';
    case PANA_MESSAGE_TYPE.NOTIFICATION:
      return req ? 'PNR' : 'PNA';
    case PANA_MESSAGE_TYPE.RELAY:
      return 'PRY';
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Decodes one PANA message; throws DecodeError on anything malformed. */
export function decodePanaMessage(bytes: Uint8Array, options: PanaDecodeOptions = {}): PanaMessage {
  return decodeAt(bytes, 0, 0, options);
}

function decodeAt(bytes: Uint8Array, base: number, depth: number, options: PanaDecodeOptions): PanaMessage {
  const r = new ByteReader(bytes, CODEC, base);
  // RFC 5191 §6.2: Reserved(16) | Message Length(16) | Flags(16) | Message Type(16) | Session Identifier(32) | Sequence Number(32)
  const reserved = r.u16be('reserved');
  if (reserved !== 0) r.fail(`reserved header field is 0x${reserved.toString(16)}, must be 0`, 0);
  const length = r.u16be('message length');
  if (length !== bytes.length) {
    r.fail(`message length field says ${length} but the message is ${bytes.length} bytes`, 2);
  }
  if (length < PANA_HEADER_LENGTH) r.fail(`message length ${length} is shorter than the 16-byte header`, 2);
  const flags = r.u16be('flags');
  if (flags & ~PANA_FLAGS_DEFINED) {
    r.fail(`reserved flag bits 0x${(flags & ~PANA_FLAGS_DEFINED).toString(16)} are set`, 4);
  }
  const typeRaw = r.u16be('message type');
  if (typeRaw < PANA_MESSAGE_TYPE.PCI || typeRaw > PANA_MESSAGE_TYPE.RELAY) {
    r.fail(`unknown message type ${typeRaw}`, 6);
  }
  const type = typeRaw as PanaMessageType;
  const sessionId = r.u32be('session identifier');
  const sequence = r.u32be('sequence number');
  checkFlagsForType(r, type, flags);
  if (type === PANA_MESSAGE_TYPE.PCI && (sessionId !== 0 || sequence !== 0)) {
    // RFC 5191 §4.1: a PCI carries session id 0 and sequence 0.
    r.fail('PCI with a non-zero session identifier or sequence number', 8);
  }
  if (type === PANA_MESSAGE_TYPE.RELAY && (sessionId !== 0 || sequence !== 0)) {
    // RFC 6345 §3: PRY carries session id 0 and sequence 0.
    r.fail('PRY with a non-zero session identifier or sequence number', 8);
  }

  const avps: PanaAvp[] = [];
  while (!r.atEnd) avps.push(decodeAvp(r, type, depth, options));

  if (type === PANA_MESSAGE_TYPE.RELAY) {
    // RFC 6345 §3: exactly one PaC-Information and one Relayed-Message.
    const pac = avps.filter((a) => a.kind === 'pac-information').length;
    const rel = avps.filter((a) => a.kind === 'relayed-message').length;
    if (pac !== 1 || rel !== 1) {
      r.fail(`PRY needs exactly one PaC-Information and one Relayed-Message AVP (has ${pac} and ${rel})`, 0);
    }
  }
  return { type, flags, sessionId, sequence, avps };
}

function checkFlagsForType(r: ByteReader, type: PanaMessageType, flags: number): void {
  // RFC 5191 §6.2: S, C and I only in PAR/PAN; A and P only in PNR/PNA.
  const authOnly = PANA_FLAG.START | PANA_FLAG.COMPLETE | PANA_FLAG.IP_RECONFIGURATION;
  const notifyOnly = PANA_FLAG.REAUTH | PANA_FLAG.PING;
  if (flags & authOnly && type !== PANA_MESSAGE_TYPE.AUTH) {
    r.fail('S, C or I flag on a message that is not PAR/PAN', 4);
  }
  if (flags & notifyOnly && type !== PANA_MESSAGE_TYPE.NOTIFICATION) {
    r.fail('A or P flag on a message that is not PNR/PNA', 4);
  }
  if ((type === PANA_MESSAGE_TYPE.PCI || type === PANA_MESSAGE_TYPE.RELAY) && flags !== 0) {
    // IANA "Message Types": PCI and PRY have R = 0, and no other flag applies to them.
    r.fail(`${type === PANA_MESSAGE_TYPE.PCI ? 'PCI' : 'PRY'} with flags 0x${flags.toString(16)}`, 4);
  }
}

function decodeAvp(
  r: ByteReader,
  msgType: PanaMessageType,
  depth: number,
  options: PanaDecodeOptions,
): PanaAvp {
  const at = r.offset;
  const rawCode = r.u16be('AVP code');
  const avpFlags = r.u16be('AVP flags');
  if (avpFlags & ~PANA_AVP_FLAG.VENDOR) {
    r.fail(
      `AVP ${rawCode}: reserved AVP flag bits 0x${(avpFlags & ~PANA_AVP_FLAG.VENDOR).toString(16)} set`,
      at + 2,
    );
  }
  const length = r.u16be('AVP length');
  const reserved = r.u16be('AVP reserved');
  if (reserved !== 0)
    r.fail(`AVP ${rawCode}: reserved field is 0x${reserved.toString(16)}, must be 0`, at + 6);
  const vendorId = avpFlags & PANA_AVP_FLAG.VENDOR ? r.u32be('AVP vendor id') : undefined;
  const valueAt = r.offset;
  const value = r.bytesCopy(length, `AVP ${rawCode} value (${length} bytes)`);
  // RFC 5191 §6.3: padded to a 4-byte boundary; the padding bytes must be there (they count in the
  // message length) but their value is not checked.
  const pad = (4 - (length % 4)) % 4;
  if (pad > 0) r.skip(pad, `AVP ${rawCode} padding (${pad} bytes)`);

  const fail = (reason: string): never => r.fail(`AVP ${rawCode}: ${reason}`, valueAt);
  const exact = (n: number, what: string): void => {
    if (length !== n) fail(`${what} must be ${n} bytes, is ${length}`);
  };
  const u32 = (what: string): number => {
    exact(4, what);
    return new DataView(value.buffer, value.byteOffset, 4).getUint32(0, false);
  };

  if (vendorId !== undefined) {
    if (vendorId === ZIGBEE_VENDOR_ID && rawCode === ZIGBEE_AVP_CODE.KEY_WRAP) {
      exact(ZIGBEE_KEY_WRAP_LENGTH, 'ZigBee IP key-wrap');
      return {
        kind: 'zigbee-key-wrap',
        key: value.slice(0, 16),
        keyIndex: value[16]!,
        authCounter: value[17]!,
      };
    }
    if (vendorId === ZIGBEE_VENDOR_ID && rawCode === ZIGBEE_AVP_CODE.KEY_REQUEST) {
      exact(ZIGBEE_KEY_REQUEST_LENGTH, 'ZigBee IP key request');
      return { kind: 'zigbee-key-request', value };
    }
    return { kind: 'unknown', code: rawCode, vendorId, value };
  }

  const code = swapForNumbering(rawCode, options.avpNumbering);
  switch (code) {
    case PANA_AVP_CODE.AUTH:
      if (length === 0) fail('empty AUTH');
      return { kind: 'auth', value };
    case PANA_AVP_CODE.EAP_PAYLOAD:
      if (length < EAP_HEADER_MIN) fail(`EAP-Payload of ${length} bytes is shorter than an EAP header`);
      return { kind: 'eap-payload', eap: value };
    case PANA_AVP_CODE.INTEGRITY_ALGORITHM:
      return { kind: 'integrity-algorithm', algorithm: u32('Integrity-Algorithm') };
    case PANA_AVP_CODE.KEY_ID:
      return { kind: 'key-id', keyId: u32('Key-Id') };
    case PANA_AVP_CODE.NONCE:
      // RFC 5191 §8.5: between 8 and 256 bytes.
      if (length < NONCE_MIN || length > NONCE_MAX) fail(`Nonce of ${length} bytes is outside 8..256`);
      return { kind: 'nonce', nonce: value };
    case PANA_AVP_CODE.PRF_ALGORITHM:
      return { kind: 'prf-algorithm', algorithm: u32('PRF-Algorithm') };
    case PANA_AVP_CODE.RESULT_CODE:
      return { kind: 'result-code', resultCode: u32('Result-Code') };
    case PANA_AVP_CODE.SESSION_LIFETIME:
      return { kind: 'session-lifetime', seconds: u32('Session-Lifetime') };
    case PANA_AVP_CODE.TERMINATION_CAUSE:
      return { kind: 'termination-cause', cause: u32('Termination-Cause') };
    case PANA_AVP_CODE.PAC_INFORMATION:
      if (msgType !== PANA_MESSAGE_TYPE.RELAY) fail('PaC-Information outside a PRY');
      exact(PACKED_LENGTH, 'PaC-Information (IPv6 address + port)');
      return {
        kind: 'pac-information',
        address: value.slice(0, 16),
        port: (value[16]! << 8) | value[17]!,
      };
    case PANA_AVP_CODE.RELAYED_MESSAGE: {
      if (msgType !== PANA_MESSAGE_TYPE.RELAY) fail('Relayed-Message outside a PRY');
      const maxDepth = options.maxRelayDepth ?? 1;
      if (depth + 1 > maxDepth) fail(`Relayed-Message nested deeper than ${maxDepth}`);
      const message = decodeAt(value, r.base + valueAt, depth + 1, options);
      return { kind: 'relayed-message', bytes: value, message };
    }
    case PANA_AVP_CODE.ENCR_ENCAP:
      if (length === 0) fail('empty Encr-Encap');
      return { kind: 'encr-encap', encrypted: value };
    case PANA_AVP_CODE.ENCRYPTION_ALGORITHM:
      return { kind: 'encryption-algorithm', algorithm: u32('Encryption-Algorithm') };
    default:
      return { kind: 'unknown', code: rawCode, value };
  }
}

/** Decodes a bare AVP list (e.g. the plaintext of an Encr-Encap). Relay AVPs are refused there. */
export function decodePanaAvps(bytes: Uint8Array, options: PanaDecodeOptions = {}): PanaAvp[] {
  const r = new ByteReader(bytes, CODEC);
  const avps: PanaAvp[] = [];
  // Decoded as if inside a PAR: PaC-Information and Relayed-Message belong only in a PRY.
  while (!r.atEnd) avps.push(decodeAvp(r, PANA_MESSAGE_TYPE.AUTH, 0, options));
  return avps;
}

// ---------------------------------------------------------------------------------------------
// Encoding

function u32Bytes(v: number, what: string): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} ${v} is not a u32`);
  return new ByteWriter(4).u32be(v).finish();
}

function rawAvp(
  avp: PanaAvp,
  numbering: PanaAvpNumbering | undefined,
): { code: number; vendorId?: number; value: Uint8Array } {
  const c = (code: number): number => swapForNumbering(code, numbering);
  switch (avp.kind) {
    case 'auth':
      return { code: PANA_AVP_CODE.AUTH, value: avp.value };
    case 'eap-payload':
      return { code: PANA_AVP_CODE.EAP_PAYLOAD, value: avp.eap };
    case 'integrity-algorithm':
      return {
        code: PANA_AVP_CODE.INTEGRITY_ALGORITHM,
        value: u32Bytes(avp.algorithm, 'Integrity-Algorithm'),
      };
    case 'key-id':
      return { code: PANA_AVP_CODE.KEY_ID, value: u32Bytes(avp.keyId, 'Key-Id') };
    case 'nonce':
      if (avp.nonce.length < NONCE_MIN || avp.nonce.length > NONCE_MAX) {
        throw new RangeError(`Nonce of ${avp.nonce.length} bytes is outside 8..256`);
      }
      return { code: PANA_AVP_CODE.NONCE, value: avp.nonce };
    case 'prf-algorithm':
      return { code: PANA_AVP_CODE.PRF_ALGORITHM, value: u32Bytes(avp.algorithm, 'PRF-Algorithm') };
    case 'result-code':
      return { code: PANA_AVP_CODE.RESULT_CODE, value: u32Bytes(avp.resultCode, 'Result-Code') };
    case 'session-lifetime':
      return { code: PANA_AVP_CODE.SESSION_LIFETIME, value: u32Bytes(avp.seconds, 'Session-Lifetime') };
    case 'termination-cause':
      return { code: PANA_AVP_CODE.TERMINATION_CAUSE, value: u32Bytes(avp.cause, 'Termination-Cause') };
    case 'pac-information': {
      if (avp.address.length !== 16) throw new RangeError('PaC-Information address must be 16 bytes');
      if (!Number.isInteger(avp.port) || avp.port < 0 || avp.port > 0xffff) {
        throw new RangeError(`PaC-Information port ${avp.port} is not a u16`);
      }
      return {
        code: PANA_AVP_CODE.PAC_INFORMATION,
        value: new ByteWriter(PACKED_LENGTH).bytes(avp.address).u16be(avp.port).finish(),
      };
    }
    case 'relayed-message':
      return { code: PANA_AVP_CODE.RELAYED_MESSAGE, value: avp.bytes };
    case 'encr-encap':
      return { code: c(PANA_AVP_CODE.ENCR_ENCAP), value: avp.encrypted };
    case 'encryption-algorithm':
      return {
        code: c(PANA_AVP_CODE.ENCRYPTION_ALGORITHM),
        value: u32Bytes(avp.algorithm, 'Encryption-Algorithm'),
      };
    case 'zigbee-key-wrap': {
      if (avp.key.length !== 16) throw new RangeError('ZigBee IP key-wrap key must be 16 bytes');
      for (const [n, v] of [
        ['key index', avp.keyIndex],
        ['auth counter', avp.authCounter],
      ] as const) {
        if (!Number.isInteger(v) || v < 0 || v > 0xff)
          throw new RangeError(`ZigBee IP key-wrap ${n} ${v} is not a u8`);
      }
      return {
        code: ZIGBEE_AVP_CODE.KEY_WRAP,
        vendorId: ZIGBEE_VENDOR_ID,
        value: new ByteWriter(ZIGBEE_KEY_WRAP_LENGTH)
          .bytes(avp.key)
          .u8(avp.keyIndex)
          .u8(avp.authCounter)
          .finish(),
      };
    }
    case 'zigbee-key-request':
      if (avp.value.length !== ZIGBEE_KEY_REQUEST_LENGTH)
        throw new RangeError('ZigBee IP key request must be 2 bytes');
      return { code: ZIGBEE_AVP_CODE.KEY_REQUEST, vendorId: ZIGBEE_VENDOR_ID, value: avp.value };
    case 'unknown':
      if (!Number.isInteger(avp.code) || avp.code < 0 || avp.code > 0xffff) {
        throw new RangeError(`AVP code ${avp.code} is not a u16`);
      }
      if (
        avp.vendorId !== undefined &&
        (!Number.isInteger(avp.vendorId) || avp.vendorId < 0 || avp.vendorId > 0xffffffff)
      ) {
        throw new RangeError(`vendor id ${avp.vendorId} is not a u32`);
      }
      return avp.vendorId === undefined
        ? { code: avp.code, value: avp.value }
        : { code: avp.code, vendorId: avp.vendorId, value: avp.value };
  }
}

function writeAvp(w: ByteWriter, avp: PanaAvp, numbering: PanaAvpNumbering | undefined): void {
  const { code, vendorId, value } = rawAvp(avp, numbering);
  if (value.length > 0xffff) throw new RangeError(`AVP ${code} value of ${value.length} bytes does not fit`);
  w.u16be(code)
    .u16be(vendorId === undefined ? 0 : PANA_AVP_FLAG.VENDOR)
    .u16be(value.length)
    .u16be(0);
  if (vendorId !== undefined) w.u32be(vendorId);
  w.bytes(value).zeros((4 - (value.length % 4)) % 4);
}

/** Encodes a bare AVP list (4-byte aligned, zero padding). */
export function encodePanaAvps(avps: readonly PanaAvp[], numbering?: PanaAvpNumbering): Uint8Array {
  const w = new ByteWriter(64);
  for (const a of avps) writeAvp(w, a, numbering);
  return w.finish();
}

/** Encodes one PANA message; with `options.auth` the AUTH AVP is filled in (RFC 5191 §5.3). */
export function encodePanaMessage(msg: PanaMessage, options: PanaEncodeOptions = {}): Uint8Array {
  if (!Number.isInteger(msg.flags) || msg.flags < 0 || msg.flags & ~PANA_FLAGS_DEFINED) {
    throw new RangeError(`flags 0x${msg.flags.toString(16)} use reserved bits`);
  }
  if (!Number.isInteger(msg.type) || msg.type < 1 || msg.type > 0xffff)
    throw new RangeError(`message type ${msg.type}`);
  let avps = msg.avps;
  if (options.auth) {
    const auths = avps.filter((a) => a.kind === 'auth');
    if (auths.length > 1) throw new RangeError('message has more than one AUTH AVP');
    if (auths.length === 0) avps = [...avps, { kind: 'auth', value: new Uint8Array(PANA_AUTH_LENGTH) }];
    else if (auths[0]!.value.length !== PANA_AUTH_LENGTH) throw new RangeError('AUTH AVP must be 16 bytes');
  }
  const w = new ByteWriter(128);
  w.u16be(0).u16be(0).u16be(msg.flags).u16be(msg.type).u32be(msg.sessionId).u32be(msg.sequence);
  let authValueAt = -1;
  for (const a of avps) {
    if (a.kind === 'auth') authValueAt = w.length + PANA_AVP_HEADER_LENGTH;
    writeAvp(w, a, options.avpNumbering);
  }
  if (w.length > 0xffff) throw new RangeError(`message of ${w.length} bytes exceeds the 16-bit length field`);
  w.patchU16be(2, w.length);
  const out = w.finish();
  if (options.auth) {
    // RFC 5191 §5.3: AUTH = the integrity algorithm over the whole message with the AUTH value zeroed.
    out.fill(0, authValueAt, authValueAt + PANA_AUTH_LENGTH);
    const mac = options.auth.crypto.hmacSha256(options.auth.key, out).subarray(0, PANA_AUTH_LENGTH);
    out.set(mac, authValueAt);
  }
  return out;
}

/** Wraps a message for a PRY (RFC 6345 §3): the AVP carries its encoding. */
export function relayedMessageAvp(inner: PanaMessage | Uint8Array, options: PanaDecodeOptions = {}): PanaAvp {
  if (inner instanceof Uint8Array) {
    return { kind: 'relayed-message', bytes: inner.slice(), message: decodePanaMessage(inner, options) };
  }
  return {
    kind: 'relayed-message',
    bytes: encodePanaMessage(inner, { avpNumbering: options.avpNumbering }),
    message: inner,
  };
}

/**
 * Offsets of the AUTH AVP values in a top-level message, without building the message (for
 * computing and checking AUTH over received bytes). Throws DecodeError when the AVP walk fails.
 */
export function findAuthValueOffsets(bytes: Uint8Array): { offset: number; length: number }[] {
  const r = new ByteReader(bytes, CODEC);
  r.skip(2, 'reserved');
  const length = r.u16be('message length');
  if (length !== bytes.length || length < PANA_HEADER_LENGTH) {
    r.fail(`message length field says ${length} but the message is ${bytes.length} bytes`, 2);
  }
  r.skip(PANA_HEADER_LENGTH - 4, 'header');
  const found: { offset: number; length: number }[] = [];
  while (!r.atEnd) {
    const code = r.u16be('AVP code');
    const flags = r.u16be('AVP flags');
    const len = r.u16be('AVP length');
    r.skip(2, 'AVP reserved');
    if (flags & PANA_AVP_FLAG.VENDOR) r.skip(4, 'AVP vendor id');
    else if (code === PANA_AVP_CODE.AUTH) found.push({ offset: r.offset, length: len });
    r.skip(len + ((4 - (len % 4)) % 4), `AVP ${code} value`);
  }
  return found;
}

/** The first AVP of a kind, typed. */
export function getPanaAvp<K extends PanaAvpKind>(
  msg: Pick<PanaMessage, 'avps'>,
  kind: K,
): Extract<PanaAvp, { kind: K }> | undefined {
  return msg.avps.find((a): a is Extract<PanaAvp, { kind: K }> => a.kind === kind);
}
