/**
 * The IP packet inside a transport message: its real length (the sender zero-padded it to a
 * multiple of 16, whitepaper §5.4.6) and its source address, for the cryptokey-routing check.
 * Only the fixed headers are read (RFC 791 §3.1, RFC 8200 §3), as wireguard-go
 * `device/receive.go` does.
 */
export interface InnerPacket {
  readonly family: 4 | 6;
  /** The packet without padding. */
  readonly packet: Uint8Array;
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
}

const IPV4_HEADER_MIN = 20;
const IPV6_HEADER_LENGTH = 40;

/** Parses a decrypted, padded plaintext; null when it is not an IPv4/IPv6 packet that fits. */
export function parseInnerPacket(plaintext: Uint8Array): InnerPacket | null {
  if (plaintext.length === 0) return null;
  const version = plaintext[0]! >> 4;
  if (version === 4) {
    if (plaintext.length < IPV4_HEADER_MIN) return null;
    // RFC 791 §3.1: Total Length, octets 2–3.
    const total = (plaintext[2]! << 8) | plaintext[3]!;
    if (total < IPV4_HEADER_MIN || total > plaintext.length) return null;
    return {
      family: 4,
      packet: plaintext.subarray(0, total),
      source: plaintext.slice(12, 16),
      destination: plaintext.slice(16, 20),
    };
  }
  if (version === 6) {
    if (plaintext.length < IPV6_HEADER_LENGTH) return null;
    // RFC 8200 §3: Payload Length, octets 4–5, excludes the 40-byte header.
    const total = IPV6_HEADER_LENGTH + ((plaintext[4]! << 8) | plaintext[5]!);
    if (total > plaintext.length) return null;
    return {
      family: 6,
      packet: plaintext.subarray(0, total),
      source: plaintext.slice(8, 24),
      destination: plaintext.slice(24, 40),
    };
  }
  return null;
}
