/**
 * WireGuard's handshake (whitepaper §5.4.2–§5.4.5) as pure functions over the generic Noise
 * IKpsk2 code in `noise.ts`: protocol name CONSTRUCTION, prologue IDENTIFIER, message-1 payload
 * the TAI64N timestamp, message-2 payload empty, plus WireGuard's framing (type, indices) and
 * mac1/mac2. Ephemeral keys, indices, timestamps and cookies are injected, so every output is
 * deterministic; the handshake/timer state machine (later issue) supplies them from its RNG and
 * clock and keeps the returned state objects.
 *
 * What these functions do not decide (the state machine does): whether the initiator's static
 * key belongs to a configured peer, timestamp replay (`isStrictlyAfter`), initiation flood
 * (HANDSHAKE_INITIATION_RATE), mac2 under load, and index allocation.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { DecodeError } from '../wire/index.ts';
import {
  CONSTRUCTION,
  IDENTIFIER,
  INITIATION_MAC1_OFFSET,
  KEY_LENGTH,
  MAC_LENGTH,
  RESPONSE_MAC1_OFFSET,
  TAG_LENGTH,
} from './constants.ts';
import { deriveMacKeys, mac1Of, stampMacs, verifyMac1 } from './cookie.ts';
import {
  decodeHandshakeInitiation,
  decodeHandshakeResponse,
  encodeHandshakeInitiation,
  encodeHandshakeResponse,
} from './messages.ts';
import type { HandshakeInitiation, HandshakeResponse } from './messages.ts';
import {
  DH_LENGTH,
  SymmetricState,
  ikReadMessage1,
  ikReadMessage2,
  ikWriteMessage1,
  ikWriteMessage2,
} from './noise.ts';
import type {
  IkInitiatorState,
  IkResponderState,
  NoiseFailure,
  NoiseProtocol,
  StaticKeyPair,
} from './noise.ts';
import { decodeTai64n, encodeTai64n } from './tai64n.ts';
import type { Tai64n } from './tai64n.ts';

export type { StaticKeyPair } from './noise.ts';

/** WireGuard as a Noise protocol: CONSTRUCTION with IDENTIFIER as prologue (whitepaper §5.4). */
export const WIREGUARD_PROTOCOL: NoiseProtocol = {
  protocolName: CONSTRUCTION,
  prologue: new TextEncoder().encode(IDENTIFIER),
};

/** The all-zero psk used when a peer has none configured (whitepaper §5.4.3). */
export const NO_PRESHARED_KEY = new Uint8Array(KEY_LENGTH);

const EMPTY = new Uint8Array(0);
const INITIATION_NOISE_OFFSET = 8;
const RESPONSE_NOISE_OFFSET = 12;

/** Ci = HASH(CONSTRUCTION) and Hi = HASH(Ci ‖ IDENTIFIER) (whitepaper §5.4.2). */
export function initialChainingKeyAndHash(crypto: CryptoProvider): {
  chainingKey: Uint8Array;
  hash: Uint8Array;
} {
  const ss = SymmetricState.initialize(crypto, WIREGUARD_PROTOCOL.protocolName);
  ss.mixHash(WIREGUARD_PROTOCOL.prologue);
  return { chainingKey: ss.chainingKey, hash: ss.hash };
}

export type HandshakeFailure =
  | NoiseFailure
  /** mac1 did not verify: not addressed to this static key, or altered. */
  | 'bad-mac1'
  /** The decrypted timestamp is not a valid TAI64N value. */
  | 'bad-timestamp'
  /** A response whose receiver index is not the index of this handshake. */
  | 'wrong-receiver-index';

export type HandshakeResult<T> =
  | ({ readonly ok: true } & T)
  | { readonly ok: false; readonly reason: HandshakeFailure };

/** Keys for one session, named from this side's point of view (whitepaper §5.4.5). */
export interface TransportKeys {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  /** Our index: the receiver index of packets sent to us. */
  readonly localIndex: number;
  /** The peer's index: the receiver index we put on packets we send. */
  readonly remoteIndex: number;
  readonly isInitiator: boolean;
}

/** What the initiator keeps after sending an initiation. */
export interface InitiatorHandshake {
  readonly noise: IkInitiatorState;
  readonly localIndex: number;
  readonly presharedKey: Uint8Array;
  /** mac1 of the initiation sent: the AAD of a cookie reply answering it. */
  readonly mac1: Uint8Array;
  readonly timestamp: Tai64n;
}

/** What the responder keeps between consuming an initiation and sending the response. */
export interface ResponderHandshake {
  readonly noise: IkResponderState;
  /** The initiator's sender index. */
  readonly remoteIndex: number;
  /** The initiator's static public key. */
  readonly remoteStatic: Uint8Array;
  readonly timestamp: Tai64n;
}

function checkPsk(psk: Uint8Array): Uint8Array {
  if (psk.length !== KEY_LENGTH) throw new RangeError('preshared key must be 32 bytes');
  return psk;
}

/**
 * Initiator, message 1. `cookie` is the peer's last cookie if still fresh (it fills mac2).
 * Returns the datagram to send and the state to keep until the response arrives.
 */
export function createInitiation(
  crypto: CryptoProvider,
  args: {
    localStatic: StaticKeyPair;
    remoteStatic: Uint8Array;
    presharedKey?: Uint8Array;
    ephemeralPrivate: Uint8Array;
    timestamp: Tai64n;
    senderIndex: number;
    cookie?: Uint8Array | null;
  },
): { bytes: Uint8Array; message: HandshakeInitiation; state: InitiatorHandshake } {
  const psk = checkPsk(args.presharedKey ?? NO_PRESHARED_KEY);
  const { message: noiseMsg, state } = ikWriteMessage1(crypto, WIREGUARD_PROTOCOL, {
    localStatic: args.localStatic,
    remoteStatic: args.remoteStatic,
    ephemeralPrivate: args.ephemeralPrivate,
    payload: encodeTai64n(args.timestamp),
  });
  const unsigned = encodeHandshakeInitiation({
    senderIndex: args.senderIndex,
    ephemeral: noiseMsg.subarray(0, DH_LENGTH),
    encryptedStatic: noiseMsg.subarray(DH_LENGTH, 2 * DH_LENGTH + TAG_LENGTH),
    encryptedTimestamp: noiseMsg.subarray(2 * DH_LENGTH + TAG_LENGTH),
    mac1: new Uint8Array(MAC_LENGTH),
    mac2: new Uint8Array(MAC_LENGTH),
  });
  const { mac1Key } = deriveMacKeys(crypto, args.remoteStatic);
  const bytes = stampMacs(crypto, mac1Key, args.cookie ?? null, unsigned);
  return {
    bytes,
    message: decodeHandshakeInitiation(bytes),
    state: {
      noise: state,
      localIndex: args.senderIndex,
      presharedKey: psk.slice(),
      mac1: mac1Of(bytes),
      timestamp: args.timestamp,
    },
  };
}

/**
 * Responder, message 1: checks mac1 against our static key, opens the initiator's static key
 * and timestamp. Malformed datagrams throw DecodeError (from the codec); cryptographic failures
 * return `{ ok: false, reason }`.
 */
export function consumeInitiation(
  crypto: CryptoProvider,
  args: { localStatic: StaticKeyPair; bytes: Uint8Array; mac1Key?: Uint8Array },
): HandshakeResult<{
  remoteStatic: Uint8Array;
  remoteIndex: number;
  timestamp: Tai64n;
  state: ResponderHandshake;
}> {
  const msg = decodeHandshakeInitiation(args.bytes);
  const mac1Key = args.mac1Key ?? deriveMacKeys(crypto, args.localStatic.publicKey).mac1Key;
  if (!verifyMac1(crypto, mac1Key, args.bytes)) return { ok: false, reason: 'bad-mac1' };
  const read = ikReadMessage1(crypto, WIREGUARD_PROTOCOL, {
    localStatic: args.localStatic,
    // The Noise message is e ‖ enc(s) ‖ enc(timestamp), after type, reserved and sender index.
    message: args.bytes.subarray(INITIATION_NOISE_OFFSET, INITIATION_MAC1_OFFSET),
  });
  if (!read.ok) return read.reason === 'bad-payload' ? { ok: false, reason: 'bad-timestamp' } : read;
  let timestamp: Tai64n;
  try {
    timestamp = decodeTai64n(read.payload);
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, reason: 'bad-timestamp' };
    throw e;
  }
  return {
    ok: true,
    remoteStatic: read.remoteStatic,
    remoteIndex: msg.senderIndex,
    timestamp,
    state: { noise: read.state, remoteIndex: msg.senderIndex, remoteStatic: read.remoteStatic, timestamp },
  };
}

/**
 * Responder, message 2, once the state machine has accepted the initiation (known peer, fresh
 * timestamp). `presharedKey` is that peer's psk. Returns the datagram and the session keys.
 */
export function createResponse(
  crypto: CryptoProvider,
  state: ResponderHandshake,
  args: {
    ephemeralPrivate: Uint8Array;
    presharedKey?: Uint8Array;
    senderIndex: number;
    cookie?: Uint8Array | null;
  },
): HandshakeResult<{ bytes: Uint8Array; message: HandshakeResponse; keys: TransportKeys }> {
  const psk = checkPsk(args.presharedKey ?? NO_PRESHARED_KEY);
  const w = ikWriteMessage2(crypto, state.noise, {
    ephemeralPrivate: args.ephemeralPrivate,
    psk,
    payload: EMPTY,
  });
  if (!w.ok) return w;
  const unsigned = encodeHandshakeResponse({
    senderIndex: args.senderIndex,
    receiverIndex: state.remoteIndex,
    ephemeral: w.message.subarray(0, DH_LENGTH),
    encryptedNothing: w.message.subarray(DH_LENGTH),
    mac1: new Uint8Array(MAC_LENGTH),
    mac2: new Uint8Array(MAC_LENGTH),
  });
  const { mac1Key } = deriveMacKeys(crypto, state.remoteStatic);
  const bytes = stampMacs(crypto, mac1Key, args.cookie ?? null, unsigned);
  return {
    ok: true,
    bytes,
    message: decodeHandshakeResponse(bytes),
    keys: {
      // The responder receives with τ1 and sends with τ2 (whitepaper §5.4.5).
      sendKey: w.split.responderToInitiator,
      receiveKey: w.split.initiatorToResponder,
      localIndex: args.senderIndex,
      remoteIndex: state.remoteIndex,
      isInitiator: false,
    },
  };
}

/**
 * Initiator, message 2: checks mac1 against our static key and the receiver index, completes the
 * handshake and returns the session keys.
 */
export function consumeResponse(
  crypto: CryptoProvider,
  state: InitiatorHandshake,
  args: { bytes: Uint8Array; mac1Key?: Uint8Array },
): HandshakeResult<{ keys: TransportKeys; remoteIndex: number }> {
  const msg = decodeHandshakeResponse(args.bytes);
  if (msg.receiverIndex !== state.localIndex) return { ok: false, reason: 'wrong-receiver-index' };
  const mac1Key = args.mac1Key ?? deriveMacKeys(crypto, state.noise.localStatic.publicKey).mac1Key;
  if (!verifyMac1(crypto, mac1Key, args.bytes)) return { ok: false, reason: 'bad-mac1' };
  const r = ikReadMessage2(crypto, state.noise, {
    psk: state.presharedKey,
    // e ‖ enc(empty), after type, reserved, sender and receiver index.
    message: args.bytes.subarray(RESPONSE_NOISE_OFFSET, RESPONSE_MAC1_OFFSET),
  });
  if (!r.ok) return r;
  return {
    ok: true,
    remoteIndex: msg.senderIndex,
    keys: {
      sendKey: r.split.initiatorToResponder,
      receiveKey: r.split.responderToInitiator,
      localIndex: state.localIndex,
      remoteIndex: msg.senderIndex,
      isInitiator: true,
    },
  };
}

/** Overwrites the secrets of a handshake state once it is finished or abandoned. */
export function wipeHandshake(state: InitiatorHandshake | ResponderHandshake): void {
  state.noise.symmetric.wipe();
  if ('localEphemeralPrivate' in state.noise) state.noise.localEphemeralPrivate.fill(0);
  if ('presharedKey' in state) state.presharedKey.fill(0);
}
