/**
 * A virtual-time network of WireGuard devices for tests: datagrams are delivered at once to the
 * device bound at their endpoint, a filter can drop or hold them, and time advances from one
 * device deadline to the next (bounded loops). Randomness is seeded (hardware/sim/random.ts).
 */
import type { CryptoProvider } from '../../../src/stack/crypto/provider.ts';
import {
  MESSAGE_TYPE,
  STRING_ENDPOINTS,
  WireguardDevice,
  parseIpPrefix,
} from '../../../src/stack/wireguard/index.ts';
import type {
  DeviceOutput,
  ReceivedPacket,
  WireguardEvent,
  WireguardPeer,
} from '../../../src/stack/wireguard/index.ts';
import { Random } from '../../../hardware/sim/random.ts';

export function seededRandom(seed: string): (n: number) => Uint8Array {
  const r = new Random(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = r.nextUint32() & 0xff;
    return out;
  };
}

export interface Wire {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly bytes: Uint8Array;
  readonly type: number;
}

export interface Node {
  readonly name: string;
  address: string;
  readonly device: WireguardDevice<string>;
  readonly packets: ReceivedPacket<string>[];
  readonly events: WireguardEvent<string>[];
}

export class VirtualNet {
  now = 0;
  readonly nodes: Node[] = [];
  /** Every datagram emitted, delivered or not. */
  readonly log: Wire[] = [];
  /** Return false to drop a datagram on the wire. */
  filter: (w: Wire) => boolean = () => true;
  private readonly queue: Wire[] = [];

  add(name: string, address: string, device: WireguardDevice<string>): Node {
    const node: Node = { name, address, device, packets: [], events: [] };
    this.nodes.push(node);
    return node;
  }

  /** Applies a device output from `node`: queue datagrams, record packets and events. */
  take(node: Node, out: DeviceOutput<string>): DeviceOutput<string> {
    node.packets.push(...out.packets);
    node.events.push(...out.events);
    for (const d of out.datagrams) {
      const w: Wire = { at: this.now, from: node.address, to: d.endpoint, bytes: d.bytes, type: d.bytes[0]! };
      this.log.push(w);
      if (this.filter(w)) this.queue.push(w);
    }
    return out;
  }

  send(node: Node, peer: WireguardPeer<string>, packet: Uint8Array): DeviceOutput<string> {
    const out = this.take(node, node.device.send(this.now, peer, packet));
    this.flush();
    return out;
  }

  /** Injects a datagram as if it came from `from`. */
  inject(to: Node, bytes: Uint8Array, from: string): DeviceOutput<string> {
    const out = this.take(to, to.device.receive(this.now, bytes, from));
    this.flush();
    return out;
  }

  /** Delivers queued datagrams until none are left (bounded). */
  flush(): void {
    for (let i = 0; i < 10_000 && this.queue.length > 0; i++) {
      const w = this.queue.shift()!;
      const node = this.nodes.find((n) => n.address === w.to);
      if (node !== undefined) this.take(node, node.device.receive(this.now, w.bytes, w.from));
    }
    if (this.queue.length > 0) throw new Error('datagram storm: queue did not drain');
  }

  /** Runs every timer up to and including `until`, then sets the clock to `until`. */
  advanceTo(until: number): void {
    for (let i = 0; i < 100_000; i++) {
      const next = Math.min(...this.nodes.map((n) => n.device.nextDeadline() ?? Infinity));
      if (next > until) {
        this.now = until;
        return;
      }
      this.now = Math.max(this.now, next);
      for (const node of this.nodes) this.take(node, node.device.tick(this.now));
      this.flush();
    }
    throw new Error('advanceTo did not converge');
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  /** Datagrams of one message type sent from `node` after time `since`. */
  sent(node: Node, type: number, since = -Infinity): Wire[] {
    return this.log.filter((w) => w.from === node.address && w.type === type && w.at >= since);
  }
}

export const TUNNEL = {
  tool: 'fd00:1::2',
  gateway: 'fd00:1::1',
  server: '2001:db8:5::10',
} as const;

/**
 * Two devices: "tool" (initiator, knows the gateway's endpoint) and "gateway" (responder, learns
 * the tool's endpoint). The gateway allows only the tool's tunnel address from it; the tool
 * routes everything to the gateway.
 */
export function toolAndGateway(
  crypto: CryptoProvider,
  opts: {
    seed?: string;
    gatewayLoadThreshold?: number;
    toolKeepalive?: number;
    presharedKey?: Uint8Array;
  } = {},
) {
  const seed = opts.seed ?? 'wg';
  const net = new VirtualNet();
  const toolRandom = seededRandom(`${seed}:tool`);
  const gatewayRandom = seededRandom(`${seed}:gateway`);
  const toolKey = toolRandom(32);
  const gatewayKey = gatewayRandom(32);
  const toolDevice = new WireguardDevice<string>({
    crypto,
    privateKey: toolKey,
    random: toolRandom,
    endpoints: STRING_ENDPOINTS,
  });
  const gatewayDevice = new WireguardDevice<string>({
    crypto,
    privateKey: gatewayKey,
    random: gatewayRandom,
    endpoints: STRING_ENDPOINTS,
    ...(opts.gatewayLoadThreshold !== undefined ? { underLoadThreshold: opts.gatewayLoadThreshold } : {}),
  });
  const tool = net.add('tool', '192.0.2.10:40000', toolDevice);
  const gateway = net.add('gateway', '198.51.100.1:51820', gatewayDevice);
  const psk = opts.presharedKey ?? null;
  const gatewayPeer = toolDevice.addPeer({
    publicKey: gatewayDevice.publicKey,
    presharedKey: psk,
    allowedIps: [parseIpPrefix('::/0')],
    endpoint: gateway.address,
    persistentKeepalive: opts.toolKeepalive ?? 0,
  });
  const toolPeer = gatewayDevice.addPeer({
    publicKey: toolDevice.publicKey,
    presharedKey: psk,
    allowedIps: [parseIpPrefix(`${TUNNEL.tool}/128`), parseIpPrefix('10.9.0.2/32')],
  });
  return { net, tool, gateway, gatewayPeer, toolPeer };
}

/** A minimal IPv6 packet (next header 59, "no next header") with `payload`. */
export function ipv6Packet(source: string, destination: string, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(40 + payload.length);
  p[0] = 0x60;
  p[4] = payload.length >> 8;
  p[5] = payload.length & 0xff;
  p[6] = 59;
  p[7] = 64;
  p.set(parseIpPrefix(source).address, 8);
  p.set(parseIpPrefix(destination).address, 24);
  p.set(payload, 40);
  return p;
}

/** A minimal IPv4 packet (protocol 253, experimental) with `payload`; checksum left zero. */
export function ipv4Packet(source: string, destination: string, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = 253;
  p.set(parseIpPrefix(source).address, 12);
  p.set(parseIpPrefix(destination).address, 16);
  p.set(payload, 20);
  return p;
}

export const isHandshake = (w: Wire): boolean =>
  w.type === MESSAGE_TYPE.HANDSHAKE_INITIATION || w.type === MESSAGE_TYPE.HANDSHAKE_RESPONSE;

/** Receiver index of a transport datagram (bytes 4..7, little-endian). */
export function receiverIndexOf(bytes: Uint8Array): number {
  return (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
}

export const payload = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (packet: Uint8Array): string => new TextDecoder().decode(packet.subarray(40));
