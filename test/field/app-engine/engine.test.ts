import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AppEvent,
  DEFAULT_SETTINGS,
  type Command,
  type CommandBody,
  type DrResultView,
} from '../../../src/contract/app/index.ts';
import {
  AppEngine,
  GrantHandOver,
  HeadendError,
  HeadendMeterData,
  memorySettingsStore,
  type HeadendSessions,
  type MeterData,
} from '../../../src/field/app-engine/index.ts';
import { HeadendApiError } from '../../../src/field/headend-client/index.ts';
import { ScriptedJob, meterId } from './fixtures/scripted-job.ts';

const PASSWORD = 'worker-pass-0001';
const TOKEN = 'T'.repeat(43);

const sessions: HeadendSessions = {
  signIn(username, password) {
    if (password !== PASSWORD) return Promise.reject(new HeadendError('invalid-credentials', 'no'));
    return Promise.resolve({
      token: TOKEN,
      role: username === 'sato' ? 'supervisor' : 'field-worker',
      expiresAtMs: 9e12,
    });
  },
  signOut: () => Promise.resolve(),
};

/** An engine with one UI attached; every event it sends is checked against the contract. */
function harness(
  extra: { meterData?: MeterData; headend?: HeadendSessions | null; grant?: GrantHandOver } = {},
) {
  const job = new ScriptedJob();
  let now = 1_700_000_000_000;
  const engine = new AppEngine({
    clock: () => now,
    settings: memorySettingsStore(),
    headend: extra.headend === undefined ? sessions : extra.headend,
    job,
    ...(extra.meterData === undefined ? {} : { meterData: extra.meterData }),
    ...(extra.grant === undefined ? {} : { grant: extra.grant }),
  });
  const events: AppEvent[] = [];
  const conn = engine.connect((e) => {
    const checked = AppEvent.safeParse(e);
    assert.ok(
      checked.success,
      `event ${e.type} keeps the contract: ${JSON.stringify(checked.error?.issues)}`,
    );
    events.push(e);
  });
  let id = 0;
  const send = async (body: CommandBody) => {
    const requestId = `t${String(++id)}`;
    await conn.handle({ ...body, requestId } as Command);
    return events.find((e) => 'requestId' in e && e.requestId === requestId);
  };
  return { engine, job, events, send, tick: (ms: number) => (now += ms) };
}

async function readyToStart(h: ReturnType<typeof harness>) {
  await h.send({ type: 'sign-in', username: 'aiko', password: PASSWORD });
  h.engine.updateDongles([
    { path: '/dev/pts/7', label: 'sim', usbId: null, firmware: 'OPENTHREAD/1', channel: 33, rssiDbm: -60 },
  ]);
  await h.send({ type: 'dongle.select', path: '/dev/pts/7' });
}

test('nothing but a snapshot and sign-in works before signing in, and a wrong password says so', async () => {
  const h = harness();
  const refused = await h.send({ type: 'job.start', workOrderId: null });
  assert.deepEqual(refused && refused.type === 'reply' && !refused.ok && refused.code, 'not-signed-in');
  const wrong = await h.send({ type: 'sign-in', username: 'aiko', password: 'nope' });
  assert.ok(
    wrong?.type === 'reply' && !wrong.ok && wrong.code === 'invalid-credentials',
    'wrong password refused',
  );
  assert.equal(h.engine.snapshot().session.state, 'signed-out');
  const right = await h.send({ type: 'sign-in', username: 'aiko', password: PASSWORD });
  assert.ok(right?.type === 'reply' && right.ok, 'right password accepted');
  const session = h.engine.snapshot().session;
  assert.ok(session.state === 'signed-in' && session.role === 'field-worker', 'signed in as a field worker');
  assert.ok(!JSON.stringify(h.events).includes(TOKEN), 'the session token never reaches the UI');
});

test('without a head-end the UI is told sign-in is unavailable, and the snapshot names what is missing', async () => {
  const h = harness({ headend: null });
  const reply = await h.send({ type: 'sign-in', username: 'aiko', password: PASSWORD });
  assert.ok(reply?.type === 'reply' && !reply.ok && reply.code === 'unavailable', 'unavailable');
  const missing = h.engine.snapshot().unavailable.join('\n');
  assert.match(missing, /head-end/);
  assert.match(missing, /meter read results/);
});

test('a job reports its steps and counts; ending it summarises and forgets every meter', async () => {
  const h = harness();
  const noDongle = await h
    .send({ type: 'sign-in', username: 'aiko', password: PASSWORD })
    .then(() => h.send({ type: 'job.start', workOrderId: null }));
  assert.ok(
    noDongle?.type === 'reply' && !noDongle.ok && noDongle.code === 'no-dongle',
    'a dongle is needed first',
  );
  await readyToStart(h);
  const started = await h.send({ type: 'job.start', workOrderId: 'wo-1' });
  assert.ok(started?.type === 'reply' && started.ok, 'job started');
  assert.equal(h.job.started?.donglePath, '/dev/pts/7');
  h.job.completeWith(20);
  const job = h.engine.snapshot().job;
  assert.equal(job.metersRead, 20);
  assert.equal(job.metersTotal, 20);
  assert.ok(
    job.steps.every((s) => s.status === 'done'),
    'every step done',
  );

  const page = await h.send({ type: 'meters.page', offset: 5, limit: 10, filter: 'read', search: '' });
  assert.ok(page?.type === 'meters.page', 'a page comes back');
  assert.equal(page.page.total, 20);
  assert.deepEqual(
    page.page.rows.map((r) => r.meterId),
    Array.from({ length: 10 }, (_, i) => meterId(i + 6)),
  );
  const search = await h.send({ type: 'meters.page', offset: 0, limit: 50, filter: 'all', search: 'm0012' });
  assert.ok(
    search?.type === 'meters.page' && search.page.total === 1,
    'search is case-insensitive on meter id',
  );
  const unread = await h.send({ type: 'meters.page', offset: 0, limit: 50, filter: 'unread', search: '' });
  assert.ok(unread?.type === 'meters.page' && unread.page.total === 0, 'no meter is unread');

  const ended = await h.send({ type: 'job.end' });
  assert.ok(ended?.type === 'reply' && ended.ok, 'job ended');
  assert.equal(h.job.ended, 1);
  const summary = h.engine.snapshot().summary;
  assert.deepEqual(summary && { read: summary.read, unread: summary.unread, total: summary.metersTotal }, {
    read: 20,
    unread: 0,
    total: 20,
  });
  const after = await h.send({ type: 'meters.page', offset: 0, limit: 50, filter: 'all', search: '' });
  assert.ok(
    after?.type === 'meters.page' && after.page.total === 0,
    'meters are forgotten when the job ends',
  );
  const mesh = await h.send({ type: 'mesh.page', offset: 0, limit: 500 });
  assert.ok(mesh?.type === 'mesh.page' && mesh.page.total === 0, 'the topology is forgotten too');
});

test('the topology of 1,000 nodes is served in pages of at most 500', async () => {
  const h = harness();
  await readyToStart(h);
  await h.send({ type: 'job.start', workOrderId: null });
  h.job.completeWith(999);
  const first = await h.send({ type: 'mesh.page', offset: 0, limit: 500 });
  const second = await h.send({ type: 'mesh.page', offset: 500, limit: 500 });
  assert.ok(first?.type === 'mesh.page' && second?.type === 'mesh.page', 'pages arrive');
  assert.equal(first.page.total, 1000);
  assert.equal(first.page.nodes.length + second.page.nodes.length, 1000);
  assert.equal(first.page.nodes[0]?.state, 'root');
  assert.ok(
    h.events.some((e) => e.type === 'mesh.changed' && e.total === 1000),
    'a change is announced, not pushed whole',
  );
});

test('revocation stops the job with its reason, raises the revoked state and refuses a new job', async () => {
  const h = harness();
  await readyToStart(h);
  await h.send({ type: 'job.start', workOrderId: null });
  h.job.completeWith(3);
  h.job.o.alert('revoked', 'lost tablet reported');
  h.job.o.stopped('revoked by supervisor sato');
  const snap = h.engine.snapshot();
  assert.equal(snap.job.state, 'stopped');
  assert.equal(snap.job.stopReason, 'revoked by supervisor sato');
  assert.deepEqual(
    snap.alerts.map((a) => [a.kind, a.detail]),
    [['revoked', 'lost tablet reported']],
  );
  const again = await h.send({ type: 'job.start', workOrderId: null });
  assert.ok(
    again?.type === 'reply' && !again.ok && again.code === 'not-authorised',
    'no new job once revoked',
  );
  h.job.o.meters([
    { meterId: 'M9999', eui64: null, join: 'joined', read: 'read', hops: 1, drAuthorised: true },
  ]);
  const page = await h.send({ type: 'meters.page', offset: 0, limit: 10, filter: 'all', search: '' });
  assert.ok(page?.type === 'meters.page' && page.page.total === 0, 'a stopped job cannot add meters');
});

test('unplugging the selected dongle raises the alert; plugging it back clears it', async () => {
  const h = harness();
  await readyToStart(h);
  h.engine.updateDongles([]);
  assert.deepEqual(
    h.engine.snapshot().alerts.map((a) => a.kind),
    ['dongle-unplugged'],
  );
  h.engine.updateDongles([
    { path: '/dev/pts/7', label: 'sim', usbId: null, firmware: null, channel: null, rssiDbm: null },
  ]);
  assert.deepEqual(h.engine.snapshot().alerts, []);
});

test('the allow-list decides which USB dongles are offered', async () => {
  const h = harness();
  await h.send({ type: 'sign-in', username: 'aiko', password: PASSWORD });
  const usb = (usbId: string, knownDongle: boolean) => ({
    path: `/dev/serial/by-id/${usbId}`,
    label: usbId,
    usbId,
    knownDongle,
    firmware: null,
    channel: null,
    rssiDbm: null,
  });
  h.engine.updateDongles([usb('10c4:ea60', true), usb('1234:5678', false)]);
  assert.deepEqual(
    h.engine.snapshot().dongles.map((d) => d.usbId),
    ['10c4:ea60'],
    'empty list: known dongles only',
  );
  await h.send({
    type: 'settings.update',
    settings: { ...DEFAULT_SETTINGS, dongleAllowList: ['1234:5678'] },
  });
  assert.deepEqual(
    h.engine.snapshot().dongles.map((d) => d.usbId),
    ['1234:5678'],
    'the list replaces the defaults',
  );
  const refused = await h.send({ type: 'dongle.select', path: '/dev/serial/by-id/10c4:ea60' });
  assert.ok(
    refused?.type === 'reply' && !refused.ok && refused.code === 'not-found',
    'a dongle off the list cannot be chosen',
  );
});

test('DR needs the meter grant; an authorised action is passed on once and its outcome returned', async () => {
  const calls: string[] = [];
  const meterData: MeterData = {
    detail: (id) =>
      Promise.resolve({
        meterId: id,
        fetchedAtMs: 1,
        registerKWh: 1234.5,
        instantaneousPowerW: 640,
        currentA: { r: 3.2, t: 2.9 },
        halfHourly: [],
        drAuthorisations: [],
      }),
    demandResponse(id, action): Promise<DrResultView> {
      calls.push(`${id}:${action.action}`);
      return Promise.resolve({ meterId: id, action, outcome: 'confirmed', detail: null, atMs: 2 });
    },
  };
  const h = harness({ meterData });
  await readyToStart(h);
  await h.send({ type: 'job.start', workOrderId: null });
  h.job.completeWith(2, false);
  h.job.o.meters([
    { meterId: meterId(2), eui64: null, join: 'joined', read: 'read', hops: 1, drAuthorised: true },
  ]);
  const denied = await h.send({
    type: 'dr.execute',
    meterId: meterId(1),
    action: { action: 'disconnect' },
    confirmed: true,
  });
  assert.ok(denied?.type === 'reply' && !denied.ok && denied.code === 'not-authorised', 'no grant, no DR');
  const done = await h.send({
    type: 'dr.execute',
    meterId: meterId(2),
    action: { action: 'disconnect' },
    confirmed: true,
  });
  assert.ok(done?.type === 'dr.result' && done.result.outcome === 'confirmed', 'outcome returned');
  assert.deepEqual(calls, [`${meterId(2)}:disconnect`]);
  const detail = await h.send({ type: 'meter.open', meterId: meterId(2) });
  assert.ok(
    detail?.type === 'meter.detail' && detail.detail.registerKWh === 1234.5 && detail.detail.drAuthorised,
    'detail carries values and the grant',
  );
});

test('a grant waits for the verification key: a wrong key shows an error to act on, the right one gives access', async () => {
  const RIGHT = 'k'.repeat(43);
  const exchanged: string[] = [];
  const client = {
    call: ((name: string, input: { body?: { verificationKey?: string } }) => {
      if (name === 'requestGrant') return Promise.resolve({ id: 'grant-1' });
      if (name !== 'exchangeGrant') return Promise.reject(new Error(`unexpected ${name}`));
      const key = input.body?.verificationKey ?? '';
      exchanged.push(key);
      return key === RIGHT
        ? Promise.resolve({ grantId: 'grant-1', accessKey: 'a'.repeat(43), expiresAtMs: 9e12 })
        : Promise.reject(new HeadendApiError(403, 'forbidden', 'access denied: unknown-key', 'unknown-key'));
    }) as never,
  };
  const grant = new GrantHandOver();
  const reads = new HeadendMeterData({ client, approval: grant, clock: () => 1 });
  const h = harness({ grant });
  await readyToStart(h);
  const early = await h.send({ type: 'grant.submit-key', verificationKey: RIGHT });
  assert.ok(early?.type === 'reply' && !early.ok && early.code === 'no-job', 'no key before a job');
  await h.send({ type: 'job.start', workOrderId: null });
  // What the job driver does once the mesh runs: ask for access to read results.
  const begun = reads.begin('wo-1', TOKEN);
  await new Promise((r) => setImmediate(r));
  const waiting = h.events.filter((e) => e.type === 'grant').at(-1);
  assert.deepEqual(
    waiting,
    { type: 'grant', grant: { state: 'waiting', grantId: 'grant-1', workOrderId: 'wo-1', error: null } },
    'the UI is told the grant waits, with the id to quote',
  );
  assert.deepEqual(h.engine.snapshot().grant, waiting?.type === 'grant' ? waiting.grant : null);

  const wrong = await h.send({ type: 'grant.submit-key', verificationKey: 'x'.repeat(43) });
  assert.ok(
    wrong?.type === 'reply' && !wrong.ok && wrong.code === 'not-authorised',
    'a wrong key is refused',
  );
  assert.deepEqual(h.engine.snapshot().grant, {
    state: 'waiting',
    grantId: 'grant-1',
    workOrderId: 'wo-1',
    error: 'wrong-key',
  });
  const right = await h.send({ type: 'grant.submit-key', verificationKey: RIGHT });
  assert.ok(right?.type === 'reply' && right.ok, 'the right key is accepted');
  await begun;
  assert.equal(reads.hasAccess, true);
  assert.deepEqual(h.engine.snapshot().grant, {
    state: 'approved',
    grantId: 'grant-1',
    workOrderId: 'wo-1',
    demoApprovedBy: null,
  });
  assert.ok(
    h.events.every((e) => !JSON.stringify(e).includes(RIGHT)),
    'the key is never echoed in an event',
  );
  await h.send({ type: 'job.end' });
  assert.deepEqual(h.engine.snapshot().grant, { state: 'none' }, 'the grant is forgotten with the job');
});
