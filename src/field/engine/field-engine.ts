/**
 * The field engine: one whole job on the tool, for `fieldroot field` and the app
 * (src/field/app-engine), composed from the parts that exist —
 *
 *   JobSession (src/field/job)      provision → VPN → authenticate → mesh root → running → end,
 *                                   revocation signals wipe and stop
 *   authenticateTool (tool-auth)    PANA + EAP-TLS with the device certificate, over the tunnel
 *                                   (NorthboundDatagramPort) to the job's key server
 *   MeshRoot (src/field/mesh)       over the injected FieldRadio, northbound over the tunnel, with
 *                                   the network key; later keys from the tool's PANA session
 *   FieldRadio (./field-radio.ts)   the dongle; unplug/replug only detaches/attaches it: the
 *                                   engine, its keys and the DODAG stay
 *
 * and reports everything as one typed event stream (`FieldEngineEvent`).
 *
 * API:
 *
 *   const engine = new FieldEngine({ client, token, vault, handshakeClock, device, radio,
 *                                    radioOverride?, clock?, random?, logger?, ... });
 *   engine.onEvent((e) => …);                // 'phase' | 'dongle' | 'tool-authenticated' |
 *                                            // 'radio-tuned' | 'mesh-started' | 'network-key' |
 *                                            // 'joins' | 'mesh' | 'revoked' | 'stopped'
 *   const job = await engine.start(workOrderId);   // resolves once the mesh root runs; rejects
 *                                                  // (everything torn down) when a step fails
 *   engine.joinCounts() / engine.root / engine.connection / engine.phase
 *   await engine.end();                      // ends the job at the head-end (POST end), logs out of
 *                                            // PANA, wipes keys, stops the mesh root and the VPN
 *   await engine.whenStopped();              // resolves after revocation or end has torn down
 *
 * The dongle's channel and PAN ID come with the job (JobConnection.radio: the meters keep their
 * concentrator's PAN): the engine tunes the radio to them at the mesh step, before the mesh root
 * starts, and reports it ('radio-tuned'). `radioOverride` replaces them for bench and lab use only.
 *
 * On revocation (the key server's PTR, the gateway refusing handshakes, the API refusing the
 * certificate) the job session wipes the network key at once and tears down; the engine then
 * emits 'revoked' (signal and the message for the worker) and 'stopped'. The device key is only
 * used in memory; the host wipes `device.privateKeyPem` after the engine stopped.
 */
import type { Logger, SecretBytes } from '../../log/index.ts';
import { getCrypto, type CryptoProvider } from '../../stack/crypto/index.ts';
import { formatIpv6Address, parseIpv6Address } from '../../stack/ipv6/index.ts';
import type { HeadendClient } from '../headend-client/index.ts';
import { JobSession } from '../job/index.ts';
import type {
  AuthenticateTool,
  JobConnectionInfo,
  JobPhase,
  MeshRootHandle,
  RevocationSignal,
  StartMeshRoot,
  ToolAuthentication,
} from '../job/index.ts';
import type { EngineClock } from '../mesh/clock.ts';
import type { MeshRootEvent } from '../mesh/events.ts';
import type { NodeJoinState } from '../mesh/join-state.ts';
import { MeshRoot, type MeshRootOptions } from '../mesh/mesh-root.ts';
import { authenticateTool, NorthboundDatagramPort } from '../tool-auth/index.ts';
import type { ToolPanaSession } from '../tool-auth/index.ts';
import type { CredentialVault, PersistedHandshakeClock } from '../vault/index.ts';
import type { VpnClientOptions } from '../vpn/index.ts';
import type { VpnLink } from '../job/index.ts';
import type { FieldRadio, RadioAttachment, RadioTuning } from './field-radio.ts';
import { realTimeEngineClock } from './real-time-clock.ts';

/** How often the engine asks the head-end about the job (also the revocation check), ms. */
export const FIELD_CHECK_INTERVAL_MS = 2_000;
/** How long `start` waits for a dongle before giving up, ms. */
export const DEFAULT_RADIO_WAIT_MS = 30_000;
/** Spacing of 'joins' events, ms. */
export const DEFAULT_JOIN_COUNTS_INTERVAL_MS = 5_000;
/** A PANA logout at job end waits this long for the key server's answer, ms. */
export const LOGOUT_WAIT_MS = 3_000;

export interface JoinCounts {
  /** Nodes whose PANA the root relayed and that have no route yet. */
  readonly authenticating: number;
  /** Nodes in the DODAG (their DAO reached the root: they hold the network key). */
  readonly inDodag: number;
  /** Nodes in the DODAG whose frame counters the root synchronised by MLE (its neighbours). */
  readonly synchronised: number;
  /** Nodes that left (route gone). */
  readonly detached: number;
}

export type FieldEngineEvent =
  | { readonly kind: 'phase'; readonly phase: JobPhase }
  | ({ readonly kind: 'dongle' } & RadioAttachment)
  | { readonly kind: 'tool-authenticated'; readonly keyIndex: number; readonly keyServer: string }
  /** The dongle is tuned to the job's radio (or the lab override), before the mesh root starts. */
  | {
      readonly kind: 'radio-tuned';
      readonly channel: number;
      readonly panId: number;
      readonly source: 'job' | 'override';
    }
  | {
      readonly kind: 'mesh-started';
      /** The root's global address (DODAG ID) and link-local address, as text. */
      readonly address: string;
      readonly meshPrefix: string;
      readonly channel: number;
      readonly panId: number;
    }
  /** A network key from the tool's PANA session: 'next' installed, 'now' in force. */
  | { readonly kind: 'network-key'; readonly keyIndex: number; readonly activation: 'now' | 'next' }
  | ({ readonly kind: 'joins' } & JoinCounts)
  /** Every mesh root event (topology deltas, join states, link quality, counters, wiped). */
  | { readonly kind: 'mesh'; readonly event: MeshRootEvent }
  | { readonly kind: 'revoked'; readonly signal: RevocationSignal; readonly message: string }
  | { readonly kind: 'stopped'; readonly phase: 'ended' | 'revoked' | 'failed' };

export interface FieldEngineDevice {
  readonly certificatePem: string;
  readonly privateKeyPem: SecretBytes;
  readonly caCertificatePem: string;
}

export interface FieldEngineOptions {
  /** Mutual-TLS client with the device credentials. */
  readonly client: HeadendClient;
  /** The worker's session token. */
  readonly token: string;
  readonly vault: CredentialVault;
  readonly handshakeClock: PersistedHandshakeClock;
  readonly device: FieldEngineDevice;
  readonly radio: FieldRadio;
  /**
   * Bench and lab use only: this channel and PAN ID instead of the job's (JobConnection.radio).
   * A tool in the field always takes the job's, which name the PAN its meters stayed on.
   */
  readonly radioOverride?: RadioTuning;
  /** The mesh root's clock; default the wall clock. */
  readonly clock?: EngineClock;
  /** Uniform [0, 1) for Trickle; default Math.random. */
  readonly random?: () => number;
  readonly crypto?: CryptoProvider;
  readonly logger?: Logger;
  readonly checkIntervalMs?: number;
  readonly vpnUpTimeoutMs?: number;
  readonly radioWaitMs?: number;
  readonly joinCountsIntervalMs?: number;
  /** Extra mesh root options (DODAG parameters, beacon interval, MOP…). */
  readonly mesh?: Partial<
    Omit<
      MeshRootOptions,
      | 'crypto'
      | 'extendedAddress'
      | 'panId'
      | 'channel'
      | 'meshPrefix'
      | 'paaAddress'
      | 'radio'
      | 'northbound'
      | 'clock'
      | 'random'
    >
  >;
  /** Tests: another VPN construction (same class, other options). */
  readonly createVpn?: (options: VpnClientOptions) => VpnLink;
}

export class FieldEngine {
  private readonly session: JobSession;
  private readonly listeners = new Set<(e: FieldEngineEvent) => void>();
  private readonly clock: EngineClock;
  private readonly joinStates = new Map<bigint, NodeJoinState>();
  private pana: ToolPanaSession | null = null;
  private meshRoot: MeshRoot | null = null;
  private countsTimer: ReturnType<EngineClock['scheduleAt']> | null = null;
  private endingNormally = false;
  private stoppedEmitted = false;
  private readonly detachRadio: () => void;

  constructor(private readonly o: FieldEngineOptions) {
    this.clock = o.clock ?? realTimeEngineClock();
    this.session = new JobSession({
      client: o.client,
      token: o.token,
      vault: o.vault,
      handshakeClock: o.handshakeClock,
      authenticateTool: this.authenticate,
      startMeshRoot: this.startMesh,
      checkIntervalMs: o.checkIntervalMs ?? FIELD_CHECK_INTERVAL_MS,
      ...(o.vpnUpTimeoutMs !== undefined ? { vpnUpTimeoutMs: o.vpnUpTimeoutMs } : {}),
      ...(o.crypto ? { crypto: o.crypto } : {}),
      ...(o.logger ? { logger: o.logger.child('job') } : {}),
      ...(o.createVpn ? { createVpn: o.createVpn } : {}),
    });
    this.session.on('phase', (phase) => {
      this.emit({ kind: 'phase', phase });
      if (phase === 'ended' || phase === 'failed') this.stopped(phase);
    });
    this.session.on('revoked', (signal, message) => {
      this.emit({ kind: 'revoked', signal, message });
      this.stopped('revoked');
    });
    this.detachRadio = o.radio.onAttachment((change) => this.emit({ kind: 'dongle', ...change }));
  }

  get phase(): JobPhase {
    return this.session.phase;
  }

  get connection(): JobConnectionInfo | null {
    return this.session.connection;
  }

  /** The mesh root while the job runs (topology pages, counters), else null. */
  get root(): MeshRoot | null {
    return this.meshRoot;
  }

  /** The tunnel while the job runs, else null. */
  get link(): VpnLink | null {
    return this.session.link;
  }

  onEvent(listener: (e: FieldEngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(workOrderId: string): Promise<JobConnectionInfo> {
    return this.session.start(workOrderId);
  }

  /** Ends the job normally (the worker's choice). */
  async end(): Promise<void> {
    this.endingNormally = true;
    await this.session.end();
  }

  whenStopped(): Promise<void> {
    return this.session.whenStopped();
  }

  joinCounts(): JoinCounts {
    let authenticating = 0;
    let inDodag = 0;
    let synchronised = 0;
    let detached = 0;
    for (const s of this.joinStates.values()) {
      if (s.state === 'authenticating') authenticating++;
      else if (s.state === 'detached') detached++;
      else {
        inDodag++;
        if (s.state === 'authenticated') synchronised++;
      }
    }
    return { authenticating, inDodag, synchronised, detached };
  }

  // ---------------------------------------------------------------------------------------------

  /** JobSession's seam: PANA + EAP-TLS through the tunnel to the job's key server. */
  private readonly authenticate: AuthenticateTool = async (link, job) => {
    const port = new NorthboundDatagramPort({
      link,
      toolAddress: parseIpv6Address(job.tunnelAddress),
      keyServerAddress: parseIpv6Address(job.keyServer.address),
      keyServerPort: job.keyServer.port,
    });
    let result;
    try {
      result = await authenticateTool({
        link: port,
        certificate: this.o.device.certificatePem,
        privateKey: new TextDecoder().decode(this.o.device.privateKeyPem.expose()),
        caCertificate: this.o.device.caCertificatePem,
        serverName: job.keyServer.id,
        ...(this.o.crypto ? { crypto: this.o.crypto } : {}),
        ...(this.o.logger ? { logger: this.o.logger.child('tool-auth') } : {}),
      });
    } catch (err) {
      port.close();
      throw err;
    }
    const { session, networkKey, keyIndex } = result;
    this.pana = session;
    this.emit({ kind: 'tool-authenticated', keyIndex, keyServer: job.keyServer.id });
    session.on('network-key', ({ key, keyIndex: index, activation }) => {
      const root = this.meshRoot;
      if (root !== null && !root.isWiped) {
        root.installNetworkKey(index, key.expose());
        if (activation === 'now') root.activateKey(index);
      }
      this.emit({ kind: 'network-key', keyIndex: index, activation });
    });
    const auth: ToolAuthentication = {
      networkKey,
      onTerminated: (listener) => session.on('terminated', ({ reason }) => listener(reason)),
      close: async () => {
        // A PTR only when the worker ends the job: after a revocation the tunnel is gone.
        if (this.endingNormally && session.state === 'open') {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            session.logout(),
            new Promise<void>((resolve) => (timer = setTimeout(resolve, LOGOUT_WAIT_MS))),
          ]);
          clearTimeout(timer);
        }
        session.close();
        port.close();
        this.pana = null;
      },
    };
    return auth;
  };

  /** JobSession's seam: the mesh root over the dongle, with the network key. */
  private readonly startMesh: StartMeshRoot = async ({ link, networkKey, meshPrefix, job }) => {
    const radio = this.o.radio;
    // Tuned before the root starts: its first beacon and DIO must go out on the meters' PAN.
    const tuning: RadioTuning = this.o.radioOverride ?? job.radio;
    await radio.tune({ channel: tuning.channel, panId: tuning.panId });
    if (this.o.radioOverride !== undefined)
      this.o.logger?.warn('radio override in use instead of the job’s', {
        channel: tuning.channel,
        panId: tuning.panId,
        jobChannel: job.radio.channel,
        jobPanId: job.radio.panId,
      });
    this.emit({
      kind: 'radio-tuned',
      channel: tuning.channel,
      panId: tuning.panId,
      source: this.o.radioOverride === undefined ? 'job' : 'override',
    });
    await this.waitForRadio();
    const extendedAddress = radio.extendedAddress;
    if (extendedAddress === undefined) throw new Error('the dongle reported no EUI-64');
    const pana = this.pana;
    const keyIndex = pana?.keyIndex;
    if (keyIndex === undefined) throw new Error('the tool holds no network key index');
    const crypto = this.o.crypto ?? getCrypto();
    const root = new MeshRoot({
      ...this.o.mesh,
      crypto,
      extendedAddress,
      panId: tuning.panId,
      channel: tuning.channel,
      meshPrefix: meshPrefix.address,
      paaAddress: parseIpv6Address(job.keyServer.address),
      paaPort: job.keyServer.port,
      radio,
      northbound: link,
      clock: this.clock,
      random: this.o.random ?? Math.random,
    });
    root.installNetworkKey(keyIndex, networkKey.expose());
    root.activateKey(keyIndex);
    const unsubscribe = root.onEvent((event) => this.onMeshEvent(event));
    this.meshRoot = root;
    root.start();
    this.emit({
      kind: 'mesh-started',
      address: formatIpv6Address(root.address),
      meshPrefix: `${formatIpv6Address(meshPrefix.address)}/${String(meshPrefix.length)}`,
      channel: root.channel,
      panId: root.panId,
    });
    this.scheduleCounts();
    const handle: MeshRootHandle = {
      stop: () => {
        if (this.countsTimer !== null) this.clock.cancel(this.countsTimer);
        this.countsTimer = null;
        root.close(); // wipes every key first
        unsubscribe();
      },
    };
    return handle;
  };

  private waitForRadio(): Promise<void> {
    const radio = this.o.radio;
    if (radio.attached) return Promise.resolve();
    const waitMs = this.o.radioWaitMs ?? DEFAULT_RADIO_WAIT_MS;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no dongle within ${String(Math.round(waitMs / 1000))} s`));
      }, waitMs);
      const off = radio.onAttachment((change) => {
        if (!change.attached) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  private onMeshEvent(event: MeshRootEvent): void {
    if (event.kind === 'join-state') this.joinStates.set(event.eui, event.state);
    this.emit({ kind: 'mesh', event });
  }

  private scheduleCounts(): void {
    const interval = this.o.joinCountsIntervalMs ?? DEFAULT_JOIN_COUNTS_INTERVAL_MS;
    if (interval <= 0) return;
    this.countsTimer = this.clock.scheduleAt(this.clock.now() + interval, () => {
      this.countsTimer = null;
      if (this.meshRoot === null || this.meshRoot.isWiped) return;
      this.emit({ kind: 'joins', ...this.joinCounts() });
      this.scheduleCounts();
    });
  }

  private stopped(phase: 'ended' | 'revoked' | 'failed'): void {
    if (this.stoppedEmitted) return;
    this.stoppedEmitted = true;
    this.meshRoot = null;
    this.detachRadio();
    this.emit({ kind: 'stopped', phase });
  }

  private emit(e: FieldEngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.o.logger?.warn('field engine listener failed', { error: err as Error });
      }
    }
  }
}
