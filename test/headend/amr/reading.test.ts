import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ESV, METER_EPC, decodeFrame, encodeFrame, energyKwh } from '../../../src/stack/echonet/index.ts';
import type { UnitExponent } from '../../../src/stack/echonet/index.ts';
import type { MeterTruth } from '../../../hardware/sim/meter/index.ts';
import { localDayText } from '../../../src/headend/amr/index.ts';
import { START_EPOCH_MS, TOOL_ID, VirtualField } from './fixtures/virtual-field.ts';

const DAY_MS = 86_400_000;

/** Records each meter's own register truth at the instant it answered the first-read Get. */
function recordTruth(field: VirtualField): Map<string, MeterTruth> {
  const truth = new Map<string, MeterTruth>();
  field.tamper = (meterId, reply, request) => {
    const req = decodeFrame(request);
    if (req.esv === ESV.Get && req.properties.some((p) => p.epc === METER_EPC.CUMULATIVE_ENERGY_NORMAL))
      truth.set(meterId, field.meters.get(meterId)!.device.meterTruth(field.scenarioNow));
    return reply;
  };
  return truth;
}

describe('reading engine on isolated-area-20 (virtual clock)', () => {
  let field: VirtualField;
  let truth: Map<string, MeterTruth>;
  let maxActive = 0;

  before(async () => {
    field = await VirtualField.open('isolated-area-20');
    truth = recordTruth(field);
    const original = field.service.transactions.request.bind(field.service.transactions);
    field.service.transactions.request = (now, req) => {
      maxActive = Math.max(maxActive, field.service.engine.activeReads(TOOL_ID));
      return original(now, req);
    };
    for (const id of field.meters.keys()) field.join(id);
    await field.runUntilIdle();
  });
  after(() => field.close());

  it('reads every meter and stores energy = register × coefficient × unit exactly', async () => {
    assert.equal(field.meters.size, 20);
    for (const [id] of field.meters) {
      const readings = await field.store.repositories.readings.listReadings(id, 0, field.now + 1);
      assert.equal(readings.length, 1, `${id}: one reading stored`);
      const t = truth.get(id);
      assert.ok(t !== undefined, `${id} answered the first read`);
      const normal = readings[0]!.registers.find((r) => r.register === 'normal')!;
      assert.equal(normal.raw, t.forward, `${id}: E0 as the meter had it`);
      assert.equal(normal.coefficient, t.coefficient);
      assert.equal(normal.unitExponent, t.unit);
      assert.equal(normal.digits, t.digits);
      assert.equal(energyKwh(normal.raw, normal.coefficient, normal.unitExponent), t.forwardKwh);
      const reverse = readings[0]!.registers.find((r) => r.register === 'reverse');
      const meter = field.scenario.meters.find((m) => m.id === id)!;
      if (meter.register.reverseFlow) {
        assert.ok(reverse !== undefined, `${id}: a reverse-flow meter has E3 stored`);
        assert.equal(
          energyKwh(reverse.raw, reverse.coefficient, reverse.unitExponent as UnitExponent),
          t.reverseKwh,
        );
      }
      assert.equal(readings[0]!.instantaneousPowerW, t.powerW, `${id}: E7`);
    }
    assert.equal(field.service.stats.readsStored, 20);
    assert.equal(field.service.stats.readsFailed, 0);
  });

  it("moves each meter's serving path to the tool, since the join", async () => {
    for (const [id] of field.meters) {
      const m = await field.store.repositories.meters.findById(id);
      assert.deepEqual(m?.serving, { via: 'tool', id: TOOL_ID, sinceMs: START_EPOCH_MS }, id);
    }
  });

  it("fetches the 7 previous days of half-hourly history on a first read, equal to the meter's", async () => {
    const id = 'M-0002';
    const device = field.meters.get(id)!.device;
    const [reading] = await field.store.repositories.readings.listReadings(id, 0, field.now + 1);
    const normal = reading!.history.filter((h) => h.register === 'normal');
    assert.deepEqual(
      normal.map((h) => h.day),
      [7, 6, 5, 4, 3, 2, 1].map((d) => localDayText(reading!.readAtMs, 540, d)).sort(),
    );
    for (let daysAgo = 1; daysAgo <= 7; daysAgo++) {
      const day = localDayText(reading!.readAtMs, 540, daysAgo);
      const stored = normal.find((h) => h.day === day)!;
      assert.deepEqual(stored.slots, device.historyTruth(field.scenarioNow, daysAgo).normal, day);
    }
    assert.ok(
      reading!.history.some((h) => h.register === 'reverse'),
      'a reverse-flow meter also has E4 history',
    );
  });

  it('never reads more than the per-tool limit of meters at once, and does use it', () => {
    assert.ok(maxActive <= 4, `at most 4 concurrent reads through the tool, saw ${maxActive}`);
    assert.ok(maxActive >= 2, `reads overlap (saw ${maxActive})`);
  });

  it('on a later visit fetches exactly the days missing since the last read', async () => {
    const id = 'M-0001';
    const first = (await field.store.repositories.readings.listReadings(id, 0, field.now + 1))[0]!;
    field.advance(3 * DAY_MS);
    truth.clear();
    field.join(id);
    await field.runUntilIdle();
    const readings = await field.store.repositories.readings.listReadings(id, 0, field.now + 1);
    assert.equal(readings.length, 2);
    const second = readings[1]!;
    const expected = [3, 2, 1].map((d) => localDayText(second.readAtMs, 540, d));
    assert.deepEqual(
      second.history.filter((h) => h.register === 'normal').map((h) => h.day),
      expected,
    );
    assert.equal(expected[0], localDayText(first.readAtMs, 540, 0), 'starts at the day of the last read');
    const normal = second.registers.find((r) => r.register === 'normal')!;
    assert.equal(normal.raw, truth.get(id)!.forward);
    const exceptions = await field.store.repositories.readings.listExceptions(id, 0, field.now + 1);
    assert.deepEqual(exceptions, [], 'a normal advance raises no exception');
  });
});

describe('reading through a lossy mesh', () => {
  it('reads every meter despite 5 % loss each way, retrying lost requests', async () => {
    const field = await VirtualField.open('isolated-area-20', { lossRate: 0.05 });
    try {
      const truth = recordTruth(field);
      for (const id of field.meters.keys()) field.join(id);
      await field.runUntilIdle();
      assert.ok(
        field.service.transactions.stats().retransmitted > 0,
        'some requests were lost and sent again',
      );
      for (const [id] of field.meters) {
        const [reading] = await field.store.repositories.readings.listReadings(id, 0, field.now + 1);
        assert.equal(reading?.registers[0]?.raw, truth.get(id)?.forward, `${id}: stored as the meter had it`);
      }
    } finally {
      field.close();
    }
  });
});

describe('bad replies and unreachable meters', () => {
  it('drops wrong TID, wrong object, wrong service, wrong EPC list and truncated datagrams, then takes the real reply', async () => {
    const field = await VirtualField.open('isolated-area-20');
    try {
      const id = 'M-0004';
      const address = field.meters.get(id)!.address;
      let injected = false;
      field.tamper = (meterId, reply) => {
        if (meterId !== id || injected) return reply;
        injected = true;
        const f = decodeFrame(reply);
        const forged = [
          reply.subarray(0, reply.length - 3), // truncated datagram
          encodeFrame({ ...f, tid: (f.tid + 1000) & 0xffff }), // wrong TID
          encodeFrame({ ...f, seoj: 0x028802 }), // wrong object
          encodeFrame({ ...f, esv: ESV.INF }), // not a Get response
          encodeFrame({ ...f, properties: f.properties.slice(1) }), // EPC list differs
        ];
        for (const bytes of forged) field.service.receive(address, bytes);
        return reply;
      };
      field.join(id);
      await field.runUntilIdle();
      const drops = field.service.transactions.stats().drops;
      assert.deepEqual(
        { ...drops },
        { malformed: 1, 'unknown-tid': 1, 'wrong-object': 1, 'wrong-service': 1, 'property-mismatch': 1 },
      );
      const readings = await field.store.repositories.readings.listReadings(id, 0, field.now + 1);
      assert.equal(readings.length, 1, 'the genuine reply was still taken');
    } finally {
      field.close();
    }
  });

  it('a truncated EDT in a matching reply is a decode-error exception and stores no reading', async () => {
    const field = await VirtualField.open('isolated-area-20');
    try {
      const id = 'M-0005';
      field.tamper = (meterId, reply) => {
        if (meterId !== id) return reply;
        const f = decodeFrame(reply);
        return encodeFrame({
          ...f,
          properties: f.properties.map((p) =>
            p.epc === METER_EPC.CUMULATIVE_ENERGY_NORMAL ? { epc: p.epc, edt: p.edt.subarray(0, 3) } : p,
          ),
        });
      };
      field.join(id);
      await field.runUntilIdle();
      assert.deepEqual(await field.store.repositories.readings.listReadings(id, 0, field.now + 1), []);
      const [ex] = await field.store.repositories.readings.listExceptions(id, 0, field.now + 1);
      assert.equal(ex?.reason, 'decode-error');
      assert.match(ex.detail ?? '', /cumulative energy: EDT is 3 bytes/);
    } finally {
      field.close();
    }
  });

  it('Get_SNA for E0 is a rejected read; a silent meter times out after the retries', async () => {
    const field = await VirtualField.open('isolated-area-20');
    try {
      field.tamper = (meterId, reply) => {
        if (meterId === 'M-0007') return null;
        if (meterId !== 'M-0006') return reply;
        const f = decodeFrame(reply);
        return encodeFrame({
          ...f,
          esv: ESV.Get_SNA,
          properties: f.properties.map((p) =>
            p.epc === METER_EPC.CUMULATIVE_ENERGY_NORMAL ? { epc: p.epc, edt: new Uint8Array(0) } : p,
          ),
        });
      };
      const t0 = field.now;
      field.join('M-0006');
      field.join('M-0007');
      await field.runUntilIdle();
      const sna = await field.store.repositories.readings.listExceptions('M-0006', 0, field.now + 1);
      assert.deepEqual(
        sna.map((e) => [e.reason, e.detail]),
        [['rejected', 'meter answered Get_SNA for EPC 0xe0']],
      );
      const silent = await field.store.repositories.readings.listExceptions('M-0007', 0, field.now + 1);
      assert.equal(silent[0]?.reason, 'timeout');
      assert.match(silent[0]?.detail ?? '', /after 3 attempt/);
      assert.ok(field.now - t0 >= 70_000, 'the retries backed off 10 s, 20 s, 40 s');
      assert.equal(field.service.transactions.stats().retransmitted, 2);
    } finally {
      field.close();
    }
  });

  it('a register lower than the stored one, not explained by a rollover, is an exception and not stored', async () => {
    const field = await VirtualField.open('isolated-area-20');
    try {
      const id = 'M-0001';
      const reg = field.scenario.meters.find((m) => m.id === id)!.register;
      await field.store.repositories.readings.ingest({
        batchId: 'earlier',
        receivedAtMs: field.now - 3_600_000,
        readings: [
          {
            meterId: id,
            readAtMs: field.now - 3_600_000,
            registers: [
              {
                register: 'normal',
                raw: reg.initialForward + 5_000,
                coefficient: reg.coefficient ?? 1,
                unitExponent: -1,
                digits: reg.digits,
              },
            ],
            instantaneousPowerW: null,
            currentRDeciampere: null,
            currentTDeciampere: null,
            history: [],
          },
        ],
        exceptions: [],
      });
      field.join(id);
      await field.runUntilIdle();
      const readings = await field.store.repositories.readings.listReadings(id, 0, field.now + 1);
      assert.equal(readings.length, 1, 'only the earlier reading');
      const [ex] = await field.store.repositories.readings.listExceptions(id, 0, field.now + 1);
      assert.equal(ex?.reason, 'register-backwards');
    } finally {
      field.close();
    }
  });
});
