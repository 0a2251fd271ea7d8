/**
 * UDP socket addresses ↔ PANA endpoints (16-byte IPv6 address + port, src/stack/pana/io.ts). An
 * IPv4 peer becomes its IPv4-mapped IPv6 address ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), and goes
 * back out as IPv4, so one key server code path serves udp4 and udp6 sockets.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { PanaEndpoint } from '../../stack/pana/index.ts';

export function endpointFromSocket(address: string, port: number): PanaEndpoint {
  const bare = address.replace(/%.*$/, ''); // zone id of a link-local address
  if (isIPv4(bare)) {
    const a = new Uint8Array(16);
    a[10] = 0xff;
    a[11] = 0xff;
    bare.split('.').forEach((o, i) => (a[12 + i] = Number(o)));
    return { address: a, port };
  }
  if (!isIPv6(bare)) throw new RangeError(`not an IP address: ${address}`);
  return { address: parseIpv6(bare), port };
}

function isV4Mapped(a: Uint8Array): boolean {
  return a.subarray(0, 10).every((b) => b === 0) && a[10] === 0xff && a[11] === 0xff;
}

/** The socket address to send to; IPv4-mapped addresses come out as IPv4 text for a udp4 socket. */
export function socketAddressOf(endpoint: PanaEndpoint, family: 'udp4' | 'udp6'): string {
  const a = endpoint.address;
  if (isV4Mapped(a) && family === 'udp4') return `${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
  return ipv6Text(a);
}

/** RFC 5952 §4: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
function ipv6Text(a: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((a[i]! << 8) | a[i + 1]!);
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (best.length < 2) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

/** A printable address for logs, audit rows and events. */
export function describeEndpoint(endpoint: PanaEndpoint): string {
  const a = endpoint.address;
  if (isV4Mapped(a)) return `${a[12]}.${a[13]}.${a[14]}.${a[15]}:${endpoint.port}`;
  return `[${socketAddressOf(endpoint, 'udp6')}]:${endpoint.port}`;
}

function parseIpv6(text: string): Uint8Array {
  let head = text;
  let v4: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    v4 = dotted[1]!.split('.').map(Number);
    head = text.slice(0, -dotted[1]!.length) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const l = left === '' || left === undefined ? [] : left.split(':');
  const r = right === undefined || right === '' ? [] : right.split(':');
  const fill = right === undefined ? 0 : 8 - l.length - r.length;
  const groups = [...l, ...new Array<string>(fill).fill('0'), ...r].map((g) => parseInt(g, 16));
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (dotted) out.set(v4, 12);
  return out;
}
