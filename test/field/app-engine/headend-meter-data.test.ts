import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterDetailView } from '../../../src/contract/app/index.ts';
import { HeadendError, HeadendMeterData } from '../../../src/field/app-engine/index.ts';

const NOW = Date.parse('2026-11-20T03:00:00Z');
const ACCESS_KEY = 'A'.repeat(43);
const VERIFICATION_KEY = 'V'.repeat(43);

interface Call {
  name: string;
  input: { accessKey?: string; token?: string; params?: { id: string }; body?: Record<string, unknown> };
}

const READING = {
  meterId: 'M-0001',
  readAtMs: NOW - 60_000,
  // 123456 × 1 × 10^-1 kWh = 12345.6 kWh
  registers: [{ register: 'normal', raw: 123456, coefficient: 1, unitExponent: -1, digits: 6 }],
  instantaneousPowerW: 850,
  currentRDeciampere: 42,
  currentTDeciampere: 17,
  history: [
    {
      register: 'normal',
      day: '2026-11-19',
      slots: [100, 103, null, 110, ...Array.from({ length: 44 }, (_, i) => 110 + i)],
    },
  ],
};

function fakeClient(answers: Partial<Record<string, unknown>>) {
  const calls: Call[] = [];
  return {
    calls,
    call: ((name: string, input: Call['input']) => {
      calls.push({ name, input });
      const answer = answers[name];
      if (typeof answer === 'function')
        return Promise.resolve().then(() => (answer as (i: unknown) => unknown)(input));
      return answer === undefined ? Promise.reject(new Error(`unexpected ${name}`)) : Promise.resolve(answer);
    }) as never,
  };
}

interface Usable {
  id: string;
  action: 'disconnect' | 'reconnect' | 'load-limit';
  loadLimitW: number | null;
  expiresAtMs?: number;
}

function setUp(usable: readonly Usable[] = [{ id: 'dra-1', action: 'disconnect', loadLimitW: null }]) {
  const client = fakeClient({
    requestGrant: { id: 'gr-1' },
    exchangeGrant: { grantId: 'gr-1', accessKey: ACCESS_KEY, expiresAtMs: NOW + 3_600_000 },
    jobReadings: {
      workOrderId: 'wo-1',
      meters: [
        { meterId: 'M-0001', readings: [READING], exceptions: [] },
        {
          meterId: 'M-0002',
          readings: [],
          exceptions: [
            { meterId: 'M-0002', atMs: NOW - 5000, reason: 'old', detail: null },
            { meterId: 'M-0002', atMs: NOW - 1000, reason: 'timeout', detail: null },
          ],
        },
        { meterId: 'M-0003', readings: [], exceptions: [] },
      ],
    },
    meterReadings: { meterId: 'M-0001', readings: [READING] },
    meterDrAuthorisations: {
      meterId: 'M-0001',
      authorisations: usable.map((u) => ({
        id: u.id,
        action: u.action,
        loadLimitW: u.loadLimitW,
        issuedBy: 'acc-sato',
        issuedByName: 'sato',
        issuedAtMs: NOW - 60_000,
        expiresAtMs: u.expiresAtMs ?? NOW + 1_800_000,
      })),
    },
    drCommand: {
      meterId: 'M-0001',
      action: 'disconnect',
      outcome: 'confirmed',
      switchState: 'disconnected',
      loadLimitW: null,
      toolId: 'tool-1',
      atMs: NOW,
    },
  });
  const approvals: string[] = [];
  const data = new HeadendMeterData({
    client,
    approval: {
      verificationKey: ({ grantId }) => {
        approvals.push(grantId);
        return Promise.resolve(VERIFICATION_KEY);
      },
    },
    clock: () => NOW,
  });
  return { client, data, approvals };
}

test('the grant is requested, approved by a supervisor and exchanged for an access key used on every read', async () => {
  const { client, data, approvals } = setUp();
  await assert.rejects(data.detail('M-0001', 'tok'), (e: unknown) => e instanceof HeadendError);
  await data.begin('wo-1', 'tok');
  assert.deepEqual(approvals, ['gr-1'], 'the supervisor was asked to approve this grant');
  const exchange = client.calls.find((c) => c.name === 'exchangeGrant');
  assert.equal(exchange?.input.body?.verificationKey, VERIFICATION_KEY);

  const outcomes = await data.poll('tok');
  assert.deepEqual(outcomes.get('M-0001'), { read: true });
  assert.deepEqual(outcomes.get('M-0002'), { read: false, failure: 'timeout' }, 'the newest exception');
  assert.deepEqual(outcomes.get('M-0003'), { read: false });
  const poll = client.calls.find((c) => c.name === 'jobReadings');
  assert.equal(poll?.input.accessKey, ACCESS_KEY);
  assert.equal(poll?.input.params?.id, 'wo-1');

  data.end();
  await assert.rejects(
    data.poll('tok'),
    (e: unknown) => e instanceof HeadendError,
    'no access after the job',
  );
});

test("a meter's detail is the newest reading in kWh, W and A, with half-hourly energy from the cumulative slots", async () => {
  const { data } = setUp();
  await data.begin('wo-1', 'tok');
  const detail = await data.detail('M-0001', 'tok');
  assert.ok(
    MeterDetailView.safeParse({ ...detail, drAuthorised: true }).success,
    'the view keeps the contract',
  );
  assert.equal(detail.registerKWh, 12345.6);
  assert.equal(detail.instantaneousPowerW, 850);
  assert.deepEqual(detail.currentA, { r: 4.2, t: 1.7 });
  assert.equal(detail.halfHourly.length, 47, 'one value per step between 48 slots');
  assert.equal(detail.halfHourly[0]?.startMs, Date.parse('2026-11-19T00:00:00+09:00'));
  assert.ok(Math.abs((detail.halfHourly[0]?.kWh ?? -1) - 0.3) < 1e-9, '3 × 0.1 kWh in the first half hour');
  assert.equal(detail.halfHourly[1]?.kWh, null, 'a missing slot is unknown, not zero');
  assert.deepEqual(
    detail.drAuthorisations,
    [{ action: 'disconnect', loadLimitW: null, issuedBy: 'sato', expiresAtMs: NOW + 1_800_000 }],
    "the meter's usable authorisation, by the supervisor's name, without its id",
  );
});

test('DR goes out only with a supervisor authorisation of that action (and limit), found under the access key', async () => {
  const without = setUp([]);
  await without.data.begin('wo-1', 'tok');
  const refused = await without.data.demandResponse('M-0001', { action: 'disconnect' }, 'tok');
  assert.equal(refused.outcome, 'refused');
  assert.ok(!without.client.calls.some((c) => c.name === 'drCommand'), 'nothing was sent to the meter');
  const lookup = without.client.calls.find((c) => c.name === 'meterDrAuthorisations');
  assert.equal(
    lookup?.input.accessKey,
    ACCESS_KEY,
    'the lookup is made under the grant, not a supervisor session',
  );
  assert.equal(lookup?.input.params?.id, 'M-0001');

  const other = setUp([
    { id: 'dra-3', action: 'reconnect', loadLimitW: null },
    { id: 'dra-4', action: 'load-limit', loadLimitW: 2000 },
    { id: 'dra-5', action: 'disconnect', loadLimitW: null, expiresAtMs: NOW },
  ]);
  await other.data.begin('wo-1', 'tok');
  const wrongLimit = await other.data.demandResponse('M-0001', { action: 'load-limit', limitW: 3000 }, 'tok');
  assert.equal(wrongLimit.outcome, 'refused', 'an authorised 2000 W limit does not allow 3000 W');
  const expired = await other.data.demandResponse('M-0001', { action: 'disconnect' }, 'tok');
  assert.equal(expired.outcome, 'refused', 'an authorisation expiring now is not used');
  assert.ok(!other.client.calls.some((c) => c.name === 'drCommand'), 'nothing was sent to the meter');

  const { client, data } = setUp([
    { id: 'dra-6', action: 'reconnect', loadLimitW: null },
    { id: 'dra-7', action: 'disconnect', loadLimitW: null },
  ]);
  await data.begin('wo-1', 'tok');
  const result = await data.demandResponse('M-0001', { action: 'disconnect' }, 'tok');
  assert.equal(result.outcome, 'confirmed');
  const sent = client.calls.find((c) => c.name === 'drCommand');
  assert.equal(
    sent?.input.body?.authorisationId,
    'dra-7',
    "the disconnect's authorisation, not the reconnect's",
  );
  assert.equal(sent?.input.accessKey, ACCESS_KEY);
});
