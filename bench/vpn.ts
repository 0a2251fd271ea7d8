/**
 * bench/vpn (issue #4): WireGuard tunnel throughput on one core and handshakes per second at the
 * gateway, for both crypto back-ends (node:crypto where Node has the primitive, pure JS from
 * @noble otherwise; DESIGN.md §3.5).
 *
 * Throughput: two sans-I/O `WireguardDevice`s (the tool and the gateway) joined in memory; one
 * operation is one IPv6 packet sealed by the tool and opened, replay-checked and source-checked by
 * the gateway — both ends on the same core, no sockets, so the figure is the crypto and framing
 * cost of the tunnel. Handshakes: the gateway answering initiations from distinct tools (message 1
 * in, message 2 out), initiations generated beforehand.
 *
 * wireguard-go as a reference (the issue asks for it) is measured when the machine can create
 * network namespaces: two wireguard-go instances in two namespaces joined by a veth pair, and one
 * UDP sender process pushing packets through the tunnel for a fixed time, the receiver counting
 * what arrives. Its figure includes the kernel's UDP and TUN costs and uses every core wireguard-go
 * wants, so the printed ratio is a rough yardstick, not a like-for-like comparison.
 */
import { createJsProvider, createNodeProvider } from '../src/stack/crypto/index.ts';
import type { CryptoProvider } from '../src/stack/crypto/index.ts';
import { STRING_ENDPOINTS, WireguardDevice, parseIpPrefix } from '../src/stack/wireguard/index.ts';
import { conditions, formatRate, measure } from './support/measure.ts';
import { measureWireguardGo } from './support/wireguard-go-reference.ts';

const TOOL = 'fd00:f1e1:d000::2';
const GATEWAY = 'fd00:f1e1:d000::1';
const SIZES = [1280, 100] as const;

function ipv6Packet(size: number): Uint8Array {
  const p = new Uint8Array(size);
  p[0] = 0x60; // RFC 8200 §3: version 6
  new DataView(p.buffer).setUint16(4, size - 40);
  p[6] = 59; // No Next Header (RFC 8200 §4.7)
  p[7] = 64;
  p.set(parseIpPrefix(`${TOOL}/128`).address, 8);
  p.set(parseIpPrefix(`${GATEWAY}/128`).address, 24);
  return p;
}

function device(crypto: CryptoProvider, key: Uint8Array, wall: () => number): WireguardDevice<string> {
  return new WireguardDevice<string>({
    crypto,
    privateKey: key,
    random: (n) => crypto.randomBytes(n),
    endpoints: STRING_ENDPOINTS,
    wallClock: wall,
    // The bench is the only sender; cookies under load would measure the limiter, not the tunnel.
    underLoadThreshold: Number.MAX_SAFE_INTEGER,
  });
}

/** A tool and a gateway with a completed handshake. */
function tunnel(crypto: CryptoProvider) {
  let wall = Date.now();
  const wallClock = () => ++wall;
  const toolKey = crypto.randomBytes(32);
  const gwKey = crypto.randomBytes(32);
  const tool = device(crypto, toolKey, wallClock);
  const gateway = device(crypto, gwKey, wallClock);
  const gwPeer = tool.addPeer({
    publicKey: gateway.publicKey,
    allowedIps: [parseIpPrefix('::/0')],
    endpoint: 'gateway:1',
  });
  gateway.addPeer({ publicKey: tool.publicKey, allowedIps: [parseIpPrefix(`${TOOL}/128`)] });
  const now = 1_000;
  let out = tool.keepalive(now, gwPeer);
  for (let i = 0; i < 8 && out.datagrams.length > 0; i++) {
    const toGateway = out.datagrams.flatMap((d) => gateway.receive(now, d.bytes, 'tool:1').datagrams);
    out = { datagrams: [], packets: [], events: [] };
    for (const d of toGateway) {
      const back = tool.receive(now, d.bytes, 'gateway:1');
      out.datagrams.push(...back.datagrams);
    }
  }
  return { tool, gateway, gwPeer, now };
}

function throughput(label: string, crypto: CryptoProvider, size: number) {
  const { tool, gateway, gwPeer, now } = tunnel(crypto);
  const packet = ipv6Packet(size);
  let delivered = 0;
  const m = measure(`${label}: ${String(size)}-byte packets`, () => {
    const out = tool.send(now, gwPeer, packet);
    for (const d of out.datagrams) delivered += gateway.receive(now, d.bytes, 'tool:1').packets.length;
  });
  if (delivered === 0) throw new Error(`${label}: no packet went through the tunnel`);
  const mbit = (m.opsPerSecond * size * 8) / 1e6;
  console.log(formatRate(m, `${mbit.toFixed(0)} Mbit/s (inner)`));
  return { packetsPerSecond: m.opsPerSecond, mbitPerSecond: mbit };
}

function handshakes(label: string, crypto: CryptoProvider, count: number): number {
  let wall = Date.now();
  const wallClock = () => ++wall;
  const gateway = device(crypto, crypto.randomBytes(32), wallClock);
  const initiations: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const tool = device(crypto, crypto.randomBytes(32), wallClock);
    const peer = tool.addPeer({ publicKey: gateway.publicKey, endpoint: 'gateway:1' });
    gateway.addPeer({ publicKey: tool.publicKey });
    const first = tool.keepalive(1_000, peer).datagrams[0];
    if (first === undefined) throw new Error('no initiation');
    initiations.push(first.bytes);
  }
  const started = performance.now();
  let answered = 0;
  for (const [i, bytes] of initiations.entries())
    answered += gateway.receive(1_000, bytes, `tool-${String(i)}:1`).datagrams.length;
  const seconds = (performance.now() - started) / 1000;
  if (answered !== count) throw new Error(`${label}: ${String(answered)} of ${String(count)} answered`);
  const rate = count / seconds;
  console.log(`  ${`${label}: gateway answers initiations`.padEnd(52)} ${rate.toFixed(0).padStart(8)} /s`);
  return rate;
}

export async function run(): Promise<void> {
  console.log('bench/vpn — WireGuard tunnel and gateway, one core');
  console.log(conditions({ measure: 'tool seals + gateway opens, in memory; 1 s per figure after warm-up' }));
  const results: Record<string, Record<number, { packetsPerSecond: number; mbitPerSecond: number }>> = {};
  for (const [label, crypto] of [
    ['node:crypto', createNodeProvider()],
    ['pure JS', createJsProvider()],
  ] as const) {
    results[label] = {};
    for (const size of SIZES) results[label][size] = throughput(label, crypto, size);
    handshakes(label, crypto, label === 'pure JS' ? 200 : 1000);
  }
  for (const size of SIZES) {
    const ratio =
      results['pure JS']![size]!.packetsPerSecond / results['node:crypto']![size]!.packetsPerSecond;
    console.log(`  pure JS / node:crypto at ${String(size)} bytes: ${ratio.toFixed(2)}`);
  }
  const reference = await measureWireguardGo(SIZES, 3);
  if (typeof reference === 'string') {
    console.log(`  wireguard-go reference: not measured (${reference})`);
    return;
  }
  for (const size of SIZES) {
    const go = reference[size];
    if (go === undefined) continue;
    const ours = results['node:crypto']![size]!;
    console.log(
      `  wireguard-go (2 namespaces, kernel UDP + TUN): ${String(size)} bytes ${go.packetsPerSecond.toFixed(0)} packets/s, ` +
        `${go.mbitPerSecond.toFixed(0)} Mbit/s; ours (node:crypto) / wireguard-go: ${(ours.packetsPerSecond / go.packetsPerSecond).toFixed(2)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await run();
