/**
 * IPv6 addresses as 16-byte `Uint8Array`s: text form (RFC 4291 §2.2 in, RFC 5952 out), interface
 * identifiers from IEEE 802.15.4 link-layer addresses (RFC 4291 App. A, RFC 4944 §6) and scope checks.
 */
import { DecodeError } from '../wire/index.ts';

export type Ipv6Address = Uint8Array;

export const IPV6_ADDRESS_LENGTH = 16;

/** Multicast scope values, RFC 7346 §2 (the 4-bit "scop" field of ffXY::). */
export const MULTICAST_SCOPE = {
  INTERFACE_LOCAL: 0x1,
  LINK_LOCAL: 0x2,
  REALM_LOCAL: 0x3,
  ADMIN_LOCAL: 0x4,
  SITE_LOCAL: 0x5,
  ORGANIZATION_LOCAL: 0x8,
  GLOBAL: 0xe,
} as const;

const CODEC = 'ipv6-address';

function fixed(...bytes: number[]): Ipv6Address {
  const a = new Uint8Array(16);
  a.set(bytes.slice(0, 2), 0);
  a.set(bytes.slice(2), 16 - (bytes.length - 2));
  return a;
}

/** `::` (RFC 4291 §2.5.2). */
export const UNSPECIFIED_ADDRESS: Ipv6Address = new Uint8Array(16);
/** ff02::1, all nodes (RFC 4291 §2.7.1). */
export const ALL_NODES_LINK_LOCAL: Ipv6Address = fixed(0xff, 0x02, 0x01);
/** ff02::2, all routers (RFC 4291 §2.7.1). */
export const ALL_ROUTERS_LINK_LOCAL: Ipv6Address = fixed(0xff, 0x02, 0x02);
/** ff02::1a, all RPL nodes (RFC 6550 §20.19). */
export const ALL_RPL_NODES: Ipv6Address = fixed(0xff, 0x02, 0x1a);

/** Returns a copy so callers can never alias a shared constant. */
export function copyAddress(a: Ipv6Address): Ipv6Address {
  assertAddress(a);
  return a.slice();
}

export function assertAddress(a: Uint8Array, what = 'address'): void {
  if (a.length !== 16) throw new RangeError(`${what} must be 16 bytes, got ${a.length}`);
}

export function addressesEqual(a: Ipv6Address, b: Ipv6Address): boolean {
  if (a.length !== 16 || b.length !== 16) return false;
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isUnspecified(a: Ipv6Address): boolean {
  return a.every((b) => b === 0);
}

export function isLoopback(a: Ipv6Address): boolean {
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}

/** ff00::/8, RFC 4291 §2.7. */
export function isMulticast(a: Ipv6Address): boolean {
  return a[0] === 0xff;
}

/** The 4-bit scope of a multicast address (RFC 4291 §2.7), or undefined for unicast. */
export function multicastScope(a: Ipv6Address): number | undefined {
  return isMulticast(a) ? a[1]! & 0x0f : undefined;
}

/** fe80::/10, RFC 4291 §2.5.6. */
export function isLinkLocalUnicast(a: Ipv6Address): boolean {
  return a[0] === 0xfe && (a[1]! & 0xc0) === 0x80;
}

/** Link-local scope for either kind: fe80::/10 unicast or ff02::/16-style multicast scope 2. */
export function isLinkLocalScope(a: Ipv6Address): boolean {
  return isLinkLocalUnicast(a) || multicastScope(a) === MULTICAST_SCOPE.LINK_LOCAL;
}

/** True when the first `length` bits of `a` and `prefix` agree. */
export function matchesPrefix(a: Ipv6Address, prefix: Ipv6Address, length: number): boolean {
  if (length < 0 || length > 128) throw new RangeError(`prefix length ${length} out of range`);
  const whole = length >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== prefix[i]) return false;
  const bits = length & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((a[whole]! ^ prefix[whole]!) & mask) === 0;
}

/** Copy of `prefix` with every bit after `length` cleared. */
export function maskPrefix(prefix: Uint8Array, length: number): Ipv6Address {
  if (length < 0 || length > 128) throw new RangeError(`prefix length ${length} out of range`);
  const out = new Uint8Array(16);
  out.set(prefix.subarray(0, Math.min(16, prefix.length)));
  const whole = length >> 3;
  const bits = length & 7;
  if (whole < 16) {
    out[whole] = bits === 0 ? 0 : out[whole]! & ((0xff << (8 - bits)) & 0xff);
    out.fill(0, whole + 1);
  }
  return out;
}

/** Number of leading bytes `a` and `b` share (0..16). */
export function commonPrefixBytes(a: Ipv6Address, b: Ipv6Address): number {
  let n = 0;
  while (n < 16 && a[n] === b[n]) n++;
  return n;
}

/** prefix (first 8 bytes) ‖ interface identifier (8 bytes). */
export function addressFromPrefixAndIid(prefix: Uint8Array, iid: Uint8Array): Ipv6Address {
  if (prefix.length < 8) throw new RangeError('prefix must have at least 8 bytes');
  if (iid.length !== 8) throw new RangeError('interface identifier must be 8 bytes');
  const out = new Uint8Array(16);
  out.set(prefix.subarray(0, 8));
  out.set(iid, 8);
  return out;
}

/** EUI-64 (big-endian, as printed: 0x00124b0001020304) to 8 bytes in transmission order of the IID. */
export function eui64ToBytes(eui64: bigint): Uint8Array {
  if (eui64 < 0n || eui64 > 0xffff_ffff_ffff_ffffn) throw new RangeError('EUI-64 out of range');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, eui64, false);
  return out;
}

export function eui64FromBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== 8) throw new RangeError('EUI-64 must be 8 bytes');
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, false);
}

/** Modified EUI-64 interface identifier: the EUI-64 with the universal/local bit inverted (RFC 4291 App. A). */
export function iidFromEui64(eui64: bigint): Uint8Array {
  const iid = eui64ToBytes(eui64);
  iid[0]! ^= 0x02;
  return iid;
}

/** Inverse of iidFromEui64. */
export function eui64FromIid(iid: Uint8Array): bigint {
  const b = iid.slice(0, 8);
  b[0]! ^= 0x02;
  return eui64FromBytes(b);
}

/**
 * IID from an IEEE 802.15.4 16-bit short address: 0000:00ff:fe00:XXXX (RFC 4944 §6 without the
 * optional PAN ID, as RFC 6282 §3.2.2 uses it).
 */
export function iidFromShortAddress(short: number): Uint8Array {
  if (!Number.isInteger(short) || short < 0 || short > 0xffff)
    throw new RangeError('short address out of range');
  return Uint8Array.of(0, 0, 0, 0xff, 0xfe, 0, short >> 8, short & 0xff);
}

const LINK_LOCAL_PREFIX = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0);

/** fe80::/64 + modified EUI-64 (RFC 4291 App. A, RFC 4944 §6). */
export function linkLocalFromEui64(eui64: bigint): Ipv6Address {
  return addressFromPrefixAndIid(LINK_LOCAL_PREFIX, iidFromEui64(eui64));
}

/** fe80::ff:fe00:XXXX (RFC 4944 §6, RFC 6282 §3.2.2). */
export function linkLocalFromShortAddress(short: number): Ipv6Address {
  return addressFromPrefixAndIid(LINK_LOCAL_PREFIX, iidFromShortAddress(short));
}

// ---------------------------------------------------------------------------------------------
// Text form

function textError(text: string, why: string): never {
  throw new DecodeError(
    CODEC,
    `"${text.length > 60 ? text.slice(0, 60) + '…' : text}" is not an IPv6 address: ${why}`,
    0,
  );
}

function parseIpv4Tail(text: string, part: string): number[] {
  const quads = part.split('.');
  if (quads.length !== 4) textError(text, 'bad embedded IPv4 address');
  return quads.map((q) => {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(q) || Number(q) > 255) textError(text, 'bad embedded IPv4 address');
    return Number(q);
  });
}

function parseGroups(text: string, part: string, allowIpv4Tail: boolean): number[] {
  if (part === '') return [];
  const groups = part.split(':');
  const out: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (allowIpv4Tail && i === groups.length - 1 && g.includes('.')) {
      const q = parseIpv4Tail(text, g);
      out.push((q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) textError(text, `bad group "${g}"`);
      out.push(parseInt(g, 16));
    }
  }
  return out;
}

/** Parses RFC 4291 §2.2 text (all three forms, no zone index). Throws DecodeError on bad input. */
export function parseIpv6Address(text: string): Ipv6Address {
  if (text.length === 0 || text.length > 45) textError(text, 'wrong length');
  const halves = text.split('::');
  if (halves.length > 2) textError(text, 'more than one "::"');
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(text, halves[0]!, false);
    const tail = parseGroups(text, halves[1]!, true);
    if (head.length + tail.length > 7) textError(text, 'too many groups around "::"');
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    groups = parseGroups(text, text, true);
    if (groups.length !== 8) textError(text, 'need 8 groups');
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** RFC 5952 canonical text: lower case, no leading zeros, longest (first) run of ≥2 zero groups as "::". */
export function formatIpv6Address(a: Ipv6Address): string {
  assertAddress(a);
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((a[2 * i]! << 8) | a[2 * i + 1]!);
  // RFC 5952 §5: IPv4-mapped addresses in dotted-quad form.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
