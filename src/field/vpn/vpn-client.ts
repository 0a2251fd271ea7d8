/**
 * The tool's userspace WireGuard client (DESIGN.md §1 "WAN side", §4 "VPN"): the sans-I/O
 * `WireguardDevice` of src/stack/wireguard driven by a `node:dgram` socket and one timer at
 * `device.nextDeadline()`, with one peer, the head-end gateway. It is the engine's
 * `NorthboundLink`: whole IPv6 packets in and out. It answers ICMPv6 echo requests addressed to
 * its own tunnel address and can ping through the tunnel.
 *
 * The private key comes from the caller (the credential vault, later) as `SecretBytes`; the device
 * keeps the only copy and `stop()` wipes it with every session key. Nothing here logs key material.
 */
import { EventEmitter } from 'node:events';
import type { Logger, SecretBytes } from '../../log/index.ts';
import { NODE_TIMERS, REAL_CLOCK, WireguardDeviceDriver } from '../../node-wireguard/index.ts';
import type { EdgeClock, EdgeDatagramSocket, EdgeTimers } from '../../node-wireguard/index.ts';
import { getCrypto } from '../../stack/crypto/index.ts';
import type { CryptoProvider } from '../../stack/crypto/index.ts';
import { addressesEqual, formatIpv6Address } from '../../stack/ipv6/index.ts';
import type { Ipv6Address } from '../../stack/ipv6/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import {
  STRING_ENDPOINTS,
  WireguardDevice,
  encodeKeyBase64,
  parseIpPrefix,
} from '../../stack/wireguard/index.ts';
import type {
  DeviceOutput,
  DropReason,
  IpPrefix,
  WireguardEvent,
  WireguardPeer,
} from '../../stack/wireguard/index.ts';
import type { NorthboundLink, NorthboundLinkEvents, NorthboundLinkState } from '../northbound-link.ts';
import { looksLikeIpv6Packet } from '../northbound-link.ts';
import { echoFor, echoReply, echoRequest } from './echo.ts';
import { resolveEndpoint } from './udp-endpoint.ts';

export { REAL_CLOCK } from '../../node-wireguard/index.ts';
export type { EdgeClock, EdgeDatagramSocket, EdgeTimers } from '../../node-wireguard/index.ts';

export interface VpnGatewayPeer {
  readonly publicKey: Uint8Array;
  readonly presharedKey?: SecretBytes | null;
  /** "host:port" or "[ipv6]:port"; a host name is resolved once by `start()`. */
  readonly endpoint: string;
  /** Inner destinations sent to the gateway; default everything (`::/0`). */
  readonly allowedIps?: readonly IpPrefix[];
  /** Seconds, 0 = off (wg(8) persistent-keepalive). */
  readonly persistentKeepalive?: number;
}

export interface VpnClientOptions {
  readonly privateKey: SecretBytes;
  /** Our address inside the tunnel (wg-quick `Address`), 16 bytes. */
  readonly tunnelAddress: Ipv6Address;
  readonly gateway: VpnGatewayPeer;
  /** Local UDP port; 0 or absent picks one (wg-quick `ListenPort`). */
  readonly listenPort?: number;
  readonly mtu?: number;
  readonly crypto?: CryptoProvider;
  /** Secure random bytes; default the crypto provider's. */
  readonly random?: (n: number) => Uint8Array;
  readonly clock?: EdgeClock;
  /**
   * Replaces the UDP socket (`listenPort` then unused); default a node:dgram socket. The
   * gateway's endpoint text is passed through unresolved and must be what `onMessage` reports.
   */
  readonly datagrams?: EdgeDatagramSocket;
  /** Timers of the device's deadlines; default Node's. */
  readonly timers?: EdgeTimers;
  readonly logger?: Logger;
}

export interface VpnClientEvents extends NorthboundLinkEvents {
  /** A handshake with the gateway completed (whitepaper §5.4). */
  up: [];
  /** The gateway stopped answering handshakes, the session expired, or the client stopped. */
  down: [reason: VpnDownReason];
}

export type VpnDownReason = 'peer-unreachable' | 'session-expired' | 'keys-zeroed' | 'stopped';

export interface VpnClientCounters {
  datagramsIn: number;
  datagramsOut: number;
  packetsIn: number;
  packetsOut: number;
  echoRequestsAnswered: number;
  handshakes: number;
  /** Inner packets that were IPv4: the northbound link carries IPv6 only. */
  notIpv6: number;
  /** ICMPv6 to our address that did not decode (bad checksum, truncated). */
  badIcmpv6: number;
  /** Packets given to `sendPacket` whose destination is outside the gateway's AllowedIPs. */
  noRoute: number;
  /** Packets given to `sendPacket` before `start()` or after `stop()`. */
  sentWhileStopped: number;
  socketErrors: number;
  /** The device's drops by reason (src/stack/wireguard/device.ts DROP_REASONS). */
  device: Record<DropReason, number>;
}

export interface PingOptions {
  readonly count?: number;
  /** How long to wait for each reply. */
  readonly timeoutMs?: number;
  /** Pause between a reply (or timeout) and the next request. */
  readonly intervalMs?: number;
  /** Bytes of echo data (RFC 4443 §4.1), default 16. */
  readonly size?: number;
}

export interface PingResult {
  readonly sequence: number;
  /** Round trip in ms, or null when no reply came within the timeout. */
  readonly rttMs: number | null;
}

interface PendingEcho {
  readonly target: Ipv6Address;
  readonly sequence: number;
  readonly sentAt: number;
  readonly done: (rttMs: number | null) => void;
}

export class VpnClient extends EventEmitter<VpnClientEvents> implements NorthboundLink {
  private readonly device: WireguardDevice<string>;
  private readonly clock: EdgeClock;
  private readonly tunnelAddress: Ipv6Address;
  private readonly logger: Logger | undefined;
  private readonly random: (n: number) => Uint8Array;
  private peer: WireguardPeer<string> | null = null;
  private readonly driver: WireguardDeviceDriver;
  private currentState: NorthboundLinkState = 'down';
  private stopped = false;
  private readonly pending = new Map<number, PendingEcho>();
  private readonly pingIdentifier: number;
  private nextSequence = 1;
  private readonly edge = {
    packetsIn: 0,
    packetsOut: 0,
    echoRequestsAnswered: 0,
    handshakes: 0,
    notIpv6: 0,
    badIcmpv6: 0,
    noRoute: 0,
    sentWhileStopped: 0,
  };

  constructor(private readonly options: VpnClientOptions) {
    super();
    if (options.tunnelAddress.length !== 16) throw new RangeError('tunnel address must be 16 bytes (IPv6)');
    const crypto = options.crypto ?? getCrypto();
    this.clock = options.clock ?? REAL_CLOCK;
    this.random = options.random ?? ((n) => crypto.randomBytes(n));
    this.tunnelAddress = options.tunnelAddress.slice();
    this.logger = options.logger;
    const clock = this.clock;
    this.device = new WireguardDevice<string>({
      crypto,
      privateKey: options.privateKey.expose(),
      random: this.random,
      endpoints: STRING_ENDPOINTS,
      wallClock: () => clock.wallClock(),
      ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
    });
    this.driver = new WireguardDeviceDriver({
      device: this.device,
      clock,
      timers: options.timers ?? NODE_TIMERS,
      onOutput: (out) => this.onOutput(out),
      logger: this.logger,
      socketErrorMessage: 'vpn socket error',
    });
    const id = this.random(2);
    this.pingIdentifier = (id[0]! << 8) | id[1]!;
  }

  get state(): NorthboundLinkState {
    return this.currentState;
  }

  get publicKey(): Uint8Array {
    return this.device.publicKey;
  }

  /** The bound local UDP port (after `start()`). */
  get localPort(): number {
    return this.driver.boundPort ?? 0;
  }

  /** Opens the socket and starts the handshake with the gateway. */
  async start(): Promise<void> {
    if (this.stopped) throw new Error('a stopped VpnClient cannot be restarted');
    if (this.driver.opened) throw new Error('VpnClient already started');
    const gw = this.options.gateway;
    if (this.options.datagrams !== undefined) {
      this.driver.attach(this.options.datagrams);
      this.connect(gw.endpoint);
      return;
    }
    const resolved = await resolveEndpoint(gw.endpoint);
    await this.driver.bind(resolved.family === 6 ? 'udp6' : 'udp4', this.options.listenPort ?? 0);
    this.connect(resolved.endpoint);
  }

  private connect(endpoint: string): void {
    const gw = this.options.gateway;
    this.peer = this.device.addPeer({
      publicKey: gw.publicKey,
      presharedKey: gw.presharedKey?.expose() ?? null,
      allowedIps: gw.allowedIps ?? [parseIpPrefix('::/0')],
      endpoint,
      persistentKeepalive: gw.persistentKeepalive ?? 0,
    });
    this.setState('connecting');
    this.logger?.info('vpn starting', {
      gateway: encodeKeyBase64(gw.publicKey),
      endpoint,
      tunnelAddress: formatIpv6Address(this.tunnelAddress),
    });
    // A keepalive starts the handshake now rather than with the first packet (wg(8) does this for
    // peers with a persistent keepalive; the tool wants the tunnel up before the job needs it).
    this.driver.apply(this.device.keepalive(this.clock.now(), this.peer));
  }

  /** NorthboundLink: one IPv6 packet towards the head-end. */
  send(ipv6Packet: Uint8Array): void {
    this.sendPacket(ipv6Packet);
  }

  /** Sends an IPv6 packet through the tunnel (queued by the device until a session exists). */
  sendPacket(ipv6Packet: Uint8Array): void {
    if (!looksLikeIpv6Packet(ipv6Packet)) throw new RangeError('not a whole IPv6 packet');
    const peer = this.peer;
    if (peer === null || this.stopped) {
      this.edge.sentWhileStopped++;
      return;
    }
    // Whitepaper §2 (cryptokey routing): the peer is chosen by destination (octets 24..39, RFC 8200 §3).
    if (this.device.routeFor(ipv6Packet.subarray(24, 40)) !== peer) {
      this.edge.noRoute++;
      return;
    }
    this.edge.packetsOut++;
    this.driver.apply(this.device.send(this.clock.now(), peer, ipv6Packet));
  }

  /**
   * ICMPv6 echo (RFC 4443 §4) to `target` through the tunnel, one request at a time; the first
   * may wait for the handshake. Resolves with one result per request.
   */
  async ping(target: Ipv6Address, options: PingOptions = {}): Promise<PingResult[]> {
    const count = options.count ?? 3;
    const timeoutMs = options.timeoutMs ?? 2000;
    const intervalMs = options.intervalMs ?? 0;
    if (!Number.isInteger(count) || count < 1 || count > 65535)
      throw new RangeError('count must be 1..65535');
    const results: PingResult[] = [];
    for (let i = 0; i < count && !this.stopped; i++) {
      if (i > 0 && intervalMs > 0) await delay(intervalMs);
      const sequence = this.nextSequence;
      this.nextSequence = (this.nextSequence % 0xffff) + 1;
      const rttMs = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => finish(null), timeoutMs);
        const finish = (rtt: number | null): void => {
          clearTimeout(timer);
          this.pending.delete(sequence);
          resolve(rtt);
        };
        this.pending.set(sequence, {
          target: target.slice(),
          sequence,
          sentAt: this.clock.now(),
          done: finish,
        });
        const data = this.random(options.size ?? 16);
        this.sendPacket(echoRequest(this.tunnelAddress, target, this.pingIdentifier, sequence, data));
      });
      results.push({ sequence, rttMs });
    }
    return results;
  }

  counters(): VpnClientCounters {
    return { ...this.driver.counters, ...this.edge, device: { ...this.device.counters } };
  }

  /** Closes the socket, clears the timer, ends pending pings and wipes every key. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.driver.halt();
    for (const p of [...this.pending.values()]) p.done(null);
    this.device.close();
    this.peer = null;
    const wasUp = this.currentState === 'up';
    this.setState('down');
    if (wasUp) this.emit('down', 'stopped');
    await this.driver.close();
  }

  /** The device's events and inner packets (the driver has sent its datagrams). */
  private onOutput(out: DeviceOutput<string>): void {
    for (const e of out.events) this.onDeviceEvent(e);
    for (const p of out.packets) {
      if (p.family !== 6) {
        this.edge.notIpv6++;
        continue;
      }
      this.onInnerPacket(p.packet);
    }
  }

  private onDeviceEvent(e: WireguardEvent<string>): void {
    switch (e.type) {
      case 'handshake-complete':
        this.edge.handshakes++;
        if (this.currentState !== 'up') {
          this.logger?.info('vpn up', { role: e.role });
          this.setState('up');
          this.emit('up');
        }
        return;
      case 'peer-unreachable':
      case 'session-expired':
      case 'keys-zeroed':
        // A failed handshake is reported even before the first session; the others end one.
        if (e.type !== 'peer-unreachable' && this.currentState !== 'up') return;
        this.logger?.warn('vpn down', { reason: e.type });
        this.setState('connecting');
        this.emit('down', e.type);
        return;
      default:
        return;
    }
  }

  private onInnerPacket(packet: Uint8Array): void {
    this.edge.packetsIn++;
    let echo;
    try {
      echo = echoFor(packet, this.tunnelAddress);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.edge.badIcmpv6++;
      return;
    }
    const message = echo?.upper.message;
    if (echo && message?.kind === 'echo-request') {
      this.edge.echoRequestsAnswered++;
      this.sendPacket(echoReply(echo));
      return;
    }
    if (echo && message?.kind === 'echo-reply' && message.identifier === this.pingIdentifier) {
      const p = this.pending.get(message.sequence);
      if (p !== undefined && addressesEqual(p.target, echo.source)) {
        p.done(this.clock.now() - p.sentAt);
        return;
      }
    }
    this.emit('packet', packet);
  }

  private setState(state: NorthboundLinkState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
