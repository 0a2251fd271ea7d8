/**
 * IP prefixes as WireGuard's AllowedIPs carry them (wg(8): "comma-separated list of IP (v4 or v6)
 * addresses with CIDR masks"). IPv6 text goes through the ipv6 codec (RFC 4291 §2.2, RFC 5952
 * output); IPv4 is dotted-quad (RFC 4632 §3.1 prefix notation).
 */
import { formatIpv6Address, maskPrefix, parseIpv6Address } from '../ipv6/index.ts';
import { DecodeError } from '../wire/index.ts';

export interface IpPrefix {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, bits after `length` zero. */
  readonly address: Uint8Array;
  readonly length: number;
}

const CODEC = 'wireguard-config';

function fail(text: string, why: string): never {
  throw new DecodeError(CODEC, `"${text.length > 60 ? text.slice(0, 60) + '…' : text}" ${why}`, 0);
}

/** Parses a dotted-quad IPv4 address (no leading zeros, as inet_pton). */
export function parseIpv4Address(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) fail(text, 'is not an IPv4 address');
  return Uint8Array.from(
    parts.map((p) => {
      if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) fail(text, 'is not an IPv4 address');
      return Number(p);
    }),
  );
}

export function formatIpv4Address(a: Uint8Array): string {
  if (a.length !== 4) throw new RangeError('IPv4 address must be 4 bytes');
  return Array.from(a).join('.');
}

/** An address of either family: IPv6 when it contains a colon. */
export function parseIpAddress(text: string): { family: 4 | 6; address: Uint8Array } {
  return text.includes(':')
    ? { family: 6, address: parseIpv6Address(text) }
    : { family: 4, address: parseIpv4Address(text) };
}

function maskBytes(address: Uint8Array, length: number): Uint8Array {
  if (address.length === 16) return maskPrefix(address, length);
  const out = address.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, length - 8 * i));
    out[i] = out[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/**
 * `address/length`; a bare address means the host prefix (/32 or /128), as wg(8) accepts.
 * Host bits set after the prefix are cleared (wg(8) and wireguard-go mask them too) — right for
 * AllowedIPs. An interface `Address` (`fd00::2/64`: this host, on that subnet) keeps them: pass
 * `{ keepHostBits: true }`.
 */
export function parseIpPrefix(text: string, options: { keepHostBits?: boolean } = {}): IpPrefix {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const { family, address } = parseIpAddress(addrText);
  const max = family === 4 ? 32 : 128;
  let length = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > max) {
      fail(text, `has a prefix length outside 0..${max}`);
    }
    length = Number(lenText);
  }
  return { family, address: options.keepHostBits === true ? address : maskBytes(address, length), length };
}

export function formatIpPrefix(p: IpPrefix): string {
  const addr = p.family === 4 ? formatIpv4Address(p.address) : formatIpv6Address(p.address);
  return `${addr}/${p.length}`;
}

/** True when the first `prefix.length` bits of `address` (same family) equal the prefix. */
export function prefixContains(prefix: IpPrefix, address: Uint8Array): boolean {
  if (address.length !== prefix.address.length) return false;
  const whole = prefix.length >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== prefix.address[i]) return false;
  const bits = prefix.length & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((address[whole]! ^ prefix.address[whole]!) & mask) === 0;
}

export function prefixesEqual(a: IpPrefix, b: IpPrefix): boolean {
  return a.family === b.family && a.length === b.length && a.address.every((x, i) => x === b.address[i]);
}
