/**
 * The tool's mesh root: the engine that joins the sans-I/O parts to the radio, the northbound
 * link (VPN) and the clock.
 *
 * - Radio → MeshLink (802.15.4 security, anti-replay, 6LoWPAN) → IPv6 datagram, then by content:
 *   PANA (UDP 716) from a link-local PaC → PanaRelay → PRY northbound to the PAA (RFC 6345 §3);
 *   MLE (UDP 19788) → LinkSync; RPL control (ICMPv6 155) → RplRoot; echo to the root → reply;
 *   IPv6-in-IPv6 to the root → decapsulated and routed; other mesh destinations → down again;
 *   anything else → northbound, Hop Limit decremented, RPL Option removed (packet-rewrite.ts).
 * - Northbound → PRY from the PAA → PanaRelay → inner PANA to the PaC, unsecured at the MAC (the
 *   PaC has no key yet); echo to the root → reply; mesh destinations → source route (non-storing,
 *   RFC 6554 in IPv6-in-IPv6 per RFC 9008 §7.2) or next hop (storing); unknown → Destination
 *   Unreachable (rate-limited, RFC 4443 §2.4 (f)).
 * - Timers: RplRoot's complete timer set after every call, LinkSync's deadline, key retirement.
 * - `wipe()`: keys zero-filled, timers cancelled, queue emptied, nothing relayed or sent after.
 */
import type { CryptoProvider } from '../../stack/crypto/index.ts';
import {
  ALL_NODES_LINK_LOCAL,
  ALL_RPL_NODES,
  ICMPV6_DEST_UNREACH_CODE,
  ICMPV6_TIME_EXCEEDED_CODE,
  addressFromPrefixAndIid,
  addressesEqual,
  encodePacket,
  decodePacket,
  iidFromEui64,
  isLinkLocalUnicast,
  isMulticast,
  linkLocalFromEui64,
  matchesPrefix,
  maskPrefix,
  type Ipv6Address,
  type Ipv6Packet,
  echoReplyFor,
} from '../../stack/ipv6/index.ts';
import { BROADCAST, MeshLink, type LinkDestination, type LinkMetadata } from '../../stack/mesh-link/index.ts';
import { joinBeaconPacket } from '../../stack/mesh-link/join-beacon.ts';
import { LinkSync, MLE_UDP_PORT, type LinkSyncOutput } from '../../stack/mle/index.ts';
import { PANA_UDP_PORT, PanaRelay, type PanaEndpoint } from '../../stack/pana/index.ts';
import {
  MOP,
  RplRoot,
  rplFromIcmpv6,
  rplToIcmpv6,
  type DodagParameters,
  type RplOutput,
  type RplRootEvent,
  type RplTimerId,
  type TopologyPage,
} from '../../stack/rpl/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import type { NorthboundLink } from '../northbound-link.ts';
import { TimerSet, type EngineClock } from './clock.ts';
import { NeighbourTable, type Neighbour } from './neighbours.ts';
import {
  emptyDrops,
  emptyForwardCounters,
  emptyTransmitCounters,
  type MeshRootCounters,
  type MeshRootDropReason,
} from './counters.ts';
import type { MeshRootEvent } from './events.ts';
import { JoinTracker, euiOf } from './join-state.ts';
import {
  DEFAULT_HOP_LIMIT,
  MESH_ERROR_MAX_INVOKING,
  NORTHBOUND_ERROR_MAX_INVOKING,
  decapsulate,
  decrementedHopLimit,
  encapsulateWithSourceRoute,
  hasRplOption,
  icmpErrorPacket,
  mayAnswerWithError,
  withSourceRoute,
  withoutRplOption,
} from './packet-rewrite.ts';
import type { MeshRadio, ReceivedFrame } from './radio.ts';
import { ICMP_ERROR_RATE_DEFAULT, TokenBucket, type RateLimit } from './rate-limit.ts';
import { TransmitQueue, type TransmitReport } from './transmit-queue.ts';

export interface MeshRootOptions {
  crypto: CryptoProvider;
  /** The dongle's EUI-64 (as printed, big-endian). */
  extendedAddress: bigint;
  panId: number;
  /** The radio channel; the caller tunes the radio to it, the engine reports it. */
  channel: number;
  /** The mesh /64 prefix (16 bytes; bits past /64 are ignored). */
  meshPrefix: Uint8Array;
  /** The key server's (PAA's) IPv6 address, on the head-end side of the northbound link. */
  paaAddress: Uint8Array;
  /** The PAA's UDP port (default 716, RFC 5191 §11). */
  paaPort?: number;
  /** MOP.NON_STORING (default, DESIGN.md §4) or MOP.STORING_WITHOUT_MULTICAST. */
  mop?: typeof MOP.NON_STORING | typeof MOP.STORING_WITHOUT_MULTICAST;
  radio: MeshRadio;
  northbound: NorthboundLink;
  clock: EngineClock;
  /** Uniform [0, 1) for Trickle (injected so simulations replay from a seed). */
  random: () => number;
  /** Random bytes (MAC sequence seed, MLE challenges); default crypto.randomBytes. */
  randomBytes?: (n: number) => Uint8Array;
  /** DODAG parameters (default rpl FIELD_DODAG_DEFAULTS). */
  dodag?: Partial<DodagParameters>;
  /** Rate of ICMPv6 errors the root originates (RFC 4443 §2.4 (f)). */
  icmpErrorRate?: RateLimit;
  /** Datagrams waiting for the radio (default 64). */
  transmitQueueLimit?: number;
  /** Minimum spacing of `counters` events (default 5000 ms). */
  countersIntervalMs?: number;
  /** Wait before MLE is tried again with a neighbour after a failed synchronisation (default 60 s). */
  linkSyncRetryMs?: number;
  /**
   * Join beacons (mesh-link/join-beacon.ts) every interval × U(0.5, 1), the first at `start()`
   * (default JOIN_BEACON_INTERVAL_MS); 0 sends none.
   */
  joinBeaconIntervalMs?: number;
  /** Whether beacons say Permit Join (default true: the root relays PANA for joiners). */
  permitJoin?: boolean;
}

/**
 * Join beacons of the root: a keyless meter hears nothing else it can read (DIOs are MAC-secured).
 * 20 s × U(0.5, 1) keeps them under 0.1 % of the channel (one ~70-octet frame ≈ 6 ms at 100 kbps),
 * the same interval joined meters use (hardware/sim/node METER_TIMING_DEFAULTS).
 */
export const JOIN_BEACON_INTERVAL_MS = 20_000;

/** A transaction the dongle gave up on used 1 + macMaxFrameRetries attempts (IEEE 802.15.4 default 3). */
const NOACK_TRANSMISSIONS = 4;

const RPL_TIMER_PREFIX = 'rpl:';
const TIMER_MLE = 'mle';
const TIMER_KEY_EXPIRY = 'key-expiry';
const TIMER_COUNTERS = 'counters';
const TIMER_BEACON = 'join-beacon';

type Origin = 'mesh' | 'northbound' | 'self';

export class MeshRoot {
  readonly extendedAddress: bigint;
  readonly channel: number;
  readonly panId: number;
  /** prefix::IID(EUI-64): the DODAGID and the root's global address. */
  readonly address: Ipv6Address;
  readonly linkLocal: Ipv6Address;
  readonly meshPrefix: Ipv6Address;
  /** The topology as the UI reads it: pages and `topology` delta events. */
  readonly topology: { page(offset: number, limit: number): TopologyPage };

  private readonly link: MeshLink;
  private readonly rpl: RplRoot;
  private readonly relay: PanaRelay;
  private readonly sync: LinkSync;
  private readonly joins = new JoinTracker();
  private readonly neighbours = new NeighbourTable();
  private readonly timers: TimerSet;
  private readonly tx: TransmitQueue;
  private readonly icmpBucket: TokenBucket;
  private readonly radio: MeshRadio;
  private readonly northbound: NorthboundLink;
  private readonly clock: EngineClock;
  private readonly paa: PanaEndpoint;
  private readonly listeners = new Set<(e: MeshRootEvent) => void>();
  private readonly drops = emptyDrops();
  private readonly forwarded = emptyForwardCounters();
  private readonly transmitted = emptyTransmitCounters();
  private readonly countersIntervalMs: number;
  private readonly linkSyncRetryMs: number;
  private readonly beaconIntervalMs: number;
  private readonly permitJoin: boolean;
  private readonly random: () => number;
  private readonly paaAddress: Uint8Array;
  private beaconsSent = 0;
  private countersSignature = '';
  private unsubscribe: (() => void)[] = [];
  private running = false;
  private wiped = false;

  constructor(options: MeshRootOptions) {
    if (options.meshPrefix.length !== 16) throw new RangeError('mesh prefix must be 16 bytes');
    if (options.paaAddress.length !== 16) throw new RangeError('PAA address must be 16 bytes');
    this.extendedAddress = options.extendedAddress;
    this.channel = options.channel;
    this.panId = options.panId;
    this.meshPrefix = maskPrefix(options.meshPrefix, 64);
    this.address = addressFromPrefixAndIid(this.meshPrefix, iidFromEui64(options.extendedAddress));
    this.linkLocal = linkLocalFromEui64(options.extendedAddress);
    this.radio = options.radio;
    this.northbound = options.northbound;
    this.clock = options.clock;
    this.paa = { address: options.paaAddress.slice(), port: options.paaPort ?? PANA_UDP_PORT };
    this.countersIntervalMs = options.countersIntervalMs ?? 5000;
    this.linkSyncRetryMs = options.linkSyncRetryMs ?? 60_000;
    this.beaconIntervalMs = options.joinBeaconIntervalMs ?? JOIN_BEACON_INTERVAL_MS;
    this.permitJoin = options.permitJoin ?? true;
    this.random = options.random;
    this.paaAddress = options.paaAddress.slice();
    const randomBytes = options.randomBytes ?? ((n: number) => options.crypto.randomBytes(n));
    this.link = new MeshLink({
      crypto: options.crypto,
      extendedAddress: options.extendedAddress,
      panId: options.panId,
      meshPrefix: this.meshPrefix,
      maxPsdu: options.radio.maxPsdu,
      fcsLength: options.radio.fcsLength,
      randomBytes,
    });
    this.rpl = new RplRoot({
      dodagId: this.address,
      linkLocal: this.linkLocal,
      random: options.random,
      mop: options.mop ?? MOP.NON_STORING,
      ...(options.dodag ? { parameters: options.dodag } : {}),
    });
    this.relay = new PanaRelay({ paa: this.paa });
    this.sync = new LinkSync({
      crypto: options.crypto,
      link: this.link,
      extendedAddress: options.extendedAddress,
      randomBytes,
    });
    this.timers = new TimerSet(this.clock, (name) => this.onTimer(name));
    this.tx = new TransmitQueue(this.radio, options.transmitQueueLimit ?? 64, (r) => this.onTransmitted(r));
    this.icmpBucket = new TokenBucket(options.icmpErrorRate ?? ICMP_ERROR_RATE_DEFAULT);
    this.topology = { page: (offset, limit) => this.rpl.topologyPage(offset, limit) };
  }

  // --- life cycle -----------------------------------------------------------------------------

  /** Listens to the radio and the northbound link and starts advertising the DODAG. */
  start(): void {
    if (this.running || this.wiped) return;
    this.running = true;
    this.unsubscribe.push(this.radio.onFrame((f) => this.onRadioFrame(f)));
    const onPacket = (p: Uint8Array): void => this.onNorthboundPacket(p);
    this.northbound.on('packet', onPacket);
    this.unsubscribe.push(() => this.northbound.off('packet', onPacket));
    this.applyRpl(this.rpl.start(this.clock.now()));
    this.armCounters();
    if (this.beaconIntervalMs > 0) this.timers.arm(TIMER_BEACON, this.clock.now());
  }

  /**
   * Revocation or job end: zero-fills every key (MeshLink.wipeKeys), forgets MLE state, cancels
   * every timer (Trickle included), empties the transmit queue and stops relaying and routing.
   * Input still arriving is counted ('wiped') until `close()`. Irreversible: a new job builds a
   * new engine.
   */
  wipe(): void {
    if (this.wiped) return;
    this.wiped = true;
    this.running = false;
    this.timers.cancelAll();
    this.tx.stop();
    this.link.wipeKeys();
    this.sync.reset();
    this.joins.clearMle();
    this.neighbours.clear();
    this.emit({ kind: 'wiped' });
  }

  /** Wipes (if not yet done) and stops listening to the radio and the northbound link. */
  close(): void {
    this.wipe();
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  get isWiped(): boolean {
    return this.wiped;
  }

  onEvent(listener: (e: MeshRootEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- keys ------------------------------------------------------------------------------------

  /** Installs a network key (from the tool's own PANA session); MLE state under its index restarts. */
  installNetworkKey(index: number, networkKey: Uint8Array): void {
    if (this.wiped) throw new Error('mesh root is wiped');
    this.link.installNetworkKey(index, networkKey, this.clock.now());
    this.sync.forgetKey(index);
    this.armKeyExpiry();
  }

  /**
   * Makes `index` the transmit key; the previous one is accepted for the grace period, then
   * retired (and `forgetKey` called). Frame counters are synchronised anew with every known
   * neighbour (MLE Link Request), and with new neighbours as they are heard.
   */
  activateKey(index: number): void {
    if (this.wiped) throw new Error('mesh root is wiped');
    const now = this.clock.now();
    this.link.activate(index, now);
    this.joins.clearMle();
    for (const [eui, n] of this.neighbours.entries()) {
      n.syncKeyIndex = undefined;
      n.syncRetryAt = undefined;
      this.requestLinkSync(now, eui, n);
    }
    this.armKeyExpiry();
  }

  /** Key material as MeshLink holds it (indices, states, counters; no key bytes). */
  keyInfo(): ReturnType<MeshLink['keyInfo']> {
    return this.link.keyInfo();
  }

  /** The MLE key under `index` (for diagnostics and tests: the store's own buffer, zeroed on wipe). */
  mleKey(index: number): Uint8Array | undefined {
    return this.link.mleKey(index);
  }

  // --- views -----------------------------------------------------------------------------------

  counters(): MeshRootCounters {
    return {
      drops: { ...this.drops },
      forwarded: { ...this.forwarded },
      transmit: { ...this.transmitted },
      joinBeaconsSent: this.beaconsSent,
      link: structuredClone(this.link.counters),
      rpl: structuredClone(this.rpl.counters),
      mle: { ...this.sync.counters },
      relay: Object.fromEntries(this.relay.drops),
    };
  }

  joinState(eui: bigint): ReturnType<JoinTracker['get']> {
    return this.joins.get(eui);
  }

  get routeCount(): number {
    return this.rpl.routeCount;
  }

  /** Asks every node for a fresh DAO (RFC 6550 §9.6 DTSN increment). */
  requestDaoRefresh(): void {
    if (!this.running) return;
    this.applyRpl(this.rpl.requestDaoRefresh(this.clock.now()));
  }

  // --- radio receive ---------------------------------------------------------------------------

  private onRadioFrame(frame: ReceivedFrame): void {
    if (this.wiped) return this.drop('wiped');
    const now = this.clock.now();
    const r = this.link.receive(now, frame.psdu, { rssi: frame.rssiDbm, lqi: frame.lqi });
    if (r.kind !== 'datagram') return; // pending fragments, or drops counted by MeshLink
    this.heard(now, r.link);
    this.fromMesh(now, r.packet, r.bytes, r.link);
  }

  private heard(now: number, link: LinkMetadata): void {
    const { neighbour, isNew } = this.neighbours.heard(link.source, link.rssi, link.lqi);
    if (isNew) this.emit({ kind: 'link-quality', eui: link.source, rssiDbm: link.rssi, lqi: link.lqi });
    // Frame counters are synchronised with neighbours that speak secured (they hold the key).
    if (link.secured) this.requestLinkSync(now, link.source, neighbour);
  }

  private fromMesh(now: number, p: Ipv6Packet, bytes: Uint8Array, link: LinkMetadata): void {
    if (this.isOwn(p.destination)) {
      this.local(now, p, link);
      return;
    }
    if (isMulticast(p.destination)) return this.drop('multicast-not-forwarded');
    if (isLinkLocalUnicast(p.destination)) return this.drop('link-local-not-ours');
    // MeshLink accepts unsecured frames only for link-local join traffic; routing one would
    // carry unauthenticated data into the mesh or the head-end.
    if (!link.secured) return this.drop('unsecured-forward');
    this.route(now, p, bytes, 'mesh');
  }

  /** A datagram addressed to the root (unicast or a group it belongs to). */
  private local(now: number, p: Ipv6Packet, link: LinkMetadata): void {
    const u = p.upper;
    if (u.kind === 'udp' && u.datagram.destinationPort === PANA_UDP_PORT) {
      return this.panaFromPac(now, p, u.datagram.sourcePort, u.datagram.payload);
    }
    if (u.kind === 'udp' && u.datagram.destinationPort === MLE_UDP_PORT) {
      this.forwarded.local++;
      const out = this.sync.receive(now, {
        payload: u.datagram.payload,
        ipv6Source: p.source,
        ipv6Destination: p.destination,
        macSource: link.source,
        hopLimit: p.hopLimit,
      });
      this.applyLinkSync(now, out);
      return;
    }
    if (!link.secured) return this.drop('no-listener'); // only PANA and MLE may come unsecured
    if (u.kind === 'icmpv6' && u.message.kind === 'rpl') {
      let message;
      try {
        message = rplFromIcmpv6(u.message);
      } catch (e) {
        if (e instanceof DecodeError) return this.drop('rpl-decode-error');
        throw e;
      }
      this.forwarded.local++;
      this.applyRpl(
        this.rpl.handle(now, {
          kind: 'message',
          source: p.source,
          destination: p.destination,
          message,
          link: { address: link.source, rssi: link.rssi, lqi: link.lqi },
        }),
      );
      return;
    }
    if (u.kind === 'icmpv6' && u.message.kind === 'echo-request' && !isMulticast(p.destination)) {
      const reply = echoReplyFor(p, p.destination);
      this.forwarded.local++;
      if (reply) this.originate(now, reply);
      return;
    }
    if (p.routing && p.routing.segmentsLeft > 0) return this.drop('source-route-through-root');
    // RFC 9008 §7: a node may tunnel traffic leaving the RPL domain to the root; the root is the
    // tunnel exit point (RFC 2473 §3) and routes the inner packet.
    let inner;
    try {
      inner = decapsulate(p);
    } catch (e) {
      if (e instanceof DecodeError) return this.drop('tunnel-malformed');
      throw e;
    }
    if (inner) {
      if (this.isOwn(inner.packet.destination)) return this.drop('no-listener');
      if (isMulticast(inner.packet.destination) || isLinkLocalUnicast(inner.packet.destination))
        return this.drop('multicast-not-forwarded');
      this.route(now, inner.packet, inner.bytes, 'mesh');
      return;
    }
    this.drop('no-listener');
  }

  /** PANA from a PaC on the root's link (RFC 6345 §3): relay it to the PAA in a PRY. */
  private panaFromPac(now: number, p: Ipv6Packet, sourcePort: number, payload: Uint8Array): void {
    const result = this.relay.handle({ address: p.source, port: sourcePort }, payload);
    if ('dropped' in result) return this.drop('pana-relay-refused');
    this.forwarded.local++;
    if (isLinkLocalUnicast(p.source)) {
      const eui = euiOf(p.source);
      this.joinUpdate(now, eui, { pana: true });
    }
    this.forwarded.panaToPaa++;
    this.sendNorthbound({
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: DEFAULT_HOP_LIMIT,
      source: this.address,
      destination: result.send.to.address,
      upper: {
        kind: 'udp',
        datagram: {
          sourcePort: PANA_UDP_PORT,
          destinationPort: result.send.to.port,
          payload: result.send.bytes,
        },
      },
    });
  }

  // --- northbound receive ----------------------------------------------------------------------

  private onNorthboundPacket(bytes: Uint8Array): void {
    if (this.wiped) return this.drop('wiped');
    const now = this.clock.now();
    let p: Ipv6Packet;
    try {
      p = decodePacket(bytes);
    } catch (e) {
      if (e instanceof DecodeError) return this.drop('northbound-decode-error');
      throw e;
    }
    // RFC 6554 §5 / RFC 6553 §5: RH3 and the RPL Option belong to the RPL domain; the border
    // router does not let them in from outside.
    if (hasRplOption(p) || p.routing) return this.drop('northbound-rpl-header');
    if (addressesEqual(p.destination, this.address)) {
      this.forwarded.local++;
      const u = p.upper;
      if (u.kind === 'udp' && u.datagram.destinationPort === PANA_UDP_PORT) {
        return this.panaFromNorthbound(now, p, u.datagram.sourcePort, u.datagram.payload);
      }
      if (u.kind === 'icmpv6' && u.message.kind === 'echo-request') {
        const reply = echoReplyFor(p, this.address);
        if (reply) this.sendNorthbound(reply);
        return;
      }
      return this.drop('no-listener');
    }
    if (!matchesPrefix(p.destination, this.meshPrefix, 64)) return this.drop('northbound-not-for-mesh');
    this.route(now, p, bytes, 'northbound');
  }

  /** A PRY from the PAA (RFC 6345 §3): its Relayed-Message goes to the PaC, unsecured at the MAC. */
  private panaFromNorthbound(now: number, p: Ipv6Packet, sourcePort: number, payload: Uint8Array): void {
    const result = this.relay.handle({ address: p.source, port: sourcePort }, payload);
    if ('dropped' in result) {
      return this.drop(result.dropped === 'PRY not from the PAA' ? 'pry-not-from-paa' : 'pana-relay-refused');
    }
    const pac = result.send.to;
    const eui = euiOf(pac.address);
    this.joinUpdate(now, eui, { pana: true });
    this.forwarded.panaToPac++;
    const packet: Ipv6Packet = {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 255,
      source: this.linkLocal,
      destination: pac.address,
      upper: {
        kind: 'udp',
        datagram: { sourcePort: PANA_UDP_PORT, destinationPort: pac.port, payload: result.send.bytes },
      },
    };
    // join-traffic.ts: link-local PANA is the one datagram a keyless PaC can take.
    this.meshSend(now, encodePacket(packet), eui, false);
  }

  // --- routing ---------------------------------------------------------------------------------

  /** Forwards a packet that is not for the root: north, or down into the mesh. */
  private route(now: number, p: Ipv6Packet, bytes: Uint8Array, origin: Origin): void {
    const towardsMesh = matchesPrefix(p.destination, this.meshPrefix, 64);
    if (!towardsMesh && origin === 'northbound') return this.drop('northbound-not-for-mesh');
    // RFC 8200 §3, RFC 4443 §3.3: a router that would forward with Hop Limit 0 drops the
    // packet and sends Time Exceeded (code 0) to the source.
    if (p.hopLimit <= 1) {
      this.drop('hop-limit');
      this.icmpError(now, p, bytes, 'time-exceeded', ICMPV6_TIME_EXCEEDED_CODE.HOP_LIMIT, origin);
      return;
    }
    const forwarded = decrementedHopLimit(p);
    if (!towardsMesh) {
      this.forwarded.northbound++;
      this.sendNorthbound(withoutRplOption(forwarded));
      return;
    }
    if (!this.routeDown(now, forwarded, origin)) {
      this.drop('no-route');
      // RFC 4443 §3.1 code 0: no route to destination.
      this.icmpError(now, p, bytes, 'destination-unreachable', ICMPV6_DEST_UNREACH_CODE.NO_ROUTE, origin);
      return;
    }
    this.forwarded.down++;
  }

  /**
   * Sends `p` (already with its final Hop Limit) to a mesh node. Non-storing: the source route
   * from the DAO parents (RFC 6550 §9.7); one hop goes as is, longer routes get an RH3, directly
   * when the root is the source, else in IPv6-in-IPv6 (packet-rewrite.ts). Storing: the next hop.
   * False when there is no route.
   */
  private routeDown(now: number, p: Ipv6Packet, origin: Origin): boolean {
    if (this.rpl.mop !== MOP.NON_STORING) {
      const next = this.rpl.nextHop(p.destination);
      if (!next) return false;
      this.meshSend(now, encodePacket(p), euiOf(next), true);
      return true;
    }
    const r = this.rpl.sourceRoute(p.destination);
    if (!r.ok) return false;
    let out: Ipv6Packet;
    if (r.hops.length === 1) out = p;
    else if (origin === 'self') out = withSourceRoute(p, r.hops);
    else out = encapsulateWithSourceRoute(encodePacket(p), this.address, r.hops);
    this.meshSend(now, encodePacket(out), euiOf(r.hops[0]!), true);
    return true;
  }

  /** A packet the root originates (echo replies, errors, RPL to a global address). */
  private originate(now: number, p: Ipv6Packet): void {
    if (matchesPrefix(p.destination, this.meshPrefix, 64) || isLinkLocalUnicast(p.destination)) {
      if (isLinkLocalUnicast(p.destination)) {
        this.meshSend(now, encodePacket(p), euiOf(p.destination), true);
        return;
      }
      if (!this.routeDown(now, p, 'self')) this.drop('no-route');
      return;
    }
    this.sendNorthbound(p);
  }

  private icmpError(
    now: number,
    invoking: Ipv6Packet,
    invokingBytes: Uint8Array,
    kind: 'time-exceeded' | 'destination-unreachable',
    code: number,
    origin: Origin,
  ): void {
    if (!mayAnswerWithError(invoking)) return;
    if (!this.icmpBucket.take(now)) {
      this.forwarded.icmpErrorsRateLimited++;
      return;
    }
    this.forwarded.icmpErrorsSent++;
    const northbound = origin === 'northbound';
    const error = icmpErrorPacket(
      kind,
      code,
      invokingBytes,
      northbound ? NORTHBOUND_ERROR_MAX_INVOKING : MESH_ERROR_MAX_INVOKING,
      this.address,
      invoking.source,
    );
    if (northbound) this.sendNorthbound(error);
    else this.originate(now, error);
  }

  // --- sending ---------------------------------------------------------------------------------

  private sendNorthbound(p: Ipv6Packet): void {
    if (this.wiped) return;
    this.northbound.send(encodePacket(p));
  }

  private meshSend(now: number, bytes: Uint8Array, to: LinkDestination, secure: boolean): void {
    if (this.wiped) return;
    const r = this.link.send(now, bytes, to, { secure });
    if (!r.ok) return this.drop('send-failed');
    const queued = this.tx.enqueue({
      psdus: r.psdus,
      ackRequest: to !== BROADCAST,
      ...(to !== BROADCAST ? { neighbour: to } : {}),
    });
    if (!queued) this.drop('tx-queue-full');
  }

  private onTransmitted(r: TransmitReport): void {
    for (const s of r.statuses) this.transmitted[s]++;
    const eui = r.datagram.neighbour;
    if (this.wiped || eui === undefined) return;
    if (r.status !== 'sent' && r.status !== 'no-ack') return; // not the neighbour's doing
    const acked = r.status === 'sent';
    const now = this.clock.now();
    const neighbour = linkLocalFromEui64(eui);
    // Transmissions: the dongle retries inside one 'sent'/'no-ack' and Spinel reports no count,
    // so 'sent' counts as one attempt and 'no-ack' as all of them (one ETX sample per MAC
    // transaction, link-estimator.ts).
    const transmissions = acked ? 1 : NOACK_TRANSMISSIONS;
    this.applyRpl(this.rpl.handle(now, { kind: 'link-tx', neighbour, acked, transmissions }));
    const etx = this.neighbours.transmitted(eui, acked, transmissions, now);
    if (etx === undefined) return;
    const n = this.neighbours.get(eui)!;
    this.emit({ kind: 'link-quality', eui, etx, ...this.radioOf(n) });
    const global = addressFromPrefixAndIid(this.meshPrefix, iidFromEui64(eui));
    // Topology link quality: ETX × 128, the RFC 6551 §4.3.2 fixed-point form of ETX.
    for (const e of this.rpl.reportLinkQuality(now, global, Math.round(n.etx.etx * 128)))
      if (e.kind === 'topology') this.emit(e);
  }

  private radioOf(n: Neighbour): { rssiDbm?: number; lqi?: number } {
    return {
      ...(n.rssiDbm !== undefined ? { rssiDbm: n.rssiDbm } : {}),
      ...(n.lqi !== undefined ? { lqi: n.lqi } : {}),
    };
  }

  // --- RPL -------------------------------------------------------------------------------------

  private applyRpl(out: RplOutput<RplRootEvent>): void {
    if (this.wiped) return;
    const now = this.clock.now();
    for (const s of out.send) {
      const multicast = isMulticast(s.destination);
      const linkScope = multicast || isLinkLocalUnicast(s.destination);
      const packet: Ipv6Packet = {
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: linkScope ? 255 : DEFAULT_HOP_LIMIT,
        source: linkScope ? this.linkLocal : this.address,
        destination: s.destination,
        upper: { kind: 'icmpv6', message: rplToIcmpv6(s.message) },
      };
      if (multicast) this.meshSend(now, encodePacket(packet), BROADCAST, true);
      else this.originate(now, packet);
    }
    this.timers.sync(
      RPL_TIMER_PREFIX,
      out.timers.map((t) => ({ name: `${RPL_TIMER_PREFIX}${t.id}`, at: t.at })),
    );
    for (const e of out.events) this.onRplEvent(now, e);
  }

  private onRplEvent(now: number, e: RplRootEvent): void {
    switch (e.kind) {
      case 'route-added': {
        const eui = euiOf(e.target);
        this.emit({
          kind: 'node-joined-dodag',
          address: e.target.slice(),
          eui,
          ...(e.parent ? { parent: e.parent.slice() } : {}),
        });
        this.joinUpdate(now, eui, { routed: true });
        return;
      }
      case 'route-removed': {
        const eui = euiOf(e.target);
        this.emit({ kind: 'node-left', address: e.target.slice(), eui, reason: e.reason });
        this.joinUpdate(now, eui, { routed: false, pana: false, mleSynchronised: false });
        return;
      }
      case 'topology':
        this.emit(e);
        return;
      default:
        return; // route-updated, dao-rejected, ...: visible in topology deltas and counters
    }
  }

  // --- MLE -------------------------------------------------------------------------------------

  private requestLinkSync(now: number, eui: bigint, n: Neighbour): void {
    const keyIndex = this.link.activeKeyIndex;
    if (keyIndex === undefined || n.syncKeyIndex === keyIndex) return;
    if (n.syncRetryAt !== undefined && now < n.syncRetryAt) return;
    n.syncKeyIndex = keyIndex;
    this.applyLinkSync(now, this.sync.requestLink(now, eui));
  }

  private applyLinkSync(now: number, out: LinkSyncOutput[]): void {
    if (this.wiped) return;
    for (const o of out) {
      switch (o.kind) {
        case 'send':
          // MLE protects itself (mle/message.ts): unsecured MAC frames (join-traffic.ts).
          this.meshSend(now, encodePacket(LinkSync.packet(o)), o.linkDestination, false);
          break;
        case 'synchronised':
          this.emit({ kind: 'link-sync', eui: o.neighbour, keyIndex: o.keyIndex, ok: true });
          this.joinUpdate(now, o.neighbour, { mleSynchronised: true });
          break;
        case 'sync-failed': {
          const n = this.neighbours.get(o.neighbour);
          if (n) {
            n.syncKeyIndex = undefined;
            n.syncRetryAt = now + this.linkSyncRetryMs;
          }
          this.emit({ kind: 'link-sync', eui: o.neighbour, ok: false, reason: o.reason });
          break;
        }
        case 'dropped':
          break; // counted by LinkSync
      }
    }
    const at = this.sync.nextDeadline();
    if (at === undefined) this.timers.disarm(TIMER_MLE);
    else this.timers.arm(TIMER_MLE, at);
  }

  // --- timers ----------------------------------------------------------------------------------

  private onTimer(name: string): void {
    if (this.wiped) return;
    const now = this.clock.now();
    if (name.startsWith(RPL_TIMER_PREFIX)) {
      this.applyRpl(
        this.rpl.handle(now, { kind: 'timer', id: name.slice(RPL_TIMER_PREFIX.length) as RplTimerId }),
      );
    } else if (name === TIMER_MLE) {
      this.applyLinkSync(now, this.sync.poll(now));
    } else if (name === TIMER_KEY_EXPIRY) {
      const before = this.link.keyInfo().map((k) => k.index);
      this.link.expire(now);
      const after = new Set(this.link.keyInfo().map((k) => k.index));
      for (const index of before) if (!after.has(index)) this.sync.forgetKey(index);
      this.armKeyExpiry();
    } else if (name === TIMER_COUNTERS) {
      this.publishCounters();
      this.armCounters();
    } else if (name === TIMER_BEACON) {
      this.sendJoinBeacon(now);
      this.timers.arm(TIMER_BEACON, now + this.beaconIntervalMs * (0.5 + 0.5 * this.random()));
    }
  }

  /** An unsecured MLE Advertisement naming the PAN, the prefix and the PAA (join-beacon.ts). */
  private sendJoinBeacon(now: number): void {
    if (this.link.activeKeyIndex === undefined) return; // nothing to join before the tool holds a key
    const beacon = joinBeaconPacket({
      source: this.extendedAddress,
      panId: this.panId,
      permitJoin: this.permitJoin,
      meshPrefix: this.meshPrefix,
      paaAddress: this.paaAddress,
    });
    this.beaconsSent++;
    this.meshSend(now, encodePacket(beacon), BROADCAST, false);
  }

  private armKeyExpiry(): void {
    let at: number | undefined;
    for (const k of this.link.keyInfo())
      if (k.retireAt !== undefined) at = Math.min(at ?? k.retireAt, k.retireAt);
    if (at === undefined) this.timers.disarm(TIMER_KEY_EXPIRY);
    else this.timers.arm(TIMER_KEY_EXPIRY, at);
  }

  private armCounters(): void {
    this.timers.arm(TIMER_COUNTERS, this.clock.now() + this.countersIntervalMs);
  }

  private publishCounters(): void {
    const counters = this.counters();
    const signature = JSON.stringify(counters);
    if (signature === this.countersSignature) return;
    this.countersSignature = signature;
    this.emit({ kind: 'counters', counters });
  }

  // --- small parts -----------------------------------------------------------------------------

  private isOwn(a: Ipv6Address): boolean {
    return (
      addressesEqual(a, this.address) ||
      addressesEqual(a, this.linkLocal) ||
      addressesEqual(a, ALL_NODES_LINK_LOCAL) ||
      addressesEqual(a, ALL_RPL_NODES)
    );
  }

  private joinUpdate(now: number, eui: bigint, patch: Parameters<JoinTracker['update']>[2]): void {
    const s = this.joins.update(eui, now, patch);
    if (!s) return;
    const address = addressFromPrefixAndIid(this.meshPrefix, iidFromEui64(eui));
    this.emit({ kind: 'join-state', eui, address, state: s });
    for (const e of this.rpl.setJoinState(now, address, s.state)) if (e.kind === 'topology') this.emit(e);
  }

  private drop(reason: MeshRootDropReason): void {
    this.drops[reason]++;
  }

  private emit(e: MeshRootEvent): void {
    for (const l of this.listeners) l(e);
  }
}
