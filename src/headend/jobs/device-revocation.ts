/**
 * Revoking a tool (issue #4 §7), one call for the API, the console and `fieldroot headend
 * revoke-device`: the certificate is marked revoked (mutual TLS refuses it from the next request
 * on, caller.ts checks every request), every active job of the device ends so the gateway drops
 * its peer and discards the credential, and the key server refuses its EAP-TLS, terminates its
 * PANA sessions (the termination leaves before the tunnel is dropped, so it reaches the tool) and
 * rotates the network key of the meters it served. The steps that cut access run first and
 * synchronously where they can; the key rotation last.
 */
import type { EnrolmentService } from '../ca/index.ts';
import type { JobProvisioner, JobStatusView } from './job-provisioner.ts';

/** What revocation needs of the key server (KeyServer.revokeTool). */
export interface ToolRevocationTarget {
  revokeTool(deviceId: string, actor: string, reason?: string): Promise<{ keyIndex: number | null }>;
}

export interface DeviceRevocationDeps {
  readonly enrolments: EnrolmentService;
  readonly jobs: JobProvisioner;
  /** Absent when the head-end runs without a key server (API tests). */
  readonly keyServer?: ToolRevocationTarget;
}

export interface RevocationOutcome {
  readonly deviceId: string;
  readonly revokedSerials: string[];
  readonly jobsEnded: JobStatusView[];
  /** The network key index announced to the meters, null when none was started. */
  readonly rotatedToKeyIndex: number | null;
}

export class DeviceRevocation {
  constructor(private readonly deps: DeviceRevocationDeps) {}

  async revoke(deviceId: string, actor: string): Promise<RevocationOutcome> {
    // The key server first, synchronously: it refuses the tool's EAP-TLS from now on and sends
    // the PANA termination while the tunnel can still carry it, so the tool wipes its keys at
    // once. Then the tunnel, the path to the meters, which needs no disk write.
    const rotation = this.deps.keyServer?.revokeTool(deviceId, actor, 'device revoked');
    const jobsEnded = this.deps.jobs.endDevice(deviceId, 'device-revoked');
    const revokedSerials = await this.deps.enrolments.revoke(actor, deviceId);
    const rotated = rotation === undefined ? null : (await rotation).keyIndex;
    return { deviceId, revokedSerials, jobsEnded, rotatedToKeyIndex: rotated };
  }
}
