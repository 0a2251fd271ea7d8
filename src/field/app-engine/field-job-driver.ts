/**
 * The app's `JobDriver` over the field engine (src/field/engine): picks the worker's work order,
 * has the host build a FieldEngine on the chosen dongle, and turns its event stream into the
 * app's steps, meter rows, topology and alerts. Read results come from the head-end (`JobReads`,
 * under the work order's access grant), polled while the mesh runs.
 *
 * Steps: VPN ('connecting') → tool authentication ('authenticating') → network key (delivered by
 * the tool's PANA session with the authentication) → mesh root ('starting-mesh' → 'mesh-started')
 * → meters joining (in the DODAG / meters of the work order) → meters read (read results / meters).
 *
 * The work order names each meter with its registry EUI-64, so a meter's row shows its join state
 * (authenticating, joined with hops and the ETX of its link to the root, lost) as soon as the
 * mesh root reports it — before the head-end has any read. The job's radio (channel, PAN ID from
 * the head-end, tuned before the mesh root starts) is reported for the dongle status.
 */
import type { JobStepName, MeshNodeView, MeterJoinState } from '../../contract/app/index.ts';
import type { FieldEngineEvent } from '../engine/index.ts';
import type { HeadendClient } from '../headend-client/index.ts';
import type { JobConnectionInfo } from '../job/index.ts';
import { classifyHeadendError } from './headend-client.ts';
import type { JobReads } from './headend-meter-data.ts';
import { euiText, MeshTopologyView } from './mesh-topology-view.ts';
import type { JobDriver, JobHandle, JobObserver, JobStartRequest, MeterState } from './seams.ts';

/** What the driver uses of a FieldEngine (tests give a scripted one). */
export interface FieldJob {
  onEvent(listener: (e: FieldEngineEvent) => void): () => void;
  start(workOrderId: string): Promise<JobConnectionInfo>;
  end(): Promise<void>;
  whenStopped(): Promise<void>;
  /** The dongle's EUI-64 once attached (the root of the topology). */
  readonly rootEui: bigint | undefined;
}

/** A FieldEngine the host built for one job, and what to release after it (the dongle, keys). */
export interface BuiltFieldJob {
  readonly job: FieldJob;
  release(): Promise<void>;
}

export interface FieldJobDriverOptions {
  readonly client: Pick<HeadendClient, 'call'>;
  /** Builds the engine on the dongle the worker picked, with the vault's device credentials. */
  readonly build: (request: JobStartRequest) => Promise<BuiltFieldJob>;
  readonly reads: JobReads;
  readonly clock: () => number;
  /** How often read results are fetched while the mesh runs, ms. */
  readonly readPollMs?: number;
}

export const DEFAULT_READ_POLL_MS = 2_000;
/** Consecutive failed polls of read results before the head-end is reported unreachable. */
const POLL_FAILURES_BEFORE_ALERT = 2;

export class FieldJobDriver implements JobDriver {
  constructor(private readonly o: FieldJobDriverOptions) {}

  start(request: JobStartRequest, observer: JobObserver): JobHandle {
    const run = new FieldJobRun(this.o, request, observer);
    void run.run();
    return { end: () => run.end() };
  }
}

class FieldJobRun {
  private built: BuiltFieldJob | null = null;
  private workOrderId: string | null = null;
  private readonly meters = new Map<string, MeterState>();
  /** EUI-64 (16 lower-case hex digits, as the registry and the topology write it) → meter id. */
  private readonly meterOfEui = new Map<string, string>();
  private topology: MeshTopologyView | null = null;
  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private pollFailures = 0;
  private over = false;
  /** `start` resolved: a failure from here on comes only as the engine's 'stopped' event. */
  private started = false;
  private ending = false;
  private active: JobStepName | null = null;
  private readonly done = new Set<JobStepName>();

  constructor(
    private readonly o: FieldJobDriverOptions,
    private readonly request: JobStartRequest,
    private readonly observer: JobObserver,
  ) {}

  async run(): Promise<void> {
    try {
      const order = await this.workOrder();
      this.workOrderId = order.id;
      for (const { meterId, eui64 } of order.meters) {
        this.meterOfEui.set(eui64, meterId);
        this.meters.set(meterId, {
          meterId,
          eui64,
          join: 'waiting',
          read: 'unread',
          hops: null,
          linkEtx: null,
          drAuthorised: false,
        });
      }
      this.observer.meters([...this.meters.values()], order.meters.length);
      if (this.over) return;
      this.built = await this.o.build(this.request);
      if (this.over) return void (await this.built.release());
      const job = this.built.job;
      job.onEvent((e) => this.onEvent(e));
      this.activate('vpn');
      await job.start(order.id);
      this.started = true;
    } catch (err) {
      if (this.over) return;
      if (this.active !== null) this.observer.step(this.active, 'failed', null, message(err));
      await this.stop(`the job could not start: ${message(err)}`);
    }
  }

  async end(): Promise<void> {
    if (this.over) return;
    this.ending = true;
    this.over = true;
    this.stopPolling();
    this.o.reads.end();
    const built = this.built;
    if (built !== null) {
      await built.job.end().catch(() => undefined);
      await built.release();
    }
  }

  private async workOrder(): Promise<{
    id: string;
    meters: readonly { meterId: string; eui64: string }[];
  }> {
    const { workOrders } = await this.o.client.call('myWorkOrders', { token: this.request.sessionToken });
    const now = this.o.clock();
    const usable = workOrders.filter(
      (w) =>
        (w.state === 'assigned' || w.state === 'active') && w.windowStartMs <= now && now < w.windowEndMs,
    );
    const order =
      this.request.workOrderId === null
        ? (usable.find((w) => w.state === 'active') ?? usable[0])
        : usable.find((w) => w.id === this.request.workOrderId);
    if (order === undefined)
      throw new Error(
        this.request.workOrderId === null
          ? 'no work order of yours is open now: ask your supervisor to assign one'
          : 'that work order is not yours or not open now',
      );
    if (order.state === 'assigned')
      await this.o.client.call('startWorkOrder', {
        token: this.request.sessionToken,
        params: { id: order.id },
      });
    return order;
  }

  private onEvent(e: FieldEngineEvent): void {
    if (this.over && e.kind !== 'stopped') return;
    switch (e.kind) {
      case 'phase':
        if (e.phase === 'authenticating') this.activate('tool-authentication');
        else if (e.phase === 'starting-mesh') this.activate('mesh-root');
        return;
      case 'tool-authenticated':
        this.complete('tool-authentication');
        this.observer.step('network-key', 'done', 1, `key ${String(e.keyIndex)} from ${e.keyServer}`);
        this.done.add('network-key');
        return;
      case 'radio-tuned':
        this.observer.radio({ channel: e.channel, panId: e.panId });
        return;
      case 'mesh-started':
        this.complete('mesh-root', `channel ${String(e.channel)}, PAN 0x${e.panId.toString(16)}`);
        this.startMeshViews();
        return;
      case 'dongle':
        this.observer.dongleFirmware(e.attached ? (e.firmware ?? null) : null);
        if (e.attached) this.observer.clearAlert('dongle-unplugged');
        else this.observer.alert('dongle-unplugged', e.reason);
        return;
      case 'mesh':
        if (this.topology?.apply(e.event) === true) this.meshChanged();
        return;
      case 'joins':
        return;
      case 'network-key':
        return;
      case 'revoked':
        this.observer.alert('revoked', e.message);
        void this.stop(e.message);
        return;
      case 'stopped':
        // Before `start` resolved, its rejection says what failed (run's catch).
        if (!this.started) return;
        if (e.phase === 'failed' && !this.ending) void this.stop('the job stopped: a step could not go on');
        else if (e.phase === 'ended' && !this.ending) void this.stop('the head-end ended the job');
        return;
    }
  }

  private startMeshViews(): void {
    const rootEui = this.built?.job.rootEui ?? 0n;
    this.topology = new MeshTopologyView(rootEui, (eui) => this.meterOfEui.get(euiText(eui)) ?? null);
    this.activate('meters-joining');
    this.observer.topology(this.topology.list());
    this.observer.step('meters-read', 'active', 0, 'asking the head-end for access to read results');
    this.o.reads.begin(this.workOrderId ?? '', this.request.sessionToken).then(
      () => {
        if (this.over) return;
        const rows = [...this.meters.values()].map((m) => ({ ...m, drAuthorised: true }));
        for (const r of rows) this.meters.set(r.meterId, r);
        this.observer.meters(rows);
        this.schedulePoll(0);
      },
      (err: unknown) => {
        if (!this.over)
          this.observer.step('meters-read', 'failed', null, `no access to read results: ${message(err)}`);
      },
    );
  }

  private meshChanged(): void {
    const topology = this.topology;
    if (topology === null) return;
    const nodes = topology.list();
    this.observer.topology(nodes);
    this.joinStatesFrom(nodes);
    // The work order's meters only: other nodes may hear the root too.
    const joined = [...this.meters.values()].filter((m) => m.join === 'joined').length;
    const total = Math.max(1, this.meters.size);
    const progress = Math.min(1, joined / total);
    if (joined >= this.meters.size && this.meters.size > 0)
      this.complete('meters-joining', `${String(joined)} in the mesh`);
    else if (!this.done.has('meters-joining'))
      this.observer.step('meters-joining', 'active', progress, `${String(joined)} in the mesh`);
  }

  /** The work order's meters as the mesh sees them: join state, hops, link to the root. */
  private joinStatesFrom(nodes: readonly MeshNodeView[]): void {
    const changed: MeterState[] = [];
    for (const node of nodes) {
      if (node.meterId === null) continue;
      const row = this.meters.get(node.meterId);
      if (row === undefined) continue;
      const join = JOIN_OF_NODE[node.state] ?? row.join;
      // Hops only once the route to the root is known (the view draws an unknown chain at 1).
      const hops =
        node.state === 'joined' ? (this.topology?.hopsOf(BigInt(`0x${node.eui64}`)) ?? null) : null;
      const linkEtx = node.linkEtx;
      if (join === row.join && hops === row.hops && linkEtx === (row.linkEtx ?? null)) continue;
      const next: MeterState = { ...row, join, hops, linkEtx };
      this.meters.set(row.meterId, next);
      changed.push(next);
    }
    if (changed.length > 0) this.observer.meters(changed);
  }

  private schedulePoll(delayMs: number): void {
    if (this.over) return;
    this.pollTimer = setTimeout(() => void this.poll(), delayMs);
  }

  private stopPolling(): void {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private async poll(): Promise<void> {
    this.pollTimer = null;
    try {
      const outcomes = await this.o.reads.poll(this.request.sessionToken);
      if (this.over) return;
      this.pollFailures = 0;
      this.observer.clearAlert('headend-unreachable');
      const changed: MeterState[] = [];
      for (const [meterId, outcome] of outcomes) {
        const row = this.meters.get(meterId);
        if (row === undefined) continue;
        const next: MeterState = outcome.read
          ? { ...row, join: 'joined', read: 'read' }
          : outcome.failure !== undefined
            ? { ...row, read: row.read === 'read' ? 'read' : 'failed', failure: outcome.failure }
            : row;
        if (
          next !== row &&
          (next.read !== row.read || next.join !== row.join || next.failure !== row.failure)
        ) {
          this.meters.set(meterId, next);
          changed.push(next);
        }
      }
      if (changed.length > 0) this.observer.meters(changed);
      const read = [...this.meters.values()].filter((m) => m.read === 'read').length;
      const total = this.meters.size;
      if (read >= total && total > 0) {
        this.complete('meters-joining', `${String(total)} in the mesh`);
        this.complete('meters-read', `${String(read)} of ${String(total)} read`);
      } else
        this.observer.step(
          'meters-read',
          'active',
          total === 0 ? 0 : read / total,
          `${String(read)} of ${String(total)} read`,
        );
    } catch (err) {
      if (this.over) return;
      const failure = classifyHeadendError(err);
      if (failure.failure !== 'headend-unreachable')
        this.observer.step('meters-read', 'active', null, `read results unavailable: ${failure.message}`);
      else if (++this.pollFailures >= POLL_FAILURES_BEFORE_ALERT)
        this.observer.alert('headend-unreachable', failure.message);
    }
    this.schedulePoll(this.o.readPollMs ?? DEFAULT_READ_POLL_MS);
  }

  private activate(step: JobStepName): void {
    if (this.active !== null && this.active !== step) this.complete(this.active);
    this.active = step;
    this.observer.step(step, 'active', null, null);
  }

  private complete(step: JobStepName, detail: string | null = null): void {
    if (this.done.has(step)) return;
    this.done.add(step);
    if (this.active === step) this.active = null;
    this.observer.step(step, 'done', 1, detail);
  }

  private async stop(reason: string): Promise<void> {
    if (this.over) return;
    this.over = true;
    this.stopPolling();
    this.o.reads.end();
    this.observer.stopped(reason);
    const built = this.built;
    if (built !== null) {
      await built.job.whenStopped().catch(() => undefined);
      await built.release();
    }
  }
}

/** A mesh node's state as a meter row's join state ('root' is the tool, never a meter). */
const JOIN_OF_NODE: Readonly<Record<MeshNodeView['state'], MeterJoinState | undefined>> = {
  root: undefined,
  // Its PANA is relayed and it has no route yet: EAP-PSK under way.
  joining: 'authenticating',
  joined: 'joined',
  lost: 'lost',
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
