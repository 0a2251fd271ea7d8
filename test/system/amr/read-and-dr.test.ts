// Issue #5 "Done when", on the virtual clock: every meter of isolated-area-20 is read by the
// head-end's real AMR server through the tool's real MeshRoot (ECHONET Lite over IPv6/UDP 3610,
// down the source routes and back north), the stored energy equals the simulator's register ×
// coefficient × unit at the instant the meter answered, history fills the missing days, and a
// demand-response round trip (authorisation → disconnect → read-back → audit) crosses the mesh.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../../hardware/sim/scenario/index.ts';
import { localDayText } from '../../../src/headend/amr/index.ts';
import { buildVirtualSystem, type VirtualSystem } from '../../../src/cli/sim/virtual-system.ts';
import { energyKwh } from '../../../src/stack/echonet/index.ts';

const DAY_MS = 86_400_000;
/** The meters' local time (JST), as the reading engine assumes by default. */
const UTC_OFFSET_MINUTES = 540;
const SUPERVISOR = 'supervisor-1';
const WORKER = 'worker-1';

/** Starts the system and runs it until a reading of every meter is stored, bounded. */
async function readAll(sys: VirtualSystem, limitMs = 600_000): Promise<void> {
  sys.start();
  const n = sys.field.meters.length;
  await sys.amr.runUntil(() => sys.amr.service.stats.readsStored >= n, { limitMs });
  await sys.settle();
}

/** Runs the clock until `p` settles (bounded), then returns its value. */
async function onClock<T>(sys: VirtualSystem, p: Promise<T>, limitMs = 300_000): Promise<T> {
  let settled = false;
  void p.finally(() => (settled = true));
  const done = await sys.amr.runUntil(() => settled, { limitMs });
  assert.ok(done, `still pending after ${limitMs} ms of virtual time`);
  return p;
}

describe('AMR/DR through the tool on isolated-area-20 (virtual clock)', () => {
  let sys: VirtualSystem;

  before(async () => {
    sys = await buildVirtualSystem({ scenario: loadScenario('isolated-area-20') });
    await readAll(sys);
  });
  after(() => sys.close());

  it('reads every meter through the mesh and stores energy = register × coefficient × unit exactly', async () => {
    const meters = sys.field.meters.length;
    assert.equal(meters, 20);
    const { readsStored, readsFailed, rereads, ingestErrors } = sys.amr.service.stats;
    assert.equal(readsStored, 20, 'one stored read per meter');
    assert.equal(ingestErrors, 0, 'nothing failed to store');
    assert.equal(readsFailed, rereads, 'any read lost on the radio was read again');
    const stored = await sys.amr.storedEnergy();
    assert.equal(stored.length, 20);
    for (const s of stored) {
      const seen = sys.amr.meters.get(s.meterId)!.lastRead;
      assert.ok(seen !== undefined, `${s.meterId}: the meter itself answered a register read`);
      const [reading] = await sys.store.repositories.readings.listReadings(
        s.meterId,
        0,
        Number.MAX_SAFE_INTEGER,
      );
      const normal = reading!.registers.find((r) => r.register === 'normal')!;
      assert.equal(normal.raw, seen.truth.forward, `${s.meterId}: E0 as the meter had it`);
      assert.equal(normal.coefficient, seen.truth.coefficient, `${s.meterId}: D3`);
      assert.equal(normal.unitExponent, seen.truth.unit, `${s.meterId}: E1`);
      assert.equal(
        energyKwh(normal.raw, normal.coefficient, normal.unitExponent),
        seen.truth.forwardKwh,
        `${s.meterId}: stored forward kWh`,
      );
      assert.equal(s.forwardKwh, seen.truth.forwardKwh, `${s.meterId}: forward kWh`);
      const meter = sys.field.meter(s.meterId)!;
      if (s.reverseKwh !== null)
        assert.equal(s.reverseKwh, seen.truth.reverseKwh, `${s.meterId}: reverse kWh`);
      assert.ok(meter.counters.applicationAnswers >= 1, `${s.meterId}: answered over the radio`);
      assert.ok(
        reading!.readAtMs <= sys.amr.epochOf(seen.atMs),
        `${s.meterId}: stored as read when the read began, before the meter answered`,
      );
    }
  });

  it('reaches meters several hops away, serving them through the tool', async () => {
    const hops = new Map(sys.report().map((r) => [r.id, r.hops ?? 0]));
    const deepest = Math.max(...hops.values());
    assert.ok(deepest >= 3, `the scenario is multi-hop (deepest ${deepest})`);
    for (const [id] of hops) {
      const m = await sys.store.repositories.meters.findById(id);
      assert.equal(m?.serving.via, 'tool', `${id}: served through the tool`);
      assert.equal(m?.serving.id, sys.amr.toolId, `${id}: through this tool`);
      assert.ok(
        m.serving.sinceMs >= sys.startEpochMs && m.serving.sinceMs <= sys.amr.epochOf(sys.scheduler.now()),
        `${id}: since its join during this run (${new Date(m.serving.sinceMs).toISOString()})`,
      );
    }
    assert.equal(sys.amr.service.registry.stats.noServingPath, 0, 'every join mapped to the mesh address');
    assert.ok(sys.amr.link.stats.received >= 20 * 8, 'answers (first read + 7 history days) came back north');
  });

  it("fetches the 7 previous days of half-hourly history on a first read, equal to the meter's", async () => {
    const deepest = sys.report().reduce((a, b) => ((b.hops ?? 0) > (a.hops ?? 0) ? b : a));
    for (const id of ['M-0002', deepest.id]) {
      const device = sys.amr.meters.get(id)!.device;
      const [reading] = await sys.store.repositories.readings.listReadings(id, 0, Number.MAX_SAFE_INTEGER);
      const normal = reading!.history.filter((h) => h.register === 'normal');
      const days = [7, 6, 5, 4, 3, 2, 1];
      assert.deepEqual(
        normal.map((h) => h.day),
        days.map((d) => localDayText(reading!.readAtMs, UTC_OFFSET_MINUTES, d)),
        `${id}: the 7 days before the read`,
      );
      for (const d of days)
        assert.deepEqual(
          normal.find((h) => h.day === localDayText(reading!.readAtMs, UTC_OFFSET_MINUTES, d))!.slots,
          device.historyTruth(sys.scheduler.now(), d).normal,
          `${id}: E2 of ${d} day(s) ago as the meter keeps it`,
        );
    }
  });

  it('runs a DR round trip across the mesh: authorisation, disconnect, read-back, audit, reconnect', async () => {
    const target = sys.report().reduce((a, b) => ((b.hops ?? 0) > (a.hops ?? 0) ? b : a));
    const device = sys.amr.meters.get(target.id)!.device;
    const dr = sys.amr.service.demandResponse;
    const answersBefore = sys.field.meter(target.id)!.counters.applicationAnswers;

    const auth = await dr.authorise(SUPERVISOR, { meterId: target.id, action: 'disconnect' });
    const command = {
      meterId: target.id,
      action: 'disconnect' as const,
      authorisationId: auth.id,
      workerId: WORKER,
      toolId: sys.amr.toolId,
    };
    const result = await onClock(sys, dr.execute(command));
    assert.equal(result.kind, 'done', JSON.stringify(result));
    assert.equal(result.kind === 'done' && result.outcome, 'confirmed');
    assert.equal(result.kind === 'done' && result.switchState, 'disconnected');
    assert.equal(
      device.meterTruth(sys.scheduler.now()).switchState,
      'disconnected',
      `${target.id} (${target.hops} hops) is off`,
    );
    assert.ok(
      sys.field.meter(target.id)!.counters.applicationAnswers >= answersBefore + 2,
      'the SetC and the read-back Get were answered by the meter over the radio',
    );
    await sys.settle();
    const audit = await sys.store.repositories.audit.list();
    const done = audit.find((e) => e.action === 'dr.disconnect' && e.outcome === 'done');
    assert.ok(done !== undefined, 'the command is audited');
    assert.equal(done.actor, sys.amr.toolId);
    assert.equal(done.subject, target.id);
    assert.equal(done.reason, 'confirmed');
    assert.equal(done.detail?.workerId, WORKER);
    assert.equal(done.detail?.authorisedBy, SUPERVISOR);
    assert.ok(
      audit.some((e) => e.action === 'dr.authorise' && e.actor === SUPERVISOR),
      'issuing the authorisation is audited',
    );

    assert.deepEqual(await onClock(sys, dr.execute(command)), {
      kind: 'refused',
      reason: 'authorisation-used',
    });

    const back = await dr.authorise(SUPERVISOR, { meterId: target.id, action: 'reconnect' });
    const reconnect = await onClock(
      sys,
      dr.execute({ ...command, action: 'reconnect', authorisationId: back.id }),
    );
    assert.equal(reconnect.kind === 'done' && reconnect.outcome, 'confirmed');
    assert.equal(device.meterTruth(sys.scheduler.now()).switchState, 'connected', `${target.id} is on again`);
  });
});

describe('a later visit (virtual clock)', () => {
  it('fetches exactly the history days missing since the last stored read', async (t) => {
    const sys = await buildVirtualSystem({ scenario: loadScenario('isolated-area-20') });
    t.after(() => sys.close());
    // The last visit, three days before this one: the registers as they were at the start.
    const previousAtMs = sys.startEpochMs - 3 * DAY_MS;
    for (const [id, witnessed] of sys.amr.meters) {
      const truth = witnessed.device.meterTruth(0);
      const register = (which: 'normal' | 'reverse', raw: number) => ({
        register: which,
        raw,
        coefficient: truth.coefficient,
        unitExponent: truth.unit,
        digits: truth.digits,
      });
      await sys.store.repositories.readings.ingest({
        batchId: `previous:${id}`,
        receivedAtMs: previousAtMs,
        readings: [
          {
            meterId: id,
            readAtMs: previousAtMs,
            registers: [register('normal', truth.forward), register('reverse', truth.reverse)],
            instantaneousPowerW: null,
            currentRDeciampere: null,
            currentTDeciampere: null,
            history: [],
          },
        ],
        exceptions: [],
      });
    }
    await readAll(sys);
    assert.equal(sys.amr.service.stats.readsStored, 20, 'every meter read again');
    for (const [id, witnessed] of sys.amr.meters) {
      const readings = await sys.store.repositories.readings.listReadings(id, 0, Number.MAX_SAFE_INTEGER);
      assert.equal(readings.length, 2, `${id}: the previous reading and this one`);
      const latest = readings[1]!;
      assert.deepEqual(
        latest.history.filter((h) => h.register === 'normal').map((h) => h.day),
        [3, 2, 1].map((d) => localDayText(latest.readAtMs, UTC_OFFSET_MINUTES, d)),
        `${id}: the three days since the last visit, no more`,
      );
      const normal = latest.registers.find((r) => r.register === 'normal')!;
      assert.equal(normal.raw, witnessed.lastRead?.truth.forward, `${id}: E0 as the meter had it`);
      const exceptions = await sys.store.repositories.readings.listExceptions(id, 0, Number.MAX_SAFE_INTEGER);
      assert.deepEqual(
        exceptions.filter((e) => e.reason !== 'timeout'),
        [],
        `${id}: a normal advance raises no validation exception`,
      );
    }
  });
});

describe('a read lost on the way (virtual clock)', () => {
  it('is tried again while the meter stays joined, and stored then', async (t) => {
    const sys = await buildVirtualSystem({ scenario: loadScenario('isolated-area-20') });
    t.after(() => sys.close());
    // The meter hears nothing of the first read's three attempts (as if every answer were lost).
    const id = 'M-0007';
    const witnessed = sys.amr.meters.get(id)!;
    const answer = witnessed.handle.bind(witnessed);
    let ignored = 0;
    witnessed.handle = (now, payload) => (ignored++ < 3 ? null : answer(now, payload));
    await readAll(sys);
    assert.ok(ignored > 3, 'the meter was asked again after the three lost attempts');
    const { readsStored, readsFailed, rereads } = sys.amr.service.stats;
    assert.equal(readsStored, 20, 'every meter read in the end');
    assert.ok(
      rereads >= 1 && rereads === readsFailed,
      `each lost read read again (${rereads}/${readsFailed})`,
    );
    const exceptions = await sys.store.repositories.readings.listExceptions(id, 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(
      exceptions.map((e) => e.reason),
      ['timeout'],
      'the lost read is on record as a timeout',
    );
    const [reading] = await sys.store.repositories.readings.listReadings(id, 0, Number.MAX_SAFE_INTEGER);
    assert.ok(reading !== undefined, `${id}: read on the second try`);
    assert.ok(reading.readAtMs >= exceptions[0]!.atMs + 60_000, 'no sooner than the re-read delay after');
    assert.equal(
      reading.registers.find((r) => r.register === 'normal')?.raw,
      witnessed.lastRead?.truth.forward,
      `${id}: E0 as the meter had it`,
    );
  });
});
