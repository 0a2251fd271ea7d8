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
 *   await job.close()
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
import { VpnClient } from '../../field/vpn/index.ts';
import { CertificateAuthority, EnrolmentService, memoryCaStore } from '../../headend/ca/index.ts';
import { WireguardGateway } from '../../headend/gateway/index.ts';
import {
  DeviceRevocation,
  JobAddressPlan,
  JobProvisioner,
  type JobConnectionView,
  type RevocationOutcome,
} from '../../headend/jobs/index.ts';
import { createLogger, SecretBytes, type Logger } from '../../log/index.ts';
import { createNodeProvider } from '../../stack/crypto/index.ts';
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
  /** Keys the tool's PANA session handed to the mesh root, in order. */
  readonly toolKeys: readonly ToolKeyEvent[];
  readonly panaThroughTunnel: PanaTunnelCounts;
  readonly echoReplies: readonly EchoReply[];
  /** UDP datagrams on the simulated path, both ways. */
  readonly datagrams: { toGateway: number; toTablet: number };
  readonly session: ToolPanaSession | undefined;
  /** Set once the tool has wiped its keys and stopped, with why. */
  readonly stopped: { atMs: number; reason: string } | undefined;
  connect(o?: { limitMs?: number }): Promise<{ tunnelUpAtMs: number; authenticatedAtMs: number }>;
  ping(meterId: string, sequence?: number): void;
  revoke(actor?: string): Promise<RevocationOutcome>;
  close(): Promise<void>;
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
    addresses: plan,
    servicePrefixes: [parseIpPrefix(HEADEND_SERVICES_PREFIX)],
    clock: wallClock,
    random: bytesFrom(random.fork('jobs')),
  });

  // --- the tool: device key + enrolment, WireGuard key, job ------------------------------------
  const deviceKey = await createDeviceKey(deviceId);
  const wgPrivate = bytesFrom(random.fork('tool-wg-key'))(32);
  const connection = jobs.start({
    workOrderId: 'wo-virtual',
    deviceId,
    workerId: 'worker-1',
    publicKey: crypto.x25519PublicKey(wgPrivate),
  });
  const tunnelAddress = parseIpv6Address(connection.tunnelAddress);
  const vpn = new VpnClient({
    privateKey: new SecretBytes(wgPrivate, 'WireGuard private key'),
    tunnelAddress,
    gateway: {
      publicKey: gateway.publicKey,
      endpoint: connection.gateway.endpoint,
      allowedIps: connection.allowedIps.map((p) => parseIpPrefix(p)),
    },
    crypto,
    random: bytesFrom(random.fork('tool-wg')),
    clock: { now: () => scheduler.now(), wallClock },
    datagrams: udp.tabletEnd,
    timers,
  });
  wgPrivate.fill(0);

  const counts: PanaTunnelCounts = { relayToKeyServer: 0, relayToTool: 0, toolSession: 0 };
  const tunnel: VirtualTunnel = { northbound: vpn, gateway: countingPort(gateway, counts) };
  const system = await buildVirtualSystem({
    ...o,
    scheduler,
    tunnel,
    meshPrefix: connection.meshPrefix.replace(/\/64$/, ''),
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
    await enrolments.enrol(deviceId, deviceKey.csrPem, 'virtual-job');
    const issued = await enrolments.approve('supervisor-1', deviceId);
    const revocation = new DeviceRevocation({ enrolments, jobs, keyServer: system.keyServer });
    return new VirtualJobImpl(
      system,
      scheduler,
      gateway,
      vpn,
      jobs,
      connection,
      ca,
      deviceId,
      counts,
      udp,
      revocation,
      { certificate: issued.certificatePem, privateKey: deviceKey.pkcs8 },
      random.fork('tool-pana'),
      bytesFrom,
      tunnelAddress,
      o.toolLogger ?? createLogger('field.tool-auth', { level: 'error' }),
    );
  } catch (err) {
    await system.close();
    throw err;
  }
}

class VirtualJobImpl implements VirtualJob {
  readonly toolKeys: ToolKeyEvent[] = [];
  readonly echoReplies: EchoReply[] = [];
  session: ToolPanaSession | undefined;
  stopped: { atMs: number; reason: string } | undefined;
  private readonly pinger = parseIpv6Address(VIRTUAL_PINGER_ADDRESS);
  private unroutePinger: (() => void) | undefined;
  private closed = false;

  constructor(
    readonly system: VirtualSystem,
    readonly scheduler: VirtualScheduler,
    readonly gateway: WireguardGateway,
    readonly vpn: VpnClient,
    readonly jobs: JobProvisioner,
    readonly connection: JobConnectionView,
    readonly ca: CertificateAuthority,
    readonly deviceId: string,
    readonly panaThroughTunnel: PanaTunnelCounts,
    private readonly udp: VirtualUdpPath,
    private readonly revocation: DeviceRevocation,
    private readonly credentials: { certificate: string; privateKey: SecretBytes },
    private readonly random: Random,
    private readonly bytesFrom: (rng: Random) => (n: number) => Uint8Array,
    private readonly tunnelAddress: Ipv6Address,
    private readonly logger: Logger,
  ) {
    this.unroutePinger = gateway.addRoute({ family: 6, address: this.pinger, length: 128 }, (packet) =>
      this.onPingerPacket(packet),
    );
    // The tunnel refused for good (the gateway no longer answers): the job is over.
    vpn.on('down', (reason) => {
      if (reason === 'peer-unreachable' || reason === 'session-expired') this.stop(`tunnel ${reason}`);
    });
  }

  get datagrams(): { toGateway: number; toTablet: number } {
    return { toGateway: this.udp.toGateway, toTablet: this.udp.toTablet };
  }

  async connect(o: { limitMs?: number } = {}): Promise<{ tunnelUpAtMs: number; authenticatedAtMs: number }> {
    const limit = this.scheduler.now() + (o.limitMs ?? 60_000);
    await this.vpn.start();
    await this.pump(() => this.vpn.state === 'up', limit);
    if (this.vpn.state !== 'up') throw new Error('the WireGuard handshake did not complete');
    const tunnelUpAtMs = this.scheduler.now();
    const link = new NorthboundDatagramPort({
      link: this.vpn,
      toolAddress: this.tunnelAddress,
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
      random: this.bytesFrom(this.random),
      crypto: this.system.crypto,
      logger: this.logger,
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
    return this.revocation.revoke(this.deviceId, actor);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unroutePinger?.();
    this.session?.close('job closed');
    this.credentials.privateKey.wipe();
    await this.vpn.stop();
    await this.gateway.stop();
    await this.system.close();
  }

  private install(keyIndex: number, key: SecretBytes, activation: 'now' | 'next'): void {
    if (this.stopped) return;
    const root = this.system.root;
    this.toolKeys.push({ atMs: this.scheduler.now(), keyIndex, activation, key: key.expose().slice() });
    if (!root.keyInfo().some((k) => k.index === keyIndex)) root.installNetworkKey(keyIndex, key.expose());
    if (activation === 'now') root.activateKey(keyIndex);
  }

  /** The tool learnt it is cut off: every key in memory wiped, the mesh root stopped. */
  private stop(reason: string): void {
    if (this.stopped || this.closed) return;
    this.stopped = { atMs: this.scheduler.now(), reason };
    this.system.root.wipe();
    this.session?.close(reason);
    this.credentials.privateKey.wipe();
    void this.vpn.stop();
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

  private onPingerPacket(packet: Uint8Array): void {
    try {
      const p = decodePacket(packet);
      if (p.upper.kind === 'icmpv6' && p.upper.message.kind === 'echo-reply')
        this.echoReplies.push({
          atMs: this.scheduler.now(),
          from: formatIpv6Address(p.source),
          sequence: p.upper.message.sequence,
        });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
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

/** The Internet between the tablet and the gateway: two endpoints, a fixed one-way delay. */
class VirtualUdpPath {
  toGateway = 0;
  toTablet = 0;
  private gatewayListener: ((bytes: Uint8Array, from: string) => void) | undefined;
  private tabletListener: ((bytes: Uint8Array, from: string) => void) | undefined;
  readonly gatewayEnd;
  readonly tabletEnd;

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly latencyMs: number,
  ) {
    this.gatewayEnd = {
      send: (bytes: Uint8Array, to: string) => {
        if (to !== VIRTUAL_TABLET_ENDPOINT) return; // nobody else on this Internet
        this.toTablet++;
        const copy = bytes.slice();
        this.scheduler.scheduleAfter(this.latencyMs, () =>
          this.tabletListener?.(copy, VIRTUAL_GATEWAY_ENDPOINT),
        );
      },
      onMessage: (l: (bytes: Uint8Array, from: string) => void) => void (this.gatewayListener = l),
      close: () => void (this.gatewayListener = undefined),
    };
    this.tabletEnd = {
      send: (bytes: Uint8Array, to: string) => {
        if (to !== VIRTUAL_GATEWAY_ENDPOINT) return;
        this.toGateway++;
        const copy = bytes.slice();
        this.scheduler.scheduleAfter(this.latencyMs, () =>
          this.gatewayListener?.(copy, VIRTUAL_TABLET_ENDPOINT),
        );
      },
      onMessage: (l: (bytes: Uint8Array, from: string) => void) => void (this.tabletListener = l),
      close: () => void (this.tabletListener = undefined),
    };
  }
}
