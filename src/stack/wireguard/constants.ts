/**
 * WireGuard protocol constants (whitepaper "WireGuard: Next Generation Kernel Network Tunnel",
 * J. A. Donenfeld, §5.4 and §6; names as there). Cross-checked against wireguard-go
 * `device/noise-protocol.go` and `device/constants.go`.
 *
 * Times are in milliseconds, the unit of the injected clock of the sans-I/O state machines.
 */

/** Noise protocol name (whitepaper §5.4: "Construction"). */
export const CONSTRUCTION = 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s';
/** Mixed into the handshake hash as the Noise prologue (whitepaper §5.4: "Identifier"). */
export const IDENTIFIER = 'WireGuard v1 zx2c4 Jason@zx2c4.com';
/** Label of the mac1 key: HASH(LABEL_MAC1 ‖ Spub) (whitepaper §5.4.4). */
export const LABEL_MAC1 = 'mac1----';
/** Label of the cookie encryption key: HASH(LABEL_COOKIE ‖ Spub) (whitepaper §5.4.7). */
export const LABEL_COOKIE = 'cookie--';

/** Message type byte; followed by three reserved zero bytes (whitepaper §5.4.2–§5.4.7). */
export const MESSAGE_TYPE = {
  HANDSHAKE_INITIATION: 1,
  HANDSHAKE_RESPONSE: 2,
  COOKIE_REPLY: 3,
  TRANSPORT_DATA: 4,
} as const;
export type MessageType = (typeof MESSAGE_TYPE)[keyof typeof MESSAGE_TYPE];

// --- Sizes (bytes) ---
export const KEY_LENGTH = 32;
/** AEAD tag (Poly1305). */
export const TAG_LENGTH = 16;
/** TAI64N timestamp (whitepaper §5.4.2). */
export const TIMESTAMP_LENGTH = 12;
/** Keyed BLAKE2s-128 output: mac1, mac2 and the cookie itself. */
export const MAC_LENGTH = 16;
export const COOKIE_LENGTH = 16;
/** XChaCha20-Poly1305 nonce of the cookie reply. */
export const COOKIE_NONCE_LENGTH = 24;

export const HANDSHAKE_INITIATION_LENGTH = 148;
export const HANDSHAKE_RESPONSE_LENGTH = 92;
export const COOKIE_REPLY_LENGTH = 64;
export const TRANSPORT_HEADER_LENGTH = 16;
/** A keepalive: header plus the tag of an empty plaintext (whitepaper §6.5). */
export const KEEPALIVE_LENGTH = TRANSPORT_HEADER_LENGTH + TAG_LENGTH;
/** Transport plaintext is zero-padded to a multiple of this before sealing (whitepaper §5.4.6). */
export const PADDING_MULTIPLE = 16;

/** Offsets of mac1 and mac2 in the two handshake messages (whitepaper §5.4.4: msg_α, msg_β). */
export const INITIATION_MAC1_OFFSET = 116;
export const INITIATION_MAC2_OFFSET = 132;
export const RESPONSE_MAC1_OFFSET = 60;
export const RESPONSE_MAC2_OFFSET = 76;

// --- Timers and limits (whitepaper §6.1–§6.4, wireguard-go device/constants.go) ---
export const REKEY_AFTER_MESSAGES = 1n << 60n;
export const REJECT_AFTER_MESSAGES = (1n << 64n) - (1n << 13n) - 1n;
export const REKEY_AFTER_TIME = 120_000;
export const REJECT_AFTER_TIME = 180_000;
export const REKEY_ATTEMPT_TIME = 90_000;
export const REKEY_TIMEOUT = 5_000;
/** REKEY_TIMEOUT is lengthened by a random 0..REKEY_TIMEOUT_JITTER_MAX ms per attempt (whitepaper §6.1). */
export const REKEY_TIMEOUT_JITTER_MAX = 333;
export const KEEPALIVE_TIMEOUT = 10_000;
/** Secrets are erased after 3 × REJECT_AFTER_TIME without a new handshake (whitepaper §6.3). */
export const ZERO_KEYS_AFTER = 3 * REJECT_AFTER_TIME;
/** Cookie secret rotation, and how long a received cookie is used for mac2 (whitepaper §5.4.7). */
export const COOKIE_REFRESH_TIME = 120_000;
/** Minimum spacing of accepted initiations from one peer (wireguard-go `HandshakeInitationRate`). */
export const HANDSHAKE_INITIATION_RATE = 20;
/** Anti-replay window in counters (RFC 6479 style; Linux and wireguard-go: 8192 − 64). */
export const REPLAY_WINDOW = 8128;
