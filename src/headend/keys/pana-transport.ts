/**
 * The key server's edges, injectable: the datagram transport its PANA agent speaks over, and the
 * timers that drive retransmissions and the key life cycle. Production uses a UDP socket on port
 * 716 (RFC 5191 §11) and Node timers; the virtual system (src/cli/sim/virtual-system.ts) hands in
 * an in-memory transport and the simulator's virtual scheduler, so the same key server
 * authenticates a simulated field in simulated time.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import type { Logger } from '../../log/index.ts';
import type { PanaEndpoint } from '../../stack/pana/index.ts';
import { describeEndpoint, endpointFromSocket, socketAddressOf } from './udp-endpoint.ts';

export type PanaReceive = (bytes: Uint8Array, from: PanaEndpoint) => void;

export interface PanaTransport {
  /** Starts delivering datagrams to `receive`; resolves once they can arrive. */
  open(receive: PanaReceive): Promise<void>;
  send(bytes: Uint8Array, to: PanaEndpoint): void;
  /** The local address and port, for logs. */
  address(): { address: string; port: number };
  /** Stops delivering; idempotent. */
  close(): Promise<void>;
}

/** One-shot timers (Node's by default; the virtual scheduler's in simulations). */
export interface KeyServerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const nodeTimers: KeyServerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** PANA over a UDP socket ('::' dual-stack by default; IPv4 peers as IPv4-mapped endpoints). */
export class UdpPanaTransport implements PanaTransport {
  private socket: Socket | undefined;
  private readonly family: 'udp4' | 'udp6';

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly log: Logger,
  ) {
    this.family = isIPv4(host) ? 'udp4' : 'udp6';
  }

  async open(receive: PanaReceive): Promise<void> {
    const socket = createSocket({ type: this.family, reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.host, port: this.port }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.log.error('PANA socket error', { error: err }));
    socket.on('message', (msg, rinfo) => {
      let from: PanaEndpoint;
      try {
        from = endpointFromSocket(rinfo.address, rinfo.port);
      } catch {
        return; // not an IP address we can answer
      }
      receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), from);
    });
    this.socket = socket;
  }

  send(bytes: Uint8Array, to: PanaEndpoint): void {
    const socket = this.socket;
    if (!socket) return;
    socket.send(bytes, to.port, socketAddressOf(to, this.family), (err) => {
      if (err) this.log.debug('PANA send failed', { error: err, to: describeEndpoint(to) });
    });
  }

  address(): { address: string; port: number } {
    const a = this.socket!.address();
    return { address: a.address, port: a.port };
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
