/**
 * Tool enrolment: the tool uploads a CSR (no client certificate yet), a supervisor approves it,
 * the CA issues the certificate and the tool fetches it.
 *
 *   enrol(deviceId, csr)   → 'pending' (the CSR is checked at once; a bad one is refused)
 *   approve(supervisor)    → 'issued'  (certificate on record)
 *   reject(supervisor)     → 'rejected'
 *
 * One open enrolment per device: a second CSR while one is pending, or while the device holds a
 * valid certificate, is a conflict (the tool renews instead), so nobody can swap the CSR a
 * supervisor is about to approve. The supervisor compares the public-key fingerprint the tool
 * shows with the one on the enrolment before approving. Every step is audited.
 */
import type { AuditRepository } from '../storage/index.ts';
import type { Clock } from '../access/index.ts';
import type { CertificateAuthority, IssuedCertificateRecord } from './authority.ts';
import { checkCsr } from './csr.ts';
import type { CaStore } from './store.ts';

export type EnrolmentState = 'pending' | 'issued' | 'rejected';

export interface EnrolmentRecord {
  readonly deviceId: string;
  readonly csrPem: string;
  readonly publicKeySha256: string;
  readonly state: EnrolmentState;
  readonly requestedAtMs: number;
  readonly decidedBy: string | null;
  readonly decidedAtMs: number | null;
  readonly serial: string | null;
}

export class EnrolmentConflictError extends Error {
  override name = 'EnrolmentConflictError';
}
export class EnrolmentNotFoundError extends Error {
  override name = 'EnrolmentNotFoundError';
}

export interface EnrolmentServiceDeps {
  readonly ca: CertificateAuthority;
  readonly store: CaStore;
  readonly audit: AuditRepository;
  readonly clock: Clock;
}

export class EnrolmentService {
  private constructor(
    private readonly deps: EnrolmentServiceDeps,
    private readonly records: Map<string, EnrolmentRecord>,
  ) {}

  static async open(deps: EnrolmentServiceDeps): Promise<EnrolmentService> {
    const saved = (await deps.store.loadRecords('enrolments')) as EnrolmentRecord[];
    return new EnrolmentService(deps, new Map(saved.map((r) => [r.deviceId, r])));
  }

  /** Records a pending enrolment; throws CsrRefusedError or EnrolmentConflictError. */
  async enrol(deviceId: string, csrPem: string, source: string): Promise<EnrolmentRecord> {
    const nowMs = this.deps.clock();
    const accepted = await checkCsr(csrPem, deviceId).catch(async (err: unknown) => {
      await this.audit(null, 'device.enrol', deviceId, 'denied', (err as Error).name, { source });
      throw err;
    });
    if (this.records.get(deviceId)?.state === 'pending')
      throw new EnrolmentConflictError(`${deviceId} already has a pending enrolment`);
    if (this.deps.ca.hasValidCertificate(deviceId))
      throw new EnrolmentConflictError(`${deviceId} holds a valid certificate; renew it instead`);
    const record: EnrolmentRecord = {
      deviceId,
      csrPem,
      publicKeySha256: accepted.publicKeySha256,
      state: 'pending',
      requestedAtMs: nowMs,
      decidedBy: null,
      decidedAtMs: null,
      serial: null,
    };
    await this.save(record);
    await this.audit(null, 'device.enrol', deviceId, 'done', null, {
      source,
      publicKeySha256: accepted.publicKeySha256,
    });
    return record;
  }

  /** Issues the certificate of a pending enrolment (the caller has checked the supervisor role). */
  async approve(supervisorId: string, deviceId: string): Promise<IssuedCertificateRecord> {
    const record = this.pending(deviceId);
    const issued = await this.deps.ca.issueClientCertificate(record.csrPem, deviceId);
    const nowMs = this.deps.clock();
    await this.save({
      ...record,
      state: 'issued',
      decidedBy: supervisorId,
      decidedAtMs: nowMs,
      serial: issued.serial,
    });
    await this.audit(supervisorId, 'device.approve', deviceId, 'done', null, { serial: issued.serial });
    return issued;
  }

  async reject(supervisorId: string, deviceId: string): Promise<void> {
    const record = this.pending(deviceId);
    const nowMs = this.deps.clock();
    await this.save({ ...record, state: 'rejected', decidedBy: supervisorId, decidedAtMs: nowMs });
    await this.audit(supervisorId, 'device.reject', deviceId, 'done', null);
  }

  find(deviceId: string): EnrolmentRecord | undefined {
    return this.records.get(deviceId);
  }

  /** Every enrolment, in device-id order (the console's list). */
  list(): EnrolmentRecord[] {
    return [...this.records.values()].sort((a, b) =>
      a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0,
    );
  }

  /** Revokes every certificate of the device (audited); the serials revoked. */
  async revoke(supervisorId: string, deviceId: string): Promise<string[]> {
    const serials = await this.deps.ca.revokeDevice(deviceId);
    await this.audit(supervisorId, 'device.revoke', deviceId, 'done', null, { serials: serials.join(',') });
    return serials;
  }

  private pending(deviceId: string): EnrolmentRecord {
    const record = this.records.get(deviceId);
    if (record === undefined) throw new EnrolmentNotFoundError(`no enrolment for ${deviceId}`);
    if (record.state !== 'pending')
      throw new EnrolmentConflictError(`the enrolment of ${deviceId} is ${record.state}`);
    return record;
  }

  private async save(record: EnrolmentRecord): Promise<void> {
    this.records.set(record.deviceId, record);
    await this.deps.store.saveRecords('enrolments', [...this.records.values()]);
  }

  private async audit(
    actor: string | null,
    action: string,
    subject: string,
    outcome: 'done' | 'denied',
    reason: string | null,
    detail?: Readonly<Record<string, string>>,
  ): Promise<void> {
    await this.deps.audit.append({
      atMs: this.deps.clock(),
      actor,
      action,
      outcome,
      subject,
      reason,
      ...(detail === undefined ? {} : { detail }),
    });
  }
}
