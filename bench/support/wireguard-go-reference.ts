/**
 * wireguard-go as the reference for bench/vpn: two instances in two network namespaces joined by
 * a veth pair (link-local IPv4, RFC 3927), an IPv6 address on each tunnel interface, one Node
 * process in the first namespace sending UDP datagrams of the wanted inner size through the tunnel
 * for `seconds`, one in the second counting what arrives. Everything is removed afterwards.
 * Returns the figures, or why they could not be taken (no root, a missing Debian package).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';

export interface ReferenceFigure {
  readonly packetsPerSecond: number;
  readonly mbitPerSecond: number;
}

const PORT = 40_999;

function sh(args: string[], input?: string): string {
  return execFileSync(args[0]!, args.slice(1), {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input !== undefined ? { input } : {}),
  });
}

function genkey(): { priv: string; pub: string } {
  const priv = sh(['wg', 'genkey']).trim();
  return { priv, pub: sh(['wg', 'pubkey'], priv).trim() };
}

const SENDER = `
const dgram = require('node:dgram');
const [size, seconds] = process.argv.slice(1).map(Number);
const s = dgram.createSocket('udp6');
const payload = Buffer.alloc(size - 48);
const stop = Date.now() + seconds * 1000;
let inFlight = 0;
function pump() {
  while (inFlight < 64 && Date.now() < stop) { inFlight++; s.send(payload, ${PORT}, 'fd00:99::2', () => { inFlight--; }); }
  if (Date.now() < stop) setImmediate(pump); else setTimeout(() => s.close(), 200);
}
pump();
`;

const RECEIVER = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp6');
let n = 0, first = 0, last = 0;
s.on('message', () => { const t = performance.now(); if (n === 0) first = t; last = t; n++; });
s.bind(${PORT}, 'fd00:99::2', () => process.stdout.write('ready\\n'));
process.stdin.on('data', () => { process.stdout.write(JSON.stringify({ n, seconds: (last - first) / 1000 }) + '\\n'); process.exit(0); });
`;

export async function measureWireguardGo(
  sizes: readonly number[],
  seconds: number,
): Promise<Record<number, ReferenceFigure> | string> {
  for (const [program, pkg] of [
    ['wireguard-go', 'wireguard-go'],
    ['wg', 'wireguard-tools'],
    ['ip', 'iproute2'],
  ] as const)
    if (spawnSync('sh', ['-c', `command -v ${program}`]).status !== 0)
      return `${program} missing: Debian package ${pkg}`;
  const tag = `frb${String(process.pid % 100_000)}`;
  const ns = [`${tag}a`, `${tag}b`] as const;
  const children: ChildProcess[] = [];
  const keyDir = mkdtempSync(join(tmpdir(), 'fieldroot-bench-wg-'));
  const cleanup = () => {
    rmSync(keyDir, { recursive: true, force: true });
    for (const c of children) c.kill();
    for (const n of ns) spawnSync('ip', ['netns', 'del', n]);
  };
  try {
    for (const n of ns) sh(['ip', 'netns', 'add', n]);
    sh([
      'ip',
      'link',
      'add',
      `${tag}va`,
      'netns',
      ns[0],
      'type',
      'veth',
      'peer',
      'name',
      `${tag}vb`,
      'netns',
      ns[1],
    ]);
    const keys = [genkey(), genkey()];
    const v4 = ['169.254.99.1', '169.254.99.2'];
    for (const i of [0, 1] as const) {
      const n = ns[i];
      const veth = i === 0 ? `${tag}va` : `${tag}vb`;
      const wg = `${tag}w${String(i)}`;
      sh(['ip', '-n', n, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', n, 'addr', 'add', `${v4[i]!}/24`, 'dev', veth]);
      sh(['ip', '-n', n, 'link', 'set', veth, 'up']);
      const child = spawn('ip', ['netns', 'exec', n, 'wireguard-go', '-f', wg], { stdio: 'ignore' });
      children.push(child);
      for (let tries = 0; tries < 100; tries++) {
        if (spawnSync('ip', ['-n', n, 'link', 'show', wg]).status === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const other = 1 - i;
      const keyFile = join(keyDir, `${String(i)}.key`);
      writeFileSync(keyFile, keys[i]!.priv, { mode: 0o600 });
      sh([
        'ip',
        'netns',
        'exec',
        n,
        'wg',
        'set',
        wg,
        'private-key',
        keyFile,
        'listen-port',
        '51820',
        'peer',
        keys[other]!.pub,
        'allowed-ips',
        `fd00:99::${String(other + 1)}/128`,
        'endpoint',
        `${v4[other]!}:51820`,
      ]);
      sh(['ip', '-n', n, 'addr', 'add', `fd00:99::${String(i + 1)}/64`, 'dev', wg, 'nodad']);
      sh(['ip', '-n', n, 'link', 'set', wg, 'mtu', '1420', 'up']);
    }
    const figures: Record<number, ReferenceFigure> = {};
    for (const size of sizes) {
      const receiver = spawn('ip', ['netns', 'exec', ns[1], process.execPath, '-e', RECEIVER], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      children.push(receiver);
      let out = '';
      receiver.stdout.on('data', (c: Buffer) => (out += c.toString()));
      for (let tries = 0; tries < 100 && !out.includes('ready'); tries++)
        await new Promise((r) => setTimeout(r, 50));
      spawnSync(
        'ip',
        ['netns', 'exec', ns[0], process.execPath, '-e', SENDER, String(size), String(seconds)],
        {
          timeout: (seconds + 10) * 1000,
        },
      );
      receiver.stdin.write('report\n');
      for (let tries = 0; tries < 100 && !out.includes('{'); tries++)
        await new Promise((r) => setTimeout(r, 50));
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) return 'the receiver did not report';
      const { n, seconds: s } = JSON.parse(line) as { n: number; seconds: number };
      if (n === 0 || s <= 0) return 'no packet went through wireguard-go';
      figures[size] = { packetsPerSecond: n / s, mbitPerSecond: (n * size * 8) / s / 1e6 };
    }
    return figures;
  } catch (e) {
    return `could not set up namespaces (needs root or CAP_NET_ADMIN): ${(e as Error).message.split('\n')[0] ?? ''}`;
  } finally {
    cleanup();
  }
}
