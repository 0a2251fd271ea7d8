/**
 * A `NorthboundLink` over plain UDP on 127.0.0.1: each datagram is one raw IPv6 packet, no
 * encryption. For tests and for running the mesh against local head-end services before the VPN
 * exists. It accepts datagrams only from the configured remote port on 127.0.0.1 and only when
 * they are IPv6 packets; everything else is counted and dropped (DESIGN.md §3.3).
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { NorthboundLink, NorthboundLinkEvents, NorthboundLinkState } from './northbound-link.ts';
import { looksLikeIpv6Packet } from './northbound-link.ts';

const LOOPBACK = '127.0.0.1';

export interface LoopbackUdpLinkOptions {
  /** Local UDP port; 0 or absent picks a free one (read `port` after `start()`). */
  readonly localPort?: number;
  /** The other end's UDP port on 127.0.0.1; may also be set later with `connect()`. */
  readonly remotePort?: number;
}

export interface LoopbackUdpLinkCounters {
  packetsIn: number;
  packetsOut: number;
  /** Datagrams from another address or port than the configured remote. */
  foreignSource: number;
  /** Datagrams that are not a whole IPv6 packet. */
  notIpv6: number;
  /** Packets given to `send` while the link was not up. */
  sentWhileDown: number;
}

export class LoopbackUdpLink extends EventEmitter<NorthboundLinkEvents> implements NorthboundLink {
  readonly counters: LoopbackUdpLinkCounters = {
    packetsIn: 0,
    packetsOut: 0,
    foreignSource: 0,
    notIpv6: 0,
    sentWhileDown: 0,
  };
  private socket: dgram.Socket | null = null;
  private remotePort: number | null;
  private currentState: NorthboundLinkState = 'down';
  private boundPort = 0;

  constructor(private readonly options: LoopbackUdpLinkOptions = {}) {
    super();
    this.remotePort = options.remotePort ?? null;
  }

  get state(): NorthboundLinkState {
    return this.currentState;
  }

  /** The bound local port (after `start()`). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    if (this.socket !== null) throw new Error('link already started');
    const socket = dgram.createSocket('udp4');
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.localPort ?? 0, LOOPBACK, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // After binding, a socket error (e.g. ICMP port unreachable on Linux) is not fatal to the link.
    socket.on('error', () => undefined);
    this.boundPort = socket.address().port;
    this.setState(this.remotePort === null ? 'connecting' : 'up');
    return this.boundPort;
  }

  /** Sets the other end's port on 127.0.0.1. */
  connect(remotePort: number): void {
    if (!Number.isInteger(remotePort) || remotePort < 1 || remotePort > 65535) {
      throw new RangeError('remote port must be 1..65535');
    }
    this.remotePort = remotePort;
    if (this.socket !== null) this.setState('up');
  }

  send(ipv6Packet: Uint8Array): void {
    if (!looksLikeIpv6Packet(ipv6Packet)) throw new RangeError('not a whole IPv6 packet');
    if (this.socket === null || this.remotePort === null) {
      this.counters.sentWhileDown++;
      return;
    }
    this.counters.packetsOut++;
    this.socket.send(ipv6Packet, this.remotePort, LOOPBACK);
  }

  stop(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    this.setState('down');
    if (socket === null) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (rinfo.address !== LOOPBACK || rinfo.port !== this.remotePort) {
      this.counters.foreignSource++;
      return;
    }
    const packet = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength).slice();
    if (!looksLikeIpv6Packet(packet)) {
      this.counters.notIpv6++;
      return;
    }
    this.counters.packetsIn++;
    this.emit('packet', packet);
  }

  private setState(state: NorthboundLinkState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state);
  }
}
