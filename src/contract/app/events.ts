/** Events from the engine to the UI: replies to commands, and pushed changes. */
import { z } from 'zod';
import { RequestId } from './commands.ts';
import { Settings } from './settings.ts';
import {
  AlertView,
  DongleView,
  DrResultView,
  EnrolmentView,
  GrantView,
  JobSummaryView,
  JobView,
  MeshPageView,
  MeterDetailView,
  MeterId,
  MeterPageView,
  SessionView,
  SnapshotView,
} from './view-models.ts';

/** Why a command failed, as a code the UI translates and a short English detail for logs. */
export const CommandErrorCode = z.enum([
  'invalid-credentials',
  'locked-out',
  'not-signed-in',
  'not-authorised',
  'no-dongle',
  'job-running',
  'no-job',
  'headend-unreachable',
  'unavailable',
  'not-found',
  'invalid',
]);
export type CommandErrorCode = z.infer<typeof CommandErrorCode>;

export const AppEvent = z.discriminatedUnion('type', [
  z.discriminatedUnion('ok', [
    z.strictObject({ type: z.literal('reply'), requestId: RequestId, ok: z.literal(true) }),
    z.strictObject({
      type: z.literal('reply'),
      requestId: RequestId,
      ok: z.literal(false),
      code: CommandErrorCode,
      detail: z.string().max(500),
    }),
  ]),
  z.strictObject({ type: z.literal('snapshot'), snapshot: SnapshotView }),
  z.strictObject({ type: z.literal('session'), session: SessionView }),
  z.strictObject({ type: z.literal('enrolment'), enrolment: EnrolmentView }),
  z.strictObject({ type: z.literal('dongles'), dongles: z.array(DongleView).max(64) }),
  z.strictObject({ type: z.literal('job'), job: JobView }),
  /** The topology or meter states changed: pages of an older version are stale. */
  z.strictObject({
    type: z.literal('mesh.changed'),
    version: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  }),
  z.strictObject({ type: z.literal('mesh.page'), requestId: RequestId, page: MeshPageView }),
  z.strictObject({ type: z.literal('meters.page'), requestId: RequestId, page: MeterPageView }),
  z.strictObject({ type: z.literal('meter.detail'), requestId: RequestId, detail: MeterDetailView }),
  z.strictObject({ type: z.literal('meter.closed'), meterId: MeterId }),
  z.strictObject({ type: z.literal('dr.result'), requestId: RequestId, result: DrResultView }),
  z.strictObject({ type: z.literal('alerts'), alerts: z.array(AlertView).max(4) }),
  z.strictObject({ type: z.literal('summary'), summary: JobSummaryView }),
  z.strictObject({ type: z.literal('grant'), grant: GrantView }),
  z.strictObject({ type: z.literal('settings'), settings: Settings }),
]);
export type AppEvent = z.infer<typeof AppEvent>;
export type AppEventType = AppEvent['type'];
