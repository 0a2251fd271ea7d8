/**
 * Bodies of the AMR/DR endpoints (issue #5): read results of a job, demand-response
 * authorisations and commands, and the supervisor console's lists. Same rules as schemas.ts:
 * strict objects, epoch milliseconds.
 */
import { z } from 'zod';
import { DeviceId, EntityId, EpochMs, MeterId, MeterReading } from './schemas.ts';

/** FieldRoot DR EPCs (src/stack/echonet/fieldroot-dr.ts): 0xF0 switch, 0xF1 load limit. */
export const DrAction = z.enum(['disconnect', 'reconnect', 'load-limit']);
/** 0 removes the limit; the EDT of 0xF1 is a u32 with 0xFFFFFFFE/F reserved. */
export const LoadLimitW = z.number().int().min(0).max(0xfffffffd);

export const DrAuthoriseRequest = z.strictObject({
  action: DrAction,
  /** Required for load-limit, refused otherwise. */
  loadLimitW: LoadLimitW.optional(),
  /** How long the authorisation may be used; 30 minutes when absent, at most 24 hours. */
  validForMs: z.number().int().min(1_000).max(86_400_000).optional(),
});
export const DrAuthorisation = z.strictObject({
  id: EntityId,
  meterId: MeterId,
  action: DrAction,
  loadLimitW: LoadLimitW.nullable(),
  issuedBy: EntityId,
  issuedAtMs: EpochMs,
  expiresAtMs: EpochMs,
  usedAtMs: EpochMs.nullable(),
  usedBy: z.string().nullable(),
});
export const DrAuthorisationList = z.strictObject({ authorisations: z.array(DrAuthorisation) });

/**
 * What the tool may know of one meter's usable authorisations (unused, unexpired): enough to show
 * the worker who authorised what until when, and the id to quote in its DR command.
 */
export const UsableDrAuthorisation = z.strictObject({
  id: EntityId,
  action: DrAction,
  loadLimitW: LoadLimitW.nullable(),
  issuedBy: EntityId,
  /** The issuing supervisor's user name. */
  issuedByName: z.string().min(1).max(128),
  issuedAtMs: EpochMs,
  expiresAtMs: EpochMs,
});
export const UsableDrAuthorisationList = z.strictObject({
  meterId: MeterId,
  authorisations: z.array(UsableDrAuthorisation),
});

export const DrCommandRequest = z.strictObject({
  authorisationId: EntityId,
  action: DrAction,
  loadLimitW: LoadLimitW.optional(),
});
export const DrCommandResponse = z.strictObject({
  meterId: MeterId,
  action: DrAction,
  /** confirmed: the state read back is the one asked for. */
  outcome: z.enum(['confirmed', 'not-confirmed', 'rejected-by-meter', 'no-response']),
  switchState: z.enum(['connected', 'disconnected']).nullable(),
  loadLimitW: LoadLimitW.nullable(),
  toolId: DeviceId,
  atMs: EpochMs,
});

export const ReadExceptionView = z.strictObject({
  meterId: MeterId,
  atMs: EpochMs,
  reason: z.string(),
  detail: z.string().nullable(),
});
export const ReadExceptionList = z.strictObject({ exceptions: z.array(ReadExceptionView) });

export const JobReadingsResponse = z.strictObject({
  workOrderId: EntityId,
  meters: z.array(
    z.strictObject({
      meterId: MeterId,
      readings: z.array(MeterReading),
      exceptions: z.array(ReadExceptionView),
    }),
  ),
});

export const AuditEntryView = z.strictObject({
  seq: z.number().int().positive(),
  atMs: EpochMs,
  actor: z.string().nullable(),
  action: z.string(),
  outcome: z.enum(['allowed', 'denied', 'done']),
  subject: z.string().nullable(),
  reason: z.string().nullable(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export const AuditList = z.strictObject({ entries: z.array(AuditEntryView) });

export const ConsoleListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
