/**
 * Issue #4's "Done when" on one virtual clock: a job is provisioned (JobProvisioner: tunnel address,
 * mesh /64, gateway peer), the tool's WireGuard client handshakes with the head-end gateway over a
 * simulated UDP path, the tool authenticates with EAP-TLS (certificate issued by the real CA after
 * enrolment) to the key server through the tunnel, its mesh root gets the network key from that
 * PANA session, and the meters join with every PANA relay (RFC 6345 PRY) crossing the tunnel.
 * `revoke()` is the supervisor's action as the API runs it (DeviceRevocation → jobs, key server,
 * CA). Reproducible from the scenario and the seed.
 *
 *   const job = await buildVirtualJob({ scenario, seed? , ...VirtualSystemOptions });
 *   await job.connect();            // tunnel up, EAP-TLS done, the root holds the key → { tunnelUpAtMs, authenticatedAtMs }
 *   job.system.start();             // root advertises, meters power on
 *   await job.system.runUntilJoined({ limitMs });
 *   job.ping(meterId)               // ICMPv6 echo from the head-end host through the gateway
 *   await job.revoke()              // supervisor revokes the tool's device
 *   job.stopped                     // { atMs, reason } once the tool has wiped and stopped
 *   const b = await job.replaceTool({ deviceId: 'tablet-0002' })  // a second tablet where the first stood:
 *   await b.connect()               //   own enrolment, job (tunnel address, mesh /64), tunnel, EAP-TLS, new root
 *   await job.retryRevokedTunnel()  // a stolen tablet ignoring its revocation keeps handshaking
 *   await job.close()               // closes the whole site (every tool, gateway, system)
 *
 * The EAP-TLS engines run on Node's TLS over in-memory streams, which settle on event-loop turns,
 * not on the virtual clock: `connect()` advances the clock one due event at a time and lets the
 * event loop run between events, so the virtual times do not depend on the machine's speed.
 */
import { VirtualScheduler } from '../../../hardware/sim/clock/index.ts';
import { Random } from '../../../hardware/sim/random.ts';
import { createDeviceKey, pkcs8ToPem } from '../../field/enrolment/index.ts';
import {
  authenticateTool,
  NorthboundDatagramPort,
  type ToolPanaSession,
} from '../../field/tool-auth/index.ts';
import { VpnClient, type VpnClientOptions } from '../../field/vpn/index.ts';
import { CertificateAuthority, EnrolmentService, memoryCaStore } from '../../headend/ca/index.ts';
import { WireguardGateway } from '../../headend/gateway/index.ts';
import {
  DeviceRevocation,
  JobAddressPlan,
  JobProvisioner,
  type JobConnectionView,
  type RevocationOutcome,
} from '../../headend/jobs/index.ts';
import type { MeshRoot } from '../../field/mesh/index.ts';
import { createLogger, SecretBytes, type Logger } from '../../log/index.ts';
import { createNodeProvider, type CryptoProvider } from '../../stack/crypto/index.ts';
import {
  decodePacket,
  encodePacket,
  formatIpv6Address,
  parseIpv6Address,
  type Ipv6Address,
} from '../../stack/ipv6/index.ts';
import { PANA_MESSAGE_TYPE, PANA_UDP_PORT } from '../../stack/pana/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';
import { parseIpPrefix, type IpPrefix } from '../../stack/wireguard/index.ts';
import {
  buildVirtualSystem,
  VIRTUAL_HEADEND_ADDRESS,
  VIRTUAL_PAA_ADDRESS,
  type EchoReply,
  type VirtualSystem,
  type VirtualSystemOptions,
  type VirtualTunnel,
} from './virtual-system.ts';
import { VIRTUAL_START_EPOCH_MS } from './virtual-amr.ts';

/** The gateway's UDP endpoint on the simulated Internet (documentation prefix, RFC 3849). */
export const VIRTUAL_GATEWAY_ENDPOINT = '[2001:db8:ffff::51]:51820';
/** The tablet's UDP endpoint as the gateway sees it (behind the mobile operator). */
export const VIRTUAL_TABLET_ENDPOINT = '[2001:db8:aaaa::2]:40000';
/** The head-end host that pings meters (not the AMR server's address: its route is the AMR's). */
export const VIRTUAL_PINGER_ADDRESS = '2001:db8:ffff::e';
/** The /48 the job's mesh /64 comes from: the first job gets 2001:db8:1:1::/64. */
const VIRTUAL_MESH_PREFIX_48 = '2001:db8:1::';
/** Prefix of the head-end services behind the gateway, routed into the tunnel by the tool. */
const HEADEND_SERVICES_PREFIX = '2001:db8:ffff::/64';
const KEY_SERVER_NAME = 'keyserver.fieldroot';
/** Event-loop turns between two virtual events while TLS runs (tool-authentication.ts SETTLE_QUIET_TURNS is 4). */
const TURNS_PER_EVENT = 24;

export interface VirtualJobOptions
  extends Omit<VirtualSystemOptions, 'tunnel' | 'scheduler' | 'meshPrefix' | 'toolAuthentication'> {
  /** The tool's device id (its certificate's subject). Default "tablet-0001". */
  deviceId?: string;
  /** One-way delay of the UDP path between the tablet and the gateway, ms. Default 20. */
  udpLatencyMs?: number;
}

export interface ToolKeyEvent {
  atMs: number;
  keyIndex: number;
  activation: 'now' | 'next';
  /** A copy for the tests' comparison: the simulation's keys never reach a disk. */
  key: Uint8Array;
}

export interface PanaTunnelCounts {
  /** PANA-Relay messages (RFC 6345) the gateway carried, both directions. */
  relayToKeyServer: number;
  relayToTool: number;
  /** Non-relayed PANA (the tool's own EAP-TLS session). */
  toolSession: number;
}

export interface VirtualJob {
  readonly system: VirtualSystem;
  readonly scheduler: VirtualScheduler;
  readonly gateway: WireguardGateway;
  readonly vpn: VpnClient;
  readonly jobs: JobProvisioner;
  readonly connection: JobConnectionView;
  readonly ca: CertificateAuthority;
  readonly deviceId: string;
  /** The tablet's UDP endpoint on the simulated Internet. */
  readonly udpEndpoint: string;
  /** Keys the tool's PANA session handed to the mesh root, in order. */
  readonly toolKeys: readonly ToolKeyEvent[];
  /** Shared by every tool of the site (the gateway carries them all). */
  readonly panaThroughTunnel: PanaTunnelCounts;
  /** Echo replies from meters to the head-end pinger (every tool's). */
  readonly echoReplies: readonly EchoReply[];
  /** UDP datagrams between this tablet's endpoint and the gateway, both ways. */
  readonly datagrams: { toGateway: number; toTablet: number };
  readonly session: ToolPanaSession | undefined;
  /** Set once the tool has wiped its keys and stopped, with why. */
  readonly stopped: { atMs: number; reason: string } | undefined;
  connect(o?: { limitMs?: number }): Promise<{ tunnelUpAtMs: number; authenticatedAtMs: number }>;
  ping(meterId: string, sequence?: number): void;
  revoke(actor?: string): Promise<RevocationOutcome>;
  /**
   * A second tablet comes to the same place (after a revocation, say): its own enrolment and
   * certificate, a new job (tunnel address, mesh /64, gateway peer), its own WireGuard client on
   * its own UDP endpoint and, in place of this tablet's mesh root, a new MeshRoot on a new radio
   * where the tablet stands. `connect()` on the result runs the tunnel and EAP-TLS and then starts
   * the new root. Closing either job closes the whole site.
   */
  replaceTool(o: { deviceId: string }): Promise<VirtualJob>;
  /**
   * A stolen tablet that ignores its revocation: a fresh WireGuard client with this tool's key
   * keeps initiating handshakes from the tablet's endpoint (stopped by `close()`).
   */
  retryRevokedTunnel(): Promise<VpnClient>;
  close(): Promise<void>;
}

/** Everything the tools of one virtual site share: clock, head-end, medium, UDP path. */
interface Site {
  readonly system: VirtualSystem;
  readonly scheduler: VirtualScheduler;
  readonly gateway: WireguardGateway;
  readonly jobs: JobProvisioner;
  readonly ca: CertificateAuthority;
  readonly enrolments: EnrolmentService;
  readonly revocation: DeviceRevocation;
  readonly udp: VirtualUdpPath;
  readonly counts: PanaTunnelCounts;
  readonly echoReplies: EchoReply[];
  readonly crypto: CryptoProvider;
  readonly random: Random;
  readonly bytesFrom: (rng: Random) => (n: number) => Uint8Array;
  readonly timers: VpnClientOptions['timers'];
  readonly wallClock: () => number;
  readonly logger: Logger;
  readonly tools: VirtualJobImpl[];
  readonly extraClients: VpnClient[];
  closing: Promise<void> | undefined;
  unroutePinger: (() => void) | undefined;
}

/** One tablet's job: gateway peer, WireGuard client on its endpoint. */
interface ToolJob {
  readonly connection: JobConnectionView;
  readonly vpn: VpnClient;
  readonly tunnelAddress: Ipv6Address;
  readonly endpoint: string;
  /** Simulation only: the tool's WireGuard key again, for `retryRevokedTunnel`. */
  readonly wireguardKey: () => Uint8Array;
}

function startToolJob(
  s: Pick<
    Site,
    'jobs' | 'gateway' | 'udp' | 'crypto' | 'random' | 'bytesFrom' | 'timers' | 'scheduler' | 'wallClock'
  >,
  deviceId: string,
  endpoint: string,
  label: string,
): ToolJob {
  const wireguardKey = () => s.bytesFrom(s.random.fork(`tool-wg-key${label}`))(32);
  const wgPrivate = wireguardKey();
  const connection = s.jobs.start({
    workOrderId: `wo-virtual${label}`,
    deviceId,
    workerId: 'worker-1',
    publicKey: s.crypto.x25519PublicKey(wgPrivate),
  });
  const tunnelAddress = parseIpv6Address(connection.tunnelAddress);
  const vpn = new VpnClient({
    privateKey: new SecretBytes(wgPrivate, 'WireGuard private key'),
    tunnelAddress,
    gateway: {
      publicKey: s.gateway.publicKey,
      endpoint: connection.gateway.endpoint,
      allowedIps: connection.allowedIps.map((p) => parseIpPrefix(p)),
    },
    crypto: s.crypto,
    random: s.bytesFrom(s.random.fork(`tool-wg${label}`)),
    clock: { now: () => s.scheduler.now(), wallClock: s.wallClock },
    datagrams: s.udp.tablet(endpoint),
    timers: s.timers,
  });
  wgPrivate.fill(0);
  return { connection, vpn, tunnelAddress, endpoint, wireguardKey };
}

async function enrolTool(
  enrolments: EnrolmentService,
  deviceId: string,
): Promise<{ certificate: string; privateKey: SecretBytes }> {
  const deviceKey = await createDeviceKey(deviceId);
  await enrolments.enrol(deviceId, deviceKey.csrPem, 'virtual-job');
  const issued = await enrolments.approve('supervisor-1', deviceId);
  return { certificate: issued.certificatePem, privateKey: deviceKey.pkcs8 };
}

export async function buildVirtualJob(o: VirtualJobOptions): Promise<VirtualJob> {
  const seed = o.seed ?? o.scenario.seed;
  const scheduler = new VirtualScheduler();
  const random = new Random(seed).fork('virtual-job');
  const bytesFrom = (rng: Random) => (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.nextUint32() & 0xff;
    return out;
  };
  const crypto = o.crypto ?? createNodeProvider();
  const startEpochMs = o.startEpochMs ?? VIRTUAL_START_EPOCH_MS;
  const wallClock = () => startEpochMs + scheduler.now();
  const timers = {
    setTimeout: (fn: () => void, ms: number) => scheduler.scheduleAfter(ms, fn),
    clearTimeout: (h: unknown) => void scheduler.cancel(h as Parameters<VirtualScheduler['cancel']>[0]),
  };
  const deviceId = o.deviceId ?? 'tablet-0001';
  const udp = new VirtualUdpPath(scheduler, o.udpLatencyMs ?? 20);

  // --- head-end: CA, gateway, job provisioning ------------------------------------------------
  const ca = await CertificateAuthority.open({
    store: memoryCaStore(),
    clock: wallClock,
    random: bytesFrom(random.fork('ca')),
  });
  const keyServerCert = await ca.issueServerCertificate({ dnsNames: [KEY_SERVER_NAME], ipAddresses: [] });
  const plan = new JobAddressPlan({ meshPrefix48: VIRTUAL_MESH_PREFIX_48 });
  const gateway = new WireguardGateway({
    privateKey: new SecretBytes(bytesFrom(random.fork('gateway-key'))(32), 'gateway private key'),
    tunnelAddress: plan.gatewayAddress,
    crypto,
    random: bytesFrom(random.fork('gateway')),
    clock: { now: () => scheduler.now(), wallClock },
    datagrams: udp.gatewayEnd,
    timers,
  });
  await gateway.start();
  const jobs = new JobProvisioner({
    gateway,
    gatewayEndpoint: VIRTUAL_GATEWAY_ENDPOINT,
    serviceProviderId: 'virtual-sp',
    keyServer: { id: 'key-server', address: VIRTUAL_PAA_ADDRESS, port: PANA_UDP_PORT },
    amrServer: { id: 'amr-server', address: VIRTUAL_HEADEND_ADDRESS, port: 3610 },
    radio: { channel: o.scenario.radio.channel, panId: o.scenario.radio.panId },
    addresses: plan,
    servicePrefixes: [parseIpPrefix(HEADEND_SERVICES_PREFIX)],
    clock: wallClock,
    random: bytesFrom(random.fork('jobs')),
  });

  // --- the tool: WireGuard key, job ----------------------------------------------------------
  const first = startToolJob(
    { jobs, gateway, udp, crypto, random, bytesFrom, timers, scheduler, wallClock },
    deviceId,
    VIRTUAL_TABLET_ENDPOINT,
    '',
  );
  const counts: PanaTunnelCounts = { relayToKeyServer: 0, relayToTool: 0, toolSession: 0 };
  const tunnel: VirtualTunnel = { northbound: first.vpn, gateway: countingPort(gateway, counts) };
  const system = await buildVirtualSystem({
    ...o,
    scheduler,
    tunnel,
    meshPrefix: first.connection.meshPrefix.replace(/\/64$/, ''),
    toolAuthentication: {
      certificate: keyServerCert.certificatePem,
      privateKey: keyServerCert.privateKeyPem,
      caCertificate: ca.certificatePem,
      identifyClient: (cert) => ca.identifyClient(cert),
    },
  });
  try {
    const enrolments = await EnrolmentService.open({
      ca,
      store: memoryCaStore(),
      audit: system.store.repositories.audit,
      clock: wallClock,
    });
    const credentials = await enrolTool(enrolments, deviceId);
    const site: Site = {
      system,
      scheduler,
      gateway,
      jobs,
      ca,
      enrolments,
      revocation: new DeviceRevocation({ enrolments, jobs, keyServer: system.keyServer }),
      udp,
      counts,
      echoReplies: [],
      crypto,
      random,
      bytesFrom,
      timers,
      wallClock,
      logger: o.toolLogger ?? createLogger('field.tool-auth', { level: 'error' }),
      tools: [],
      extraClients: [],
      closing: undefined,
      unroutePinger: undefined,
    };
    const pinger = parseIpv6Address(VIRTUAL_PINGER_ADDRESS);
    site.unroutePinger = gateway.addRoute({ family: 6, address: pinger, length: 128 }, (packet) =>
      onPingerPacket(site, packet),
    );
    return new VirtualJobImpl(
      site,
      deviceId,
      first,
      credentials,
      system.root,
      random.fork('tool-pana'),
      false,
    );
  } catch (err) {
    await system.close();
    throw err;
  }
}

class VirtualJobImpl implements VirtualJob {
  readonly toolKeys: ToolKeyEvent[] = [];
  session: ToolPanaSession | undefined;
  stopped: { atMs: number; reason: string } | undefined;
  private readonly pinger = parseIpv6Address(VIRTUAL_PINGER_ADDRESS);
  private replacements = 0;

  constructor(
    private readonly site: Site,
    readonly deviceId: string,
    private readonly job: ToolJob,
    private readonly credentials: { certificate: string; privateKey: SecretBytes },
    /** This tablet's mesh root (the system's root until another tablet replaces it). */
    private readonly root: MeshRoot,
    private readonly random: Random,
    /** A replacement starts its root once it holds a key (the site's meters are already on). */
    private readonly replacement: boolean,
  ) {
    site.tools.push(this);
    // The tunnel refused for good (the gateway no longer answers): the job is over.
    job.vpn.on('down', (reason) => {
      if (reason === 'peer-unreachable' || reason === 'session-expired') this.stop(`tunnel ${reason}`);
    });
  }

  get system(): VirtualSystem {
    return this.site.system;
  }
  get scheduler(): VirtualScheduler {
    return this.site.scheduler;
  }
  get gateway(): WireguardGateway {
    return this.site.gateway;
  }
  get jobs(): JobProvisioner {
    return this.site.jobs;
  }
  get ca(): CertificateAuthority {
    return this.site.ca;
  }
  get vpn(): VpnClient {
    return this.job.vpn;
  }
  get connection(): JobConnectionView {
    return this.job.connection;
  }
  get udpEndpoint(): string {
    return this.job.endpoint;
  }
  get panaThroughTunnel(): PanaTunnelCounts {
    return this.site.counts;
  }
  get echoReplies(): readonly EchoReply[] {
    return this.site.echoReplies;
  }

  get datagrams(): { toGateway: number; toTablet: number } {
    return this.site.udp.countsOf(this.job.endpoint);
  }

  async connect(o: { limitMs?: number } = {}): Promise<{ tunnelUpAtMs: number; authenticatedAtMs: number }> {
    const limit = this.scheduler.now() + (o.limitMs ?? 60_000);
    const vpn = this.job.vpn;
    await vpn.start();
    await this.pump(() => vpn.state === 'up', limit);
    if (vpn.state !== 'up') throw new Error('the WireGuard handshake did not complete');
    const tunnelUpAtMs = this.scheduler.now();
    const link = new NorthboundDatagramPort({
      link: vpn,
      toolAddress: this.job.tunnelAddress,
      keyServerAddress: parseIpv6Address(VIRTUAL_PAA_ADDRESS),
    });
    // Only in memory: the PEM is rebuilt from the device key for the TLS engine and dropped.
    const pem = pkcs8ToPem(this.credentials.privateKey);
    let outcome:
      | { ok: true; value: Awaited<ReturnType<typeof authenticateTool>> }
      | { ok: false; error: unknown };
    let settled = false;
    const auth = authenticateTool({
      link,
      certificate: this.credentials.certificate,
      privateKey: new TextDecoder().decode(pem.expose()),
      caCertificate: this.ca.certificatePem,
      clock: () => this.scheduler.now(),
      timers: {
        setTimeout: (fn, ms) => this.scheduler.scheduleAfter(ms, fn),
        clearTimeout: (h) => void this.scheduler.cancel(h as Parameters<VirtualScheduler['cancel']>[0]),
      },
      random: this.site.bytesFrom(this.random),
      crypto: this.system.crypto,
      logger: this.site.logger,
    }).then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    void auth.finally(() => (settled = true));
    await this.pump(() => settled, limit);
    await auth;
    pem.wipe();
    outcome ??= { ok: false, error: new Error('EAP-TLS did not finish on the virtual clock') };
    if (!outcome.ok) {
      link.close();
      throw outcome.error;
    }
    const { networkKey, keyIndex, session } = outcome.value;
    this.session = session;
    this.install(keyIndex, networkKey, 'now');
    session.on('network-key', (e) => this.install(e.keyIndex, e.key, e.activation));
    session.on('terminated', ({ reason }) => this.stop(`PANA session terminated: ${reason}`));
    if (this.replacement) this.root.start();
    return { tunnelUpAtMs, authenticatedAtMs: this.scheduler.now() };
  }

  ping(meterId: string, sequence = 1): void {
    this.gateway.deliver(
      encodePacket({
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: 64,
        source: this.pinger,
        destination: this.system.meterAddress(meterId),
        upper: {
          kind: 'icmpv6',
          message: { kind: 'echo-request', identifier: 0x4a0b, sequence, data: new Uint8Array(16) },
        },
      }),
    );
  }

  revoke(actor = 'supervisor-1'): Promise<RevocationOutcome> {
    return this.site.revocation.revoke(this.deviceId, actor);
  }

  async replaceTool(o: { deviceId: string }): Promise<VirtualJob> {
    if (this.site.closing) throw new Error('the virtual job is closed');
    const n = this.site.tools.length;
    const endpoint = `[2001:db8:aaaa::${(n + 2).toString(16)}]:40000`;
    const job = startToolJob(this.site, o.deviceId, endpoint, `:${o.deviceId}`);
    const credentials = await enrolTool(this.site.enrolments, o.deviceId);
    // Another dongle: an EUI-64 of its own (locally administered, RFC 7042 §2.1), never a meter's.
    const eui64 = 0x0212_3400_0000_0000n + BigInt(n + 1 + this.replacements++);
    const root = this.system.replaceRoot({
      eui64,
      northbound: job.vpn,
      meshPrefix: job.connection.meshPrefix.replace(/\/64$/, ''),
    });
    return new VirtualJobImpl(
      this.site,
      o.deviceId,
      job,
      credentials,
      root,
      this.site.random.fork(`tool-pana:${o.deviceId}`),
      true,
    );
  }

  async retryRevokedTunnel(): Promise<VpnClient> {
    const key = this.job.wireguardKey();
    const client = new VpnClient({
      privateKey: new SecretBytes(key, 'WireGuard private key'),
      tunnelAddress: this.job.tunnelAddress,
      gateway: {
        publicKey: this.gateway.publicKey,
        endpoint: this.job.connection.gateway.endpoint,
        allowedIps: this.job.connection.allowedIps.map((p) => parseIpPrefix(p)),
      },
      crypto: this.site.crypto,
      random: this.site.bytesFrom(this.site.random.fork(`revoked-retry:${this.deviceId}`)),
      clock: { now: () => this.scheduler.now(), wallClock: this.site.wallClock },
      datagrams: this.site.udp.tablet(this.job.endpoint),
      timers: this.site.timers,
    });
    key.fill(0);
    this.site.extraClients.push(client);
    await client.start();
    return client;
  }

  close(): Promise<void> {
    this.site.closing ??= closeSite(this.site);
    return this.site.closing;
  }

  /** Ends this tool's part of the site (called for each tool when the site closes). */
  async closeTool(): Promise<void> {
    this.session?.close('job closed');
    this.credentials.privateKey.wipe();
    await this.job.vpn.stop();
  }

  private install(keyIndex: number, key: SecretBytes, activation: 'now' | 'next'): void {
    if (this.stopped) return;
    const root = this.root;
    this.toolKeys.push({ atMs: this.scheduler.now(), keyIndex, activation, key: key.expose().slice() });
    if (!root.keyInfo().some((k) => k.index === keyIndex)) root.installNetworkKey(keyIndex, key.expose());
    if (activation === 'now') root.activateKey(keyIndex);
  }

  /** The tool learnt it is cut off: every key in memory wiped, the mesh root stopped. */
  private stop(reason: string): void {
    if (this.stopped || this.site.closing) return;
    this.stopped = { atMs: this.scheduler.now(), reason };
    this.root.wipe();
    this.session?.close(reason);
    this.credentials.privateKey.wipe();
    void this.job.vpn.stop();
  }

  /** Runs the clock one due event at a time, letting TLS (event-loop work) settle in between. */
  private async pump(done: () => boolean, limitMs: number): Promise<void> {
    // Bounded by the virtual limit: every pass runs at least the next due event.
    while (!done()) {
      for (let i = 0; i < TURNS_PER_EVENT && !done(); i++) await new Promise<void>((r) => setImmediate(r));
      if (done()) return;
      await this.system.keyServer.idle();
      const due = this.scheduler.nextDueMs();
      if (due === undefined || due > limitMs) {
        this.scheduler.runUntil(limitMs);
        return;
      }
      this.scheduler.runUntil(due);
    }
  }
}

async function closeSite(site: Site): Promise<void> {
  site.unroutePinger?.();
  for (const tool of site.tools) await tool.closeTool();
  for (const c of site.extraClients) await c.stop();
  await site.gateway.stop();
  await site.system.close();
}

function onPingerPacket(site: Site, packet: Uint8Array): void {
  try {
    const p = decodePacket(packet);
    if (p.upper.kind === 'icmpv6' && p.upper.message.kind === 'echo-reply')
      site.echoReplies.push({
        atMs: site.scheduler.now(),
        from: formatIpv6Address(p.source),
        sequence: p.upper.message.sequence,
      });
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

/** The gateway as the key server and AMR server see it, counting the PANA that crosses it. */
function countingPort(gateway: WireguardGateway, counts: PanaTunnelCounts): VirtualTunnel['gateway'] {
  return {
    addRoute: (prefix: IpPrefix, handler: (packet: Uint8Array) => void) =>
      gateway.addRoute(prefix, (packet) => {
        countPana(packet, counts, 'up');
        handler(packet);
      }),
    deliver: (packet: Uint8Array) => {
      const delivered = gateway.deliver(packet);
      if (delivered) countPana(packet, counts, 'down');
      return delivered;
    },
  };
}

function countPana(packet: Uint8Array, counts: PanaTunnelCounts, direction: 'up' | 'down'): void {
  let p;
  try {
    p = decodePacket(packet);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return;
  }
  if (p.upper.kind !== 'udp') return;
  const d = p.upper.datagram;
  if (d.sourcePort !== PANA_UDP_PORT && d.destinationPort !== PANA_UDP_PORT) return;
  // RFC 5191 §6.2: Message Type is the fourth 16-bit field of the header.
  if (d.payload.length < 8) return;
  const type = (d.payload[6]! << 8) | d.payload[7]!;
  if (type !== PANA_MESSAGE_TYPE.RELAY) counts.toolSession++;
  else if (direction === 'up') counts.relayToKeyServer++;
  else counts.relayToTool++;
}

/** The Internet between the tablets and the gateway: a fixed one-way delay, one endpoint per tablet. */
class VirtualUdpPath {
  private gatewayListener: ((bytes: Uint8Array, from: string) => void) | undefined;
  private readonly tablets = new Map<
    string,
    { listener: ((bytes: Uint8Array, from: string) => void) | undefined; toGateway: number; toTablet: number }
  >();
  readonly gatewayEnd;

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly latencyMs: number,
  ) {
    this.gatewayEnd = {
      send: (bytes: Uint8Array, to: string) => {
        const tablet = this.tablets.get(to);
        if (!tablet) return; // nobody else on this Internet
        tablet.toTablet++;
        const copy = bytes.slice();
        this.scheduler.scheduleAfter(this.latencyMs, () => tablet.listener?.(copy, VIRTUAL_GATEWAY_ENDPOINT));
      },
      onMessage: (l: (bytes: Uint8Array, from: string) => void) => void (this.gatewayListener = l),
      close: () => void (this.gatewayListener = undefined),
    };
  }

  /** A tablet's socket at `endpoint` (the one in use there is replaced by a new listener). */
  tablet(endpoint: string) {
    let t = this.tablets.get(endpoint);
    if (!t) {
      t = { listener: undefined, toGateway: 0, toTablet: 0 };
      this.tablets.set(endpoint, t);
    }
    const tablet = t;
    return {
      send: (bytes: Uint8Array, to: string) => {
        if (to !== VIRTUAL_GATEWAY_ENDPOINT) return;
        tablet.toGateway++;
        const copy = bytes.slice();
        this.scheduler.scheduleAfter(this.latencyMs, () => this.gatewayListener?.(copy, endpoint));
      },
      onMessage: (l: (bytes: Uint8Array, from: string) => void) => void (tablet.listener = l),
      close: () => void (tablet.listener = undefined),
    };
  }

  countsOf(endpoint: string): { toGateway: number; toTablet: number } {
    const t = this.tablets.get(endpoint);
    return { toGateway: t?.toGateway ?? 0, toTablet: t?.toTablet ?? 0 };
  }
}
