import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EOJ,
  ESV,
  FIELDROOT_DR_EPC,
  METER_EPC,
  decodeCumulativeEnergy,
  decodeCurrents,
  decodeDrLoadLimit,
  decodeDrSwitchState,
  decodeFixedTimeEnergy,
  decodeFrame,
  decodeHistory,
  decodeInstantaneousPower,
  decodePropertyMap,
  encodeDrLoadLimit,
  encodeDrSwitchState,
  encodeHistoryDay,
  energyKwh,
} from '../../../../src/stack/echonet/index.ts';
import type { EchonetMeterDevice } from '../../../../hardware/sim/meter/index.ts';
import {
  ask,
  customDevice,
  DAY,
  deviceFor,
  edtOf,
  HOUR,
  MIN,
  request,
  scenario,
  scenarioMeter,
} from './fixture.ts';

const getE0 = (d: EchonetMeterDevice, now: number) =>
  decodeCumulativeEnergy(edtOf(ask(d, now, request(ESV.Get, [METER_EPC.CUMULATIVE_ENERGY_NORMAL])), 0xe0));
const getE3 = (d: EchonetMeterDevice, now: number) =>
  decodeCumulativeEnergy(edtOf(ask(d, now, request(ESV.Get, [METER_EPC.CUMULATIVE_ENERGY_REVERSE])), 0xe3));
const getE7 = (d: EchonetMeterDevice, now: number) =>
  decodeInstantaneousPower(edtOf(ask(d, now, request(ESV.Get, [METER_EPC.INSTANTANEOUS_POWER])), 0xe7));
const setC = (d: EchonetMeterDevice, now: number, epc: number, edt: Uint8Array) =>
  ask(d, now, request(ESV.SetC, [{ epc, edt }]));

describe('simulated meter: readings', () => {
  it('uses 10–15 kWh a day in a family home (mean of the scenario families over a week)', () => {
    const families = scenario.meters.filter((m) => m.household === 'family');
    assert.ok(families.length >= 3, 'isolated-area-20 has families');
    const perDay = families.map((m) => {
      const d = deviceFor(m);
      const a = Number(d.meterTruth(0).forwardExactKwh);
      return (Number(d.meterTruth(7 * DAY).forwardExactKwh) - a) / 7;
    });
    const mean = perDay.reduce((x, y) => x + y) / perDay.length;
    assert.ok(mean >= 10 && mean <= 15, `families average ${mean.toFixed(2)} kWh/day`);
    for (const k of perDay) assert.ok(k > 8 && k < 17, `each family within 8–17 kWh/day (${k.toFixed(2)})`);
  });

  it('reports E0 × D3 × E1 equal to the truth, for every scenario meter', () => {
    for (const m of scenario.meters) {
      const d = deviceFor(m);
      const now = 13 * HOUR + 17 * MIN;
      const e0 = getE0(d, now);
      const truth = d.meterTruth(now);
      assert.equal(e0, truth.forward, `${m.id} E0`);
      const kwh = energyKwh(e0, m.register.coefficient ?? 1, truth.unit);
      assert.equal(kwh, truth.forwardKwh, `${m.id} kWh`);
      assert.ok(
        Number(truth.forwardExactKwh) - Number(kwh) >= 0,
        `${m.id}: the register never shows more than used`,
      );
    }
  });

  it('advances E0 consistently with the profile over a day (E0 delta = integrated energy)', () => {
    const d = deviceFor(scenarioMeter((m) => m.household === 'family' && m.register.unitCode === 0x01));
    const before = d.meterTruth(0);
    const e0a = getE0(d, 0);
    const e0b = getE0(d, DAY);
    const after = d.meterTruth(DAY);
    const usedKwh = Number(after.forwardExactKwh) - Number(before.forwardExactKwh);
    assert.ok(usedKwh > 7 && usedKwh < 20, `a family day uses ${usedKwh} kWh`);
    assert.ok(
      Math.abs((e0b - e0a) * 0.1 - usedKwh) < 0.1 + 1e-9,
      'E0 moved by the energy used, to one count',
    );
  });

  it('fills E2 for today up to the latest boundary, each slot equal to E0 read at that boundary', () => {
    const d = deviceFor(scenarioMeter((m) => m.household === 'family'));
    const atBoundary: number[] = [];
    for (let k = 0; k <= 24; k++) atBoundary.push(getE0(d, k * 30 * MIN)); // 00:00 … 12:00
    const h = decodeHistory(edtOf(ask(d, 12 * HOUR + 10 * MIN, request(ESV.Get, [0xe2])), 0xe2));
    assert.equal(h.day, 0);
    assert.deepEqual(h.values.slice(0, 25), atBoundary);
    assert.ok(
      h.values.slice(25).every((v) => v === null),
      'slots after 12:00 are "no data"',
    );
    const ea = decodeFixedTimeEnergy(edtOf(ask(d, 12 * HOUR + 10 * MIN, request(ESV.Get, [0xea])), 0xea));
    assert.deepEqual(
      { y: ea.year, mo: ea.month, d: ea.day, h: ea.hour, mi: ea.minute, s: ea.second, v: ea.value },
      { y: 2026, mo: 5, d: 11, h: 12, mi: 0, s: 0, v: atBoundary[24] },
      'EA: the 12:00 reading with its local timestamp',
    );
  });

  it('selects older days with E5, pre-filled for 7 days before the start, then "no data"', () => {
    const d = deviceFor(scenarioMeter((m) => m.household === 'single'));
    const yesterdayE0: number[] = [];
    for (let k = 0; k < 48; k++) yesterdayE0.push(getE0(d, k * 30 * MIN));
    const now = DAY + 5 * HOUR;
    const set = setC(d, now, METER_EPC.HISTORY_DAY, encodeHistoryDay(1));
    assert.equal(set.esv, ESV.Set_Res);
    assert.equal(set.properties[0]!.edt.length, 0, 'Set_Res carries PDC 0');
    const e5 = ask(d, now, request(ESV.Get, [METER_EPC.HISTORY_DAY]));
    assert.deepEqual(edtOf(e5, 0xe5), Uint8Array.of(1));
    const h1 = decodeHistory(edtOf(ask(d, now, request(ESV.Get, [0xe2])), 0xe2));
    assert.equal(h1.day, 1);
    assert.deepEqual(h1.values, yesterdayE0, 'day 1 = the start day, read live');
    for (const [day, filled] of [
      [8, true],
      [9, false],
    ] as const) {
      setC(d, now, METER_EPC.HISTORY_DAY, encodeHistoryDay(day));
      const h = decodeHistory(edtOf(ask(d, now, request(ESV.Get, [0xe2])), 0xe2));
      assert.equal(
        h.values.every((v) => v !== null),
        filled,
        `day ${day} ${filled ? 'pre-filled' : 'no data'}`,
      );
    }
    setC(d, now, METER_EPC.HISTORY_DAY, encodeHistoryDay(8));
    const oldest = decodeHistory(edtOf(ask(d, now, request(ESV.Get, [0xe2])), 0xe2)).values as number[];
    for (let i = 1; i < 48; i++) assert.ok(oldest[i]! >= oldest[i - 1]!, 'pre-filled history increases');
    assert.ok(oldest[47]! <= yesterdayE0[0]!, 'and leads up to the start value');
    const refused = setC(d, now, METER_EPC.HISTORY_DAY, Uint8Array.of(100));
    assert.equal(refused.esv, ESV.SetC_SNA);
    assert.deepEqual(refused.properties[0]!.edt, Uint8Array.of(100), 'SetC_SNA echoes the refused EDT');
  });

  it('rolls E0 over at 10^digits', () => {
    const d = customDevice({
      register: { digits: 4, unitCode: 0x03, initialForward: 9_990, initialReverse: 0, reverseFlow: false },
    });
    assert.ok(getE0(d, 0) >= 9_990, 'starts near the top');
    const later = getE0(d, 2 * HOUR); // at least 100 Wh = 100 counts of 0.001 kWh
    assert.ok(later < 9_990, `wrapped to ${later}`);
    assert.equal(d.meterTruth(2 * HOUR).digits, 4);
  });

  it('exports at noon on a solar meter: E7 < 0, currents negative, E3 advances', () => {
    let exported = 0;
    for (const m of scenario.meters.filter((x) => x.household === 'family-solar')) {
      const d = deviceFor(m);
      for (let day = 0; day < 3; day++) {
        const noon = day * DAY + 12 * HOUR;
        const e3 = getE3(d, noon - HOUR);
        const p = getE7(d, noon);
        if (typeof p !== 'number' || p >= 0) continue;
        exported++;
        const c = decodeCurrents(edtOf(ask(d, noon, request(ESV.Get, [0xe8])), 0xe8));
        assert.ok(
          typeof c.r === 'number' && c.r < 0 && typeof c.t === 'number' && c.t < 0,
          'currents flow out',
        );
        assert.ok(getE3(d, noon + HOUR) > e3, `${m.id}: E3 advances while exporting`);
      }
    }
    assert.ok(exported >= 6, `solar meters export at noon on most days (${exported} of 18)`);
  });

  it('splits current over R and T at 100 V, or reports T "not applicable" on two-wire meters', () => {
    const three = customDevice();
    const two = customDevice({ wiring: 'single-phase-2-wire' });
    const now = 19 * HOUR;
    const p = three.meterTruth(now).powerW;
    const c3 = three.meterTruth(now).currents;
    assert.equal((c3.r as number) + (c3.t as number), Math.round(p / 10), 'I_R + I_T = P / 100 V in 0.1 A');
    const c2 = decodeCurrents(edtOf(ask(two, now, request(ESV.Get, [0xe8])), 0xe8));
    assert.equal(c2.t, 'not-applicable');
    assert.equal(c2.r, Math.round(two.meterTruth(now).powerW / 10));
  });
});

describe('simulated meter: ECHONET Lite services', () => {
  it('answers Get_SNA for a meter without D3 and E1, with PDC 0 for them only', () => {
    const m = scenarioMeter((x) => x.register.coefficient === undefined && x.register.unitCode === undefined);
    const d = deviceFor(m);
    const res = ask(d, 0, request(ESV.Get, [0xd3, 0xe0, 0xe1, 0xd7]));
    assert.equal(res.esv, ESV.Get_SNA);
    assert.equal(edtOf(res, 0xd3).length, 0);
    assert.equal(edtOf(res, 0xe1).length, 0);
    assert.equal(edtOf(res, 0xe0).length, 4, 'the available properties still carry data');
    assert.deepEqual(edtOf(res, 0xd7), Uint8Array.of(m.register.digits));
    const map = decodePropertyMap(edtOf(ask(d, 0, request(ESV.Get, [0x9f])), 0x9f));
    assert.ok(!map.includes(0xd3) && !map.includes(0xe1), 'the Get map leaves D3 and E1 out');
    const withBoth = deviceFor(
      scenarioMeter((x) => x.register.coefficient === 40 && x.register.unitCode === 0x01),
    );
    const ok = ask(withBoth, 0, request(ESV.Get, [0xd3, 0xe1]));
    assert.equal(ok.esv, ESV.Get_Res);
    assert.deepEqual(edtOf(ok, 0xd3), Uint8Array.of(0, 0, 0, 40));
  });

  it('lists in its property maps exactly what it answers', () => {
    const d = deviceFor(scenario.meters[0]!);
    for (const eoj of [EOJ.SMART_METER, EOJ.NODE_PROFILE]) {
      const maps = ask(d, 0, request(ESV.Get, [0x9d, 0x9e, 0x9f], { deoj: eoj }));
      assert.equal(maps.esv, ESV.Get_Res);
      const getMap = decodePropertyMap(edtOf(maps, 0x9f));
      const setMap = decodePropertyMap(edtOf(maps, 0x9e));
      for (let epc = 0x80; epc <= 0xff; epc++) {
        const res = ask(d, HOUR, request(ESV.Get, [epc], { deoj: eoj }));
        assert.equal(
          res.esv === ESV.Get_Res,
          getMap.includes(epc),
          `Get of 0x${epc.toString(16)} on ${eoj.toString(16)}`,
        );
      }
      if (eoj === EOJ.SMART_METER) {
        assert.deepEqual(setMap, [0x81, 0xe5, 0xf0, 0xf1]);
        assert.deepEqual(decodePropertyMap(edtOf(maps, 0x9d)), [0x80, 0x81, 0x88]);
      } else {
        assert.deepEqual(setMap, []);
        assert.deepEqual(decodePropertyMap(edtOf(maps, 0x9d)), [0x80, 0xd5]);
      }
    }
    const notSettable = ask(d, 0, request(ESV.SetC, [{ epc: 0xe0, edt: Uint8Array.of(0, 0, 0, 0) }]));
    assert.equal(notSettable.esv, ESV.SetC_SNA, 'E0 is not in the Set map and cannot be set');
  });

  it('describes the node in its node profile (0xD6, 0x83, 0x8A, 0xD3, 0xD4, 0xD7)', () => {
    const m = scenario.meters[0]!;
    const d = deviceFor(m);
    const res = ask(
      d,
      0,
      request(ESV.Get, [0xd6, 0x83, 0x8a, 0xd3, 0xd4, 0xd7, 0x82], { deoj: EOJ.NODE_PROFILE }),
    );
    assert.equal(res.esv, ESV.Get_Res);
    assert.equal(res.seoj, EOJ.NODE_PROFILE);
    assert.deepEqual(edtOf(res, 0xd6), Uint8Array.of(1, 0x02, 0x88, 0x01));
    assert.deepEqual(edtOf(res, 0x8a), Uint8Array.of(0xff, 0xff, 0xff));
    const id = edtOf(res, 0x83);
    assert.equal(id.length, 17);
    assert.equal(id[0], 0xfe);
    assert.equal(
      Buffer.from(id.subarray(4, 12)).toString('hex'),
      m.eui64,
      'identification number carries the EUI-64',
    );
    assert.deepEqual(edtOf(res, 0xd3), Uint8Array.of(0, 0, 1));
    assert.deepEqual(edtOf(res, 0xd4), Uint8Array.of(0, 2));
    assert.deepEqual(edtOf(res, 0xd7), Uint8Array.of(1, 0x02, 0x88));
    assert.deepEqual(edtOf(res, 0x82), Uint8Array.of(1, 13, 1, 0));
    const boot = decodeFrame(d.bootAnnouncement());
    assert.equal(boot.esv, ESV.INF);
    assert.deepEqual(edtOf(boot, 0xd5), Uint8Array.of(1, 0x02, 0x88, 0x01));
  });

  it('answers the addressed object only: wrong DEOJ is ignored, instance 0 addresses the class', () => {
    const d = customDevice();
    for (const deoj of [0x013001, 0x028802, 0x0ef002, 0x05ff01]) {
      assert.equal(
        d.handle(0, request(ESV.Get, [0x80], { deoj })),
        null,
        `DEOJ ${deoj.toString(16)} ignored`,
      );
    }
    assert.equal(d.stats.unknownObject, 4);
    const all = ask(d, 0, request(ESV.Get, [0x80], { deoj: 0x028800 }));
    assert.equal(all.seoj, EOJ.SMART_METER, 'an answer to 028800 comes from 028801');
    assert.equal(all.deoj, EOJ.CONTROLLER);
  });

  it('echoes the TID and swaps SEOJ/DEOJ', () => {
    const d = customDevice();
    const req = request(ESV.Get, [0x80]);
    const res = ask(d, 0, req);
    assert.equal(res.tid, decodeFrame(req).tid);
    assert.deepEqual([res.seoj, res.deoj], [EOJ.SMART_METER, EOJ.CONTROLLER]);
    assert.deepEqual(edtOf(res, 0x80), Uint8Array.of(0x30));
  });

  it('ignores frames that are not requests', () => {
    const d = customDevice();
    const resFrame = request(ESV.Get, [0x80]);
    resFrame[10] = ESV.INF_SNA; // a response-type ESV with empty EDT
    assert.equal(d.handle(0, resFrame), null);
    assert.equal(d.stats.notRequest, 1);
  });

  it('serves INF_REQ with INF, SetI silently, SetI failures with SetI_SNA, SetGet with SetGet_Res', () => {
    const d = customDevice();
    const inf = ask(d, HOUR, request(ESV.INF_REQ, [0xe0]));
    assert.equal(inf.esv, ESV.INF);
    assert.equal(decodeCumulativeEnergy(edtOf(inf, 0xe0)), d.meterTruth(HOUR).forward);
    assert.equal(ask(d, HOUR, request(ESV.INF_REQ, [0xd3, 0xe0])).esv, ESV.INF, 'the custom meter has D3');
    assert.equal(ask(d, HOUR, request(ESV.INF_REQ, [0xd0])).esv, ESV.INF_SNA);
    assert.equal(d.handle(HOUR, request(ESV.SetI, [{ epc: 0xe5, edt: Uint8Array.of(3) }])), null);
    assert.equal(d.meter.historyDay, 3, 'SetI applied');
    const failed = ask(d, HOUR, request(ESV.SetI, [{ epc: 0xe5, edt: Uint8Array.of(200) }]));
    assert.equal(failed.esv, ESV.SetI_SNA);
    const sg = ask(
      d,
      2 * DAY,
      request(ESV.SetGet, [{ epc: 0xe5, edt: Uint8Array.of(2) }], { getProperties: [0xe2, 0xe5] }),
    );
    assert.equal(sg.esv, ESV.SetGet_Res);
    assert.equal(sg.properties[0]!.edt.length, 0, 'accepted Set carries PDC 0');
    assert.equal(decodeHistory(edtOf(sg, 0xe2)).day, 2, 'the Get list sees the Set list applied');
    const sgFail = ask(
      d,
      2 * DAY,
      request(ESV.SetGet, [{ epc: 0xe0, edt: Uint8Array.of(0, 0, 0, 1) }], { getProperties: [0xe0] }),
    );
    assert.equal(sgFail.esv, ESV.SetGet_SNA);
  });
});

describe('simulated meter: demand response', () => {
  it('disconnects on 0xF0 = 0x42 (E7 = 0, E0 stops) and resumes on 0x41', () => {
    const d = deviceFor(scenarioMeter((m) => m.household === 'shop'));
    const cut = 10 * HOUR;
    const res = setC(d, cut, FIELDROOT_DR_EPC.DR_SWITCH_STATE, encodeDrSwitchState('disconnected'));
    assert.equal(res.esv, ESV.Set_Res);
    const exactAtCut = d.meterTruth(cut).forwardExactKwh;
    assert.equal(getE7(d, cut + 30 * MIN), 0);
    assert.equal(
      decodeDrSwitchState(edtOf(ask(d, cut + HOUR, request(ESV.Get, [0xf0])), 0xf0)),
      'disconnected',
    );
    assert.equal(d.meterTruth(cut + 3 * HOUR).forwardExactKwh, exactAtCut, 'no energy while disconnected');
    setC(d, cut + 3 * HOUR, FIELDROOT_DR_EPC.DR_SWITCH_STATE, encodeDrSwitchState('connected'));
    assert.ok(Number(getE7(d, cut + 3 * HOUR + MIN)) > 0, 'a shop at 13:00 draws power again');
    assert.ok(
      Number(d.meterTruth(cut + 4 * HOUR).forwardExactKwh) > Number(exactAtCut) + 1,
      'the register resumes after reconnection',
    );
    const bad = setC(d, cut + 4 * HOUR, FIELDROOT_DR_EPC.DR_SWITCH_STATE, Uint8Array.of(0x43));
    assert.equal(bad.esv, ESV.SetC_SNA);
  });

  it('holds the registers during a mains outage and resumes after it', () => {
    const d = deviceFor(scenarioMeter((m) => m.household === 'family'));
    d.setMains(8 * HOUR, false);
    const held = d.meterTruth(8 * HOUR).forwardExactKwh;
    assert.equal(d.meterTruth(11 * HOUR).powerW, 0);
    assert.equal(d.meterTruth(11 * HOUR).forwardExactKwh, held, 'no energy without supply');
    d.setMains(11 * HOUR, true);
    assert.ok(Number(d.meterTruth(14 * HOUR).forwardExactKwh) > Number(held), 'registers resume');
    assert.equal(d.meterTruth(14 * HOUR).switchState, 'connected', 'an outage is not a DR disconnection');
  });

  it('caps imported power at the 0xF1 load limit and reads the limit back', () => {
    const d = deviceFor(scenarioMeter((m) => m.household === 'shop'));
    const from = 9 * HOUR;
    assert.equal(setC(d, from, FIELDROOT_DR_EPC.DR_LOAD_LIMIT, encodeDrLoadLimit(500)).esv, ESV.Set_Res);
    const before = Number(d.meterTruth(from).forwardExactKwh);
    for (let t = from; t < from + 2 * HOUR; t += 7 * MIN) {
      const p = getE7(d, t);
      assert.ok(typeof p === 'number' && p <= 500, `power ${String(p)} W within the 500 W limit`);
    }
    const used = Number(d.meterTruth(from + 2 * HOUR).forwardExactKwh) - before;
    assert.ok(used <= 1.0001 && used > 0.9, `2 h under a 500 W cap uses at most 1 kWh (${used})`);
    assert.equal(decodeDrLoadLimit(edtOf(ask(d, from + 2 * HOUR, request(ESV.Get, [0xf1])), 0xf1)), 500);
    assert.equal(d.meterTruth(from + 2 * HOUR).loadLimitW, 500);
    const reserved = setC(
      d,
      from + 2 * HOUR,
      FIELDROOT_DR_EPC.DR_LOAD_LIMIT,
      Uint8Array.of(0xff, 0xff, 0xff, 0xfe),
    );
    assert.equal(reserved.esv, ESV.SetC_SNA);
    setC(d, from + 2 * HOUR, FIELDROOT_DR_EPC.DR_LOAD_LIMIT, encodeDrLoadLimit(null));
    assert.ok(Number(getE7(d, from + 3 * HOUR)) > 500, 'without a limit the shop draws its full load');
  });
});

describe('simulated meter: robustness and determinism', () => {
  it('announces EA at each new 30-minute boundary via inf()', () => {
    const d = deviceFor(scenarioMeter((m) => m.register.reverseFlow));
    assert.equal(d.inf(10 * MIN), null, 'no boundary passed since the start (00:00)');
    const f = d.inf(31 * MIN);
    assert.ok(f !== null, 'INF after 00:30');
    const frame = decodeFrame(f);
    assert.deepEqual([frame.esv, frame.seoj, frame.deoj], [ESV.INF, EOJ.SMART_METER, EOJ.CONTROLLER]);
    assert.equal(decodeFixedTimeEnergy(edtOf(frame, 0xea)).minute, 30);
    assert.ok(
      frame.properties.some((p) => p.epc === 0xeb),
      'a reverse-flow meter announces EB too',
    );
    assert.equal(d.inf(59 * MIN), null, 'once per boundary');
  });

  it('never runs registers backwards when time goes back', () => {
    const d = customDevice();
    const late = getE0(d, 10 * HOUR);
    assert.equal(getE0(d, HOUR), late);
  });

  it('survives 10,000 mutated requests without throwing, answering only well-formed frames', async () => {
    const { fuzzDecoder } = await import('../../../support/fuzz.ts');
    const d = deviceFor(scenarioMeter((m) => m.household === 'family-solar'));
    const samples = [
      request(ESV.Get, [0xe0, 0xe2, 0xe7, 0xea]),
      request(ESV.SetC, [
        { epc: 0xf0, edt: Uint8Array.of(0x42) },
        { epc: 0xe5, edt: Uint8Array.of(5) },
      ]),
      request(ESV.SetGet, [{ epc: 0xf1, edt: Uint8Array.of(0, 0, 3, 0xe8) }], {
        getProperties: [0xe4, 0xeb],
      }),
      request(ESV.Get, [0xd6, 0x83], { deoj: EOJ.NODE_PROFILE }),
      request(ESV.INF_REQ, [0xe8]),
      request(ESV.SetI, [{ epc: 0x81, edt: Uint8Array.of(0x08) }]),
    ];
    let t = 0;
    let answers = 0;
    fuzzDecoder(
      (bytes) => {
        t += 1_000;
        const out = d.handle(t, bytes);
        if (out !== null) {
          answers++;
          decodeFrame(out); // every answer is a well-formed frame
        }
        return out;
      },
      samples,
      { runs: 10_000 },
    );
    assert.equal(d.stats.internalErrors, 0, 'no exception other than DecodeError inside');
    assert.ok(d.stats.malformed > 1000, `mutations were rejected (${d.stats.malformed})`);
    assert.ok(answers > 100, `valid mutations were answered (${answers})`);
    assert.equal(d.stats.received, 10_000);
  });

  it('answers identically for the same seed, differently for another', () => {
    const m = scenarioMeter((x) => x.household === 'family-solar');
    const a = deviceFor(m);
    const b = deviceFor(m);
    const c = deviceFor(m, scenario.seed + 1);
    const script: [number, Uint8Array][] = [];
    for (let k = 0; k < 40; k++) {
      script.push([k * 37 * MIN, request(ESV.Get, [0xe0, 0xe3, 0xe7, 0xe8, 0xea])]);
      if (k === 20) script.push([k * 37 * MIN, request(ESV.SetC, [{ epc: 0xe5, edt: Uint8Array.of(1) }])]);
    }
    script.push([2 * DAY, request(ESV.Get, [0xe2, 0xe4])]);
    let differs = false;
    for (const [now, req] of script) {
      const ra = a.handle(now, req);
      const rb = b.handle(now, req.slice());
      const rc = c.handle(now, req.slice());
      assert.deepEqual(ra, rb);
      if (Buffer.compare(Buffer.from(ra!), Buffer.from(rc!)) !== 0) differs = true;
    }
    assert.ok(differs, 'another seed gives another load');
  });
});
