/**
 * Access grants: how a worker's tool gets the right to act on the meters of its work order.
 *
 *   tool: request(workOrder)            → grant 'requested'
 *   supervisor: approve(grant)          → 'approved' + a single-use verification key
 *   tool: exchange(verification key)    → 'issued'   + an access key with an expiry
 *   API: authorize(access key, meter, action) → allowed | denied(reason)
 *   supervisor: revoke(grant)           → 'revoked' (the access key stops working at once)
 *
 * The verification key plays the part of an OAuth 2.0 authorization code (RFC 6749 §4.1.2):
 * short-lived (RFC 6749 §4.1.2 recommends at most 10 minutes; 5 here), usable once, and a second
 * use is refused and revokes the grant it issued (RFC 6749 §4.1.2, §10.5). Keys are 256-bit
 * random tokens stored only as SHA-256 digests (secret-token.ts). Every denial is written to the
 * audit log with its reason.
 */
import type {
  AccountRepository,
  AuditRepository,
  GrantRecord,
  GrantRepository,
  ListPage,
  WorkOrderRecord,
  WorkOrderRepository,
} from '../storage/repositories.ts';
import type { Clock, RandomSource } from './clock.ts';
import { AccessDeniedError, type DenialReason } from './errors.ts';
import { hashSecretToken, isWellFormedToken, newSecretToken } from './secret-token.ts';

const MINUTE = 60_000;
export const VERIFICATION_KEY_TTL_MS = 5 * MINUTE;
/** An access key never outlives this nor its work order's window. */
export const ACCESS_KEY_MAX_TTL_MS = 8 * 60 * MINUTE;
const GRANT_ID_BYTES = 9;

/** What a tool may do to a meter under a grant. */
export type MeterAction = 'read' | 'demand-response';
export const METER_ACTIONS: readonly MeterAction[] = ['read', 'demand-response'];

export interface GrantServiceDeps {
  readonly accounts: AccountRepository;
  readonly workOrders: WorkOrderRepository;
  readonly grants: GrantRepository;
  readonly audit: AuditRepository;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly verificationKeyTtlMs?: number;
  readonly accessKeyMaxTtlMs?: number;
}

export interface IssuedVerificationKey {
  readonly grantId: string;
  /** Handed to the tool out of band (shown to the worker, or pushed to the tool) once. */
  readonly verificationKey: string;
  readonly expiresAtMs: number;
}

export interface IssuedAccessKey {
  readonly grantId: string;
  readonly accessKey: string;
  readonly expiresAtMs: number;
}

/** Who is calling: the signed-in worker and the tool identified by its client certificate. */
export interface Caller {
  readonly workerId: string;
  readonly toolId: string;
}

export interface AuthorizeRequest extends Caller {
  readonly accessKey: string;
  readonly meterId: string;
  readonly action: string;
}

export type Decision =
  | { readonly allowed: true; readonly grantId: string; readonly workOrderId: string }
  | { readonly allowed: false; readonly reason: DenialReason };

export class GrantService {
  private readonly verificationTtlMs: number;
  private readonly accessMaxTtlMs: number;

  constructor(private readonly deps: GrantServiceDeps) {
    this.verificationTtlMs = deps.verificationKeyTtlMs ?? VERIFICATION_KEY_TTL_MS;
    this.accessMaxTtlMs = deps.accessKeyMaxTtlMs ?? ACCESS_KEY_MAX_TTL_MS;
  }

  /** The tool asks for a grant for the caller's active work order. */
  async request(caller: Caller, workOrderId: string): Promise<GrantRecord> {
    const nowMs = this.deps.clock();
    const order = await this.deps.workOrders.findById(workOrderId);
    const refusal = order === undefined ? 'not-found' : this.orderRefusal(order, caller, nowMs);
    if (refusal !== undefined) return this.deny(caller.toolId, 'grant.request', workOrderId, refusal, nowMs);
    const grant: GrantRecord = {
      id: `grant-${Buffer.from(this.deps.random(GRANT_ID_BYTES)).toString('base64url')}`,
      workOrderId,
      workerId: caller.workerId,
      toolId: caller.toolId,
      state: 'requested',
      requestedAtMs: nowMs,
      approvedBy: null,
      approvedAtMs: null,
      verificationKeyHash: null,
      verificationExpiresAtMs: null,
      verificationUsedAtMs: null,
      accessKeyHash: null,
      accessExpiresAtMs: null,
      revokedBy: null,
      revokedAtMs: null,
    };
    await this.deps.grants.insert(grant);
    await this.audit(caller.toolId, 'grant.request', grant.id, nowMs, { workOrderId });
    return grant;
  }

  /** A supervisor approves a requested grant; the verification key is returned once. */
  async approve(supervisorId: string, grantId: string): Promise<IssuedVerificationKey> {
    const nowMs = this.deps.clock();
    const supervisor = await this.deps.accounts.findById(supervisorId);
    if (supervisor === undefined || supervisor.disabled || supervisor.role === 'field-worker')
      return this.deny(supervisorId, 'grant.approve', grantId, 'forbidden-role', nowMs);
    const verificationKey = newSecretToken(this.deps.random);
    const expiresAtMs = nowMs + this.verificationTtlMs;
    const approved = await this.deps.grants.approve(grantId, {
      approvedBy: supervisorId,
      atMs: nowMs,
      verificationKeyHash: hashSecretToken(verificationKey),
      verificationExpiresAtMs: expiresAtMs,
    });
    if (!approved) {
      const grant = await this.deps.grants.findById(grantId);
      const reason =
        grant === undefined ? 'not-found' : grant.state === 'revoked' ? 'revoked' : 'not-approved';
      return this.deny(supervisorId, 'grant.approve', grantId, reason, nowMs);
    }
    await this.audit(supervisorId, 'grant.approve', grantId, nowMs);
    return { grantId, verificationKey, expiresAtMs };
  }

  /** The tool exchanges the verification key for an access key (once). */
  async exchange(caller: Caller, verificationKey: string): Promise<IssuedAccessKey> {
    const nowMs = this.deps.clock();
    const keyHash = isWellFormedToken(verificationKey) ? hashSecretToken(verificationKey) : undefined;
    const grant =
      keyHash === undefined ? undefined : await this.deps.grants.findByVerificationKeyHash(keyHash);
    if (grant === undefined || keyHash === undefined)
      return this.deny(caller.toolId, 'grant.exchange', null, 'unknown-key', nowMs);
    const refusal = this.exchangeRefusal(grant, caller, nowMs);
    if (refusal !== undefined) {
      if (refusal === 'verification-key-reused' && grant.state === 'issued')
        await this.deps.grants.revoke(grant.id, 'system:verification-key-reuse', nowMs); // RFC 6749 §4.1.2
      return this.deny(caller.toolId, 'grant.exchange', grant.id, refusal, nowMs);
    }
    const order = await this.deps.workOrders.findById(grant.workOrderId);
    if (order === undefined) return this.deny(caller.toolId, 'grant.exchange', grant.id, 'not-found', nowMs);
    const accessKey = newSecretToken(this.deps.random);
    const expiresAtMs = Math.min(nowMs + this.accessMaxTtlMs, order.windowEndMs);
    const issued = await this.deps.grants.exchange({
      verificationKeyHash: keyHash,
      atMs: nowMs,
      accessKeyHash: hashSecretToken(accessKey),
      accessExpiresAtMs: expiresAtMs,
    });
    // Lost a race with another use of the same key between the read above and this write.
    if (issued === undefined)
      return this.deny(caller.toolId, 'grant.exchange', grant.id, 'verification-key-reused', nowMs);
    await this.audit(caller.toolId, 'grant.exchange', grant.id, nowMs, { expiresAtMs });
    return { grantId: grant.id, accessKey, expiresAtMs };
  }

  /** Decides one request to act on a meter; every denial is audited. */
  async authorize(request: AuthorizeRequest): Promise<Decision> {
    const nowMs = this.deps.clock();
    const grant = isWellFormedToken(request.accessKey)
      ? await this.deps.grants.findByAccessKeyHash(hashSecretToken(request.accessKey))
      : undefined;
    const order = grant === undefined ? undefined : await this.deps.workOrders.findById(grant.workOrderId);
    const reason =
      grant === undefined || order === undefined ? 'unknown-key' : this.refusal(grant, order, request, nowMs);
    if (reason === undefined) return { allowed: true, grantId: grant!.id, workOrderId: order!.id };
    await this.deps.audit.append({
      atMs: nowMs,
      actor: request.toolId,
      action: `meter.${request.action}`,
      outcome: 'denied',
      subject: request.meterId,
      reason,
      detail: { workerId: request.workerId, grantId: grant?.id ?? null },
    });
    return { allowed: false, reason };
  }

  /** The console's list (the caller has checked the supervisor role); records hold only key hashes. */
  list(page: ListPage): Promise<GrantRecord[]> {
    return this.deps.grants.list(page);
  }

  /** A supervisor revokes a grant in any state; its access key is refused from then on. */
  async revoke(supervisorId: string, grantId: string): Promise<void> {
    const nowMs = this.deps.clock();
    const supervisor = await this.deps.accounts.findById(supervisorId);
    if (supervisor === undefined || supervisor.disabled || supervisor.role === 'field-worker')
      return this.deny(supervisorId, 'grant.revoke', grantId, 'forbidden-role', nowMs);
    if (!(await this.deps.grants.revoke(grantId, supervisorId, nowMs))) {
      const exists = (await this.deps.grants.findById(grantId)) !== undefined;
      return this.deny(supervisorId, 'grant.revoke', grantId, exists ? 'revoked' : 'not-found', nowMs);
    }
    await this.audit(supervisorId, 'grant.revoke', grantId, nowMs);
  }

  private orderRefusal(order: WorkOrderRecord, caller: Caller, nowMs: number): DenialReason | undefined {
    if (order.workerId !== caller.workerId) return 'wrong-worker';
    if (order.toolId !== caller.toolId) return 'wrong-tool';
    if (order.state !== 'active') return 'work-order-inactive';
    if (nowMs < order.windowStartMs || nowMs >= order.windowEndMs) return 'outside-window';
    return undefined;
  }

  private exchangeRefusal(grant: GrantRecord, caller: Caller, nowMs: number): DenialReason | undefined {
    if (grant.workerId !== caller.workerId) return 'wrong-worker';
    if (grant.toolId !== caller.toolId) return 'wrong-tool';
    if (grant.verificationUsedAtMs !== null) return 'verification-key-reused';
    if (grant.state === 'revoked') return 'revoked';
    if (grant.state !== 'approved') return 'not-approved';
    if (grant.verificationExpiresAtMs === null || nowMs >= grant.verificationExpiresAtMs) return 'expired';
    return undefined;
  }

  private refusal(
    grant: GrantRecord,
    order: WorkOrderRecord,
    request: AuthorizeRequest,
    nowMs: number,
  ): DenialReason | undefined {
    if (grant.state === 'revoked') return 'revoked';
    if (grant.state !== 'issued') return 'not-approved';
    if (grant.accessExpiresAtMs === null || nowMs >= grant.accessExpiresAtMs) return 'expired';
    const orderRefusal = this.orderRefusal(order, request, nowMs);
    if (orderRefusal !== undefined) return orderRefusal;
    if (grant.workerId !== request.workerId) return 'wrong-worker';
    if (grant.toolId !== request.toolId) return 'wrong-tool';
    if (!order.meterIds.includes(request.meterId)) return 'meter-not-in-work-order';
    if (!(METER_ACTIONS as readonly string[]).includes(request.action)) return 'action-not-permitted';
    return undefined;
  }

  private async deny(
    actor: string,
    action: string,
    subject: string | null,
    reason: DenialReason,
    nowMs: number,
  ): Promise<never> {
    await this.deps.audit.append({ atMs: nowMs, actor, action, outcome: 'denied', subject, reason });
    throw new AccessDeniedError(reason);
  }

  private async audit(
    actor: string,
    action: string,
    subject: string,
    nowMs: number,
    detail?: Readonly<Record<string, string | number>>,
  ): Promise<void> {
    await this.deps.audit.append({
      atMs: nowMs,
      actor,
      action,
      outcome: 'done',
      subject,
      reason: null,
      ...(detail === undefined ? {} : { detail }),
    });
  }
}
