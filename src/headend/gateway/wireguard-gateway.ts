/**
 * The head-end WireGuard gateway (DESIGN.md §1, §4 "VPN", "provisioning"): the responder side of
 * the tools' tunnels. One UDP socket drives the sans-I/O `WireguardDevice` of src/stack/wireguard;
 * peers (one per job session) are added and removed at runtime. Inner packets from a peer go to
 * the service subscribed to their destination prefix (`addRoute`); services send back with
 * `deliver`, routed to the peer whose AllowedIPs hold the destination (whitepaper §2, cryptokey
 * routing). Tools never reach each other directly: a packet from a tool goes to a service or is
 * dropped. The gateway answers ICMPv6 echo on its own tunnel address and reports each peer
 * online (a handshake completed) and offline (no handshake for `offlineAfterMs`, default
 * REJECT_AFTER_TIME: after that no session of the peer can carry data, whitepaper §6.1).
 *
 * Junk never creates state: the device keeps nothing for a datagram that does not authenticate
 * (whitepaper §5.1, §5.3) and the gateway adds nothing but counters.
 */
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import type { Logger, SecretBytes } from '../../log/index.ts';
import {
  MAX_TIMER_DELAY,
  NODE_TIMERS,
  REAL_CLOCK,
  WireguardDeviceDriver,
} from '../../node-wireguard/index.ts';
import type { EdgeClock, EdgeDatagramSocket, EdgeTimers } from '../../node-wireguard/index.ts';
import { getCrypto } from '../../stack/crypto/index.ts';
import type { CryptoProvider } from '../../stack/crypto/index.ts';
import { formatIpv6Address } from '../../stack/ipv6/index.ts';
import type { Ipv6Address } from '../../stack/ipv6/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import {
  REJECT_AFTER_TIME,
  STRING_ENDPOINTS,
  WireguardDevice,
  encodeKeyBase64,
  splitHostPort,
} from '../../stack/wireguard/index.ts';
import type {
  DeviceOutput,
  DropReason,
  IpPrefix,
  WireguardEvent,
  WireguardPeer,
} from '../../stack/wireguard/index.ts';
import { echoReplyFor } from './echo-responder.ts';
import { ServiceRoutes } from './service-routes.ts';

/** The port of wg(8)'s and the whitepaper's examples, customary for WireGuard listeners. */
export const DEFAULT_GATEWAY_PORT = 51820;

/** Monotonic ms for the device and timers; Unix ms for TAI64N (whitepaper §5.1). */
export type GatewayClock = EdgeClock;
/** A datagram path standing in for the UDP socket (the virtual clock's simulated network). */
export type GatewayDatagramSocket = EdgeDatagramSocket;
/** Timers of the edge; default Node's (the virtual clock's scheduler in simulations). */
export type GatewayTimers = EdgeTimers;

export interface GatewayOptions {
  readonly privateKey: SecretBytes;
  /** The gateway's own address inside the tunnels (answers echo), 16 bytes. */
  readonly tunnelAddress: Ipv6Address;
  /** UDP port; 0 picks a free one. Default DEFAULT_GATEWAY_PORT. */
  readonly port?: number;
  /** Address to bind; default "::" (both families where the OS allows). */
  readonly bindAddress?: string;
  /** A peer without a handshake for this long is reported offline. Default REJECT_AFTER_TIME. */
  readonly offlineAfterMs?: number;
  /** Handler of last resort for packets no `addRoute` prefix matches. */
  readonly route?: RouteHandler;
  readonly underLoadThreshold?: number;
  readonly crypto?: CryptoProvider;
  readonly random?: (n: number) => Uint8Array;
  readonly clock?: GatewayClock;
  /** Replaces the UDP socket (`port`/`bindAddress` then unused); default a node:dgram socket. */
  readonly datagrams?: GatewayDatagramSocket;
  readonly timers?: GatewayTimers;
  readonly logger?: Logger;
}

export interface GatewayPeerConfig {
  readonly publicKey: Uint8Array;
  /** The tool's tunnel address(es): inner sources allowed from it and destinations routed to it. */
  readonly allowedIps: readonly IpPrefix[];
  readonly presharedKey?: SecretBytes | null;
  /** Numeric "ip:port"; normally absent, learnt from the tool's first handshake (whitepaper §2.1). */
  readonly endpoint?: string | null;
  readonly persistentKeepalive?: number;
  /** Free text for reports (e.g. the job session id). */
  readonly label?: string;
}

/** Who sent a packet: the peer's public key (base64, its identity) and label. */
export interface FromPeer {
  readonly id: string;
  readonly label: string | null;
}

export type RouteHandler = (packet: Uint8Array, from: FromPeer) => void;

export interface GatewayPeerStatus extends FromPeer {
  readonly online: boolean;
  readonly endpoint: string | null;
  /** `clock.now()` of the last completed handshake, or null. */
  readonly lastHandshakeAt: number | null;
  /** Whether the device holds any session key for the peer. */
  readonly hasSession: boolean;
  readonly allowedIps: readonly IpPrefix[];
  readonly rxBytes: number;
  readonly txBytes: number;
}

export type OfflineReason = 'no-handshake' | 'removed' | 'stopped';

export interface GatewayEvents {
  'peer-online': [status: GatewayPeerStatus];
  'peer-offline': [status: GatewayPeerStatus, reason: OfflineReason];
}

export interface GatewayCounters {
  datagramsIn: number;
  datagramsOut: number;
  packetsFromPeers: number;
  packetsToPeers: number;
  echoRequestsAnswered: number;
  /** Inner packets from peers that no route (nor the default handler) takes. */
  noRoute: number;
  /** Packets given to `deliver` whose destination is in no peer's AllowedIPs. */
  noPeerRoute: number;
  /** Inner IPv4 packets: the tunnels carry the mesh's IPv6 only. */
  notIpv6: number;
  /** ICMPv6 to the gateway's address that did not decode. */
  badIcmpv6: number;
  /**
   * Handshake initiations from the public key of a peer removed because its device was revoked
   * (also counted by the device as unknown-peer): nothing is answered and no state is kept.
   */
  revokedPeerAttempts: number;
  socketErrors: number;
  /** The device's drops by reason: junk, replays, unknown peers, disallowed sources. */
  device: Record<DropReason, number>;
}

interface PeerRecord {
  readonly peer: WireguardPeer<string>;
  readonly from: FromPeer;
  online: boolean;
  lastHandshakeAt: number | null;
  offlineTimer: unknown;
}

/** Public keys of revoked peers remembered to tell their retries apart (oldest forgotten first). */
export const REVOKED_PEERS_KEPT = 1024;

export class WireguardGateway extends EventEmitter<GatewayEvents> {
  private readonly device: WireguardDevice<string>;
  private readonly clock: GatewayClock;
  private readonly tunnelAddress: Ipv6Address;
  private readonly offlineAfterMs: number;
  private readonly logger: Logger | undefined;
  private readonly routes = new ServiceRoutes<RouteHandler>();
  private readonly records = new Map<WireguardPeer<string>, PeerRecord>();
  private readonly driver: WireguardDeviceDriver;
  private readonly timers: GatewayTimers;
  private stopped = false;
  private readonly edge = {
    packetsFromPeers: 0,
    packetsToPeers: 0,
    echoRequestsAnswered: 0,
    noRoute: 0,
    noPeerRoute: 0,
    notIpv6: 0,
    badIcmpv6: 0,
    revokedPeerAttempts: 0,
  };
  /** Base64 public keys of peers removed on revocation, in removal order (no secrets). */
  /** Revoked peers by public key → the label they had, and whether their first retry was logged. */
  private readonly revokedPeers = new Map<string, { label: string | undefined; reported: boolean }>();

  constructor(private readonly options: GatewayOptions) {
    super();
    if (options.tunnelAddress.length !== 16) throw new RangeError('tunnel address must be 16 bytes (IPv6)');
    const offline = options.offlineAfterMs ?? REJECT_AFTER_TIME;
    if (!(offline > 0)) throw new RangeError('offlineAfterMs must be positive');
    const crypto = options.crypto ?? getCrypto();
    this.clock = options.clock ?? REAL_CLOCK;
    this.timers = options.timers ?? NODE_TIMERS;
    this.tunnelAddress = options.tunnelAddress.slice();
    this.offlineAfterMs = offline;
    this.logger = options.logger;
    const clock = this.clock;
    this.device = new WireguardDevice<string>({
      crypto,
      privateKey: options.privateKey.expose(),
      random: options.random ?? ((n) => crypto.randomBytes(n)),
      endpoints: STRING_ENDPOINTS,
      wallClock: () => clock.wallClock(),
      onUnknownPeer: (publicKey) => {
        const revoked = this.revokedPeers.get(encodeKeyBase64(publicKey));
        if (revoked === undefined) return;
        this.edge.revokedPeerAttempts++;
        // Once per key: a revoked (perhaps stolen) tablet still trying is worth an operator's look.
        if (!revoked.reported) {
          revoked.reported = true;
          this.logger?.warn('a revoked tool is still trying to connect', { label: revoked.label });
        }
      },
      ...(options.underLoadThreshold !== undefined ? { underLoadThreshold: options.underLoadThreshold } : {}),
    });
    this.driver = new WireguardDeviceDriver({
      device: this.device,
      clock,
      timers: this.timers,
      onOutput: (out) => this.onOutput(out),
      logger: this.logger,
      socketErrorMessage: 'gateway socket error',
    });
  }

  get publicKey(): Uint8Array {
    return this.device.publicKey;
  }

  /** The bound UDP port (after `start()`). */
  get port(): number {
    return this.driver.boundPort ?? (this.driver.usesInjectedTransport ? (this.options.port ?? 0) : 0);
  }

  /** Binds the UDP socket; resolves with the port. */
  async start(): Promise<number> {
    if (this.stopped) throw new Error('a stopped gateway cannot be restarted');
    if (this.driver.opened) throw new Error('gateway already started');
    if (this.options.datagrams !== undefined) {
      this.driver.attach(this.options.datagrams);
      return this.options.port ?? 0;
    }
    const bindAddress = this.options.bindAddress ?? '::';
    await this.driver.bind(
      isIPv4(bindAddress) ? 'udp4' : 'udp6',
      this.options.port ?? DEFAULT_GATEWAY_PORT,
      bindAddress,
    );
    this.logger?.info('gateway listening', {
      port: this.port,
      tunnelAddress: formatIpv6Address(this.tunnelAddress),
    });
    return this.port;
  }

  addPeer(config: GatewayPeerConfig): GatewayPeerStatus {
    if (this.stopped) throw new Error('gateway stopped');
    if (
      config.endpoint !== undefined &&
      config.endpoint !== null &&
      splitHostPort(config.endpoint) === null
    ) {
      throw new RangeError('peer endpoint must be numeric "ip:port" or "[ipv6]:port"');
    }
    const peer = this.device.addPeer({
      publicKey: config.publicKey,
      presharedKey: config.presharedKey?.expose() ?? null,
      allowedIps: config.allowedIps,
      endpoint: config.endpoint ?? null,
      persistentKeepalive: config.persistentKeepalive ?? 0,
    });
    const record: PeerRecord = {
      peer,
      from: { id: encodeKeyBase64(peer.publicKey), label: config.label ?? null },
      online: false,
      lastHandshakeAt: null,
      offlineTimer: null,
    };
    this.records.set(peer, record);
    this.logger?.info('gateway peer added', { peer: record.from.id, label: record.from.label });
    if (peer.persistentKeepalive > 0 && peer.endpoint !== null) {
      this.driver.apply(this.device.keepalive(this.clock.now(), peer));
    }
    return this.status(record);
  }

  /**
   * Removes the peer and discards its credential: sessions, handshake state and queued packets
   * are wiped (DESIGN.md §4 "a disabled session's credential is discarded"). False when unknown.
   * `revoked`: the peer's device was revoked; its public key is remembered (REVOKED_PEERS_KEPT) so
   * its handshake retries are counted apart (`revokedPeerAttempts`), still unanswered.
   */
  removePeer(publicKey: Uint8Array, o: { revoked?: boolean } = {}): boolean {
    const peer = this.device.peerByPublicKey(publicKey);
    const record = peer === null ? undefined : this.records.get(peer);
    if (o.revoked === true) this.rememberRevoked(publicKey, record?.from.label);
    if (peer === null || record === undefined) return false;
    this.records.delete(peer);
    if (record.offlineTimer !== null) this.timers.clearTimeout(record.offlineTimer);
    this.device.removePeer(peer);
    this.logger?.info('gateway peer removed', { peer: record.from.id, label: record.from.label });
    if (record.online) {
      record.online = false;
      this.emit('peer-offline', this.status(record), 'removed');
    }
    this.driver.schedule();
    return true;
  }

  private rememberRevoked(publicKey: Uint8Array, label: string | null | undefined): void {
    const id = encodeKeyBase64(publicKey);
    this.revokedPeers.delete(id); // re-inserted as the newest
    this.revokedPeers.set(id, { label: label ?? undefined, reported: false });
    if (this.revokedPeers.size > REVOKED_PEERS_KEPT)
      this.revokedPeers.delete(this.revokedPeers.keys().next().value!);
  }

  peers(): GatewayPeerStatus[] {
    return [...this.records.values()].map((r) => this.status(r));
  }

  peerStatus(publicKey: Uint8Array): GatewayPeerStatus | null {
    const peer = this.device.peerByPublicKey(publicKey);
    const record = peer === null ? undefined : this.records.get(peer);
    return record === undefined ? null : this.status(record);
  }

  /** Subscribes a service to inner packets whose destination is in `prefix`; returns unsubscribe. */
  addRoute(prefix: IpPrefix, handler: RouteHandler): () => void {
    return this.routes.add(prefix, handler);
  }

  /**
   * A packet from a head-end service towards the tools: sent to the peer whose AllowedIPs hold
   * its destination (whitepaper §2, cryptokey routing). False (counted) when no peer does.
   */
  deliver(ipv6Packet: Uint8Array): boolean {
    if (ipv6Packet.length < 40 || ipv6Packet[0]! >> 4 !== 6) throw new RangeError('not an IPv6 packet');
    if (this.stopped) return false;
    // RFC 8200 §3: destination address at octets 24..39.
    const peer = this.device.routeFor(ipv6Packet.subarray(24, 40));
    if (peer === null) {
      this.edge.noPeerRoute++;
      return false;
    }
    this.edge.packetsToPeers++;
    this.driver.apply(this.device.send(this.clock.now(), peer, ipv6Packet));
    return true;
  }

  counters(): GatewayCounters {
    return { ...this.driver.counters, ...this.edge, device: { ...this.device.counters } };
  }

  /** Closes the socket, clears every timer and wipes every key. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.driver.halt();
    const online: PeerRecord[] = [];
    for (const record of this.records.values()) {
      if (record.offlineTimer !== null) this.timers.clearTimeout(record.offlineTimer);
      record.offlineTimer = null;
      if (record.online) online.push(record);
      record.online = false;
    }
    this.device.close();
    for (const record of online) this.emit('peer-offline', this.status(record), 'stopped');
    this.records.clear();
    await this.driver.close();
  }

  /** The device's events and inner packets (the driver has sent its datagrams). */
  private onOutput(out: DeviceOutput<string>): void {
    for (const e of out.events) this.onDeviceEvent(e);
    for (const p of out.packets) {
      const record = this.records.get(p.peer);
      if (record === undefined) continue;
      if (p.family !== 6) {
        this.edge.notIpv6++;
        continue;
      }
      this.onInnerPacket(p.packet, record);
    }
  }

  private onDeviceEvent(e: WireguardEvent<string>): void {
    const record = this.records.get(e.peer);
    if (record === undefined || e.type !== 'handshake-complete') return;
    record.lastHandshakeAt = this.clock.now();
    if (record.offlineTimer !== null) this.timers.clearTimeout(record.offlineTimer);
    record.offlineTimer = this.timers.setTimeout(
      () => this.markOffline(record),
      Math.min(MAX_TIMER_DELAY, this.offlineAfterMs),
    );
    if (!record.online) {
      record.online = true;
      this.logger?.info('gateway peer online', { peer: record.from.id, label: record.from.label });
      this.emit('peer-online', this.status(record));
    }
  }

  private markOffline(record: PeerRecord): void {
    record.offlineTimer = null;
    if (!record.online || !this.records.has(record.peer)) return;
    record.online = false;
    this.logger?.info('gateway peer offline', { peer: record.from.id, label: record.from.label });
    this.emit('peer-offline', this.status(record), 'no-handshake');
  }

  private onInnerPacket(packet: Uint8Array, record: PeerRecord): void {
    this.edge.packetsFromPeers++;
    let reply: Uint8Array | null;
    try {
      reply = echoReplyFor(packet, this.tunnelAddress);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.edge.badIcmpv6++;
      return;
    }
    if (reply !== null) {
      this.edge.echoRequestsAnswered++;
      this.driver.apply(this.device.send(this.clock.now(), record.peer, reply));
      return;
    }
    const handler = this.routes.lookup(packet.subarray(24, 40)) ?? this.options.route ?? null;
    if (handler === null) {
      this.edge.noRoute++;
      return;
    }
    handler(packet, record.from);
  }

  private status(record: PeerRecord): GatewayPeerStatus {
    const { peer } = record;
    return {
      ...record.from,
      online: record.online,
      endpoint: peer.endpoint,
      lastHandshakeAt: record.lastHandshakeAt,
      hasSession:
        peer.keypairs.current !== null || peer.keypairs.next !== null || peer.keypairs.previous !== null,
      allowedIps: this.records.has(peer) ? this.device.allowedIpsOf(peer) : [],
      rxBytes: peer.stats.rxBytes,
      txBytes: peer.stats.txBytes,
    };
  }
}
