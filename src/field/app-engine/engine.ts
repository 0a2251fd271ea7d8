/**
 * The engine side of the app contract: takes validated commands from any number of UI
 * connections (Electron IPC, the web shell's WebSockets), drives the job through the seams and
 * pushes events back. Meter values pass through in memory only; nothing here writes to disk
 * except settings, through the host's `SettingsStore`.
 */
import {
  DEFAULT_SETTINGS,
  JOB_STEPS,
  type AlertKind,
  type AlertView,
  type AppEvent,
  type Command,
  type CommandErrorCode,
  type DongleView,
  type EnrolmentView,
  type JobSummaryView,
  type JobView,
  type MeshNodeView,
  type MeterFilter,
  type MeterRowView,
  type SessionView,
  type Settings,
  type SnapshotView,
} from '../../contract/app/index.ts';
import { classifyHeadendError, type HeadendSessions } from './headend-client.ts';
import type {
  EnrolmentSource,
  GrantKeys,
  JobDriver,
  JobHandle,
  JobObserver,
  KeySubmission,
  MeterData,
  MeterState,
} from './seams.ts';

export interface SettingsStore {
  load(): Settings;
  save(settings: Settings): void;
}

export const memorySettingsStore = (initial: Settings = DEFAULT_SETTINGS): SettingsStore => {
  let current = initial;
  return {
    load: () => current,
    save: (s) => {
      current = s;
    },
  };
};

/** A serial port the host found, before the engine decides whether the allow-list admits it. */
export interface DongleInfo {
  readonly path: string;
  readonly label: string;
  /** `vvvv:pppp`; null for a pseudo-terminal the host was told to use (the simulator). */
  readonly usbId: string | null;
  /** On the built-in list of known dongle USB ids (hardware/ports); used when the allow-list is empty. */
  readonly knownDongle?: boolean;
  readonly firmware: string | null;
  readonly channel: number | null;
  readonly rssiDbm: number | null;
  readonly status?: DongleView['status'];
  readonly error?: string | null;
}

export interface AppEngineDeps {
  readonly clock: () => number;
  readonly settings: SettingsStore;
  /** Null when no head-end is configured: sign-in then says so. */
  readonly headend: HeadendSessions | null;
  readonly job?: JobDriver;
  readonly meterData?: MeterData;
  readonly enrolment?: EnrolmentSource;
  /** The job's access grant: the verification key the worker enters (the read results wait on it). */
  readonly grant?: GrantKeys;
  /** How the host keeps the tool's keys (shown on the enrolment card). */
  readonly vault?: EnrolmentView['vault'];
}

/** One UI attached to the engine. */
export interface EngineConnection {
  handle(command: Command): Promise<void>;
  close(): void;
}

type Send = (event: AppEvent) => void;

const DR_ROLES = new Set(['field-worker', 'supervisor', 'admin']);

/** A refused verification key as a command failure (the grant view carries the worker's words). */
const KEY_FAILURE: Readonly<
  Record<Extract<KeySubmission, { ok: false }>['error'], [CommandErrorCode, string]>
> = {
  'no-grant': ['not-found', 'no grant is waiting for a verification key'],
  malformed: ['invalid', 'a verification key is 43 letters, digits, - or _'],
  'wrong-key': ['not-authorised', 'the head-end did not accept this verification key'],
  expired: ['not-authorised', 'the verification key expired or was used; a new grant was requested'],
  'too-many-attempts': ['not-authorised', 'too many verification keys were refused'],
};

export class AppEngine {
  private readonly connections = new Set<Send>();
  private session: SessionView = { state: 'signed-out' };
  /** The worker's bearer token: memory only, dropped on sign-out. */
  private token: string | null = null;
  private enrolment: EnrolmentView;
  private found: DongleInfo[] = [];
  private selectedDongle: string | null = null;
  /** The running job's channel and PAN ID (from the head-end), for the selected dongle's status. */
  private jobRadio: { channel: number; panId: number } | null = null;
  /** The firmware the job's dongle reported when it attached (the port scan cannot know it). */
  private jobDongleFirmware: string | null = null;
  private job: JobView = idleJob();
  private handle: JobHandle | null = null;
  private readonly alerts = new Map<AlertKind, AlertView>();
  private summary: JobSummaryView | null = null;
  private settings: Settings;
  private meters = new Map<string, MeterState>();
  private meterVersion = 0;
  private topology: readonly MeshNodeView[] = [];
  private meshVersion = 0;

  constructor(private readonly deps: AppEngineDeps) {
    this.settings = deps.settings.load();
    this.enrolment = {
      state: 'unknown',
      deviceId: null,
      vault: deps.vault ?? 'unavailable',
      certificateExpiresAtMs: null,
    };
    deps.grant?.onChange((grant) => this.broadcast({ type: 'grant', grant }));
  }

  /** Pieces of the tool this engine was built without; the UI names them. */
  unavailable(): string[] {
    const missing: string[] = [];
    if (this.deps.headend === null) missing.push('head-end connection (no head-end URL configured)');
    if (this.deps.job === undefined) missing.push('job engine (src/field/job)');
    if (this.deps.meterData === undefined) missing.push('meter read results and DR (head-end AMR/DR API)');
    if (this.deps.enrolment === undefined) missing.push('credential vault and enrolment');
    return missing;
  }

  connect(send: Send): EngineConnection {
    this.connections.add(send);
    return {
      handle: (command) => this.dispatch(send, command),
      close: () => {
        this.connections.delete(send);
      },
    };
  }

  snapshot(): SnapshotView {
    return {
      session: this.session,
      enrolment: this.enrolment,
      dongles: this.dongleViews(),
      job: this.job,
      alerts: [...this.alerts.values()],
      summary: this.summary,
      grant: this.deps.grant?.current() ?? { state: 'none' },
      settings: this.settings,
      unavailable: this.unavailable(),
    };
  }

  /** The host reports the serial ports it sees; an unplugged selected dongle raises an alert. */
  updateDongles(found: readonly DongleInfo[]): void {
    this.found = [...found];
    if (this.selectedDongle !== null) {
      const present = found.some((d) => d.path === this.selectedDongle && d.status !== 'unplugged');
      if (!present) this.raise('dongle-unplugged', null);
      else this.clear('dongle-unplugged');
    }
    this.broadcast({ type: 'dongles', dongles: this.dongleViews() });
  }

  async refreshEnrolment(): Promise<void> {
    if (this.deps.enrolment === undefined) return;
    this.enrolment = await this.deps.enrolment.current();
    this.broadcast({ type: 'enrolment', enrolment: this.enrolment });
  }

  private async dispatch(send: Send, command: Command): Promise<void> {
    const fail = (code: CommandErrorCode, detail: string) =>
      send({ type: 'reply', requestId: command.requestId, ok: false, code, detail });
    const ok = () => send({ type: 'reply', requestId: command.requestId, ok: true });
    const needsSession =
      command.type !== 'snapshot' && command.type !== 'sign-in' && command.type !== 'settings.update';
    if (needsSession && this.token === null) return fail('not-signed-in', 'sign in first');
    switch (command.type) {
      case 'snapshot':
        send({ type: 'snapshot', snapshot: this.snapshot() });
        return ok();
      case 'sign-in':
        return this.signIn(command.username, command.password, ok, fail);
      case 'sign-out': {
        if (this.handle !== null) return fail('job-running', 'end the job before signing out');
        const token = this.token;
        this.token = null;
        this.session = { state: 'signed-out' };
        this.broadcast({ type: 'session', session: this.session });
        if (token !== null) await this.deps.headend?.signOut(token).catch(() => undefined);
        return ok();
      }
      case 'dongle.select': {
        if (!this.dongleViews().some((d) => d.path === command.path))
          return fail('not-found', 'no such dongle (unplugged, or not on the allow-list)');
        if (this.handle !== null) return fail('job-running', 'the dongle cannot change during a job');
        this.selectedDongle = command.path;
        this.clear('dongle-unplugged');
        this.broadcast({ type: 'dongles', dongles: this.dongleViews() });
        return ok();
      }
      case 'job.start':
        return this.startJob(command.workOrderId, ok, fail);
      case 'job.end':
        return this.endJob(ok, fail);
      case 'mesh.page': {
        const nodes = this.topology.slice(command.offset, command.offset + command.limit);
        const offset = Math.min(command.offset, this.topology.length);
        send({
          type: 'mesh.page',
          requestId: command.requestId,
          page: { version: this.meshVersion, total: this.topology.length, offset, nodes },
        });
        return;
      }
      case 'meters.page': {
        const matching = this.matchingMeters(command.filter, command.search);
        const offset = Math.min(command.offset, matching.length);
        send({
          type: 'meters.page',
          requestId: command.requestId,
          page: {
            version: this.meterVersion,
            filter: command.filter,
            search: command.search,
            total: matching.length,
            offset,
            rows: matching.slice(offset, offset + command.limit).map(rowView),
          },
        });
        return;
      }
      case 'meter.open': {
        const meter = this.meters.get(command.meterId);
        if (meter === undefined) return fail('not-found', 'this meter is not in the job');
        if (this.deps.meterData === undefined)
          return fail('unavailable', 'read results from the head-end are not available in this build');
        try {
          const detail = await this.deps.meterData.detail(command.meterId, this.token ?? '');
          send({
            type: 'meter.detail',
            requestId: command.requestId,
            detail: { ...detail, drAuthorised: meter.drAuthorised },
          });
          this.clear('headend-unreachable');
        } catch (err) {
          return this.headendFailure(err, fail);
        }
        return;
      }
      case 'meter.close':
        // Nothing to drop: the engine never keeps a detail; the UI drops its copy.
        send({ type: 'meter.closed', meterId: command.meterId });
        return ok();
      case 'dr.execute': {
        const meter = this.meters.get(command.meterId);
        if (meter === undefined) return fail('not-found', 'this meter is not in the job');
        if (this.session.state !== 'signed-in' || !this.session.mayIssueDemandResponse || !meter.drAuthorised)
          return fail('not-authorised', 'no DR authorisation for this meter');
        if (this.deps.meterData === undefined)
          return fail('unavailable', 'DR through the head-end is not available in this build');
        try {
          const result = await this.deps.meterData.demandResponse(
            command.meterId,
            command.action,
            this.token ?? '',
          );
          send({ type: 'dr.result', requestId: command.requestId, result });
        } catch (err) {
          return this.headendFailure(err, fail);
        }
        return;
      }
      case 'grant.submit-key': {
        if (this.deps.grant === undefined)
          return fail('unavailable', 'access grants are not available in this build');
        if (this.handle === null) return fail('no-job', 'no job is running');
        const outcome = await this.deps.grant.submit(command.verificationKey);
        if (outcome.ok) return ok();
        return fail(...KEY_FAILURE[outcome.error]);
      }
      case 'settings.update':
        this.settings = command.settings;
        this.deps.settings.save(command.settings);
        this.broadcast({ type: 'settings', settings: this.settings });
        this.broadcast({ type: 'dongles', dongles: this.dongleViews() });
        return ok();
      case 'alert.dismiss':
        this.clear(command.kind);
        return ok();
    }
  }

  private async signIn(
    username: string,
    password: string,
    ok: () => void,
    fail: (code: CommandErrorCode, detail: string) => void,
  ): Promise<void> {
    if (this.deps.headend === null) return fail('unavailable', 'no head-end is configured for this app');
    try {
      const worker = await this.deps.headend.signIn(username, password);
      this.token = worker.token;
      this.session = {
        state: 'signed-in',
        username,
        role: worker.role,
        mayIssueDemandResponse: DR_ROLES.has(worker.role),
        expiresAtMs: worker.expiresAtMs,
      };
      this.clear('headend-unreachable');
      this.broadcast({ type: 'session', session: this.session });
      ok();
    } catch (err) {
      this.headendFailure(err, fail);
    }
  }

  private headendFailure(err: unknown, fail: (code: CommandErrorCode, detail: string) => void): void {
    const failure = classifyHeadendError(err);
    if (failure.failure === 'headend-unreachable') this.raise('headend-unreachable', null);
    if (failure.failure === 'revoked') this.raise('revoked', failure.message);
    const code: CommandErrorCode =
      failure.failure === 'refused' || failure.failure === 'revoked' ? 'not-authorised' : failure.failure;
    fail(code, failure.message);
  }

  private startJob(
    workOrderId: string | null,
    ok: () => void,
    fail: (code: CommandErrorCode, detail: string) => void,
  ): void {
    if (this.handle !== null) return fail('job-running', 'a job is already running');
    if (this.selectedDongle === null) return fail('no-dongle', 'choose a dongle first');
    if (this.alerts.has('revoked')) return fail('not-authorised', 'this tool has been revoked');
    if (this.deps.job === undefined)
      return fail('unavailable', 'the job engine is not available in this build');
    this.meters = new Map();
    this.topology = [];
    this.summary = null;
    this.job = { ...idleJob(), state: 'starting', workOrderId, startedAtMs: this.deps.clock() };
    this.broadcast({ type: 'job', job: this.job });
    const token = this.token ?? '';
    this.handle = this.deps.job.start(
      { workOrderId, donglePath: this.selectedDongle, sessionToken: token },
      this.observer(),
    );
    ok();
  }

  private async endJob(
    ok: () => void,
    fail: (code: CommandErrorCode, detail: string) => void,
  ): Promise<void> {
    const handle = this.handle;
    if (handle === null) return fail('no-job', 'no job is running');
    this.job = { ...this.job, state: 'ending' };
    this.broadcast({ type: 'job', job: this.job });
    await handle.end();
    this.finish('ended', null);
    ok();
  }

  /** The job is over: summarise, then forget every meter and the topology. */
  private finish(state: 'ended' | 'stopped', reason: string | null): void {
    this.handle = null;
    this.deps.grant?.reset();
    if (this.jobRadio !== null || this.jobDongleFirmware !== null) {
      this.jobRadio = null;
      this.jobDongleFirmware = null;
      this.broadcast({ type: 'dongles', dongles: this.dongleViews() });
    }
    const all = [...this.meters.values()];
    const read = all.filter((m) => m.read === 'read').length;
    const total = Math.max(this.job.metersTotal, all.length);
    this.summary = {
      workOrderId: this.job.workOrderId,
      metersTotal: total,
      read,
      unread: total - read,
      exceptions: all
        .filter((m) => m.join === 'failed' || m.read === 'failed' || m.failure !== undefined)
        .map((m) => ({ meterId: m.meterId, reason: (m.failure ?? `${m.join}, ${m.read}`).slice(0, 500) })),
      startedAtMs: this.job.startedAtMs ?? this.deps.clock(),
      endedAtMs: this.deps.clock(),
    };
    this.job = { ...this.job, state, stopReason: reason };
    this.meters = new Map();
    this.topology = [];
    this.meterVersion++;
    this.meshVersion++;
    this.broadcast({ type: 'job', job: this.job });
    this.broadcast({ type: 'summary', summary: this.summary });
    this.broadcast({ type: 'mesh.changed', version: this.meshVersion, total: 0 });
  }

  private observer(): JobObserver {
    const live = () => this.handle !== null;
    return {
      step: (step, status, progress = null, detail = null) => {
        if (!live()) return;
        const steps = this.job.steps.map((s) => (s.step === step ? { step, status, progress, detail } : s));
        const state = status === 'failed' ? this.job.state : 'running';
        this.job = { ...this.job, steps, state };
        this.broadcast({ type: 'job', job: this.job });
      },
      meters: (rows, total) => {
        if (!live()) return;
        for (const row of rows) this.meters.set(row.meterId, row);
        this.meterVersion++;
        const all = [...this.meters.values()];
        const metersTotal = Math.max(total ?? 0, all.length);
        this.job = {
          ...this.job,
          metersTotal,
          metersJoined: all.filter((m) => m.join === 'joined').length,
          metersRead: all.filter((m) => m.read === 'read').length,
          meterVersion: this.meterVersion,
        };
        this.broadcast({ type: 'job', job: this.job });
      },
      radio: (tuning) => {
        if (!live()) return;
        this.jobRadio = { channel: tuning.channel, panId: tuning.panId };
        this.broadcast({ type: 'dongles', dongles: this.dongleViews() });
      },
      dongleFirmware: (firmware) => {
        if (!live() || firmware === this.jobDongleFirmware) return;
        this.jobDongleFirmware = firmware === null ? null : firmware.slice(0, 200);
        this.broadcast({ type: 'dongles', dongles: this.dongleViews() });
      },
      topology: (nodes) => {
        if (!live()) return;
        this.topology = [...nodes];
        this.meshVersion++;
        this.broadcast({ type: 'mesh.changed', version: this.meshVersion, total: nodes.length });
      },
      alert: (kind, detail = null) => this.raise(kind, detail),
      clearAlert: (kind) => this.clear(kind),
      stopped: (reason) => {
        if (live()) this.finish('stopped', reason.slice(0, 500));
      },
    };
  }

  private raise(kind: AlertKind, detail: string | null): void {
    const existing = this.alerts.get(kind);
    if (existing !== undefined && existing.detail === detail) return;
    this.alerts.set(kind, {
      kind,
      sinceMs: existing?.sinceMs ?? this.deps.clock(),
      detail: detail?.slice(0, 500) ?? null,
    });
    this.broadcast({ type: 'alerts', alerts: [...this.alerts.values()] });
  }

  private clear(kind: AlertKind): void {
    if (this.alerts.delete(kind)) this.broadcast({ type: 'alerts', alerts: [...this.alerts.values()] });
  }

  private dongleViews(): DongleView[] {
    const allow = new Set(this.settings.dongleAllowList);
    return this.found
      .filter((d) => d.usbId === null || (allow.size === 0 ? d.knownDongle === true : allow.has(d.usbId)))
      .map((d) => ({
        path: d.path,
        label: d.label.slice(0, 500),
        usbId: d.usbId,
        status: d.status ?? 'connected',
        firmware: d.firmware ?? (d.path === this.selectedDongle ? this.jobDongleFirmware : null) ?? null,
        // The dongle a job runs on is tuned to the job's radio.
        ...(d.path === this.selectedDongle && this.jobRadio !== null
          ? { channel: this.jobRadio.channel, panId: this.jobRadio.panId }
          : { channel: d.channel }),
        rssiDbm: d.rssiDbm,
        selected: d.path === this.selectedDongle,
        error: d.error ?? null,
      }));
  }

  private matchingMeters(filter: MeterFilter, search: string): MeterState[] {
    const needle = search.trim().toLowerCase();
    return [...this.meters.values()]
      .filter((m) => matchesFilter(m, filter))
      .filter(
        (m) =>
          needle === '' ||
          m.meterId.toLowerCase().includes(needle) ||
          // An EUI-64 may be typed as printed on the meter: 02:fe:51:… or 02-fe-51-…
          (m.eui64 ?? '').includes(needle.replace(/[:-]/g, '')),
      )
      .sort((a, b) => a.meterId.localeCompare(b.meterId));
  }

  private broadcast(event: AppEvent): void {
    for (const send of this.connections) send(event);
  }
}

function matchesFilter(m: MeterState, filter: MeterFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'not-joined':
      return m.join !== 'joined';
    case 'unread':
      return m.read !== 'read';
    case 'read':
      return m.read === 'read';
    case 'failed':
      return m.join === 'failed' || m.read === 'failed';
  }
}

function rowView(m: MeterState): MeterRowView {
  return {
    meterId: m.meterId,
    eui64: m.eui64,
    join: m.join,
    read: m.read,
    hops: m.hops,
    linkEtx: m.linkEtx ?? null,
    drAuthorised: m.drAuthorised,
  };
}

function idleJob(): JobView {
  return {
    state: 'idle',
    workOrderId: null,
    steps: JOB_STEPS.map((step) => ({ step, status: 'pending' as const, progress: null, detail: null })),
    metersTotal: 0,
    metersJoined: 0,
    metersRead: 0,
    startedAtMs: null,
    stopReason: null,
  };
}
