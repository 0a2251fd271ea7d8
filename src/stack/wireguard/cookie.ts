/**
 * WireGuard's DoS defence (whitepaper §5.3 and §5.4.4, §5.4.7): mac1 and mac2 on the handshake
 * messages, and the cookie reply. Compared with wireguard-go `device/cookie.go`.
 *
 *   mac1 = MAC(HASH(LABEL_MAC1 ‖ Spub_receiver), msg[0 : off_mac1])
 *   mac2 = MAC(cookie, msg[0 : off_mac2])           (16 zero bytes when no fresh cookie)
 *   cookie = MAC(Rchanging, source IP ‖ source port) (responder side; secret rotates every 2 min)
 *   cookie reply: XAEAD(HASH(LABEL_COOKIE ‖ Spub_responder), nonce, cookie, mac1 of the answered msg)
 *
 * MAC is keyed BLAKE2s with a 16-byte output; HASH is BLAKE2s-256.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { concatBytes } from '../wire/index.ts';
import {
  COOKIE_LENGTH,
  COOKIE_NONCE_LENGTH,
  HANDSHAKE_INITIATION_LENGTH,
  HANDSHAKE_RESPONSE_LENGTH,
  KEY_LENGTH,
  LABEL_COOKIE,
  LABEL_MAC1,
  MAC_LENGTH,
  MESSAGE_TYPE,
} from './constants.ts';
import type { CookieReply } from './messages.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Keys derived once per static public key (the receiver's for mac1, the responder's for cookies). */
export interface MacKeys {
  /** HASH(LABEL_MAC1 ‖ Spub). */
  readonly mac1Key: Uint8Array;
  /** HASH(LABEL_COOKIE ‖ Spub): the XChaCha20-Poly1305 key of cookie replies. */
  readonly cookieKey: Uint8Array;
}

export function deriveMacKeys(crypto: CryptoProvider, staticPublicKey: Uint8Array): MacKeys {
  if (staticPublicKey.length !== KEY_LENGTH) throw new RangeError('static public key must be 32 bytes');
  return {
    mac1Key: crypto.blake2s(concatBytes(ascii(LABEL_MAC1), staticPublicKey)),
    cookieKey: crypto.blake2s(concatBytes(ascii(LABEL_COOKIE), staticPublicKey)),
  };
}

/** Both handshake messages end in mac1 ‖ mac2; the offsets follow from the length. */
function macOffsets(message: Uint8Array): { mac1: number; mac2: number } {
  if (message.length !== HANDSHAKE_INITIATION_LENGTH && message.length !== HANDSHAKE_RESPONSE_LENGTH) {
    throw new RangeError(`not a handshake message: ${message.length} bytes`);
  }
  const mac2 = message.length - MAC_LENGTH;
  return { mac1: mac2 - MAC_LENGTH, mac2 };
}

/** The MAC function: keyed BLAKE2s-128. */
export function mac(crypto: CryptoProvider, key: Uint8Array, data: Uint8Array): Uint8Array {
  return crypto.blake2s(data, MAC_LENGTH, key);
}

/** mac1 over msg[0:off_mac1] of an encoded initiation (148 B) or response (92 B). */
export function computeMac1(crypto: CryptoProvider, mac1Key: Uint8Array, message: Uint8Array): Uint8Array {
  return mac(crypto, mac1Key, message.subarray(0, macOffsets(message).mac1));
}

/** Constant-time check of the mac1 field; `mac1Key` is derived from the receiver's own public key. */
export function verifyMac1(crypto: CryptoProvider, mac1Key: Uint8Array, message: Uint8Array): boolean {
  const off = macOffsets(message);
  return crypto.timingSafeEqual(computeMac1(crypto, mac1Key, message), message.subarray(off.mac1, off.mac2));
}

/** mac2 over msg[0:off_mac2] (which includes mac1); `cookie` null gives the 16 zero bytes. */
export function computeMac2(
  crypto: CryptoProvider,
  cookie: Uint8Array | null,
  message: Uint8Array,
): Uint8Array {
  const off = macOffsets(message);
  if (cookie === null) return new Uint8Array(MAC_LENGTH);
  if (cookie.length !== COOKIE_LENGTH) throw new RangeError('cookie must be 16 bytes');
  return mac(crypto, cookie, message.subarray(0, off.mac2));
}

/** Constant-time check of the mac2 field against the cookie the responder computes for the source. */
export function verifyMac2(crypto: CryptoProvider, cookie: Uint8Array, message: Uint8Array): boolean {
  const off = macOffsets(message);
  return crypto.timingSafeEqual(computeMac2(crypto, cookie, message), message.subarray(off.mac2));
}

/**
 * A copy of an encoded handshake message with mac1 and then mac2 filled in (the sender's last
 * step, wireguard-go `AddMacs`). `cookie` is the last cookie received from the peer while still
 * fresh (younger than COOKIE_REFRESH_TIME), else null.
 */
export function stampMacs(
  crypto: CryptoProvider,
  mac1Key: Uint8Array,
  cookie: Uint8Array | null,
  message: Uint8Array,
): Uint8Array {
  const off = macOffsets(message);
  const out = message.slice();
  out.set(computeMac1(crypto, mac1Key, out), off.mac1);
  out.set(computeMac2(crypto, cookie, out), off.mac2);
  return out;
}

/** The mac1 field of an encoded handshake message (to remember for a cookie reply). */
export function mac1Of(message: Uint8Array): Uint8Array {
  const off = macOffsets(message);
  return message.slice(off.mac1, off.mac2);
}

/**
 * The responder's cookie for a source: MAC(secret, source IP bytes ‖ source port big-endian)
 * (whitepaper §5.4.7). `source` is that concatenation, built by the caller.
 */
export function makeCookie(crypto: CryptoProvider, secret: Uint8Array, source: Uint8Array): Uint8Array {
  if (secret.length !== KEY_LENGTH) throw new RangeError('cookie secret must be 32 bytes');
  return mac(crypto, secret, source);
}

/**
 * Builds the cookie reply to a handshake message whose mac1 was `answeredMac1`. The nonce is
 * 24 random bytes, injected so the function is deterministic.
 */
export function createCookieReply(
  crypto: CryptoProvider,
  cookieKey: Uint8Array,
  args: { receiverIndex: number; nonce: Uint8Array; cookie: Uint8Array; answeredMac1: Uint8Array },
): CookieReply {
  if (args.nonce.length !== COOKIE_NONCE_LENGTH) throw new RangeError('cookie nonce must be 24 bytes');
  if (args.cookie.length !== COOKIE_LENGTH) throw new RangeError('cookie must be 16 bytes');
  if (args.answeredMac1.length !== MAC_LENGTH) throw new RangeError('mac1 must be 16 bytes');
  return {
    type: MESSAGE_TYPE.COOKIE_REPLY,
    receiverIndex: args.receiverIndex,
    nonce: args.nonce.slice(),
    encryptedCookie: crypto.xchacha20Poly1305Seal(cookieKey, args.nonce, args.cookie, args.answeredMac1),
  };
}

/**
 * The cookie in a reply, or null when it does not open: wrong key, or it does not answer the
 * message whose mac1 is `lastMac1` (the initiator keeps the mac1 of its last handshake message).
 */
export function openCookieReply(
  crypto: CryptoProvider,
  cookieKey: Uint8Array,
  reply: CookieReply,
  lastMac1: Uint8Array,
): Uint8Array | null {
  return crypto.xchacha20Poly1305Open(cookieKey, reply.nonce, reply.encryptedCookie, lastMac1);
}
