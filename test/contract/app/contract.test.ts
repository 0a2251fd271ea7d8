import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AppEvent,
  type Command,
  JOB_STEPS,
  MAX_COMMAND_BYTES,
  MESH_PAGE_MAX,
  parseCommand,
  parseEvent,
} from '../../../src/contract/app/index.ts';

const ok = (value: unknown) => parseCommand(JSON.stringify(value));

test('well-formed commands of every kind parse', () => {
  const commands: Command[] = [
    { type: 'snapshot', requestId: 'r1' },
    { type: 'sign-in', requestId: 'r2', username: 'aiko', password: 'pw' },
    { type: 'dongle.select', requestId: 'r3', path: '/dev/pts/4' },
    { type: 'job.start', requestId: 'r4', workOrderId: null },
    { type: 'mesh.page', requestId: 'r5', offset: 500, limit: MESH_PAGE_MAX },
    { type: 'meters.page', requestId: 'r6', offset: 0, limit: 60, filter: 'unread', search: 'M00' },
    {
      type: 'dr.execute',
      requestId: 'r7',
      meterId: 'M0001',
      action: { action: 'load-limit', limitW: 3000 },
      confirmed: true,
    },
    { type: 'grant.submit-key', requestId: 'r9', verificationKey: 'Ab0_-'.repeat(8) + 'xyz' },
    {
      type: 'settings.update',
      requestId: 'r8',
      settings: { language: 'ja', theme: 'high-contrast', dongleAllowList: ['10c4:ea60'] },
    },
  ];
  for (const c of commands) {
    const parsed = ok(c);
    assert.ok(parsed.ok, `${c.type} parses: ${parsed.ok ? '' : parsed.reason}`);
    assert.deepEqual(parsed.value, c);
  }
});

test('bad commands are rejected with a reason, never thrown', () => {
  const bad: [string, unknown][] = [
    ['unknown type', { type: 'format-disk', requestId: 'r1' }],
    ['extra field', { type: 'snapshot', requestId: 'r1', admin: true }],
    ['missing request id', { type: 'snapshot' }],
    ['request id with spaces', { type: 'snapshot', requestId: 'a b' }],
    ['empty verification key', { type: 'grant.submit-key', requestId: 'r', verificationKey: '' }],
    [
      'verification key of 201 characters',
      { type: 'grant.submit-key', requestId: 'r', verificationKey: 'k'.repeat(201) },
    ],
    ['verification key not text', { type: 'grant.submit-key', requestId: 'r', verificationKey: 42 }],
    ['verification key missing', { type: 'grant.submit-key', requestId: 'r' }],
    [
      'verification key with a grant id beside it',
      { type: 'grant.submit-key', requestId: 'r', verificationKey: 'k'.repeat(43), grantId: 'g' },
    ],
    [
      'DR without confirmation',
      { type: 'dr.execute', requestId: 'r', meterId: 'M1', action: { action: 'disconnect' } },
    ],
    [
      'DR confirmed:false',
      {
        type: 'dr.execute',
        requestId: 'r',
        meterId: 'M1',
        action: { action: 'disconnect' },
        confirmed: false,
      },
    ],
    [
      'load limit out of range',
      {
        type: 'dr.execute',
        requestId: 'r',
        meterId: 'M1',
        action: { action: 'load-limit', limitW: 5 },
        confirmed: true,
      },
    ],
    ['meter id with a slash', { type: 'meter.open', requestId: 'r', meterId: '../etc' }],
    ['mesh page too large', { type: 'mesh.page', requestId: 'r', offset: 0, limit: MESH_PAGE_MAX + 1 }],
    [
      'negative offset',
      { type: 'meters.page', requestId: 'r', offset: -1, limit: 10, filter: 'all', search: '' },
    ],
    [
      'unknown theme',
      {
        type: 'settings.update',
        requestId: 'r',
        settings: { language: 'en', theme: 'neon', dongleAllowList: [] },
      },
    ],
    [
      'bad USB id',
      {
        type: 'settings.update',
        requestId: 'r',
        settings: { language: 'en', theme: 'light', dongleAllowList: ['zzzz'] },
      },
    ],
  ];
  for (const [why, value] of bad) {
    const parsed = ok(value);
    assert.equal(parsed.ok, false, `${why} is rejected`);
  }
  assert.deepEqual(parseCommand('{not json'), { ok: false, reason: 'not JSON' });
  assert.deepEqual(parseCommand(42), { ok: false, reason: 'not text' });
  const huge = JSON.stringify({
    type: 'sign-in',
    requestId: 'r',
    username: 'u',
    password: 'x'.repeat(MAX_COMMAND_BYTES),
  });
  const parsed = parseCommand(huge);
  assert.ok(
    !parsed.ok && parsed.reason.startsWith('longer than'),
    'oversized text is refused before parsing',
  );
});

test('grant and DR-authorisation views parse as sent and refuse what the UI must never get', () => {
  const waiting = { state: 'waiting', grantId: 'grant-1', workOrderId: 'wo-1', error: 'wrong-key' };
  assert.ok(AppEvent.safeParse({ type: 'grant', grant: waiting }).success, 'a waiting grant parses');
  assert.equal(
    AppEvent.safeParse({ type: 'grant', grant: { ...waiting, verificationKey: 'k'.repeat(43) } }).success,
    false,
    'a grant view cannot carry a key',
  );
  assert.equal(
    AppEvent.safeParse({ type: 'grant', grant: { ...waiting, error: 'try harder' } }).success,
    false,
    'errors are codes the UI translates',
  );
  const detail = {
    meterId: 'M-0001',
    fetchedAtMs: 1,
    registerKWh: 1.5,
    instantaneousPowerW: null,
    currentA: { r: null, t: null },
    halfHourly: [],
    drAuthorised: true,
    drAuthorisations: [{ action: 'disconnect', loadLimitW: null, issuedBy: 'sato', expiresAtMs: 2 }],
  };
  assert.ok(AppEvent.safeParse({ type: 'meter.detail', requestId: 'r', detail }).success, 'detail parses');
  assert.equal(
    AppEvent.safeParse({
      type: 'meter.detail',
      requestId: 'r',
      detail: { ...detail, drAuthorisations: [{ ...detail.drAuthorisations[0], id: 'dra-1' }] },
    }).success,
    false,
    "the authorisation's id stays in the engine",
  );
});

test('events whose numbers contradict each other are rejected', () => {
  const steps = JOB_STEPS.map((step) => ({ step, status: 'pending', progress: null, detail: null }));
  const job = {
    state: 'running',
    workOrderId: null,
    steps,
    metersTotal: 20,
    metersJoined: 20,
    metersRead: 20,
    startedAtMs: 1,
    stopReason: null,
  };
  assert.ok(AppEvent.safeParse({ type: 'job', job }).success, 'a consistent job view parses');
  assert.equal(
    AppEvent.safeParse({ type: 'job', job: { ...job, metersRead: 21 } }).success,
    false,
    'read > total',
  );
  assert.equal(
    AppEvent.safeParse({ type: 'job', job: { ...job, steps: [...steps].reverse() } }).success,
    false,
    'steps out of order',
  );
  const page = {
    version: 1,
    total: 1,
    offset: 1,
    nodes: [
      { eui64: '00124b0000000001', meterId: 'M1', parent: null, hops: 0, linkEtx: null, state: 'root' },
    ],
  };
  assert.equal(
    parseEvent(JSON.stringify({ type: 'mesh.page', requestId: 'r', page })).ok,
    false,
    'page runs past the total',
  );
  assert.ok(
    parseEvent(JSON.stringify({ type: 'mesh.page', requestId: 'r', page: { ...page, offset: 0 } })).ok,
    'a page within the total parses',
  );
});

test('random and mutated text never makes the parsers throw', () => {
  const valid = JSON.stringify({
    type: 'meters.page',
    requestId: 'r1',
    offset: 0,
    limit: 10,
    filter: 'all',
    search: '',
  });
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.json(),
        fc
          .nat(valid.length - 1)
          .chain((i) => fc.string({ maxLength: 3 }).map((s) => valid.slice(0, i) + s + valid.slice(i + 1))),
      ),
      (text) => {
        const c = parseCommand(text);
        const e = parseEvent(text);
        return typeof c.ok === 'boolean' && typeof e.ok === 'boolean';
      },
    ),
    { numRuns: 5000 },
  );
});
