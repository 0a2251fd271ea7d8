/**
 * The Noise Protocol Framework pieces WireGuard uses (noiseprotocol.org/noise.html rev. 34,
 * §5.1–§5.2, §9 for psk, §12 for 25519/ChaChaPoly/BLAKE2s), independent of WireGuard's framing so
 * that the same code runs the plain-Noise test vectors (cacophony) and WireGuard (whose protocol
 * name is CONSTRUCTION and whose prologue is IDENTIFIER, whitepaper §5.4).
 *
 * Only `Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s` is implemented as a pattern:
 *
 *   IKpsk2:
 *     <- s
 *     ...
 *     -> e, es, s, ss
 *     <- e, ee, se, psk
 *
 * Failures of a received message come back as `{ ok: false, reason }` (an expected event on a
 * network, counted by the caller); misuse (wrong key lengths) throws.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { CryptoError } from '../crypto/provider.ts';
import { ByteWriter, concatBytes } from '../wire/index.ts';

export const DH_LENGTH = 32;
export const HASH_LENGTH = 32;
export const AEAD_TAG_LENGTH = 16;
/** Noise reserves nonce 2^64 − 1 (§5.1). */
const MAX_NONCE = 0xffffffffffffffffn;

/** ChaChaPoly nonce: 32 zero bits then the 64-bit counter little-endian (Noise §12.3; WG §5.4.6). */
export function aeadNonce(counter: bigint): Uint8Array {
  if (counter < 0n || counter > MAX_NONCE) throw new RangeError('nonce counter must be a u64');
  return new ByteWriter(12).zeros(4).u64le(counter).finish();
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Noise SymmetricState (§5.2) with its CipherState (§5.1) inside; BLAKE2s and ChaChaPoly. */
export class SymmetricState {
  private constructor(
    private readonly crypto: CryptoProvider,
    private ck: Uint8Array,
    private h: Uint8Array,
    private k: Uint8Array | null,
    private n: bigint,
  ) {}

  /** InitializeSymmetric(protocol_name) (§5.2): names longer than HASHLEN are hashed. */
  static initialize(crypto: CryptoProvider, protocolName: string): SymmetricState {
    const name = utf8(protocolName);
    let h: Uint8Array;
    if (name.length <= HASH_LENGTH) {
      h = new Uint8Array(HASH_LENGTH);
      h.set(name);
    } else {
      h = crypto.blake2s(name);
    }
    return new SymmetricState(crypto, h.slice(), h, null, 0n);
  }

  /** Chaining key ck (a copy). */
  get chainingKey(): Uint8Array {
    return this.ck.slice();
  }

  /** Handshake hash h (a copy); after the last message this is the channel-binding value. */
  get hash(): Uint8Array {
    return this.h.slice();
  }

  clone(): SymmetricState {
    return new SymmetricState(this.crypto, this.ck.slice(), this.h.slice(), this.k?.slice() ?? null, this.n);
  }

  /** h = HASH(h ‖ data). */
  mixHash(data: Uint8Array): void {
    this.h = this.crypto.blake2s(concatBytes(this.h, data));
  }

  /** ck, temp_k = HKDF(ck, ikm, 2); k = temp_k; n = 0. */
  mixKey(ikm: Uint8Array): void {
    const [ck, k] = this.crypto.hkdfBlake2s(this.ck, ikm, 2) as [Uint8Array, Uint8Array];
    this.ck.fill(0);
    this.ck = ck;
    this.setKey(k);
  }

  /** ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h); k = temp_k; n = 0 (§5.2, for psk). */
  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, th, k] = this.crypto.hkdfBlake2s(this.ck, ikm, 3) as [Uint8Array, Uint8Array, Uint8Array];
    this.ck.fill(0);
    this.ck = ck;
    this.mixHash(th);
    this.setKey(k);
  }

  /** EncryptWithAd(h, plaintext), then MixHash(ciphertext); plaintext passes when no key yet. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    let out: Uint8Array;
    if (this.k === null) {
      out = plaintext.slice();
    } else {
      out = this.crypto.chacha20Poly1305Seal(this.k, aeadNonce(this.nextNonce()), plaintext, this.h);
    }
    this.mixHash(out);
    return out;
  }

  /** The inverse; null when the tag does not verify (the state is then unusable). */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array | null {
    let out: Uint8Array | null;
    if (this.k === null) {
      out = ciphertext.slice();
    } else {
      out = this.crypto.chacha20Poly1305Open(this.k, aeadNonce(this.nextNonce()), ciphertext, this.h);
    }
    if (out === null) return null;
    this.mixHash(ciphertext);
    return out;
  }

  /** Split() (§5.2): the two transport keys, initiator→responder first. */
  split(): [Uint8Array, Uint8Array] {
    const [k1, k2] = this.crypto.hkdfBlake2s(this.ck, new Uint8Array(0), 2) as [Uint8Array, Uint8Array];
    return [k1, k2];
  }

  /** Overwrites the secrets held (ck, k); h is not secret but is cleared too. */
  wipe(): void {
    this.ck.fill(0);
    this.h.fill(0);
    this.k?.fill(0);
    this.k = null;
  }

  private setKey(k: Uint8Array): void {
    this.k?.fill(0);
    this.k = k;
    this.n = 0n;
  }

  private nextNonce(): bigint {
    if (this.n >= MAX_NONCE) throw new CryptoError('Noise nonce exhausted');
    return this.n++;
  }
}

// --- IKpsk2 ---

export interface NoiseProtocol {
  /** e.g. "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s" (WireGuard: CONSTRUCTION). */
  readonly protocolName: string;
  /** Mixed in after initialisation (WireGuard: IDENTIFIER). */
  readonly prologue: Uint8Array;
}

export interface StaticKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export type NoiseFailure =
  /** Message shorter than the pattern needs. */
  | 'truncated'
  /** A DH gave the all-zero output (low-order public key). */
  | 'bad-dh'
  /** The initiator's encrypted static key did not open. */
  | 'bad-static'
  /** A payload did not open (message 1) or the responder's confirmation failed (message 2). */
  | 'bad-payload';

export type NoiseResult<T> =
  | ({ readonly ok: true } & T)
  | { readonly ok: false; readonly reason: NoiseFailure };

/** Initiator state between writing message 1 and reading message 2. */
export interface IkInitiatorState {
  readonly symmetric: SymmetricState;
  readonly localStatic: StaticKeyPair;
  readonly localEphemeralPrivate: Uint8Array;
  readonly remoteStatic: Uint8Array;
}

/** Responder state between reading message 1 and writing message 2. */
export interface IkResponderState {
  readonly symmetric: SymmetricState;
  readonly localStatic: StaticKeyPair;
  readonly remoteStatic: Uint8Array;
  readonly remoteEphemeral: Uint8Array;
}

export interface NoiseSplit {
  /** Key of initiator→responder transport messages. */
  readonly initiatorToResponder: Uint8Array;
  /** Key of responder→initiator transport messages. */
  readonly responderToInitiator: Uint8Array;
  /** Final handshake hash. */
  readonly handshakeHash: Uint8Array;
}

function keyLength(k: Uint8Array, what: string): Uint8Array {
  if (k.length !== DH_LENGTH) throw new RangeError(`${what} must be 32 bytes`);
  return k;
}

/** DH that reports a low-order result as a failure instead of throwing. */
function dh(crypto: CryptoProvider, priv: Uint8Array, pub: Uint8Array): Uint8Array | null {
  try {
    return crypto.x25519(priv, pub);
  } catch (e) {
    if (e instanceof CryptoError) return null;
    throw e;
  }
}

/** Initialize(): protocol name, prologue, then the pre-message `<- s` (responder static). */
function start(crypto: CryptoProvider, protocol: NoiseProtocol, responderStatic: Uint8Array): SymmetricState {
  const ss = SymmetricState.initialize(crypto, protocol.protocolName);
  ss.mixHash(protocol.prologue);
  ss.mixHash(responderStatic);
  return ss;
}

/**
 * The state after InitializeSymmetric and the prologue, before the responder's pre-message: its
 * chaining key and hash are what the whitepaper (§5.4.2) calls Ci and Hi for WireGuard.
 */
export function initialSymmetricState(crypto: CryptoProvider, protocol: NoiseProtocol): SymmetricState {
  const ss = SymmetricState.initialize(crypto, protocol.protocolName);
  ss.mixHash(protocol.prologue);
  return ss;
}

/** Initiator: `-> e, es, s, ss` + payload. Throws CryptoError if `remoteStatic` is low-order. */
export function ikWriteMessage1(
  crypto: CryptoProvider,
  protocol: NoiseProtocol,
  args: {
    localStatic: StaticKeyPair;
    remoteStatic: Uint8Array;
    ephemeralPrivate: Uint8Array;
    payload: Uint8Array;
  },
): { message: Uint8Array; state: IkInitiatorState } {
  keyLength(args.remoteStatic, 'remote static key');
  keyLength(args.ephemeralPrivate, 'ephemeral private key');
  const ss = start(crypto, protocol, args.remoteStatic);
  const ePub = crypto.x25519PublicKey(args.ephemeralPrivate);
  // e (with a psk in the pattern, e is also mixed into the key: Noise §9.2)
  ss.mixHash(ePub);
  ss.mixKey(ePub);
  // es
  ss.mixKey(crypto.x25519(args.ephemeralPrivate, args.remoteStatic));
  // s
  const encStatic = ss.encryptAndHash(args.localStatic.publicKey);
  // ss
  ss.mixKey(crypto.x25519(args.localStatic.privateKey, args.remoteStatic));
  const encPayload = ss.encryptAndHash(args.payload);
  return {
    message: concatBytes(ePub, encStatic, encPayload),
    state: {
      symmetric: ss,
      localStatic: args.localStatic,
      localEphemeralPrivate: args.ephemeralPrivate.slice(),
      remoteStatic: args.remoteStatic.slice(),
    },
  };
}

/** Responder: reads message 1; learns the initiator's static key and the payload. */
export function ikReadMessage1(
  crypto: CryptoProvider,
  protocol: NoiseProtocol,
  args: { localStatic: StaticKeyPair; message: Uint8Array },
): NoiseResult<{ remoteStatic: Uint8Array; payload: Uint8Array; state: IkResponderState }> {
  const m = args.message;
  const staticLen = DH_LENGTH + AEAD_TAG_LENGTH;
  if (m.length < DH_LENGTH + staticLen + AEAD_TAG_LENGTH) return { ok: false, reason: 'truncated' };
  const ss = start(crypto, protocol, args.localStatic.publicKey);
  const re = m.slice(0, DH_LENGTH);
  ss.mixHash(re);
  ss.mixKey(re);
  const es = dh(crypto, args.localStatic.privateKey, re);
  if (es === null) return { ok: false, reason: 'bad-dh' };
  ss.mixKey(es);
  const rs = ss.decryptAndHash(m.subarray(DH_LENGTH, DH_LENGTH + staticLen));
  if (rs === null) return { ok: false, reason: 'bad-static' };
  const s2 = dh(crypto, args.localStatic.privateKey, rs);
  if (s2 === null) return { ok: false, reason: 'bad-dh' };
  ss.mixKey(s2);
  const payload = ss.decryptAndHash(m.subarray(DH_LENGTH + staticLen));
  if (payload === null) return { ok: false, reason: 'bad-payload' };
  return {
    ok: true,
    remoteStatic: rs,
    payload,
    state: { symmetric: ss, localStatic: args.localStatic, remoteStatic: rs, remoteEphemeral: re },
  };
}

/** Responder: `<- e, ee, se, psk` + payload; returns the message and the transport keys. */
export function ikWriteMessage2(
  crypto: CryptoProvider,
  state: IkResponderState,
  args: { ephemeralPrivate: Uint8Array; psk: Uint8Array; payload: Uint8Array },
): NoiseResult<{ message: Uint8Array; split: NoiseSplit }> {
  keyLength(args.ephemeralPrivate, 'ephemeral private key');
  keyLength(args.psk, 'psk');
  const ss = state.symmetric.clone();
  const ePub = crypto.x25519PublicKey(args.ephemeralPrivate);
  ss.mixHash(ePub);
  ss.mixKey(ePub);
  const ee = dh(crypto, args.ephemeralPrivate, state.remoteEphemeral);
  if (ee === null) return { ok: false, reason: 'bad-dh' };
  ss.mixKey(ee);
  const se = dh(crypto, args.ephemeralPrivate, state.remoteStatic);
  if (se === null) return { ok: false, reason: 'bad-dh' };
  ss.mixKey(se);
  ss.mixKeyAndHash(args.psk);
  const encPayload = ss.encryptAndHash(args.payload);
  const [i2r, r2i] = ss.split();
  const split = { initiatorToResponder: i2r, responderToInitiator: r2i, handshakeHash: ss.hash };
  ss.wipe();
  return { ok: true, message: concatBytes(ePub, encPayload), split };
}

/** Initiator: reads message 2; returns the payload and the transport keys. */
export function ikReadMessage2(
  crypto: CryptoProvider,
  state: IkInitiatorState,
  args: { psk: Uint8Array; message: Uint8Array },
): NoiseResult<{ payload: Uint8Array; split: NoiseSplit }> {
  keyLength(args.psk, 'psk');
  const m = args.message;
  if (m.length < DH_LENGTH + AEAD_TAG_LENGTH) return { ok: false, reason: 'truncated' };
  const ss = state.symmetric.clone();
  const re = m.slice(0, DH_LENGTH);
  ss.mixHash(re);
  ss.mixKey(re);
  const ee = dh(crypto, state.localEphemeralPrivate, re);
  if (ee === null) return { ok: false, reason: 'bad-dh' };
  ss.mixKey(ee);
  const se = dh(crypto, state.localStatic.privateKey, re);
  if (se === null) return { ok: false, reason: 'bad-dh' };
  ss.mixKey(se);
  ss.mixKeyAndHash(args.psk);
  const payload = ss.decryptAndHash(m.subarray(DH_LENGTH));
  if (payload === null) return { ok: false, reason: 'bad-payload' };
  const [i2r, r2i] = ss.split();
  const split = { initiatorToResponder: i2r, responderToInitiator: r2i, handshakeHash: ss.hash };
  ss.wipe();
  return { ok: true, payload, split };
}
