/**
 * wg-quick style configuration files (wg(8) "CONFIGURATION FILE FORMAT", wg-quick(8)), accepted
 * for diagnostics (DESIGN.md §4 "VPN"). The parser is strict: one [Interface], any number of
 * [Peer], known keys only (matched case-insensitively, as wireguard-tools does), each single-valued
 * key once, `#` comments, base64 keys of exactly 32 bytes. Errors are `WgConfigError` with the
 * 1-based line number; they never quote key material.
 *
 * wg-quick's hook and host-setting keys (PreUp, PostUp, PreDown, PostDown, DNS, Table, SaveConfig,
 * FwMark) are refused: this tool never runs commands from a file nor changes host settings.
 *
 * Secrets: `WgQuickConfig.interface.privateKey` is a plain Uint8Array so that src/stack stays free
 * of src/log. Callers that keep a parsed config must wrap the key (src/log `SecretBytes`) before
 * anything can log it, and log only `redactedConfigSummary()`.
 */
import { KEY_LENGTH } from './constants.ts';
import { splitHostPort } from './endpoint.ts';
import type { IpPrefix } from './ip-prefix.ts';
import { formatIpPrefix, parseIpPrefix } from './ip-prefix.ts';
import { decodeKeyBase64, encodeKeyBase64 } from './key-text.ts';
import type { PeerConfig } from './peer.ts';
import { DecodeError } from '../wire/index.ts';

export interface WgInterfaceSection {
  /** 32 bytes. Secret: see the module comment. */
  readonly privateKey: Uint8Array;
  readonly listenPort: number | null;
  /** The tunnel addresses (wg-quick `Address`). */
  readonly addresses: readonly IpPrefix[];
  readonly mtu: number | null;
}

export interface WgPeerSection {
  readonly publicKey: Uint8Array;
  readonly presharedKey: Uint8Array | null;
  readonly allowedIps: readonly IpPrefix[];
  /** "host:port" or "[ipv6]:port", resolved by the edge. */
  readonly endpoint: string | null;
  /** Seconds; 0 = off. */
  readonly persistentKeepalive: number;
}

export interface WgQuickConfig {
  readonly interface: WgInterfaceSection;
  readonly peers: readonly WgPeerSection[];
}

export class WgConfigError extends Error {
  override readonly name = 'WgConfigError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const REFUSED_KEYS = new Set([
  'preup',
  'postup',
  'predown',
  'postdown',
  'dns',
  'table',
  'saveconfig',
  'fwmark',
]);
const INTERFACE_KEYS = new Set(['privatekey', 'listenport', 'address', 'mtu']);
const PEER_KEYS = new Set(['publickey', 'presharedkey', 'allowedips', 'endpoint', 'persistentkeepalive']);
/** Keys that may repeat, their values accumulating (wg-quick `Address`, wg(8) `AllowedIPs`). */
const LIST_KEYS = new Set(['address', 'allowedips']);
/** Display names for the writer and messages. */
const CANONICAL: Record<string, string> = {
  privatekey: 'PrivateKey',
  listenport: 'ListenPort',
  address: 'Address',
  mtu: 'MTU',
  publickey: 'PublicKey',
  presharedkey: 'PresharedKey',
  allowedips: 'AllowedIPs',
  endpoint: 'Endpoint',
  persistentkeepalive: 'PersistentKeepalive',
};

interface RawSection {
  readonly kind: 'interface' | 'peer';
  readonly line: number;
  readonly values: Map<string, { value: string; line: number }[]>;
}

function parseInteger(value: string, min: number, max: number, line: number, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new WgConfigError(line, `${what} must be an integer in ${min}..${max}`);
  }
  return Number(value);
}

function parseKey(value: string, line: number, what: string): Uint8Array {
  const key = decodeKeyBase64(value);
  // The value is not quoted: it may be a (mistyped) secret.
  if (key === null) throw new WgConfigError(line, `${what} is not a base64-encoded 32-byte key`);
  return key;
}

function parsePrefixList(
  entries: { value: string; line: number }[],
  what: string,
  options: { keepHostBits?: boolean } = {},
): IpPrefix[] {
  const out: IpPrefix[] = [];
  for (const { value, line } of entries) {
    for (const item of value.split(',')) {
      const text = item.trim();
      if (text === '') throw new WgConfigError(line, `${what} has an empty entry`);
      try {
        out.push(parseIpPrefix(text, options));
      } catch (e) {
        if (e instanceof DecodeError) throw new WgConfigError(line, `${what}: ${e.reason}`);
        throw e;
      }
    }
  }
  return out;
}

function splitSections(text: string): RawSection[] {
  const sections: RawSection[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const hash = lines[i]!.indexOf('#');
    const line = (hash >= 0 ? lines[i]!.slice(0, hash) : lines[i]!).trim();
    if (line === '') continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header !== null) {
      const name = header[1]!.toLowerCase();
      if (name !== 'interface' && name !== 'peer') {
        throw new WgConfigError(lineNo, `unknown section [${header[1]}]`);
      }
      sections.push({ kind: name, line: lineNo, values: new Map() });
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new WgConfigError(lineNo, 'expected "Key = Value" or a [Section] header');
    const keyText = line.slice(0, eq).trim();
    const key = keyText.toLowerCase();
    const value = line.slice(eq + 1).trim();
    const section = sections[sections.length - 1];
    if (section === undefined) throw new WgConfigError(lineNo, `"${keyText}" before any section`);
    if (REFUSED_KEYS.has(key)) throw new WgConfigError(lineNo, `${keyText} is not supported by this tool`);
    const allowed = section.kind === 'interface' ? INTERFACE_KEYS : PEER_KEYS;
    if (!/^[A-Za-z]+$/.test(keyText) || !allowed.has(key)) {
      throw new WgConfigError(
        lineNo,
        `unknown key "${keyText.slice(0, 40)}" in [${section.kind === 'interface' ? 'Interface' : 'Peer'}]`,
      );
    }
    if (value === '') throw new WgConfigError(lineNo, `${CANONICAL[key]} has no value`);
    const list = section.values.get(key) ?? [];
    if (list.length > 0 && !LIST_KEYS.has(key)) {
      throw new WgConfigError(lineNo, `${CANONICAL[key]} given twice (first on line ${list[0]!.line})`);
    }
    list.push({ value, line: lineNo });
    section.values.set(key, list);
  }
  return sections;
}

function single(section: RawSection, key: string): { value: string; line: number } | null {
  return section.values.get(key)?.[0] ?? null;
}

function parseInterface(section: RawSection): WgInterfaceSection {
  const pk = single(section, 'privatekey');
  if (pk === null) throw new WgConfigError(section.line, '[Interface] has no PrivateKey');
  const port = single(section, 'listenport');
  const mtu = single(section, 'mtu');
  return {
    privateKey: parseKey(pk.value, pk.line, 'PrivateKey'),
    listenPort: port === null ? null : parseInteger(port.value, 0, 65535, port.line, 'ListenPort'),
    // An interface address names this host: its host bits are the point (wg-quick passes it to `ip address add`).
    addresses: parsePrefixList(section.values.get('address') ?? [], 'Address', { keepHostBits: true }),
    // RFC 791 §3.1: every IPv4 host takes 576-octet datagrams; 65535 is the largest IP packet.
    mtu: mtu === null ? null : parseInteger(mtu.value, 576, 65535, mtu.line, 'MTU'),
  };
}

function parsePeer(section: RawSection): WgPeerSection {
  const pub = single(section, 'publickey');
  if (pub === null) throw new WgConfigError(section.line, '[Peer] has no PublicKey');
  const psk = single(section, 'presharedkey');
  const endpoint = single(section, 'endpoint');
  const keepalive = single(section, 'persistentkeepalive');
  if (endpoint !== null && splitHostPort(endpoint.value) === null) {
    throw new WgConfigError(endpoint.line, 'Endpoint must be "host:port" or "[IPv6]:port"');
  }
  return {
    publicKey: parseKey(pub.value, pub.line, 'PublicKey'),
    presharedKey: psk === null ? null : parseKey(psk.value, psk.line, 'PresharedKey'),
    allowedIps: parsePrefixList(section.values.get('allowedips') ?? [], 'AllowedIPs'),
    endpoint: endpoint?.value ?? null,
    // wg(8): "off" or 1..65535 seconds; 0 also means off.
    persistentKeepalive:
      keepalive === null || keepalive.value.toLowerCase() === 'off'
        ? 0
        : parseInteger(keepalive.value, 0, 65535, keepalive.line, 'PersistentKeepalive'),
  };
}

/** Parses a wg-quick style file; throws WgConfigError naming the offending line. */
export function parseWgQuickConfig(text: string): WgQuickConfig {
  const sections = splitSections(text);
  const interfaces = sections.filter((s) => s.kind === 'interface');
  if (interfaces.length === 0) throw new WgConfigError(1, 'no [Interface] section');
  if (interfaces.length > 1) throw new WgConfigError(interfaces[1]!.line, 'a second [Interface] section');
  const iface = parseInterface(interfaces[0]!);
  const peers: WgPeerSection[] = [];
  const seen = new Map<string, number>();
  for (const section of sections.filter((s) => s.kind === 'peer')) {
    const peer = parsePeer(section);
    const id = encodeKeyBase64(peer.publicKey);
    const first = seen.get(id);
    if (first !== undefined) throw new WgConfigError(section.line, `peer already defined on line ${first}`);
    seen.set(id, section.line);
    peers.push(peer);
  }
  return { interface: iface, peers };
}

/** Writes the file back in canonical form (parse(write(c)) equals c). */
export function writeWgQuickConfig(config: WgQuickConfig): string {
  const lines: string[] = ['[Interface]', `PrivateKey = ${encodeKeyBase64(config.interface.privateKey)}`];
  if (config.interface.listenPort !== null) lines.push(`ListenPort = ${config.interface.listenPort}`);
  if (config.interface.addresses.length > 0) {
    lines.push(`Address = ${config.interface.addresses.map(formatIpPrefix).join(', ')}`);
  }
  if (config.interface.mtu !== null) lines.push(`MTU = ${config.interface.mtu}`);
  for (const peer of config.peers) {
    lines.push('', '[Peer]', `PublicKey = ${encodeKeyBase64(peer.publicKey)}`);
    if (peer.presharedKey !== null) lines.push(`PresharedKey = ${encodeKeyBase64(peer.presharedKey)}`);
    if (peer.allowedIps.length > 0)
      lines.push(`AllowedIPs = ${peer.allowedIps.map(formatIpPrefix).join(', ')}`);
    if (peer.endpoint !== null) lines.push(`Endpoint = ${peer.endpoint}`);
    if (peer.persistentKeepalive > 0) lines.push(`PersistentKeepalive = ${peer.persistentKeepalive}`);
  }
  return lines.join('\n') + '\n';
}

/** A one-line-per-item description safe to log: no private or preshared key material. */
export function redactedConfigSummary(config: WgQuickConfig): string {
  const i = config.interface;
  const parts = [
    `interface: private key (redacted), listen port ${i.listenPort ?? 'auto'}, ` +
      `addresses [${i.addresses.map(formatIpPrefix).join(', ')}]${i.mtu !== null ? `, mtu ${i.mtu}` : ''}`,
  ];
  for (const p of config.peers) {
    parts.push(
      `peer ${encodeKeyBase64(p.publicKey)}: preshared key ${p.presharedKey !== null ? '(redacted)' : 'none'}, ` +
        `allowed IPs [${p.allowedIps.map(formatIpPrefix).join(', ')}], endpoint ${p.endpoint ?? 'none'}, ` +
        `persistent keepalive ${p.persistentKeepalive > 0 ? `${p.persistentKeepalive} s` : 'off'}`,
    );
  }
  return parts.join('\n');
}

/** The device's peer configuration for a parsed [Peer] (endpoint kept as its text). */
export function peerConfigFromSection(peer: WgPeerSection): PeerConfig<string> {
  if (peer.publicKey.length !== KEY_LENGTH) throw new RangeError('public key must be 32 bytes');
  return {
    publicKey: peer.publicKey,
    presharedKey: peer.presharedKey,
    allowedIps: peer.allowedIps,
    endpoint: peer.endpoint,
    persistentKeepalive: peer.persistentKeepalive,
  };
}
