/**
 * WireGuard transport data (whitepaper §5.4.6): ChaCha20-Poly1305 under the session key, nonce
 * = 4 zero bytes ‖ counter (64-bit little-endian), empty AAD. The counter is carried in the
 * clear, so sealing and opening are stateless; counter assignment and the replay window belong
 * to the session state machine.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { KEY_LENGTH, PADDING_MULTIPLE, REJECT_AFTER_MESSAGES } from './constants.ts';
import { encodeTransportData } from './messages.ts';
import type { TransportData } from './messages.ts';
import { aeadNonce } from './noise.ts';

const EMPTY = new Uint8Array(0);

/**
 * Zero-pads an IP packet to a multiple of 16 bytes, but never beyond `mtu` (whitepaper §5.4.6;
 * wireguard-go `calculatePaddingSize`). A keepalive (empty packet) stays empty.
 */
export function padPlaintext(packet: Uint8Array, mtu = Number.MAX_SAFE_INTEGER): Uint8Array {
  const rem = packet.length % PADDING_MULTIPLE;
  let size = rem === 0 ? packet.length : packet.length + (PADDING_MULTIPLE - rem);
  if (size > mtu) size = Math.max(mtu, packet.length);
  if (size === packet.length) return packet.slice();
  const out = new Uint8Array(size);
  out.set(packet);
  return out;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_LENGTH) throw new RangeError('transport key must be 32 bytes');
}

/** Seals an (already padded) plaintext with `counter`; counters at REJECT_AFTER_MESSAGES or above are refused. */
export function sealTransport(
  crypto: CryptoProvider,
  key: Uint8Array,
  counter: bigint,
  plaintext: Uint8Array,
): Uint8Array {
  checkKey(key);
  if (counter < 0n || counter >= REJECT_AFTER_MESSAGES) {
    throw new RangeError('counter at or past REJECT_AFTER_MESSAGES: the session must be rekeyed');
  }
  return crypto.chacha20Poly1305Seal(key, aeadNonce(counter), plaintext, EMPTY);
}

/** The padded plaintext, or null if the tag fails or the counter is past REJECT_AFTER_MESSAGES. */
export function openTransport(
  crypto: CryptoProvider,
  key: Uint8Array,
  counter: bigint,
  encrypted: Uint8Array,
): Uint8Array | null {
  checkKey(key);
  if (counter < 0n || counter >= REJECT_AFTER_MESSAGES) return null;
  return crypto.chacha20Poly1305Open(key, aeadNonce(counter), encrypted, EMPTY);
}

/** Pads, seals and frames one packet as a complete type-4 message. */
export function createTransportMessage(
  crypto: CryptoProvider,
  args: { key: Uint8Array; receiverIndex: number; counter: bigint; packet: Uint8Array; mtu?: number },
): Uint8Array {
  const sealed = sealTransport(crypto, args.key, args.counter, padPlaintext(args.packet, args.mtu));
  return encodeTransportData({
    receiverIndex: args.receiverIndex,
    counter: args.counter,
    encryptedPacket: sealed,
  });
}

/** Opens a decoded type-4 message; the result still carries the sender's zero padding. */
export function openTransportMessage(
  crypto: CryptoProvider,
  key: Uint8Array,
  message: TransportData,
): Uint8Array | null {
  return openTransport(crypto, key, message.counter, message.encryptedPacket);
}
