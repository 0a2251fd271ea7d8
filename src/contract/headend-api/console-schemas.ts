/**
 * Bodies of the supervisor console's list endpoints (issue #5 item 7): enrolled tools, work
 * orders and access grants. Views only: never a CSR, certificate, verification key, access key or
 * any hash of one. Same rules as schemas.ts: strict objects, epoch milliseconds.
 */
import { z } from 'zod';
import { DeviceId, EntityId, EpochMs, WorkOrderState } from './schemas.ts';

/** The largest page a console list returns; a bigger `limit` is a bad request. */
export const CONSOLE_PAGE_MAX = 200;

/** `?limit&after`: at most `limit` rows whose id sorts after `after` (the previous page's `next`). */
export const ConsolePageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(CONSOLE_PAGE_MAX).optional(),
  after: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id of 1 to 64 [A-Za-z0-9_-]')
    .optional(),
});

/** The id to pass as `after` for the next page; null on the last page. */
const Next = z.string().nullable();

export const ConsoleDeviceState = z.enum(['pending', 'issued', 'rejected', 'revoked']);
export const ConsoleDevice = z.strictObject({
  deviceId: DeviceId,
  state: ConsoleDeviceState,
  /** SHA-256 of the enrolment's public key (hex), to compare with what the tool shows. */
  publicKeySha256: z.string().regex(/^[0-9a-f]{64}$/),
  requestedAtMs: EpochMs,
  decidedBy: EntityId.nullable(),
  decidedAtMs: EpochMs.nullable(),
  /** Expiry of the newest certificate issued to the tool; null before one is issued. */
  certificateNotAfterMs: EpochMs.nullable(),
  /** From the tool's active job: whether the gateway sees its tunnel; null without an active job. */
  online: z.boolean().nullable(),
});
export const ConsoleDeviceList = z.strictObject({ devices: z.array(ConsoleDevice), next: Next });

export const ConsoleWorkOrder = z.strictObject({
  id: EntityId,
  workerId: EntityId,
  toolId: DeviceId,
  meterCount: z.number().int().nonnegative(),
  windowStartMs: EpochMs,
  windowEndMs: EpochMs,
  state: WorkOrderState,
  createdAtMs: EpochMs,
});
export const ConsoleWorkOrderList = z.strictObject({ workOrders: z.array(ConsoleWorkOrder), next: Next });

/**
 * pending: waits for a supervisor; approved: verification key handed out, not yet exchanged;
 * exchanged: the tool holds an access key; expired: the unused verification key or the access
 * key has run out; revoked.
 */
export const ConsoleGrantState = z.enum(['pending', 'approved', 'exchanged', 'expired', 'revoked']);
export const ConsoleGrant = z.strictObject({
  id: EntityId,
  workOrderId: EntityId,
  workerId: EntityId,
  toolId: DeviceId,
  state: ConsoleGrantState,
  requestedAtMs: EpochMs,
  /** When the key the grant is waiting on (verification, then access) runs out; null if none. */
  expiresAtMs: EpochMs.nullable(),
});
export const ConsoleGrantList = z.strictObject({ grants: z.array(ConsoleGrant), next: Next });
