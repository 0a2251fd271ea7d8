import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertKind, JobStepName, JobStepView } from '../../../src/contract/app/index.ts';
import {
  FieldJobDriver,
  type FieldJob,
  type JobObserver,
  type JobReads,
  type MeterReadOutcome,
  type MeterState,
} from '../../../src/field/app-engine/index.ts';
import type { FieldEngineEvent } from '../../../src/field/engine/index.ts';
import type { JobConnectionInfo } from '../../../src/field/job/index.ts';
import { HeadendApiError } from '../../../src/field/headend-client/index.ts';

const ROOT_EUI = 0x00124b0000000001n;
const METER_EUI = 0x00124b00000000a1n;
/** A second meter of the order, behind the first (two hops). */
const METER2_EUI = 0x00124b00000000a2n;
/** A node that is not in the work order (a neighbour's meter hearing the root). */
const STRANGER_EUI = 0x00124b00000000ffn;
const NOW = 1_700_000_000_000;

/** The link-local address of an EUI-64 (RFC 4291 appendix A: U/L bit flipped). */
function addressOf(eui: bigint): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = 0xfe;
  a[1] = 0x80;
  const iid = eui ^ (0x02n << 56n);
  for (let i = 0; i < 8; i++) a[15 - i] = Number((iid >> BigInt(8 * i)) & 0xffn);
  return a;
}

class ScriptedFieldJob implements FieldJob {
  readonly rootEui = ROOT_EUI;
  private readonly listeners = new Set<(e: FieldEngineEvent) => void>();
  ended = false;
  private stoppedResolve: () => void = () => undefined;
  private readonly stopped = new Promise<void>((r) => (this.stoppedResolve = r));
  constructor(private readonly failWith: Error | null = null) {}
  onEvent(l: (e: FieldEngineEvent) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(e: FieldEngineEvent) {
    for (const l of this.listeners) l(e);
    if (e.kind === 'stopped') this.stoppedResolve();
  }
  start(): Promise<JobConnectionInfo> {
    this.emit({ kind: 'phase', phase: 'provisioning' });
    this.emit({ kind: 'phase', phase: 'connecting' });
    if (this.failWith !== null) {
      this.emit({ kind: 'stopped', phase: 'failed' });
      return Promise.reject(this.failWith);
    }
    this.emit({ kind: 'phase', phase: 'authenticating' });
    this.emit({ kind: 'tool-authenticated', keyIndex: 1, keyServer: 'keyserver.test' });
    this.emit({ kind: 'phase', phase: 'starting-mesh' });
    this.emit({ kind: 'radio-tuned', channel: 33, panId: 0x7a3c, source: 'job' });
    this.emit({
      kind: 'mesh-started',
      address: 'fd00::1',
      meshPrefix: 'fd00::/64',
      channel: 33,
      panId: 0x7a3c,
    });
    this.emit({ kind: 'phase', phase: 'running' });
    return Promise.resolve({} as JobConnectionInfo);
  }
  end() {
    this.ended = true;
    this.emit({ kind: 'stopped', phase: 'ended' });
    return Promise.resolve();
  }
  whenStopped() {
    return this.stopped;
  }
}

class Reads implements JobReads {
  began: string | null = null;
  hasAccess = false;
  outcomes = new Map<string, MeterReadOutcome>();
  /** The next polls fail with these, in order. */
  failures: Error[] = [];
  ended = false;
  begin(workOrderId: string) {
    this.began = workOrderId;
    this.hasAccess = true;
    return Promise.resolve();
  }
  poll() {
    const err = this.failures.shift();
    return err !== undefined ? Promise.reject(err) : Promise.resolve(new Map(this.outcomes));
  }
  end() {
    this.ended = true;
    this.hasAccess = false;
  }
}

class Recorder implements JobObserver {
  steps = new Map<JobStepName, JobStepView['status']>();
  /** Every detail each step showed, in order. */
  details = new Map<JobStepName, (string | null)[]>();
  rows = new Map<string, MeterState>();
  total = 0;
  nodes: { eui64: string; hops: number; state: string; meterId?: string | null }[] = [];
  alerts = new Set<AlertKind>();
  /** Every alert ever raised, in order (one may come and go between two looks at `alerts`). */
  raised: AlertKind[] = [];
  stoppedReason: string | null = null;
  tuned: { channel: number; panId: number } | null = null;
  firmware: string | null = null;
  radio(tuning: { channel: number; panId: number }) {
    this.tuned = tuning;
  }
  dongleFirmware(firmware: string | null) {
    this.firmware = firmware;
  }
  step(step: JobStepName, status: JobStepView['status'], _p?: number | null, detail?: string | null) {
    this.steps.set(step, status);
    this.details.set(step, [...(this.details.get(step) ?? []), detail ?? null]);
  }
  meters(rows: readonly MeterState[], total?: number) {
    for (const r of rows) this.rows.set(r.meterId, r);
    if (total !== undefined) this.total = total;
  }
  topology(nodes: readonly { eui64: string; hops: number; state: string; meterId?: string | null }[]) {
    this.nodes = [...nodes];
  }
  alert(kind: AlertKind) {
    this.raised.push(kind);
    this.alerts.add(kind);
  }
  clearAlert(kind: AlertKind) {
    this.alerts.delete(kind);
  }
  stopped(reason: string) {
    this.stoppedReason = reason;
  }
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail(`${what}: never happened`);
}

function client(workOrders: unknown[]) {
  const calls: string[] = [];
  return {
    calls,
    call: ((name: string) => {
      calls.push(name);
      if (name === 'myWorkOrders') return Promise.resolve({ workOrders });
      if (name === 'startWorkOrder') return Promise.resolve({});
      return Promise.reject(new Error(`unexpected ${name}`));
    }) as never,
  };
}

const ORDER = {
  id: 'wo-1',
  workerId: 'acct-1',
  toolId: 'tool-1',
  meters: [
    { meterId: 'M-0001', eui64: METER_EUI.toString(16).padStart(16, '0') },
    { meterId: 'M-0002', eui64: METER2_EUI.toString(16).padStart(16, '0') },
  ],
  windowStartMs: NOW - 1000,
  windowEndMs: NOW + 3_600_000,
  state: 'assigned',
  createdBy: 'acct-0',
  createdAtMs: NOW - 5000,
};

/** Jobs of the current test: ended after it even when it fails (their read polls keep timers). */
const running: { end(): Promise<void> }[] = [];
afterEach(async () => {
  for (const handle of running.splice(0)) await handle.end();
});

function setUp(options: { orders?: unknown[]; job?: ScriptedFieldJob } = {}) {
  const job = options.job ?? new ScriptedFieldJob();
  const reads = new Reads();
  const api = client(options.orders ?? [ORDER]);
  let released = 0;
  const driver = new FieldJobDriver({
    client: api,
    build: () =>
      Promise.resolve({
        job,
        release: () => {
          released++;
          return Promise.resolve();
        },
      }),
    reads,
    clock: () => NOW,
    readPollMs: 1,
  });
  const seen = new Recorder();
  const handle = driver.start({ workOrderId: null, donglePath: '/dev/pts/9', sessionToken: 'tok' }, seen);
  running.push(handle);
  return { job, reads, api, seen, handle, released: () => released };
}

test('a job goes through every step to all meters read, with the work order started and the grant taken', async () => {
  const { job, reads, api, seen, handle, released } = setUp();
  await until('the mesh root runs', () => seen.steps.get('mesh-root') === 'done');
  assert.deepEqual(api.calls, ['myWorkOrders', 'startWorkOrder'], 'an assigned work order is started first');
  for (const step of ['vpn', 'tool-authentication', 'network-key'] as const)
    assert.equal(seen.steps.get(step), 'done', `${step} is done`);
  assert.equal(seen.total, 2);
  await until('the grant is taken', () => reads.began === 'wo-1');

  job.emit({
    kind: 'mesh',
    event: {
      kind: 'node-joined-dodag',
      address: addressOf(METER_EUI),
      eui: METER_EUI,
      parent: addressOf(ROOT_EUI),
    },
  });
  const node = seen.nodes.find((n) => n.eui64 === METER_EUI.toString(16).padStart(16, '0'));
  assert.equal(node?.hops, 1, 'a meter whose parent is the root is one hop out');
  assert.equal(seen.nodes[0]?.state, 'root');

  reads.outcomes.set('M-0001', { read: true });
  reads.outcomes.set('M-0002', { read: false, failure: 'timeout' });
  await until('M-0001 read', () => seen.rows.get('M-0001')?.read === 'read');
  assert.equal(seen.rows.get('M-0001')?.join, 'joined', 'a read meter is joined');
  await until('M-0002 failure shown', () => seen.rows.get('M-0002')?.read === 'failed');
  assert.equal(seen.rows.get('M-0002')?.failure, 'timeout');
  assert.notEqual(seen.steps.get('meters-read'), 'done', 'one meter is still unread');

  reads.outcomes.set('M-0002', { read: true });
  await until('every meter read', () => seen.steps.get('meters-read') === 'done');
  assert.equal(seen.rows.get('M-0002')?.read, 'read');
  assert.ok(
    [...seen.rows.values()].every((r) => r.drAuthorised),
    'the grant allows DR on every meter',
  );

  await handle.end();
  assert.ok(job.ended, 'the field engine ended the job');
  assert.ok(reads.ended, 'the access key is dropped');
  assert.equal(released(), 1, 'the dongle and device key are released once');
  assert.equal(seen.stoppedReason, null, 'a job the worker ended is not reported as stopped on its own');
});

test('read results the head-end cannot serve are named on the step; an unreachable head-end raises the alert', async () => {
  const { reads, seen, handle } = setUp();
  await until('the grant is taken', () => reads.hasAccess);
  reads.failures.push(new HeadendApiError(404, 'not-found', 'no such endpoint'));
  await until('the failure is shown', () =>
    (seen.details.get('meters-read') ?? []).some((d) => /no such endpoint/.test(d ?? '')),
  );
  assert.ok(!seen.alerts.has('headend-unreachable'), 'a refusal is not an unreachable head-end');
  const unreachable = () => new HeadendApiError(0, 'unreachable', 'connect ECONNREFUSED');
  reads.failures.push(unreachable(), unreachable());
  // Polls run every millisecond: the alert may be raised and cleared between two looks.
  await until('the unreachable alert', () => seen.raised.includes('headend-unreachable'));
  await until('the alert clears once the head-end answers', () => !seen.alerts.has('headend-unreachable'));
  await handle.end();
});

test('revocation mid-job shows the alert, stops with the reason and releases everything', async () => {
  const { job, reads, seen, released } = setUp();
  await until('the mesh root runs', () => seen.steps.get('mesh-root') === 'done');
  job.emit({ kind: 'revoked', signal: 'api-revoked', message: 'this tool was revoked by a supervisor' });
  job.emit({ kind: 'stopped', phase: 'revoked' });
  await until('stopped', () => seen.stoppedReason !== null);
  assert.ok(seen.alerts.has('revoked'), 'the revoked alert is raised');
  assert.match(seen.stoppedReason ?? '', /revoked/);
  assert.ok(reads.ended, 'the access key is dropped');
  await until('released', () => released() === 1);
});

test('an unplugged dongle raises the alert and its return clears it; the job goes on; its firmware is shown while attached', async () => {
  const { job, seen, handle } = setUp();
  await until('the mesh root runs', () => seen.steps.get('mesh-root') === 'done');
  job.emit({ kind: 'dongle', attached: false, reason: 'the serial port closed' });
  assert.ok(seen.alerts.has('dongle-unplugged'), 'unplug is reported');
  assert.equal(seen.firmware, null, 'no firmware shown for a dongle that is gone');
  job.emit({ kind: 'dongle', attached: true, description: '/dev/pts/9', firmware: 'RCP/2.1' });
  assert.ok(!seen.alerts.has('dongle-unplugged'), 'replug clears it');
  assert.equal(seen.firmware, 'RCP/2.1', 'the firmware the dongle reported reaches the dongle status');
  assert.equal(seen.stoppedReason, null, 'the job did not stop');
  await handle.end();
});

test('without an open work order the job stops and says what to do; a failing start names the step', async () => {
  const none = setUp({ orders: [{ ...ORDER, windowEndMs: NOW - 1 }] });
  await until('stopped', () => none.seen.stoppedReason !== null);
  assert.match(none.seen.stoppedReason ?? '', /ask your supervisor/);

  const failing = setUp({ job: new ScriptedFieldJob(new Error('the gateway did not answer')) });
  await until('stopped', () => failing.seen.stoppedReason !== null);
  assert.equal(failing.seen.steps.get('vpn'), 'failed', 'the VPN step failed');
  assert.match(failing.seen.stoppedReason ?? '', /the gateway did not answer/);
  await until('released', () => failing.released() === 1);
});

test('a meter shows joined, with hops and its link to the root, as soon as the mesh reports it, before any read', async () => {
  const { job, reads, seen, handle } = setUp();
  await until('the mesh root runs', () => seen.steps.get('mesh-root') === 'done');
  assert.deepEqual(seen.tuned, { channel: 33, panId: 0x7a3c }, 'the job’s radio is reported');
  assert.deepEqual(
    [...seen.rows.values()].map((r) => [r.meterId, r.eui64, r.join]),
    [
      ['M-0001', '00124b00000000a1', 'waiting'],
      ['M-0002', '00124b00000000a2', 'waiting'],
    ],
    'rows carry the EUI-64s of the work order',
  );
  await until('the grant is taken', () => reads.began === 'wo-1');

  // M-0002's PANA is relayed first: it is authenticating, with no hops yet.
  job.emit({
    kind: 'mesh',
    event: {
      kind: 'join-state',
      eui: METER2_EUI,
      address: addressOf(METER2_EUI),
      state: { state: 'authenticating', pana: true, routed: false, mleSynchronised: false },
    },
  });
  assert.equal(seen.rows.get('M-0002')?.join, 'authenticating');
  assert.equal(seen.rows.get('M-0002')?.hops, null);

  job.emit({
    kind: 'mesh',
    event: {
      kind: 'node-joined-dodag',
      address: addressOf(METER_EUI),
      eui: METER_EUI,
      parent: addressOf(ROOT_EUI),
    },
  });
  job.emit({ kind: 'mesh', event: { kind: 'link-quality', eui: METER_EUI, etx: 1.5 } });
  job.emit({
    kind: 'mesh',
    event: {
      kind: 'node-joined-dodag',
      address: addressOf(METER2_EUI),
      eui: METER2_EUI,
      parent: addressOf(METER_EUI),
    },
  });
  job.emit({
    kind: 'mesh',
    event: { kind: 'node-joined-dodag', address: addressOf(STRANGER_EUI), eui: STRANGER_EUI },
  });
  const m1 = seen.rows.get('M-0001');
  const m2 = seen.rows.get('M-0002');
  assert.deepEqual([m1?.join, m1?.hops, m1?.linkEtx], ['joined', 1, 1.5], 'one hop, ETX to the root');
  assert.deepEqual(
    [m2?.join, m2?.hops, m2?.linkEtx],
    ['joined', 2, null],
    'two hops; the root does not measure that link',
  );
  assert.equal(m1?.read, 'unread', 'joined before any read exists');
  assert.equal(
    seen.nodes.find((n) => n.eui64 === '00124b00000000a1')?.meterId,
    'M-0001',
    'the mesh view names the meter',
  );
  assert.equal(
    seen.steps.get('meters-joining'),
    'done',
    'both meters of the order joined (the stranger does not count)',
  );

  job.emit({
    kind: 'mesh',
    event: { kind: 'node-left', address: addressOf(METER2_EUI), eui: METER2_EUI, reason: 'no-path' },
  });
  assert.equal(seen.rows.get('M-0002')?.join, 'lost', 'a meter that left is shown lost');
  await handle.end();
});
