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
      return answer === undefined ? Promise.reject(new Error(`unexpected ${name}`)) : Promise.resolve(answer);
    }) as never,
  };
}

function setUp(authorisationId: string | null = 'dra-1') {
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
    authorisations: { find: () => Promise.resolve(authorisationId) },
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
});

test('DR goes out only with a supervisor authorisation, under the access key, and reports the meter confirmation', async () => {
  const without = setUp(null);
  await without.data.begin('wo-1', 'tok');
  const refused = await without.data.demandResponse('M-0001', { action: 'disconnect' }, 'tok');
  assert.equal(refused.outcome, 'refused');
  assert.ok(!without.client.calls.some((c) => c.name === 'drCommand'), 'nothing was sent to the meter');

  const { client, data } = setUp('dra-7');
  await data.begin('wo-1', 'tok');
  const result = await data.demandResponse('M-0001', { action: 'disconnect' }, 'tok');
  assert.equal(result.outcome, 'confirmed');
  const sent = client.calls.find((c) => c.name === 'drCommand');
  assert.equal(sent?.input.body?.authorisationId, 'dra-7');
  assert.equal(sent?.input.accessKey, ACCESS_KEY);
});
