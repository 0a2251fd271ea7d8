/**
 * The tool's job session (DESIGN.md §1; issue #4 §5–§7): the order of everything a job does on
 * the tool, and the one place that tears it all down.
 *
 *   provision  POST /v1/jobs with the WireGuard public key → connection information
 *   VPN up     VpnClient to the gateway (TAI64N from the vault's handshake clock)
 *   authenticate  `authenticateTool(link, job)`: PANA + EAP-TLS with the device certificate
 *              through the tunnel (filled by the EAP-TLS work); yields the network key
 *   mesh root  `startMeshRoot(…)` with the network key and the job's mesh /64
 *   running    the head-end is asked for the job's status every `checkIntervalMs`
 *   end        POST /v1/jobs/{id}/end, then teardown
 *
 * Revocation (issue #4 §7): any of these means the tool must stop at once —
 *   'pana-terminated'  the key server ended the tool's PANA session (PTR);
 *   'handshake-failed' the gateway stopped answering handshakes (peer removed, whitepaper §6.4);
 *   'api-revoked'      the API refused the certificate as revoked (403, reason 'revoked'), or
 *                      reports the job ended because the device was revoked.
 * Then every key in memory is wiped (the network key here, the WireGuard session and static keys
 * in the VPN device; the vault keeps the tool's own credentials), the mesh root stops, and
 * 'revoked' tells the worker why.
 */
import { EventEmitter } from 'node:events';
import type { z } from 'zod';
import { JobRadio } from '../../contract/headend-api/index.ts';
import type { JobConnection, JobStatus } from '../../contract/headend-api/index.ts';
import type { Logger, SecretBytes } from '../../log/index.ts';
import { getCrypto } from '../../stack/crypto/index.ts';
import type { CryptoProvider } from '../../stack/crypto/index.ts';
import { parseIpv6Address } from '../../stack/ipv6/index.ts';
import { decodeKeyBase64, parseIpPrefix } from '../../stack/wireguard/index.ts';
import type { IpPrefix } from '../../stack/wireguard/index.ts';
import type { HeadendClient } from '../headend-client/index.ts';
import { HeadendApiError } from '../headend-client/index.ts';
import type { NorthboundLink } from '../northbound-link.ts';
import { VpnClient } from '../vpn/index.ts';
import type { VpnClientOptions } from '../vpn/index.ts';
import type { CredentialVault, PersistedHandshakeClock } from '../vault/index.ts';
import { loadOrCreateWireguardKey } from './wireguard-key.ts';

export type JobConnectionInfo = z.output<typeof JobConnection>;
export type JobStatusInfo = z.output<typeof JobStatus>;

/** What the tool's authentication hands back (PANA + EAP-TLS, issue #4 §6). */
export interface ToolAuthentication {
  /** The network key from PAR[C] (Encr-Encap); the job session wipes it. */
  readonly networkKey: SecretBytes;
  /** The key server terminated the tool's PANA session. */
  onTerminated(listener: (reason: string) => void): void;
  /** Ends the PANA session normally (job end) and drops every key it holds. */
  close(): Promise<void>;
}

/** The seam the EAP-TLS work fills: authenticate the tool to the key server through `link`. */
export type AuthenticateTool = (link: NorthboundLink, job: JobConnectionInfo) => Promise<ToolAuthentication>;

export interface MeshRootHandle {
  stop(): Promise<void> | void;
}

export type StartMeshRoot = (context: {
  readonly link: NorthboundLink;
  readonly networkKey: SecretBytes;
  readonly meshPrefix: IpPrefix;
  readonly job: JobConnectionInfo;
}) => Promise<MeshRootHandle>;

/** The VPN the session drives: the real client (tests give it other options, not another class). */
export type VpnLink = VpnClient;

export type JobPhase =
  | 'idle'
  | 'provisioning'
  | 'connecting'
  | 'authenticating'
  | 'starting-mesh'
  | 'running'
  | 'ending'
  | 'ended'
  | 'revoked'
  | 'failed';

export type RevocationSignal = 'pana-terminated' | 'handshake-failed' | 'api-revoked';

export const REVOCATION_MESSAGES: Readonly<Record<RevocationSignal, string>> = {
  'pana-terminated': 'The key server ended this tool’s session: the tool was revoked. Stop work.',
  'handshake-failed': 'The head-end gateway no longer accepts this tool (revoked or unreachable). Stop work.',
  'api-revoked': 'The head-end refused this tool’s certificate: the tool was revoked. Stop work.',
};

export interface JobSessionEvents {
  phase: [phase: JobPhase];
  /** The tool was cut off; everything is torn down and keys are wiped. */
  revoked: [signal: RevocationSignal, message: string];
  /** A job status check (online/offline as the gateway sees this tool). */
  status: [status: JobStatusInfo];
}

/** Persistent keepalive the tool asks for (wg(8)), seconds: keeps NAT mappings open. */
export const TOOL_PERSISTENT_KEEPALIVE_S = 25;
export const DEFAULT_CHECK_INTERVAL_MS = 5_000;
/** How long the first handshake may take: REKEY_ATTEMPT_TIME (whitepaper §6.4) is 90 s. */
export const DEFAULT_VPN_UP_TIMEOUT_MS = 30_000;

export interface JobSessionOptions {
  /** Mutual-TLS client with the device credentials. */
  readonly client: HeadendClient;
  /** The worker's session token (sign-in). */
  readonly token: string;
  readonly vault: CredentialVault;
  readonly handshakeClock: PersistedHandshakeClock;
  readonly authenticateTool: AuthenticateTool;
  readonly startMeshRoot: StartMeshRoot;
  readonly createVpn?: (options: VpnClientOptions) => VpnLink;
  readonly crypto?: CryptoProvider;
  /** 0 turns the periodic status check off. */
  readonly checkIntervalMs?: number;
  readonly vpnUpTimeoutMs?: number;
  readonly logger?: Logger;
}

export class JobSession extends EventEmitter<JobSessionEvents> {
  private currentPhase: JobPhase = 'idle';
  private job: JobConnectionInfo | null = null;
  private vpn: VpnLink | null = null;
  private auth: ToolAuthentication | null = null;
  private networkKey: SecretBytes | null = null;
  private mesh: MeshRootHandle | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private teardown: Promise<void> | null = null;

  constructor(private readonly o: JobSessionOptions) {
    super();
  }

  get phase(): JobPhase {
    return this.currentPhase;
  }

  get connection(): JobConnectionInfo | null {
    return this.job;
  }

  /** The tunnel while the job runs (diagnostics: ping the gateway), else null. */
  get link(): VpnLink | null {
    return this.vpn;
  }

  /** Runs the job up to 'running'; rejects (after tearing down) on any failure. */
  async start(workOrderId: string): Promise<JobConnectionInfo> {
    if (this.currentPhase !== 'idle') throw new Error(`a job session starts once (now ${this.currentPhase})`);
    try {
      this.setPhase('provisioning');
      const crypto = this.o.crypto ?? getCrypto();
      const wg = await loadOrCreateWireguardKey(this.o.vault, crypto);
      let job: JobConnectionInfo;
      try {
        job = await this.api(() =>
          this.o.client.call('startJob', {
            token: this.o.token,
            body: { workOrderId, wireguardPublicKey: Buffer.from(wg.publicKey).toString('base64') },
          }),
        );
      } catch (err) {
        wg.privateKey.wipe();
        throw err;
      }
      this.job = job;
      // Without the meters' channel and PAN ID the mesh root would be heard by none of them:
      // refuse before any tunnel is set up, and free the gateway peer the head-end added.
      if (!JobRadio.safeParse(job.radio).success) {
        wg.privateKey.wipe();
        await this.o.client
          .call('endJob', { token: this.o.token, params: { id: job.jobId } })
          .catch(() => undefined);
        throw new Error('the head-end sent no radio channel and PAN ID for this job');
      }
      this.setPhase('connecting');
      const gatewayKey = decodeKeyBase64(job.gateway.publicKey);
      if (gatewayKey === null) throw new Error('the head-end sent an invalid gateway key');
      const vpnOptions: VpnClientOptions = {
        privateKey: wg.privateKey,
        tunnelAddress: parseIpv6Address(job.tunnelAddress),
        gateway: {
          publicKey: gatewayKey,
          endpoint: job.gateway.endpoint,
          allowedIps: job.allowedIps.map((p) => parseIpPrefix(p)),
          persistentKeepalive: TOOL_PERSISTENT_KEEPALIVE_S,
        },
        crypto,
        clock: { now: () => performance.now(), wallClock: this.o.handshakeClock.wallClock },
        ...(this.o.logger ? { logger: this.o.logger.child('vpn') } : {}),
      };
      const vpn = (this.o.createVpn ?? ((opts) => new VpnClient(opts)))(vpnOptions);
      // The VPN device keeps its own copy of the private key; ours goes now.
      wg.privateKey.wipe();
      this.vpn = vpn;
      await this.bringUp(vpn);
      vpn.on('down', (reason) => {
        if (reason === 'peer-unreachable') this.revoke('handshake-failed');
      });
      this.setPhase('authenticating');
      const auth = await this.o.authenticateTool(vpn, job);
      this.auth = auth;
      this.networkKey = auth.networkKey;
      auth.onTerminated(() => this.revoke('pana-terminated'));
      if (this.isStopping()) throw new Error('the job was stopped while authenticating');
      this.setPhase('starting-mesh');
      this.mesh = await this.o.startMeshRoot({
        link: vpn,
        networkKey: auth.networkKey,
        meshPrefix: parseIpPrefix(job.meshPrefix),
        job,
      });
      if (this.isStopping()) throw new Error('the job was stopped while the mesh root started');
      this.setPhase('running');
      this.scheduleCheck();
      return job;
    } catch (err) {
      if (!this.isStopping()) {
        await this.tearDown('failed');
      } else {
        await this.teardown;
      }
      throw err;
    }
  }

  /** Asks the head-end for this job's status now (also the revocation check). */
  async check(): Promise<JobStatusInfo | null> {
    const job = this.job;
    if (job === null || this.isStopping()) return null;
    const status = await this.api(() =>
      this.o.client.call('jobStatus', { token: this.o.token, params: { id: job.jobId } }),
    ).catch((err: unknown) => {
      if (err instanceof HeadendApiError) return null;
      throw err;
    });
    if (status === null) return null;
    this.emit('status', status);
    if (status.state === 'ended' && status.endReason === 'device-revoked') this.revoke('api-revoked');
    return status;
  }

  /** Ends the job at the head-end (best effort) and tears down. */
  async end(): Promise<void> {
    if (this.isStopping()) return this.teardown ?? Promise.resolve();
    const job = this.job;
    this.setPhase('ending');
    if (job !== null) {
      await this.api(() =>
        this.o.client.call('endJob', { token: this.o.token, params: { id: job.jobId } }),
      ).catch((err: unknown) => {
        if (!(err instanceof HeadendApiError)) throw err;
        this.o.logger?.warn('end job refused', { code: err.code });
      });
    }
    await this.tearDown('ended');
  }

  /**
   * Cuts the tool off at once (a revocation signal). Idempotent; the teardown runs in the
   * background and `whenStopped()` resolves when it finished.
   */
  revoke(signal: RevocationSignal): void {
    if (this.isStopping()) return;
    this.o.logger?.warn('job revoked', { signal });
    // Wipe first, synchronously: nothing may use the network key after this line.
    this.networkKey?.wipe();
    void this.tearDown('revoked').then(() => this.emit('revoked', signal, REVOCATION_MESSAGES[signal]));
  }

  whenStopped(): Promise<void> {
    return this.teardown ?? Promise.resolve();
  }

  // ---------------------------------------------------------------------------------------

  /** API calls: a revocation refusal is a revocation signal wherever it comes from. */
  private async api<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof HeadendApiError && err.isRevocation) this.revoke('api-revoked');
      throw err;
    }
  }

  private bringUp(vpn: VpnLink): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = this.o.vpnUpTimeoutMs ?? DEFAULT_VPN_UP_TIMEOUT_MS;
      const timer = setTimeout(() => reject(new Error('the VPN did not come up')), timeoutMs);
      vpn.on('up', () => {
        clearTimeout(timer);
        resolve();
      });
      vpn.on('down', (reason) => {
        if (reason !== 'peer-unreachable') return;
        clearTimeout(timer);
        reject(new Error('the gateway did not answer the handshake'));
      });
      vpn.start().catch((err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  private scheduleCheck(): void {
    const interval = this.o.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
    if (interval <= 0 || this.isStopping()) return;
    this.checkTimer = setTimeout(() => {
      this.checkTimer = null;
      void this.check()
        .catch((err: unknown) => this.o.logger?.warn('job check failed', { error: err as Error }))
        .finally(() => this.scheduleCheck());
    }, interval);
  }

  private isStopping(): boolean {
    return this.teardown !== null;
  }

  private tearDown(final: 'ended' | 'revoked' | 'failed'): Promise<void> {
    this.teardown ??= (async () => {
      if (this.checkTimer !== null) clearTimeout(this.checkTimer);
      this.checkTimer = null;
      this.networkKey?.wipe();
      this.networkKey = null;
      const steps: (() => Promise<void> | void)[] = [];
      const mesh = this.mesh;
      if (mesh !== null) steps.push(() => mesh.stop());
      const auth = this.auth;
      if (auth !== null) steps.push(() => auth.close());
      const vpn = this.vpn;
      if (vpn !== null) steps.push(() => vpn.stop()); // wipes the WireGuard keys
      for (const step of steps) {
        try {
          await step();
        } catch (err) {
          this.o.logger?.warn('job teardown step failed', { error: err as Error });
        }
      }
      this.mesh = null;
      this.auth = null;
      this.vpn = null;
      this.o.client.close();
      await this.o.handshakeClock.flush();
      this.setPhase(final);
    })();
    return this.teardown;
  }

  private setPhase(phase: JobPhase): void {
    if (this.currentPhase === phase) return;
    this.currentPhase = phase;
    this.emit('phase', phase);
  }
}
