/**
 * The Node edge of a sans-I/O `WireguardDevice` (src/stack/wireguard), shared by the tool's VPN
 * client (src/field/vpn) and the head-end gateway (src/headend/gateway), which may not import
 * each other: datagrams over a `node:dgram` socket or an injected transport (the virtual clock's
 * simulated network), and one timer at `device.nextDeadline()`. What else a device output holds
 * (events, inner packets) is the owner's business and goes to its `onOutput`.
 */
import dgram from 'node:dgram';
import type { Logger } from '../log/index.ts';
import { endpointText, splitHostPort } from '../stack/wireguard/index.ts';
import type { DeviceOutput, WireguardDevice } from '../stack/wireguard/index.ts';

/** The clock of the edge: monotonic ms for the device, Unix ms for TAI64N (whitepaper §5.1). */
export interface EdgeClock {
  now(): number;
  wallClock(): number;
}

export const REAL_CLOCK: EdgeClock = { now: () => performance.now(), wallClock: () => Date.now() };

/**
 * A datagram path standing in for the UDP socket (the virtual clock's simulated network). The
 * endpoint text is opaque to the device: it is learnt from `onMessage` (or configured) and given
 * back to `send`.
 */
export interface EdgeDatagramSocket {
  send(bytes: Uint8Array, endpoint: string): void;
  onMessage(listener: (bytes: Uint8Array, endpoint: string) => void): void;
  close(): void;
}

/** Timers of the edge; default Node's (the virtual clock's scheduler in simulations). */
export interface EdgeTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const NODE_TIMERS: EdgeTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Node's longest timer delay; a longer one fires at once (with a warning). */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

export interface DeviceDriverCounters {
  datagramsIn: number;
  datagramsOut: number;
  socketErrors: number;
}

export interface DeviceDriverOptions {
  readonly device: WireguardDevice<string>;
  readonly clock: EdgeClock;
  readonly timers: EdgeTimers;
  /** The events and inner packets of each device output, once its datagrams are sent. */
  readonly onOutput: (out: DeviceOutput<string>) => void;
  readonly logger?: Logger | undefined;
  /** Log message of a socket error, naming the owner (e.g. "vpn socket error"). */
  readonly socketErrorMessage: string;
}

export class WireguardDeviceDriver {
  private socket: dgram.Socket | null = null;
  private injected: EdgeDatagramSocket | null = null;
  private timer: unknown = null;
  private halted = false;
  private readonly counts: DeviceDriverCounters = { datagramsIn: 0, datagramsOut: 0, socketErrors: 0 };

  constructor(private readonly o: DeviceDriverOptions) {}

  get counters(): DeviceDriverCounters {
    return { ...this.counts };
  }

  /** A socket or an injected transport is in use (until `close()`). */
  get opened(): boolean {
    return this.socket !== null || this.injected !== null;
  }

  get usesInjectedTransport(): boolean {
    return this.injected !== null;
  }

  /** The bound UDP port of the socket, if one is open. */
  get boundPort(): number | undefined {
    return this.socket?.address().port;
  }

  /** Carries the device's datagrams over `transport` instead of a socket. */
  attach(transport: EdgeDatagramSocket): void {
    this.injected = transport;
    transport.onMessage((bytes, endpoint) => this.receive(bytes, endpoint));
  }

  /** Opens a UDP socket and binds it (`address` absent: every address of the family). */
  async bind(type: 'udp4' | 'udp6', port: number, address?: string): Promise<void> {
    const socket = dgram.createSocket(type);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (e) => {
      this.counts.socketErrors++;
      this.o.logger?.warn(this.o.socketErrorMessage, { error: e });
    });
    socket.on('message', (msg, rinfo) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      this.receive(bytes, endpointText(rinfo.address, rinfo.port));
    });
  }

  /** Sends the output's datagrams, hands the rest to the owner and re-arms the timer. */
  apply(out: DeviceOutput<string>): void {
    for (const d of out.datagrams) this.transmit(d.endpoint, d.bytes);
    this.o.onOutput(out);
    this.schedule();
  }

  /** Re-arms the timer at the device's next deadline (after a change made outside `apply`). */
  schedule(): void {
    if (this.timer !== null) this.o.timers.clearTimeout(this.timer);
    this.timer = null;
    if (this.halted) return;
    const deadline = this.o.device.nextDeadline();
    if (deadline === null) return;
    const wait = Math.min(MAX_TIMER_DELAY, Math.max(0, Math.ceil(deadline - this.o.clock.now())));
    this.timer = this.o.timers.setTimeout(() => {
      this.timer = null;
      if (!this.halted) this.apply(this.o.device.tick(this.o.clock.now()));
    }, wait);
  }

  /** Stops the timer and drops every later datagram; the transport stays open until `close()`. */
  halt(): void {
    this.halted = true;
    if (this.timer !== null) this.o.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Closes the injected transport or the socket. */
  async close(): Promise<void> {
    this.injected?.close();
    this.injected = null;
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private receive(bytes: Uint8Array, endpoint: string): void {
    if (this.halted) return;
    this.counts.datagramsIn++;
    this.apply(this.o.device.receive(this.o.clock.now(), bytes, endpoint));
  }

  private transmit(endpoint: string, bytes: Uint8Array): void {
    if (this.injected !== null) {
      this.counts.datagramsOut++;
      this.injected.send(bytes, endpoint);
      return;
    }
    const socket = this.socket;
    // Endpoints on the socket path are numeric (learnt from rinfo or resolved before use).
    const target = splitHostPort(endpoint);
    if (socket === null || target === null) return;
    this.counts.datagramsOut++;
    socket.send(bytes, target.port, target.host, (e) => {
      if (e) this.counts.socketErrors++;
    });
  }
}
