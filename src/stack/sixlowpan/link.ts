/** IEEE 802.15.4 link-layer addresses as 6LoWPAN uses them (RFC 4944 §6, RFC 6282 §3.2.2). */
import { iidFromEui64, iidFromShortAddress } from '../ipv6/index.ts';

/**
 * `extended`: the EUI-64 as a big-endian number (as printed, 0x00124b00...; the MAC codec handles
 * the little-endian on-air order). `short`: the 16-bit short address.
 */
export type LinkAddress = { kind: 'extended'; address: bigint } | { kind: 'short'; address: number };

/** Interface identifier the link-layer address implies (RFC 4944 §6 / RFC 6282 §3.2.2). */
export function iidFromLinkAddress(a: LinkAddress): Uint8Array {
  return a.kind === 'extended' ? iidFromEui64(a.address) : iidFromShortAddress(a.address);
}

export function linkAddressKey(a: LinkAddress): string {
  return a.kind === 'extended'
    ? `x${a.address.toString(16).padStart(16, '0')}`
    : `s${a.address.toString(16).padStart(4, '0')}`;
}

export function linkAddressesEqual(a: LinkAddress, b: LinkAddress): boolean {
  return a.kind === b.kind && a.address === b.address;
}

/**
 * From the MAC codec's address form (`src/stack/ieee802154` MacAddress: number = short,
 * bigint = extended, both as numbers in the usual printed order).
 */
export function linkAddressFromMac(a: number | bigint): LinkAddress {
  if (typeof a === 'bigint') return { kind: 'extended', address: a };
  return { kind: 'short', address: a };
}

export function macFromLinkAddress(a: LinkAddress): number | bigint {
  return a.address;
}
