/**
 * The whole system in one process on one virtual clock: the tool's real mesh-root engine
 * (src/field/mesh MeshRoot), the head-end's real key server (src/headend/keys KeyServer, SQLite in a
 * temporary folder, the scenario's meters imported with their PSKs) and the simulated field
 * (hardware/sim/node SimulatedField), joined by an in-memory northbound link that stands for the
 * VPN. Every run is reproducible from the scenario and the seed.
 *
 * API (used by `fieldroot sim --virtual-time`, the system tests and bench/join.ts):
 *
 *   const sys = await buildVirtualSystem({ scenario, seed?, northboundLatencyMs?, toolLogger?,
 *                                          keyServerLogger?, powerOnSpreadMs?, keyPolicy?, ... });
 *   sys.start();                       // root advertises; meters power on (spread); failures scheduled
 *   sys.runUntil(ms) / sys.runFor(ms)  // synchronous: advance the virtual clock
 *   await sys.settle()                 // let the key server's queued async steps (audit, rotation) finish
 *   await sys.runUntilJoined({ fraction?, limitMs, stepMs? })  // → { allJoined, atMs, joinedFraction }
 *   sys.report()                       // per meter: joined?, when, hop count, key index, authenticated?
 *   sys.onAirFrame(listener)           // every frame any radio puts on the air (the capture tap)
 *   sys.ping(meterId)                  // ICMPv6 echo from the head-end side, through the northbound link
 *   sys.echoReplies                    // replies that came back north
 *   sys.networkKeys()                  // simulated keys in force (for a Wireshark key table only)
 *   sys.amr                            // the AMR/DR server (./virtual-amr.ts): reads each meter that joins
 *   sys.replaceRoot({ eui64, northbound, meshPrefix })  // another tablet's root where the tablet stands (./virtual-job.ts replaceTool)
 *   await sys.close()                  // stops the key server, wipes the root, removes the database
 *
 * The tool's own PANA session (EAP-TLS over the VPN, another issue) is not simulated: the tool
 * side follows the key server's key table (`followKeys`), installing an announced key and
 * activating it when the key server does — what that session's PNRs would tell it. With the
 * `tunnel` option (./virtual-job.ts) the link is the real WireGuard tunnel and that session runs.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualScheduler } from '../../../hardware/sim/clock/index.ts';
import { RadioMac, type MacSettings } from '../../../hardware/sim/medium/index.ts';
import { SimulatedField, type MeterReport } from '../../../hardware/sim/node/index.ts';
import type { MeterTiming } from '../../../hardware/sim/node/index.ts';
import { SimulatedTabletRadio } from '../../../hardware/sim/node/tablet-radio.ts';
import { Random } from '../../../hardware/sim/random.ts';
import { meterPsk, type Scenario } from '../../../hardware/sim/scenario/index.ts';
import { MeshRoot, type MeshRootEvent } from '../../field/mesh/index.ts';
import type { NorthboundLink, NorthboundLinkState } from '../../field/northbound-link.ts';
import {
  KeyServer,
  masterKeyFromBytes,
  type KeyServerTimers,
  type NetworkKeyPolicy,
  type PanaTransport,
  type PanaReceive,
} from '../../headend/keys/index.ts';
import type { MeterCredentialInput } from '../../headend/keys/index.ts';
import { GatewayPanaTransport, type GatewayPanaPort } from '../../headend/keys/gateway-pana-transport.ts';
import type { KeyServerOptions } from '../../headend/keys/key-server.ts';
import { openHeadendStore, type HeadendStore } from '../../headend/storage/index.ts';
import { createLogger, SecretBytes, type Logger } from '../../log/index.ts';
import { createNodeProvider, type CryptoProvider } from '../../stack/crypto/index.ts';
import {
  addressFromPrefixAndIid,
  addressesEqual,
  decodePacket,
  encodePacket,
  formatIpv6Address,
  iidFromEui64,
  parseIpv6Address,
  type Ipv6Address,
  type Ipv6Packet,
} from '../../stack/ipv6/index.ts';
import { PANA_UDP_PORT, type PanaEndpoint } from '../../stack/pana/index.ts';
import type { RetransmissionParams } from '../../stack/pana/index.ts';
import type { DodagParameters } from '../../stack/rpl/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import { prefixContains, type IpPrefix } from '../../stack/wireguard/index.ts';
import type { GatewayServicePort } from '../../headend/amr/index.ts';
import {
  attachVirtualAmr,
  VIRTUAL_START_EPOCH_MS,
  witnessedMeters,
  type VirtualAmr,
  type VirtualAmrServiceOptions,
} from './virtual-amr.ts';

export const VIRTUAL_MESH_PREFIX = '2001:db8:1:2::';
/** The key server's address on the head-end side of the tunnel. */
export const VIRTUAL_PAA_ADDRESS = '2001:db8:ffff::716';
/** Where head-end echo requests come from; also the AMR/DR server's address (UDP 3610). */
export const VIRTUAL_HEADEND_ADDRESS = '2001:db8:ffff::1';

export interface VirtualSystemOptions {
  scenario: Scenario;
  /** Replaces the scenario's seed (radio, meters, root, key server randomness). */
  seed?: number;
  /** One-way delay of the northbound link (VPN + head-end network). Default 20 ms. */
  northboundLatencyMs?: number;
  /** Meters boot spread uniformly over this span after `start()`. Default 10 s. */
  powerOnSpreadMs?: number;
  /** Also put the scenario's meter power failures on the clock. Default false. */
  scheduleFailures?: boolean;
  /** The tool's log: every MeshRoot event but `counters` is written here at debug level. */
  toolLogger?: Logger;
  keyServerLogger?: Logger;
  keyPolicy?: Partial<NetworkKeyPolicy>;
  /** Key server PANA retransmission (default pana PANA_MESH_REQ_RETRANSMISSION). */
  paaRetransmission?: RetransmissionParams;
  /** Key server cap on sessions still authenticating (paa.ts maxPendingSessions). */
  maxPendingSessions?: number;
  meterTiming?: Partial<MeterTiming>;
  mac?: Partial<MacSettings>;
  /** Root's join beacon interval (mesh-root.ts JOIN_BEACON_INTERVAL_MS). */
  joinBeaconIntervalMs?: number;
  /** DODAG parameters the root advertises (default rpl FIELD_DODAG_DEFAULTS). */
  dodag?: Partial<DodagParameters>;
  crypto?: CryptoProvider;
  /** Epoch ms of virtual time 0 (the meters' clocks, the AMR server's). Default VIRTUAL_START_EPOCH_MS. */
  startEpochMs?: number;
  /** AMR/DR server tuning (retry policy, reading engine). */
  amr?: VirtualAmrServiceOptions;
  /**
   * The WireGuard tunnel instead of the in-memory link (./virtual-job.ts): the tool's engine uses
   * `tunnel.northbound`, the key server's PANA and the AMR/DR server sit behind `tunnel.gateway`,
   * and the tool's keys come from its own EAP-TLS session (the job installs them), not from the
   * key server's table. `ping` then has no path: the job pings through the gateway.
   */
  tunnel?: VirtualTunnel;
  /** The clock the tunnel's ends already run on (required with `tunnel`). */
  scheduler?: VirtualScheduler;
  /** The job's mesh /64 (prefix text, "…::"); default VIRTUAL_MESH_PREFIX. */
  meshPrefix?: string;
  /** EAP-TLS for tools at the key server (KeyServerOptions.toolAuthentication). */
  toolAuthentication?: KeyServerOptions['toolAuthentication'];
}

export interface VirtualTunnel {
  readonly northbound: NorthboundLink;
  readonly gateway: GatewayPanaPort & GatewayServicePort;
}

export interface OnAirFrame {
  /** Virtual time the frame went on air, ms. */
  atMs: number;
  /** The sender's EUI-64, as 16 hex digits. */
  sender: string;
  /** The PSDU as on air (encrypted where the MAC secures it), 4-octet FCS included. */
  psdu: Uint8Array;
  channel: number;
}

export interface VirtualMeterReport extends MeterReport {
  /** The key server saw this meter's PANA session open (meter-joined). */
  authenticated: boolean;
}

export interface JoinProgress {
  allJoined: boolean;
  /** When the wanted fraction was first reached (virtual ms since start), else undefined. */
  atMs: number | undefined;
  joinedFraction: number;
}

export interface EchoReply {
  atMs: number;
  from: string;
  sequence: number;
}

/** A replacement tablet (another dongle) and its job's mesh side. */
export interface RootReplacement {
  /** The new dongle's EUI-64. */
  eui64: bigint;
  northbound: NorthboundLink;
  /** The new job's mesh /64 (prefix text, "…::"). */
  meshPrefix: string;
}

export interface VirtualSystem {
  readonly scheduler: VirtualScheduler;
  readonly field: SimulatedField;
  /** The mesh root of the tablet in use (a replacement's after `replaceRoot`). */
  readonly root: MeshRoot;
  readonly keyServer: KeyServer;
  /** The head-end database (audit log, registry) in its temporary folder. */
  readonly store: HeadendStore;
  /** The tablet's dongle on the medium (`injectReceived` plays a frame to the tool). */
  readonly tabletRadio: SimulatedTabletRadio;
  readonly crypto: CryptoProvider;
  readonly meshPrefix: Ipv6Address;
  /** The AMR/DR server on the head-end side (reads every meter the key server reports joined). */
  readonly amr: VirtualAmr;
  /** Epoch ms of virtual time 0. */
  readonly startEpochMs: number;
  readonly echoReplies: EchoReply[];
  /** Virtual time `start()` was called. */
  readonly startedAtMs: number | undefined;
  start(): void;
  runUntil(timeMs: number): void;
  runFor(ms: number): void;
  settle(): Promise<void>;
  runUntilJoined(o: { fraction?: number; limitMs: number; stepMs?: number }): Promise<JoinProgress>;
  report(): VirtualMeterReport[];
  onAirFrame(listener: (frame: OnAirFrame) => void): () => void;
  ping(meterId: string, sequence?: number): void;
  meterAddress(meterId: string): Ipv6Address;
  networkKeys(): { key: Uint8Array; index: number }[];
  /**
   * Another tablet arrives where the tablet stands (a replacement tool after a revocation): the
   * root in use is wiped and closed and its radio switched off; a new MeshRoot on a new radio
   * node with the new job's prefix takes its place, not yet started (`root.start()` once it holds
   * a key). `meterAddress` answers in the new prefix from then on.
   */
  replaceRoot(r: RootReplacement): MeshRoot;
  close(): Promise<void>;
}

export async function buildVirtualSystem(o: VirtualSystemOptions): Promise<VirtualSystem> {
  const scenario = o.seed === undefined ? o.scenario : { ...o.scenario, seed: o.seed };
  const crypto = o.crypto ?? createNodeProvider();
  const scheduler = o.scheduler ?? new VirtualScheduler();
  const random = new Random(scenario.seed).fork('virtual-system');
  const randomBytes = (rng: Random) => (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.nextUint32() & 0xff;
    return out;
  };
  const startEpochMs = o.startEpochMs ?? VIRTUAL_START_EPOCH_MS;
  // Every meter runs its ECHONET Lite device, as in pty mode; witnessed for the read comparison.
  const devices = witnessedMeters(scenario, startEpochMs);
  const field = new SimulatedField({
    scenario,
    scheduler,
    crypto,
    applicationFor: (m) => devices.get(m.id),
    ...(o.mac ? { mac: o.mac } : {}),
    ...(o.meterTiming ? { timing: o.meterTiming } : {}),
  });
  const latency = o.northboundLatencyMs ?? 20;
  const meshPrefixText = o.meshPrefix ?? VIRTUAL_MESH_PREFIX;
  const meshPrefix = parseIpv6Address(meshPrefixText);
  const paaAddress = parseIpv6Address(VIRTUAL_PAA_ADDRESS);
  const headendAddress = parseIpv6Address(VIRTUAL_HEADEND_ADDRESS);

  // --- the on-air tap: every frame any radio hands to the medium ----------------------------
  const tapListeners = new Set<(f: OnAirFrame) => void>();
  const senderOf = new Map<number, string>();
  for (const [eui, id] of field.directory) senderOf.set(id, eui.toString(16).padStart(16, '0'));
  const medium = field.medium;
  const transmitOnAir = medium.transmit.bind(medium);
  medium.transmit = (id, frame) => {
    if (tapListeners.size > 0) {
      const f: OnAirFrame = {
        atMs: scheduler.now(),
        sender: senderOf.get(id) ?? String(id),
        psdu: frame.psdu.slice(),
        channel: medium.channelOf(id),
      };
      for (const l of tapListeners) l(f);
    }
    return transmitOnAir(id, frame);
  };

  // --- head-end: key server on the virtual clock ---------------------------------------------
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-virtual-'));
  let store: HeadendStore | undefined;
  let keyServer: KeyServer | undefined;
  const northbound = new VirtualNorthbound(scheduler, latency);
  try {
    store = openHeadendStore({ directory: dir }, 0);
    const master = masterKeyFromBytes(randomBytes(random.fork('master'))(32));
    const headendSide = new HeadendSide(northbound, paaAddress, headendAddress, scheduler);
    const timers: KeyServerTimers = {
      setTimeout: (cb, ms) => scheduler.scheduleAfter(ms, cb),
      clearTimeout: (h) => void scheduler.cancel(h as Parameters<VirtualScheduler['cancel']>[0]),
    };
    keyServer = await KeyServer.start({
      repositories: store.repositories,
      masterKey: master,
      crypto,
      // Whole milliseconds: the audit log stores integers.
      clock: () => Math.floor(scheduler.now()),
      random: randomBytes(random.fork('key-server')),
      ...(o.keyServerLogger
        ? { logger: o.keyServerLogger }
        : { logger: createLogger('headend.keys', { level: 'error' }) }),
      transport: o.tunnel ? new GatewayPanaTransport(o.tunnel.gateway, paaAddress) : headendSide.transport,
      ...(o.toolAuthentication ? { toolAuthentication: o.toolAuthentication } : {}),
      timers,
      ...(o.keyPolicy ? { keyPolicy: o.keyPolicy } : {}),
      ...(o.paaRetransmission ? { retransmission: o.paaRetransmission } : {}),
      ...(o.maxPendingSessions !== undefined ? { maxPendingSessions: o.maxPendingSessions } : {}),
      // The whole field reaches the key server through one relay address (the tool's):
      // RFC 6345 aggregation, so the per-source budget must cover a mass join.
      datagramBudget: { max: 10_000, windowMs: 1_000 },
      pciRateLimit: { max: 20, windowMs: 60_000 },
    });
    const entries: MeterCredentialInput[] = scenario.meters.map((m, i) => ({
      where: `meter ${i + 1}`,
      meterId: m.id,
      eui64: m.eui64,
      psk: new SecretBytes(meterPsk(crypto, scenario, m), 'meter PSK'),
    }));
    await keyServer.credentials.import(entries, 'virtual-system');
    for (const e of entries) e.psk.wipe();
    await keyServer.refresh();

    // --- the tool ------------------------------------------------------------------------------
    const buildRoot: RootBuilder = (r) => {
      const label = r.eui64 === BigInt(`0x${scenario.tablet.eui64}`) ? '' : `:${r.eui64.toString(16)}`;
      const mac = new RadioMac(medium, field.tabletNodeId, o.mac ?? {}, random.fork(`tablet-mac${label}`));
      const radio = new SimulatedTabletRadio(mac, field.directory);
      senderOf.set(field.tabletNodeId, r.eui64.toString(16).padStart(16, '0'));
      const root = new MeshRoot({
        crypto,
        extendedAddress: r.eui64,
        panId: field.panId,
        channel: scenario.radio.channel,
        meshPrefix: r.meshPrefix,
        paaAddress,
        radio,
        northbound: r.northbound,
        clock: scheduler,
        random: () => random.uniform(),
        randomBytes: randomBytes(random.fork(`root-bytes${label}`)),
        ...(o.joinBeaconIntervalMs !== undefined ? { joinBeaconIntervalMs: o.joinBeaconIntervalMs } : {}),
        ...(o.dodag ? { dodag: o.dodag } : {}),
      });
      if (o.toolLogger) {
        const log = o.toolLogger;
        root.onEvent((e: MeshRootEvent) => {
          if (e.kind !== 'counters') log.debug(`mesh ${e.kind}`, describeEvent(e));
        });
      }
      return { root, radio };
    };
    const { root, radio } = buildRoot({
      eui64: field.tabletEui64,
      northbound: o.tunnel?.northbound ?? northbound,
      meshPrefix,
    });
    const amr = await attachVirtualAmr({
      scenario,
      store,
      keyServer,
      gateway: o.tunnel?.gateway ?? headendSide,
      scheduler,
      serverAddress: VIRTUAL_HEADEND_ADDRESS,
      meshPrefix: `${meshPrefixText}/64`,
      startEpochMs,
      meters: devices,
      random: random.fork('amr'),
      ...(o.amr ? { service: o.amr } : {}),
      settle: () => keyServer!.idle(),
    });
    return new VirtualSystemImpl(
      o,
      scenario,
      scheduler,
      field,
      root,
      keyServer,
      radio,
      crypto,
      meshPrefix,
      headendSide,
      tapListeners,
      store,
      dir,
      amr,
      startEpochMs,
      buildRoot,
    );
  } catch (err) {
    await keyServer?.stop();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

type RootBuilder = (r: { eui64: bigint; northbound: NorthboundLink; meshPrefix: Ipv6Address }) => {
  root: MeshRoot;
  radio: SimulatedTabletRadio;
};

class VirtualSystemImpl implements VirtualSystem {
  readonly echoReplies: EchoReply[];
  startedAtMs: number | undefined;
  private readonly authenticated = new Set<string>();
  private keyFollowing: ReturnType<VirtualScheduler['scheduleAt']> | undefined;
  private closed = false;
  private readonly rootKeys = new Set<number>();
  private rootActive: number | undefined;

  constructor(
    private readonly o: VirtualSystemOptions,
    private readonly scenario: Scenario,
    readonly scheduler: VirtualScheduler,
    readonly field: SimulatedField,
    public root: MeshRoot,
    readonly keyServer: KeyServer,
    public tabletRadio: SimulatedTabletRadio,
    readonly crypto: CryptoProvider,
    public meshPrefix: Ipv6Address,
    private readonly headend: HeadendSide,
    private readonly tap: Set<(f: OnAirFrame) => void>,
    readonly store: HeadendStore,
    private readonly dir: string,
    readonly amr: VirtualAmr,
    readonly startEpochMs: number,
    private readonly buildRoot: RootBuilder,
  ) {
    this.echoReplies = headend.echoReplies;
    keyServer.on('meter-joined', (e) => this.authenticated.add(e.eui64.toLowerCase()));
    keyServer.on('meter-left', () => undefined);
  }

  start(): void {
    if (this.startedAtMs !== undefined) return;
    this.startedAtMs = this.scheduler.now();
    if (!this.o.tunnel) this.followKeys();
    this.root.start();
    this.field.powerOnAll(this.o.powerOnSpreadMs ?? 10_000);
    if (this.o.scheduleFailures) this.field.scheduleFailures();
  }

  runUntil(timeMs: number): void {
    this.scheduler.runUntil(timeMs);
  }

  runFor(ms: number): void {
    this.scheduler.runUntil(this.scheduler.now() + ms);
  }

  async settle(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    await this.keyServer.idle();
  }

  async runUntilJoined(o: { fraction?: number; limitMs: number; stepMs?: number }): Promise<JoinProgress> {
    const wanted = o.fraction ?? 1;
    const step = o.stepMs ?? 1_000;
    const start = this.startedAtMs ?? this.scheduler.now();
    const end = this.scheduler.now() + o.limitMs;
    const n = this.field.meters.length;
    let fraction = 0;
    // Bounded: one step per `step` ms of virtual time up to the limit.
    while (true) {
      fraction = this.field.meters.filter((m) => m.state === 'joined').length / n;
      if (fraction >= wanted)
        return { allJoined: fraction === 1, atMs: this.scheduler.now() - start, joinedFraction: fraction };
      if (this.scheduler.now() >= end) break;
      this.runUntil(Math.min(end, this.scheduler.now() + step));
      await new Promise<void>((r) => setImmediate(r)); // the key server's async steps
    }
    return { allJoined: fraction === 1, atMs: undefined, joinedFraction: fraction };
  }

  report(): VirtualMeterReport[] {
    return this.field
      .report()
      .map((r) => ({ ...r, authenticated: this.authenticated.has(r.eui64.toLowerCase()) }));
  }

  onAirFrame(listener: (frame: OnAirFrame) => void): () => void {
    this.tap.add(listener);
    return () => this.tap.delete(listener);
  }

  meterAddress(meterId: string): Ipv6Address {
    const m = this.scenario.meters.find((x) => x.id === meterId);
    if (!m) throw new RangeError(`no meter ${meterId}`);
    return addressFromPrefixAndIid(this.meshPrefix, iidFromEui64(BigInt(`0x${m.eui64}`)));
  }

  ping(meterId: string, sequence = 1): void {
    this.headend.echoRequest(this.meterAddress(meterId), sequence);
  }

  networkKeys(): { key: Uint8Array; index: number }[] {
    const k = this.keyServer.keys.currentKeys();
    return [k.current, ...(k.next ? [k.next] : [])].map((x) => ({ key: x.key.slice(), index: x.index }));
  }

  replaceRoot(r: RootReplacement): MeshRoot {
    if (this.closed) throw new Error('the virtual system is closed');
    this.root.close();
    this.field.replaceTablet(r.eui64);
    const meshPrefix = parseIpv6Address(r.meshPrefix);
    const { root, radio } = this.buildRoot({ eui64: r.eui64, northbound: r.northbound, meshPrefix });
    this.root = root;
    this.tabletRadio = radio;
    this.meshPrefix = meshPrefix;
    return root;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.keyFollowing) this.scheduler.cancel(this.keyFollowing);
    this.root.close();
    this.amr.close();
    await this.keyServer.stop();
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Stands for the tool's own PANA session: once a (virtual) second, mirror the key server's key
   * table into the root — install an announced key, activate the one in force.
   */
  private followKeys(): void {
    if (this.closed) return;
    const { current, next } = this.keyServer.keys.currentKeys();
    for (const k of [current, ...(next ? [next] : [])]) {
      if (this.rootKeys.has(k.index)) continue;
      this.root.installNetworkKey(k.index, k.key);
      this.rootKeys.add(k.index);
    }
    if (this.rootActive !== current.index) {
      this.root.activateKey(current.index);
      this.rootActive = current.index;
    }
    for (const i of [...this.rootKeys])
      if (!this.root.keyInfo().some((k) => k.index === i)) this.rootKeys.delete(i); // retired by the root
    this.keyFollowing = this.scheduler.scheduleAfter(1_000, () => this.followKeys());
  }
}

/** The tunnel: whole IPv6 packets between the tool and the head-end side, after a fixed delay. */
class VirtualNorthbound extends EventEmitter implements NorthboundLink {
  readonly state: NorthboundLinkState = 'up';
  /** Packets the tool sent north; the head-end side listens. */
  toHeadend: ((packet: Uint8Array) => void) | undefined;

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly latencyMs: number,
  ) {
    super();
  }

  send(ipv6Packet: Uint8Array): void {
    const copy = ipv6Packet.slice();
    this.scheduler.scheduleAfter(this.latencyMs, () => this.toHeadend?.(copy));
  }

  /** A packet from the head-end side to the tool. */
  deliver(ipv6Packet: Uint8Array): void {
    const copy = ipv6Packet.slice();
    this.scheduler.scheduleAfter(this.latencyMs, () => this.emit('packet', copy));
  }
}

/**
 * The head-end's network: the key server's PANA transport, a host that pings meters, and service
 * routes as the WireGuard gateway has them (the AMR/DR server's address).
 */
class HeadendSide implements GatewayServicePort {
  readonly echoReplies: EchoReply[] = [];
  private readonly routes: { prefix: IpPrefix; handler: (packet: Uint8Array) => void }[] = [];
  readonly transport: PanaTransport;
  private receive: PanaReceive | undefined;
  /** Packets from the tunnel that nobody on the head-end side wanted, by reason. */
  readonly dropped = new Map<string, number>();

  constructor(
    private readonly link: VirtualNorthbound,
    private readonly paa: Ipv6Address,
    private readonly host: Ipv6Address,
    private readonly scheduler: VirtualScheduler,
  ) {
    link.toHeadend = (bytes) => this.fromTool(bytes);
    this.transport = {
      open: (receive) => {
        this.receive = receive;
        return Promise.resolve();
      },
      send: (bytes, to) => this.toTool(bytes, to),
      address: () => ({ address: formatIpv6Address(paa), port: PANA_UDP_PORT }),
      close: () => {
        this.receive = undefined;
        return Promise.resolve();
      },
    };
  }

  addRoute(prefix: IpPrefix, handler: (packet: Uint8Array) => void): () => void {
    const route = { prefix, handler };
    this.routes.push(route);
    return () => {
      const i = this.routes.indexOf(route);
      if (i >= 0) this.routes.splice(i, 1);
    };
  }

  /** One tool, one tunnel: every packet for the mesh goes to it. */
  deliver(ipv6Packet: Uint8Array): boolean {
    this.link.deliver(ipv6Packet);
    return true;
  }

  echoRequest(target: Ipv6Address, sequence: number): void {
    this.link.deliver(
      encodePacket({
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: 64,
        source: this.host,
        destination: target,
        upper: {
          kind: 'icmpv6',
          message: { kind: 'echo-request', identifier: 0x716, sequence, data: new Uint8Array(16) },
        },
      }),
    );
  }

  private toTool(bytes: Uint8Array, to: PanaEndpoint): void {
    this.link.deliver(
      encodePacket({
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: 64,
        source: this.paa,
        destination: to.address,
        upper: {
          kind: 'udp',
          datagram: { sourcePort: PANA_UDP_PORT, destinationPort: to.port, payload: bytes },
        },
      }),
    );
  }

  private fromTool(bytes: Uint8Array): void {
    let p: Ipv6Packet;
    try {
      p = decodePacket(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return this.count('decode-error');
    }
    const u = p.upper;
    if (addressesEqual(p.destination, this.paa)) {
      if (u.kind === 'udp' && u.datagram.destinationPort === PANA_UDP_PORT)
        return this.receive?.(u.datagram.payload.slice(), {
          address: p.source.slice(),
          port: u.datagram.sourcePort,
        });
      return this.count('paa-not-pana');
    }
    if (addressesEqual(p.destination, this.host) && u.kind === 'icmpv6' && u.message.kind === 'echo-reply') {
      this.echoReplies.push({
        atMs: this.scheduler.now(),
        from: formatIpv6Address(p.source),
        sequence: u.message.sequence,
      });
      return;
    }
    const route = this.routes.find((r) => prefixContains(r.prefix, p.destination));
    if (route) return route.handler(bytes);
    this.count('no-listener');
  }

  private count(reason: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
  }
}

/** Log fields of an engine event: addresses as text, no payloads. */
function describeEvent(e: MeshRootEvent): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(e, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString(16).padStart(16, '0');
      if (v instanceof Uint8Array) return v.length === 16 ? formatIpv6Address(v) : `${v.length} bytes`;
      return v;
    }),
  ) as Record<string, unknown>;
}
