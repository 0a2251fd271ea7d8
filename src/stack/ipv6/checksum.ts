/** Internet checksum over the IPv6 pseudo-header (RFC 8200 §8.1, RFC 1071). */
import type { Ipv6Address } from './address.ts';

function sum16(bytes: Uint8Array, acc: number): number {
  const n = bytes.length & ~1;
  for (let i = 0; i < n; i += 2) acc += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length & 1) acc += bytes[bytes.length - 1]! << 8;
  // fold often enough that the accumulator stays exact in a double
  return (acc & 0xffff) + Math.floor(acc / 0x10000);
}

/**
 * One's-complement checksum of pseudo-header ‖ `upper`, returned ready to store (0..0xffff).
 * A correct message (checksum field included) yields 0.
 */
export function pseudoHeaderChecksum(
  source: Ipv6Address,
  destination: Ipv6Address,
  nextHeader: number,
  upper: Uint8Array,
): number {
  let acc = sum16(source, 0);
  acc = sum16(destination, acc);
  const len = upper.length;
  acc += Math.floor(len / 0x10000) + (len & 0xffff) + nextHeader;
  acc = sum16(upper, acc);
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return ~acc & 0xffff;
}
