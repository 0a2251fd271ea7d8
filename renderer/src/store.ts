/**
 * The UI's state (zustand). Meter values (rows, details, topology) live only in this memory
 * store: nothing here touches localStorage, IndexedDB or any other persistent storage.
 */
import { create } from 'zustand';
import {
  DEFAULT_SETTINGS,
  JOB_STEPS,
  type AlertView,
  type AppEvent,
  type CommandBody,
  type CommandErrorCode,
  type DongleView,
  type DrResultView,
  type EnrolmentView,
  type GrantView,
  type JobSummaryView,
  type JobView,
  type MeshNodeView,
  type MeterDetailView,
  type MeterFilter,
  type MeterRowView,
  type SessionView,
  type Settings,
  MESH_PAGE_MAX,
  type Command,
} from '../../src/contract/app/index.ts';
import { openPort, type PortStatus, type RendererPort } from './port.ts';

export type Reply = { ok: true } | { ok: false; code: CommandErrorCode };

export interface AppState {
  port: PortStatus;
  snapshotReceived: boolean;
  session: SessionView;
  enrolment: EnrolmentView | null;
  dongles: DongleView[];
  job: JobView;
  alerts: AlertView[];
  summary: JobSummaryView | null;
  /** The job's access grant (never the verification key: that stays in the form until sent). */
  grant: GrantView;
  settings: Settings;
  unavailable: string[];
  mesh: { version: number; total: number; nodes: MeshNodeView[] };
  meterQuery: { filter: MeterFilter; search: string; offset: number; limit: number };
  meterPage: { total: number; offset: number; rows: MeterRowView[] };
  detail: MeterDetailView | null;
  detailOpen: string | null;
  drResult: DrResultView | null;
  lastError: CommandErrorCode | null;
}

const idleJob: JobView = {
  state: 'idle',
  workOrderId: null,
  steps: JOB_STEPS.map((step) => ({ step, status: 'pending', progress: null, detail: null })),
  metersTotal: 0,
  metersJoined: 0,
  metersRead: 0,
  startedAtMs: null,
  stopReason: null,
};

export const useApp = create<AppState>(() => ({
  port: 'connecting',
  snapshotReceived: false,
  session: { state: 'signed-out' },
  enrolment: null,
  dongles: [],
  job: idleJob,
  alerts: [],
  summary: null,
  grant: { state: 'none' },
  settings: DEFAULT_SETTINGS,
  unavailable: [],
  mesh: { version: 0, total: 0, nodes: [] },
  meterQuery: { filter: 'all', search: '', offset: 0, limit: 60 },
  meterPage: { total: 0, offset: 0, rows: [] },
  detail: null,
  detailOpen: null,
  drResult: null,
  lastError: null,
}));

let port: RendererPort | null = null;
let nextId = 1;
const pending = new Map<string, (reply: Reply) => void>();
/** Request ids of the latest page requests: older answers are ignored. */
const latest = { mesh: new Set<string>(), meters: '', detail: '' };

/** Sends a command and resolves with the engine's reply (or a data event standing for it). */
export function request(body: CommandBody): Promise<Reply> {
  const requestId = `r${String(nextId++)}`;
  const command = { ...body, requestId } as Command;
  return new Promise((resolve) => {
    if (port === null || !port.send(command)) {
      resolve({ ok: false, code: 'headend-unreachable' });
      return;
    }
    pending.set(requestId, resolve);
    if (command.type === 'mesh.page') latest.mesh.add(requestId);
    if (command.type === 'meters.page') latest.meters = requestId;
    if (command.type === 'meter.open') latest.detail = requestId;
  });
}

function settle(requestId: string, reply: Reply): void {
  const resolve = pending.get(requestId);
  pending.delete(requestId);
  if (!reply.ok) useApp.setState({ lastError: reply.code });
  resolve?.(reply);
}

export function refreshMeters(): void {
  const { meterQuery } = useApp.getState();
  void request({ type: 'meters.page', ...meterQuery });
}

/** Fetches the topology page by page (≤ 500 nodes a message) into memory. */
function refreshMesh(total: number): void {
  latest.mesh.clear();
  for (let offset = 0; offset < total; offset += MESH_PAGE_MAX)
    void request({ type: 'mesh.page', offset, limit: MESH_PAGE_MAX });
}

function onEvent(event: AppEvent): void {
  switch (event.type) {
    case 'reply':
      settle(event.requestId, event.ok ? { ok: true } : { ok: false, code: event.code });
      return;
    case 'snapshot': {
      const s = event.snapshot;
      useApp.setState({
        snapshotReceived: true,
        session: s.session,
        enrolment: s.enrolment,
        dongles: s.dongles,
        job: s.job,
        alerts: s.alerts,
        summary: s.summary,
        grant: s.grant,
        settings: s.settings,
        unavailable: s.unavailable,
      });
      refreshMeters();
      void request({ type: 'mesh.page', offset: 0, limit: MESH_PAGE_MAX });
      return;
    }
    case 'session':
      useApp.setState({ session: event.session });
      return;
    case 'enrolment':
      useApp.setState({ enrolment: event.enrolment });
      return;
    case 'dongles':
      useApp.setState({ dongles: event.dongles });
      return;
    case 'job': {
      const before = useApp.getState().job;
      useApp.setState({ job: event.job });
      if (
        before.metersJoined !== event.job.metersJoined ||
        before.metersRead !== event.job.metersRead ||
        before.metersTotal !== event.job.metersTotal ||
        // A row changed without changing the counts (authenticating, hops, link quality).
        before.meterVersion !== event.job.meterVersion
      )
        refreshMeters();
      return;
    }
    case 'mesh.changed':
      useApp.setState((s) => ({ mesh: { ...s.mesh, version: event.version, total: event.total } }));
      if (event.total === 0) useApp.setState({ mesh: { version: event.version, total: 0, nodes: [] } });
      else refreshMesh(event.total);
      return;
    case 'mesh.page': {
      if (!latest.mesh.has(event.requestId)) return settle(event.requestId, { ok: true });
      latest.mesh.delete(event.requestId);
      const page = event.page;
      useApp.setState((s) => {
        const nodes = s.mesh.version === page.version ? s.mesh.nodes.slice(0, page.total) : [];
        for (const [i, n] of page.nodes.entries()) nodes[page.offset + i] = n;
        return { mesh: { version: page.version, total: page.total, nodes } };
      });
      return settle(event.requestId, { ok: true });
    }
    case 'meters.page':
      if (event.requestId === latest.meters)
        useApp.setState({
          meterPage: { total: event.page.total, offset: event.page.offset, rows: event.page.rows },
        });
      return settle(event.requestId, { ok: true });
    case 'meter.detail':
      if (event.requestId === latest.detail && useApp.getState().detailOpen === event.detail.meterId)
        useApp.setState({ detail: event.detail });
      return settle(event.requestId, { ok: true });
    case 'meter.closed':
      return;
    case 'dr.result':
      useApp.setState({ drResult: event.result });
      return settle(event.requestId, { ok: true });
    case 'alerts':
      useApp.setState({ alerts: event.alerts });
      return;
    case 'summary':
      // The job is over: the engine has forgotten every meter, so does the screen.
      useApp.setState({ summary: event.summary, detail: null, detailOpen: null, drResult: null });
      refreshMeters();
      return;
    case 'settings':
      useApp.setState({ settings: event.settings });
      return;
    case 'grant':
      useApp.setState({ grant: event.grant });
      return;
  }
}

export function startPort(): void {
  port = openPort(onEvent, (status) => {
    useApp.setState({ port: status });
    if (status === 'open') void request({ type: 'snapshot' });
  });
}

export function openMeter(meterId: string): void {
  useApp.setState({ detailOpen: meterId, detail: null, drResult: null });
  void request({ type: 'meter.open', meterId });
}

/** Closing a meter drops its values from memory. */
export function closeMeter(): void {
  const id = useApp.getState().detailOpen;
  useApp.setState({ detailOpen: null, detail: null, drResult: null });
  if (id !== null) void request({ type: 'meter.close', meterId: id });
}
