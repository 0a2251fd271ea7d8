/**
 * Certificate serial numbers: 128 bits from the injected random source, as a positive INTEGER of
 * 16 octets (RFC 5280 §4.1.2.2: positive, unique per CA, at most 20 octets). The top bit is
 * cleared so the DER stays 16 octets, and the next one set so no leading zero octet is dropped:
 * 126 random bits, above the 64 the CA/Browser Forum Baseline Requirements §7.1 ask for.
 */
import type { RandomSource } from '../access/index.ts';

export const SERIAL_BYTES = 16;

export function randomSerial(random: RandomSource): string {
  const bytes = random(SERIAL_BYTES);
  if (bytes.length !== SERIAL_BYTES) throw new RangeError('random source returned the wrong length');
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

/** The canonical form serials are compared in: lower-case hex without leading zero octets. */
export function normaliseSerial(serial: string): string {
  return serial.toLowerCase().replace(/^(00)+(?=[0-9a-f])/, '');
}
