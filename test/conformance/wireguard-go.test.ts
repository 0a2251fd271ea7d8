/**
 * WireGuard conformance against wireguard-go (DESIGN.md §3.8 "real peers", §7): the tool's
 * `VpnClient` and the head-end `WireguardGateway` talk to the userspace WireGuard of the
 * WireGuard project (Debian package `wireguard-go`, configured with `wg` from `wireguard-tools`),
 * running in a network namespace this test creates. The namespace's own kernel IPv6 stack answers
 * and sends ICMPv6 through wireguard-go's TUN interface.
 *
 * Each test gets a namespace `frwg-<pid>-<n>`, a veth pair with link-local IPv4 addresses
 * (169.254.0.0/16, RFC 3927: never routed) between the root namespace and it, and a wireguard-go
 * child process with a unique interface name (the control sockets in /var/run/wireguard are shared
 * by all namespaces). Every bit of it is removed in `after` hooks, also when a test fails. No
 * traffic leaves this machine.
 *
 * Needs root (or CAP_NET_ADMIN) and the Debian packages wireguard-go, wireguard-tools, iproute2,
 * iputils-ping (installed by .ci/run). Without them the tests fail and say what is missing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VpnClient } from '../../src/field/vpn/index.ts';
import { WireguardGateway, echoReplyFor } from '../../src/headend/gateway/index.ts';
import type { GatewayPeerStatus } from '../../src/headend/gateway/index.ts';
import { echoRequest } from '../../src/field/vpn/index.ts';
import { SecretBytes } from '../../src/log/index.ts';
import { getCrypto } from '../../src/stack/crypto/index.ts';
import { ICMPV6_TYPE, formatIpv6Address, parseIpv6Address } from '../../src/stack/ipv6/index.ts';
import { decodeKeyBase64, encodeKeyBase64, parseIpPrefix } from '../../src/stack/wireguard/index.ts';
import { newPrivateKey, until, waitForEvent } from '../headend/gateway/tunnel-pair.ts';

const execFileAsync = promisify(execFile);

/** Each external program and the Debian package that provides it. */
const PROGRAMS = [
  ['wireguard-go', 'wireguard-go'],
  ['wg', 'wireguard-tools'],
  ['ip', 'iproute2'],
  ['ping', 'iputils-ping'],
] as const;

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

function run(program: string, args: string[], input?: string): string {
  try {
    return execFileSync(program, args, {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(input !== undefined ? { input } : {}),
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

let preconditionError: string | null = null;

before(() => {
  const missing = PROGRAMS.filter(([program]) => !onPath(program));
  if (missing.length > 0) {
    preconditionError =
      `missing ${missing.map(([p, pkg]) => `${p} (Debian package ${pkg})`).join(', ')}; ` +
      `install with: apt-get install ${missing.map(([, pkg]) => pkg).join(' ')}`;
    return;
  }
  const probe = `frwg-${process.pid}-probe`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) {
    preconditionError =
      'cannot create a network namespace (these tests need root or CAP_NET_ADMIN): ' +
      (r.stderr.trim() || `ip exited ${r.status}`);
    return;
  }
  spawnSync('ip', ['netns', 'del', probe]);
});

function requirePreconditions(): void {
  if (preconditionError !== null) assert.fail(preconditionError);
}

let counter = 0;

interface Namespace {
  readonly name: string;
  /** wireguard-go's interface inside the namespace. */
  readonly wgInterface: string;
  /** Root-namespace end of the veth pair and its IPv4 address. */
  readonly rootAddress: string;
  /** Namespace end of the veth pair and its IPv4 address. */
  readonly nsAddress: string;
  /** wireguard-go's static key pair. */
  readonly wgPrivateKey: Uint8Array;
  readonly wgPublicKey: Uint8Array;
  inNs(program: string, args: string[], input?: string): string;
  inNsAsync(program: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string }>;
}

/**
 * A namespace with a veth pair and a running wireguard-go, torn down by `after` hooks of `t`
 * (registered before each resource is created, so a half-built setup is removed too).
 */
async function setUpNamespace(t: { after(fn: () => unknown): void }): Promise<Namespace> {
  requirePreconditions();
  const n = ++counter;
  const name = `frwg-${process.pid}-${n}`;
  // Interface names are at most 15 bytes (IFNAMSIZ − 1).
  const tag = `${process.pid % 100000}x${n}`;
  const wgInterface = `frwg${tag}`;
  const vethRoot = `frr${tag}`;
  const vethNs = `frn${tag}`;
  // 169.254.<o>.<4n+1>/30 and <4n+2>: link-local (RFC 3927), on our veth only.
  const o = (process.pid % 200) + 20;
  const rootAddress = `169.254.${o}.${4 * n + 1}`;
  const nsAddress = `169.254.${o}.${4 * n + 2}`;

  t.after(() => {
    spawnSync('ip', ['netns', 'del', name]);
    spawnSync('ip', ['link', 'del', vethRoot]);
  });
  run('ip', ['netns', 'add', name]);
  run('ip', ['link', 'add', vethRoot, 'type', 'veth', 'peer', 'name', vethNs, 'netns', name]);
  run('ip', ['addr', 'add', `${rootAddress}/30`, 'dev', vethRoot]);
  run('ip', ['link', 'set', vethRoot, 'up']);
  run('ip', ['-n', name, 'addr', 'add', `${nsAddress}/30`, 'dev', vethNs]);
  run('ip', ['-n', name, 'link', 'set', vethNs, 'up']);
  run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);

  // `ip netns exec` execs the program, so the child's pid is wireguard-go's own.
  const child: ChildProcess = spawn('ip', ['netns', 'exec', name, 'wireguard-go', '-f', wgInterface], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(`/var/run/wireguard/${wgInterface}.sock`, { force: true });
  });
  await until(
    () =>
      existsSync(`/var/run/wireguard/${wgInterface}.sock`) ||
      child.exitCode !== null ||
      child.signalCode !== null,
    10_000,
    `wireguard-go to create ${wgInterface}`,
  );
  assert.equal(child.exitCode, null, `wireguard-go exited: ${stderr}`);

  const wgPrivateKey = newPrivateKey();
  const inNs = (program: string, args: string[], input?: string): string =>
    run('ip', ['netns', 'exec', name, program, ...args], input);
  const inNsAsync = async (program: string, args: string[], timeoutMs: number) => {
    // Asynchronous, so that this process's event loop keeps answering through our client/gateway.
    try {
      const { stdout } = await execFileAsync('ip', ['netns', 'exec', name, program, ...args], {
        timeout: timeoutMs,
        encoding: 'utf8',
      });
      return { code: 0, out: stdout };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof err.code === 'number' ? err.code : -1,
        out: `${err.stdout ?? ''}${err.stderr ?? ''}`,
      };
    }
  };
  return {
    name,
    wgInterface,
    rootAddress,
    nsAddress,
    wgPrivateKey,
    wgPublicKey: getCrypto().x25519PublicKey(wgPrivateKey),
    inNs,
    inNsAsync,
  };
}

/** wg(8) reads keys from files: a 0600 file in a private directory, removed at once. */
function wgSet(ns: Namespace, args: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'frwg-key-'));
  try {
    const file = join(dir, 'private.key');
    writeFileSync(file, encodeKeyBase64(ns.wgPrivateKey) + '\n', { mode: 0o600 });
    ns.inNs('wg', ['set', ns.wgInterface, 'private-key', file, ...args]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bringUpTunnelAddress(ns: Namespace, address: string): void {
  // nodad: the address is usable at once (no RFC 4862 §5.4 duplicate detection delay).
  ns.inNs('ip', ['-6', 'addr', 'add', address, 'dev', ns.wgInterface, 'nodad']);
  ns.inNs('ip', ['link', 'set', ns.wgInterface, 'up']);
}

after(() => {
  // Belt and braces: nothing of ours may survive the file (the per-test hooks do the work).
  for (let n = 1; n <= counter; n++) spawnSync('ip', ['netns', 'del', `frwg-${process.pid}-${n}`]);
});

test('wireguard-go answers our VpnClient: handshake, ping to its kernel, and ping6 from it answered by our client', async (t) => {
  const ns = await setUpNamespace(t);
  const WG_PORT = 51820;
  const clientKey = newPrivateKey();
  const client = new VpnClient({
    privateKey: new SecretBytes(clientKey, 'client key'),
    tunnelAddress: parseIpv6Address('fd00:a1::1'),
    gateway: {
      publicKey: ns.wgPublicKey,
      endpoint: `${ns.nsAddress}:${WG_PORT}`,
      allowedIps: [parseIpPrefix('fd00:a1::/64')],
    },
  });
  t.after(() => client.stop());
  wgSet(ns, [
    'listen-port',
    String(WG_PORT),
    'peer',
    encodeKeyBase64(client.publicKey),
    'allowed-ips',
    'fd00:a1::1/128',
  ]);
  bringUpTunnelAddress(ns, 'fd00:a1::2/64');

  const up = waitForEvent(client, 'up', 10_000);
  await client.start();
  await up;
  const dump = ns.inNs('wg', ['show', ns.wgInterface, 'latest-handshakes']);
  const [peerKey, latest] = dump.trim().split('\t');
  assert.deepEqual(decodeKeyBase64(peerKey ?? ''), client.publicKey, 'wireguard-go knows our key');
  assert.ok(Number(latest) > 0, `wireguard-go records the handshake: ${dump}`);

  const results = await client.ping(parseIpv6Address('fd00:a1::2'), { count: 3, timeoutMs: 3000 });
  assert.deepEqual(
    results.map((r) => r.rttMs !== null),
    [true, true, true],
    'the namespace kernel answers our echo requests through wireguard-go',
  );

  const ping = await ns.inNsAsync('ping', ['-6', '-c', '3', '-W', '3', '-n', 'fd00:a1::1'], 15_000);
  assert.equal(ping.code, 0, `ping6 from the namespace: ${ping.out}`);
  assert.match(ping.out, /3 packets transmitted, 3 received/);
  assert.equal(client.counters().echoRequestsAnswered, 3, 'our client answered them');
  assert.equal(client.counters().device['decrypt-failed'], 0);
});

test('our WireguardGateway answers wireguard-go: it initiates, its ping6 is answered, and we route a packet back', async (t) => {
  const ns = await setUpNamespace(t);
  const gateway = new WireguardGateway({
    privateKey: new SecretBytes(newPrivateKey(), 'gateway key'),
    tunnelAddress: parseIpv6Address('fd00:b1::1'),
    bindAddress: ns.rootAddress,
    port: 0,
  });
  t.after(() => gateway.stop());
  const port = await gateway.start();
  gateway.addPeer({
    publicKey: ns.wgPublicKey,
    allowedIps: [parseIpPrefix('fd00:b1::2/128')],
    label: 'wireguard-go',
  });
  const replies: Uint8Array[] = [];
  gateway.addRoute(parseIpPrefix('fd00:b1::1/128'), (p) => replies.push(p));
  wgSet(ns, [
    'peer',
    encodeKeyBase64(gateway.publicKey),
    'allowed-ips',
    'fd00:b1::/64',
    'endpoint',
    `${ns.rootAddress}:${port}`,
  ]);
  bringUpTunnelAddress(ns, 'fd00:b1::2/64');

  const online = waitForEvent<[GatewayPeerStatus]>(gateway, 'peer-online', 15_000);
  // wireguard-go initiates the handshake for the first packet it must send (whitepaper §6.2).
  const ping = await ns.inNsAsync('ping', ['-6', '-c', '3', '-W', '3', '-n', 'fd00:b1::1'], 20_000);
  assert.equal(ping.code, 0, `ping6 to the gateway from the namespace: ${ping.out}`);
  assert.match(ping.out, /3 packets transmitted, 3 received/);
  const [status] = await online;
  assert.equal(status.id, encodeKeyBase64(ns.wgPublicKey));
  assert.match(
    status.endpoint ?? '',
    new RegExp(`^${ns.nsAddress.replace(/\./g, '\\.')}:[0-9]+$`),
    'endpoint learnt',
  );
  assert.equal(gateway.counters().echoRequestsAnswered, 3);

  // A service packet towards wireguard-go's address, routed by AllowedIPs: an echo request its
  // kernel answers, and the reply comes back to the route for our tunnel address.
  const data = new TextEncoder().encode('fieldroot');
  assert.equal(
    gateway.deliver(
      echoRequest(parseIpv6Address('fd00:b1::1'), parseIpv6Address('fd00:b1::2'), 0x5151, 1, data),
    ),
    true,
  );
  await until(() => replies.length > 0, 5000, 'the namespace kernel to answer the routed echo request');
  const reply = replies[0]!;
  assert.equal(reply[40], ICMPV6_TYPE.ECHO_REPLY);
  assert.equal(formatIpv6Address(reply.slice(8, 24)), 'fd00:b1::2');
  assert.deepEqual(reply.slice(48), data, 'echo data returned intact');
  assert.equal(echoReplyFor(reply, parseIpv6Address('fd00:b1::1')), null, 'a reply is not answered again');
  assert.equal(gateway.counters().device['decrypt-failed'], 0);
});
