/**
 * What the renderer shows, as the engine reports it. Every value arrives in an event and is
 * validated on receipt; the renderer keeps meter values in memory only (DESIGN.md §5).
 */
import { z } from 'zod';
import { Settings } from './settings.ts';

export const EpochMs = z.number().int().nonnegative();
/** A meter id as the head-end registry spells it. */
export const MeterId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'meter id: 1-64 of A-Z a-z 0-9 . _ -');
/** A mesh node's EUI-64, 16 lower-case hex digits. */
export const Eui64Text = z.string().regex(/^[0-9a-f]{16}$/, 'EUI-64: 16 lower-case hex digits');
const Text = z.string().max(500);

// --- sign-in and enrolment -----------------------------------------------------------------

export const Role = z.enum(['field-worker', 'supervisor', 'admin']);
export type Role = z.infer<typeof Role>;

export const SessionView = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('signed-out') }),
  z.strictObject({
    state: z.literal('signed-in'),
    username: z.string().min(1).max(128),
    role: Role,
    /** Whether this worker may issue DR actions at all; each meter adds its own grant. */
    mayIssueDemandResponse: z.boolean(),
    expiresAtMs: EpochMs,
  }),
]);
export type SessionView = z.infer<typeof SessionView>;

/** The tool's enrolment with the head-end CA (its certificate lives in the credential vault). */
export const EnrolmentView = z.strictObject({
  state: z.enum(['not-enrolled', 'pending', 'enrolled', 'rejected', 'revoked', 'unknown']),
  deviceId: z.string().max(128).nullable(),
  /** Where the tool's keys are kept: the OS keychain, or the demo's in-memory vault. */
  vault: z.enum(['os-keychain', 'ephemeral-demo', 'unavailable']),
  certificateExpiresAtMs: EpochMs.nullable(),
});
export type EnrolmentView = z.infer<typeof EnrolmentView>;

// --- dongles -------------------------------------------------------------------------------

export const DongleView = z.strictObject({
  /** The serial port path (`/dev/ttyUSB0`, `COM3`, a pseudo-terminal). */
  path: z.string().min(1).max(256),
  label: Text,
  usbId: z.string().max(9).nullable(),
  status: z.enum(['connected', 'opening', 'unplugged', 'error']),
  firmware: z.string().max(200).nullable(),
  /** IEEE 802.15.4g channel number (Japan 920 MHz band). */
  channel: z.number().int().min(0).max(255).nullable(),
  /** IEEE 802.15.4 PAN ID the dongle is tuned to (the job's); absent or null before a job. */
  panId: z.number().int().min(0).max(0xffff).nullable().optional(),
  /** Received signal strength of recent frames, dBm. */
  rssiDbm: z.number().int().min(-128).max(20).nullable(),
  selected: z.boolean(),
  error: Text.nullable(),
});
export type DongleView = z.infer<typeof DongleView>;

// --- the job -------------------------------------------------------------------------------

/** The steps of a job in the order they happen (issue #6). */
export const JOB_STEPS = [
  'vpn',
  'tool-authentication',
  'network-key',
  'mesh-root',
  'meters-joining',
  'meters-read',
] as const;
export const JobStepName = z.enum(JOB_STEPS);
export type JobStepName = z.infer<typeof JobStepName>;

export const JobStepView = z.strictObject({
  step: JobStepName,
  status: z.enum(['pending', 'active', 'done', 'failed']),
  /** Progress of this step in [0, 1], when it has one. */
  progress: z.number().min(0).max(1).nullable(),
  detail: Text.nullable(),
});
export type JobStepView = z.infer<typeof JobStepView>;

export const JobView = z
  .strictObject({
    state: z.enum(['idle', 'starting', 'running', 'ending', 'ended', 'stopped']),
    workOrderId: z.string().max(128).nullable(),
    steps: z.array(JobStepView).length(JOB_STEPS.length),
    metersTotal: z.number().int().nonnegative(),
    metersJoined: z.number().int().nonnegative(),
    metersRead: z.number().int().nonnegative(),
    /** Bumped whenever a meter row changes (join state, hops, link): the list refetches its page. */
    meterVersion: z.number().int().nonnegative().optional(),
    startedAtMs: EpochMs.nullable(),
    /** Why a job stopped on its own (revocation, a failed step); null otherwise. */
    stopReason: Text.nullable(),
  })
  .refine((j) => j.metersJoined <= j.metersTotal && j.metersRead <= j.metersTotal, {
    message: 'joined and read counts cannot exceed the total',
  })
  .refine((j) => j.steps.every((s, i) => s.step === JOB_STEPS[i]), {
    message: 'steps are listed in job order',
  });
export type JobView = z.infer<typeof JobView>;

export const JobSummaryView = z.strictObject({
  workOrderId: z.string().max(128).nullable(),
  metersTotal: z.number().int().nonnegative(),
  read: z.number().int().nonnegative(),
  unread: z.number().int().nonnegative(),
  exceptions: z.array(z.strictObject({ meterId: MeterId, reason: Text })).max(10_000),
  startedAtMs: EpochMs,
  endedAtMs: EpochMs,
});
export type JobSummaryView = z.infer<typeof JobSummaryView>;

// --- mesh topology (paged: one page at a time, never the whole graph in one message) -------

export const MESH_PAGE_MAX = 500;

export const MeshNodeView = z.strictObject({
  eui64: Eui64Text,
  meterId: MeterId.nullable(),
  /** The preferred parent's EUI-64; null for the root (the tool). */
  parent: Eui64Text.nullable(),
  /** Hops from the root: 0 for the tool itself. */
  hops: z.number().int().min(0).max(255),
  /** Expected transmission count of the link to the parent (RFC 6551 §4.3.2), ≥ 1. */
  linkEtx: z.number().min(1).max(1024).nullable(),
  state: z.enum(['root', 'joining', 'joined', 'lost']),
});
export type MeshNodeView = z.infer<typeof MeshNodeView>;

export const MeshPageView = z
  .strictObject({
    /** Bumped whenever the topology changes; pages of different versions are not mixed. */
    version: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
    nodes: z.array(MeshNodeView).max(MESH_PAGE_MAX),
  })
  .refine((p) => p.offset + p.nodes.length <= p.total, { message: 'page runs past the total' });
export type MeshPageView = z.infer<typeof MeshPageView>;

// --- meters --------------------------------------------------------------------------------

export const METER_PAGE_MAX = 200;

export const MeterJoinState = z.enum(['waiting', 'authenticating', 'joined', 'failed', 'lost']);
export type MeterJoinState = z.infer<typeof MeterJoinState>;
export const MeterReadState = z.enum(['unread', 'reading', 'read', 'failed']);
export type MeterReadState = z.infer<typeof MeterReadState>;

export const MeterRowView = z.strictObject({
  meterId: MeterId,
  eui64: Eui64Text.nullable(),
  join: MeterJoinState,
  read: MeterReadState,
  hops: z.number().int().min(0).max(255).nullable(),
  /** ETX of the link to its parent when the tool is the parent (RFC 6551 §4.3.2); else absent/null. */
  linkEtx: z.number().min(1).max(1024).nullable().optional(),
  /** Whether the worker's grant allows DR actions on this meter. */
  drAuthorised: z.boolean(),
});
export type MeterRowView = z.infer<typeof MeterRowView>;

export const MeterFilter = z.enum(['all', 'not-joined', 'unread', 'read', 'failed']);
export type MeterFilter = z.infer<typeof MeterFilter>;

export const MeterPageView = z
  .strictObject({
    version: z.number().int().nonnegative(),
    filter: MeterFilter,
    search: z.string().max(64),
    /** Rows matching the filter and search. */
    total: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
    rows: z.array(MeterRowView).max(METER_PAGE_MAX),
  })
  .refine((p) => p.offset + p.rows.length <= p.total, { message: 'page runs past the total' });
export type MeterPageView = z.infer<typeof MeterPageView>;

/** One half-hour of consumption (ECHONET Lite 0x0288 EPC 0xE2 holds 48 per day). */
export const HalfHourView = z.strictObject({ startMs: EpochMs, kWh: z.number().min(0).nullable() });

/** A supervisor's single-use authorisation of one DR action on one meter, as the worker sees it. */
export const DrAuthorisationView = z.strictObject({
  action: z.enum(['disconnect', 'reconnect', 'load-limit']),
  /** load-limit only: the limit the supervisor authorised, W (0 removes the limit). */
  loadLimitW: z.number().int().nonnegative().nullable(),
  /** The supervisor's user name. */
  issuedBy: z.string().min(1).max(128),
  expiresAtMs: EpochMs,
});
export type DrAuthorisationView = z.infer<typeof DrAuthorisationView>;

/** Fetched from the head-end each time the view opens; held in memory until it closes. */
export const MeterDetailView = z.strictObject({
  meterId: MeterId,
  fetchedAtMs: EpochMs,
  registerKWh: z.number().min(0).nullable(),
  instantaneousPowerW: z.number().nullable(),
  currentA: z.strictObject({ r: z.number().nullable(), t: z.number().nullable() }),
  halfHourly: z.array(HalfHourView).max(48 * 14),
  drAuthorised: z.boolean(),
  /** The meter's usable (unused, unexpired) supervisor authorisations, fetched with the values. */
  drAuthorisations: z.array(DrAuthorisationView).max(32),
});
export type MeterDetailView = z.infer<typeof MeterDetailView>;

// --- demand response -----------------------------------------------------------------------

export const DrAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('disconnect') }),
  z.strictObject({ action: z.literal('reconnect') }),
  z.strictObject({ action: z.literal('load-limit'), limitW: z.number().int().min(100).max(100_000) }),
]);
export type DrAction = z.infer<typeof DrAction>;

export const DrResultView = z.strictObject({
  meterId: MeterId,
  action: DrAction,
  outcome: z.enum(['confirmed', 'refused', 'failed']),
  detail: Text.nullable(),
  atMs: EpochMs,
});
export type DrResultView = z.infer<typeof DrResultView>;

// --- states that explain themselves --------------------------------------------------------

export const AlertKind = z.enum(['revoked', 'vpn-lost', 'dongle-unplugged', 'headend-unreachable']);
export type AlertKind = z.infer<typeof AlertKind>;

export const AlertView = z.strictObject({
  kind: AlertKind,
  sinceMs: EpochMs,
  /** Extra words from the engine (a supervisor's revocation reason); the UI adds what to do. */
  detail: Text.nullable(),
});
export type AlertView = z.infer<typeof AlertView>;

// --- the work order's access grant -----------------------------------------------------------

/** Why the last verification key the worker entered was not accepted (the UI says what to do). */
export const GrantKeyError = z.enum(['malformed', 'wrong-key', 'expired', 'too-many-attempts']);
export type GrantKeyError = z.infer<typeof GrantKeyError>;

/**
 * The job's access grant: a supervisor approves it in the console and reads the single-use
 * verification key to the worker, who enters it here. The key itself is never in a view.
 */
export const GrantView = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('none') }),
  z.strictObject({
    state: z.literal('waiting'),
    grantId: z.string().min(1).max(128),
    workOrderId: z.string().min(1).max(128),
    error: GrantKeyError.nullable(),
  }),
  z.strictObject({
    state: z.literal('approved'),
    grantId: z.string().min(1).max(128),
    workOrderId: z.string().min(1).max(128),
    /** The demo only: the supervisor whose session approved the grant automatically. */
    demoApprovedBy: z.string().min(1).max(128).nullable(),
  }),
]);
export type GrantView = z.infer<typeof GrantView>;

/** Everything the UI needs after it (re)connects, in one message. Meter values are not in it. */
export const SnapshotView = z.strictObject({
  session: SessionView,
  enrolment: EnrolmentView,
  dongles: z.array(DongleView).max(64),
  job: JobView,
  alerts: z.array(AlertView).max(AlertKind.options.length),
  summary: JobSummaryView.nullable(),
  grant: GrantView,
  settings: Settings,
  /** Pieces of the engine not present in this build, named so the UI can say so plainly. */
  unavailable: z.array(z.string().max(200)).max(32),
});
export type SnapshotView = z.infer<typeof SnapshotView>;
