/**
 * Job provisioning (DESIGN.md §4 "provisioning"; issue #4 §5), modelled on a connection service
 * that provisions a VPN per device: starting a job allocates the tool's tunnel address and mesh
 * /64, adds the gateway peer with AllowedIPs = tunnel /128 + mesh /64 for the WireGuard key the
 * tool sent, and returns what the tool needs to connect. The gateway's handshakes make the job
 * online or offline. Ending a job, or revoking its device, removes the peer: the gateway wipes
 * its sessions and handshake state (the credential is discarded) and frees the addresses.
 *
 * Jobs live in memory: the gateway's peers do too, so after a head-end restart every tool starts
 * its job again (and gets new addresses) — nothing would route a restored job anyway.
 */
import { EventEmitter } from 'node:events';
import type { Clock, RandomSource } from '../access/index.ts';
import type { GatewayPeerConfig, GatewayPeerStatus, WireguardGateway } from '../gateway/index.ts';
import { formatIpv6Address } from '../../stack/ipv6/index.ts';
import { encodeKeyBase64, formatIpPrefix } from '../../stack/wireguard/index.ts';
import type { IpPrefix } from '../../stack/wireguard/index.ts';
import { JobAddressPlan } from './address-plan.ts';
import type { JobAddresses } from './address-plan.ts';

const JOB_ID_BYTES = 12;

/** What of the gateway provisioning uses (a `WireguardGateway`, or a double in tests). */
export type JobGateway = Pick<WireguardGateway, 'publicKey' | 'addPeer' | 'removePeer' | 'peerStatus'> & {
  on(event: 'peer-online', listener: (status: GatewayPeerStatus) => void): unknown;
  on(event: 'peer-offline', listener: (status: GatewayPeerStatus, reason: string) => void): unknown;
};

export interface ServiceEndpoint {
  readonly id: string;
  /** IPv6 text, behind the gateway. */
  readonly address: string;
  readonly port: number;
}

/** Channel and PAN ID of the job's meters (the contract's JobRadio). */
export interface JobRadio {
  readonly channel: number;
  readonly panId: number;
}

export interface JobProvisionerOptions {
  readonly gateway: JobGateway;
  /** How tools reach the gateway's UDP listener: "host:port" or "[ipv6]:port". */
  readonly gatewayEndpoint: string;
  readonly serviceProviderId: string;
  readonly keyServer: ServiceEndpoint;
  readonly amrServer: ServiceEndpoint;
  /**
   * The radio of the area's meters, given to every job: isolated meters stay on their failed
   * concentrator's channel and PAN, so the tool must root its mesh there to be heard.
   */
  readonly radio: JobRadio;
  readonly addresses?: JobAddressPlan;
  /** Prefixes behind the gateway the tool routes into the tunnel (besides the gateway itself). */
  readonly servicePrefixes?: readonly IpPrefix[];
  readonly clock: Clock;
  readonly random: RandomSource;
}

export type JobEndReason = 'ended-by-tool' | 'ended-by-supervisor' | 'device-revoked' | 'head-end-stopped';

export interface JobRecord {
  readonly jobId: string;
  readonly workOrderId: string;
  readonly deviceId: string;
  readonly workerId: string;
  readonly publicKey: Uint8Array;
  readonly addresses: JobAddresses;
  readonly startedAtMs: number;
  state: 'active' | 'ended';
  online: boolean;
  lastHandshakeAtMs: number | null;
  endedAtMs: number | null;
  endReason: JobEndReason | null;
}

/** The contract's JobConnection (src/contract/headend-api/schemas.ts). */
export interface JobConnectionView {
  readonly jobId: string;
  readonly workOrderId: string;
  readonly deviceId: string;
  readonly gateway: { readonly endpoint: string; readonly publicKey: string; readonly tunnelAddress: string };
  readonly tunnelAddress: string;
  readonly meshPrefix: string;
  readonly allowedIps: readonly string[];
  readonly serviceProviderId: string;
  readonly keyServer: ServiceEndpoint;
  readonly amrServer: ServiceEndpoint;
  readonly radio: JobRadio;
  readonly startedAtMs: number;
}

/** The contract's JobStatus. */
export interface JobStatusView {
  readonly jobId: string;
  readonly workOrderId: string;
  readonly deviceId: string;
  readonly workerId: string;
  readonly state: 'active' | 'ended';
  readonly tunnelAddress: string;
  readonly meshPrefix: string;
  readonly online: boolean;
  readonly lastHandshakeAtMs: number | null;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  readonly endReason: string | null;
}

export class JobConflictError extends Error {
  override name = 'JobConflictError';
}

export interface JobProvisionerEvents {
  'job-online': [status: JobStatusView];
  'job-offline': [status: JobStatusView];
  'job-ended': [status: JobStatusView];
}

/** Ended jobs kept for the supervisors' list. */
const ENDED_JOBS_KEPT = 200;

export class JobProvisioner extends EventEmitter<JobProvisionerEvents> {
  readonly addresses: JobAddressPlan;
  private readonly jobs = new Map<string, JobRecord>();
  private readonly byPublicKey = new Map<string, JobRecord>();

  constructor(private readonly o: JobProvisionerOptions) {
    super();
    checkRadio(o.radio);
    this.addresses = o.addresses ?? new JobAddressPlan();
    o.gateway.on('peer-online', (status) => this.onPeer(status, true));
    o.gateway.on('peer-offline', (status) => this.onPeer(status, false));
  }

  /**
   * Starts a job for a device whose work order the caller has checked. One active job per
   * device and per WireGuard key: a second is a conflict (end the first).
   */
  start(request: {
    readonly workOrderId: string;
    readonly deviceId: string;
    readonly workerId: string;
    readonly publicKey: Uint8Array;
  }): JobConnectionView {
    if (request.publicKey.length !== 32) throw new RangeError('a WireGuard public key is 32 bytes');
    const keyText = encodeKeyBase64(request.publicKey);
    for (const job of this.jobs.values())
      if (job.state === 'active' && job.deviceId === request.deviceId)
        throw new JobConflictError(`${request.deviceId} already runs job ${job.jobId}`);
    if (this.byPublicKey.has(keyText))
      throw new JobConflictError('this WireGuard key is in use by another job');
    const addresses = this.addresses.allocate();
    const jobId = `job-${Buffer.from(this.o.random(JOB_ID_BYTES)).toString('base64url')}`;
    const peer: GatewayPeerConfig = {
      publicKey: request.publicKey,
      allowedIps: [{ family: 6, address: addresses.tunnelAddress, length: 128 }, addresses.meshPrefix],
      label: `${jobId} ${request.deviceId}`,
    };
    try {
      this.o.gateway.addPeer(peer);
    } catch (err) {
      this.addresses.release(addresses.slot);
      throw err;
    }
    const job: JobRecord = {
      jobId,
      workOrderId: request.workOrderId,
      deviceId: request.deviceId,
      workerId: request.workerId,
      publicKey: request.publicKey.slice(),
      addresses,
      startedAtMs: this.o.clock(),
      state: 'active',
      online: false,
      lastHandshakeAtMs: null,
      endedAtMs: null,
      endReason: null,
    };
    this.jobs.set(jobId, job);
    this.byPublicKey.set(keyText, job);
    return this.connection(job);
  }

  find(jobId: string): JobStatusView | undefined {
    const job = this.jobs.get(jobId);
    return job === undefined ? undefined : this.view(job);
  }

  /** Every job, active ones first, newest first. */
  list(): JobStatusView[] {
    return [...this.jobs.values()]
      .sort((a, b) => (a.state === b.state ? b.startedAtMs - a.startedAtMs : a.state === 'active' ? -1 : 1))
      .map((j) => this.view(j));
  }

  /** Ends the job (idempotent: an ended job is returned as it is); undefined when unknown. */
  end(jobId: string, reason: JobEndReason): JobStatusView | undefined {
    const job = this.jobs.get(jobId);
    if (job === undefined) return undefined;
    if (job.state === 'active') this.finish(job, reason);
    return this.view(job);
  }

  /** Ends every active job of the device (revocation); the jobs ended. */
  endDevice(deviceId: string, reason: JobEndReason): JobStatusView[] {
    const ended: JobStatusView[] = [];
    for (const job of this.jobs.values()) {
      if (job.deviceId !== deviceId || job.state !== 'active') continue;
      this.finish(job, reason);
      ended.push(this.view(job));
    }
    return ended;
  }

  /** Ends every active job (the head-end stops). */
  endAll(): void {
    for (const job of this.jobs.values()) if (job.state === 'active') this.finish(job, 'head-end-stopped');
  }

  private finish(job: JobRecord, reason: JobEndReason): void {
    // Removing the peer wipes its sessions and handshake state in the gateway's device.
    // A revoked device's key is remembered by the gateway so its retries are counted apart.
    this.o.gateway.removePeer(job.publicKey, { revoked: reason === 'device-revoked' });
    this.byPublicKey.delete(encodeKeyBase64(job.publicKey));
    this.addresses.release(job.addresses.slot, { quarantine: reason === 'device-revoked' });
    job.state = 'ended';
    job.online = false;
    job.endedAtMs = this.o.clock();
    job.endReason = reason;
    this.emit('job-ended', this.view(job));
    this.prune();
  }

  private prune(): void {
    const ended = [...this.jobs.values()].filter((j) => j.state === 'ended');
    for (const job of ended.slice(0, Math.max(0, ended.length - ENDED_JOBS_KEPT)))
      this.jobs.delete(job.jobId);
  }

  private onPeer(status: GatewayPeerStatus, online: boolean): void {
    const job = this.byPublicKey.get(status.id);
    if (job === undefined || job.state !== 'active') return;
    job.online = online;
    if (online) job.lastHandshakeAtMs = this.o.clock();
    this.emit(online ? 'job-online' : 'job-offline', this.view(job));
  }

  private connection(job: JobRecord): JobConnectionView {
    const gatewayAddress = this.addresses.gatewayAddress;
    const allowed = [
      { family: 6, address: gatewayAddress, length: 128 } as const,
      ...(this.o.servicePrefixes ?? []),
    ];
    return {
      jobId: job.jobId,
      workOrderId: job.workOrderId,
      deviceId: job.deviceId,
      gateway: {
        endpoint: this.o.gatewayEndpoint,
        publicKey: encodeKeyBase64(this.o.gateway.publicKey),
        tunnelAddress: formatIpv6Address(gatewayAddress),
      },
      tunnelAddress: formatIpv6Address(job.addresses.tunnelAddress),
      meshPrefix: formatIpPrefix(job.addresses.meshPrefix),
      allowedIps: allowed.map((p) => formatIpPrefix(p)),
      serviceProviderId: this.o.serviceProviderId,
      keyServer: this.o.keyServer,
      amrServer: this.o.amrServer,
      radio: { channel: this.o.radio.channel, panId: this.o.radio.panId },
      startedAtMs: job.startedAtMs,
    };
  }

  private view(job: JobRecord): JobStatusView {
    return {
      jobId: job.jobId,
      workOrderId: job.workOrderId,
      deviceId: job.deviceId,
      workerId: job.workerId,
      state: job.state,
      tunnelAddress: formatIpv6Address(job.addresses.tunnelAddress),
      meshPrefix: formatIpPrefix(job.addresses.meshPrefix),
      online: job.online,
      lastHandshakeAtMs: job.lastHandshakeAtMs,
      startedAtMs: job.startedAtMs,
      endedAtMs: job.endedAtMs,
      endReason: job.endReason,
    };
  }
}

/** The contract's bounds (JobRadio): a value outside them would make every job's connection invalid. */
function checkRadio(radio: JobRadio): void {
  if (!Number.isInteger(radio.channel) || radio.channel < 0 || radio.channel > 0xff)
    throw new RangeError(`radio channel must be 0..255, got ${String(radio.channel)}`);
  // 0xffff is the broadcast PAN ID (IEEE 802.15.4-2015 §6.1), never a network's own.
  if (!Number.isInteger(radio.panId) || radio.panId < 0 || radio.panId > 0xfffe)
    throw new RangeError(`radio PAN ID must be 0..0xfffe, got ${String(radio.panId)}`);
}
