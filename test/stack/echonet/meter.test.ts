import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  METER_EPC,
  METER_PROPERTY_CODECS,
  cumulativeDelta,
  decodeCoefficient,
  decodeCumulativeEnergy,
  decodeCurrents,
  decodeDrLoadLimit,
  decodeDrSwitchState,
  decodeEffectiveDigits,
  decodeFixedTimeEnergy,
  decodeFrame,
  decodeHistory,
  decodeHistoryDay,
  decodeInstantaneousPower,
  decodeOperationStatus,
  decodePropertyMap,
  decodeUnit,
  encodeCurrents,
  encodeDrLoadLimit,
  encodeDrSwitchState,
  encodeHistory,
  encodeInstantaneousPower,
  encodePropertyMap,
  encodeUnit,
  energyKwh,
  energyTenthWattHours,
  rolloverModulus,
} from '../../../src/stack/echonet/index.ts';
import type { UnitExponent } from '../../../src/stack/echonet/index.ts';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { E7_504W, E7_NEGATIVE, E8_R_MIN_T_MAX, ROUTE_B_CAPTURE } from './vectors.ts';

const edtOf = (hex: string): Uint8Array => decodeFrame(fromHex(hex)).properties[0]!.edt;

test('published Get_Res values decode to typed values', () => {
  const C = ROUTE_B_CAPTURE;
  assert.equal(decodeOperationStatus(edtOf(C.OP_STATUS)), 'on');
  assert.equal(decodeCoefficient(edtOf(C.D3)), 1);
  assert.equal(decodeEffectiveDigits(edtOf(C.D7)), 6);
  assert.equal(decodeCumulativeEnergy(edtOf(C.E0)), 0xfe73);
  assert.equal(decodeInstantaneousPower(edtOf(C.E7)), 632);
  assert.equal(decodeInstantaneousPower(edtOf(E7_504W)), 504);
  assert.equal(decodeInstantaneousPower(edtOf(E7_NEGATIVE)), -840);
  assert.deepEqual(decodeCurrents(edtOf(C.E8)), { r: 30, t: 50 });
  assert.deepEqual(decodeCurrents(edtOf(E8_R_MIN_T_MAX)), { r: -32767, t: 32765 });
  const h = decodeHistory(edtOf(C.E2));
  assert.equal(h.day, 11);
  assert.equal(h.values.length, 48);
  assert.deepEqual([h.values[0], h.values[47]], [0xf766, 0xf7b6]);
  assert.deepEqual(decodeFixedTimeEnergy(edtOf(C.EA)), {
    year: 2026,
    month: 5,
    day: 20,
    hour: 14,
    minute: 0,
    second: 0,
    value: 0xfe68,
  });
  assert.deepEqual(decodeFixedTimeEnergy(edtOf(C.EB)), {
    year: 2026,
    month: 5,
    day: 24,
    hour: 22,
    minute: 30,
    second: 0,
    value: 0x16,
  });
  assert.deepEqual(decodePropertyMap(edtOf(C.MAP_9D)), [0x80, 0x81, 0x88]);
  assert.deepEqual(decodePropertyMap(edtOf(C.MAP_9E)), [0x81, 0xe5, 0xed]);
  assert.deepEqual(
    decodePropertyMap(edtOf(C.MAP_9F))
      .map((e) => e.toString(16))
      .join(' '),
    '80 81 82 88 8a 8d 97 98 9d 9e 9f d3 d7 e0 e1 e2 e3 e4 e5 e7 e8 ea eb ec ed',
  );
  assert.equal(toHex(encodePropertyMap(decodePropertyMap(edtOf(C.MAP_9F)))), toHex(edtOf(C.MAP_9F)));
});

test('special codes: no data, overflow, underflow, single-phase T', () => {
  const hist = encodeHistory({ day: 0, values: Array.from({ length: 48 }, (_, i) => (i % 2 ? null : i)) });
  assert.equal(toHex(hist.subarray(6, 10)), 'fffffffe');
  assert.equal(decodeHistory(hist).values[1], null);
  assert.equal(decodeInstantaneousPower(fromHex('7fffffff')), 'overflow');
  assert.equal(decodeInstantaneousPower(fromHex('80000000')), 'underflow');
  assert.throws(() => decodeInstantaneousPower(fromHex('7ffffffe')), DecodeError);
  assert.deepEqual(decodeCurrents(fromHex('00147ffe')), { r: 20, t: 'not-applicable' });
  assert.deepEqual(decodeCurrents(fromHex('7fff8000')), { r: 'overflow', t: 'underflow' });
  assert.throws(() => decodeCurrents(fromHex('7ffe0000')), /T phase/);
  assert.equal(toHex(encodeCurrents({ r: -1, t: 'not-applicable' })), 'ffff7ffe');
  assert.equal(toHex(encodeInstantaneousPower(-840)), 'fffffcb8');
});

test('range checks refuse out-of-spec values', () => {
  assert.throws(() => decodeOperationStatus(Uint8Array.of(0x32)), DecodeError);
  assert.throws(() => decodeCoefficient(fromHex('00000000')), /coefficient/);
  assert.throws(() => decodeCoefficient(fromHex('000f4240')), /coefficient/); // 1,000,000
  assert.throws(() => decodeEffectiveDigits(Uint8Array.of(9)), DecodeError);
  assert.throws(() => decodeEffectiveDigits(Uint8Array.of(0)), DecodeError);
  assert.throws(() => decodeCumulativeEnergy(fromHex('05f5e100')), /99999999/); // 100,000,000
  assert.equal(decodeCumulativeEnergy(fromHex('05f5e0ff')), 99_999_999);
  assert.throws(() => decodeUnit(Uint8Array.of(0x05)), /unit code/);
  assert.throws(() => decodeUnit(Uint8Array.of(0x0e)), /unit code/);
  assert.throws(() => decodeHistoryDay(Uint8Array.of(100)), DecodeError);
  assert.throws(() => decodeHistory(new Uint8Array(193)), DecodeError);
  assert.throws(() => decodeFixedTimeEnergy(fromHex('07ea0d0100000000000001')), /month/);
  assert.throws(() => decodeFixedTimeEnergy(fromHex('07ea010118000000000001')), /hour/);
  assert.throws(() => decodePropertyMap(fromHex('028080')), /twice/);
  assert.throws(() => decodePropertyMap(fromHex('0170')), /below 0x80/);
  assert.throws(() => decodePropertyMap(fromHex('12' + '01'.repeat(16))), /bits set/);
  assert.throws(() => decodePropertyMap(fromHex('0280')), /truncated/);
  assert.throws(() => encodeUnit(5 as UnitExponent), RangeError);
});

test('unit table: every code of PROTOCOL-NOTES', () => {
  const table: Array<[number, UnitExponent]> = [
    [0x00, 0],
    [0x01, -1],
    [0x02, -2],
    [0x03, -3],
    [0x04, -4],
    [0x0a, 1],
    [0x0b, 2],
    [0x0c, 3],
    [0x0d, 4],
  ];
  for (const [code, exp] of table) {
    assert.equal(decodeUnit(Uint8Array.of(code)), exp);
    assert.deepEqual(encodeUnit(exp), Uint8Array.of(code));
  }
});

test('energyKwh is exact decimal arithmetic', () => {
  assert.equal(energyKwh(12_345_678, 1, -1), '1234567.8');
  assert.equal(energyKwh(1, 1, -1), '0.1');
  assert.equal(energyKwh(3, 1, -1), '0.3'); // 3 × 0.1 is 0.30000000000000004 in floats
  assert.equal(energyKwh(100, 1, -2), '1');
  assert.equal(energyKwh(123, 1, -4), '0.0123');
  assert.equal(energyKwh(0, 40, 2), '0');
  assert.equal(energyKwh(99_999_999, 999_999, 4), '999998990000010000');
  assert.equal(energyKwh(0xfe73, 1, -1), '6513.9');
  assert.equal(energyTenthWattHours(12_345_678, 1, -1), 12_345_678_000n);
  assert.throws(() => energyKwh(1, 0, 0), RangeError);
  assert.throws(() => energyKwh(100_000_000, 1, 0), RangeError);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 99_999_999 }),
      fc.integer({ min: 1, max: 999_999 }),
      fc.constantFrom<UnitExponent>(-4, -3, -2, -1, 0, 1, 2, 3, 4),
      (raw, coef, unit) => {
        // Parse the decimal back exactly and compare with integer arithmetic.
        const [whole, frac = ''] = energyKwh(raw, coef, unit).split('.');
        const tenths = BigInt(whole!) * 10_000n + BigInt(frac.padEnd(4, '0') || '0');
        assert.equal(tenths, energyTenthWattHours(raw, coef, unit));
        assert.ok(!frac.endsWith('0'));
      },
    ),
  );
});

test('rollover helpers follow D7', () => {
  assert.equal(rolloverModulus(6), 1_000_000);
  assert.equal(cumulativeDelta(999_990, 5, 6), 15);
  assert.equal(cumulativeDelta(10, 25, 6), 15);
  assert.throws(() => cumulativeDelta(1_000_000, 0, 6), RangeError);
  assert.throws(() => rolloverModulus(9), RangeError);
});

test('FieldRoot DR EPCs', () => {
  assert.equal(toHex(encodeDrSwitchState('disconnected')), '42');
  assert.equal(decodeDrSwitchState(Uint8Array.of(0x41)), 'connected');
  assert.throws(() => decodeDrSwitchState(Uint8Array.of(0x43)), DecodeError);
  assert.equal(toHex(encodeDrLoadLimit(3000)), '00000bb8');
  assert.equal(decodeDrLoadLimit(fromHex('00000000')), null);
  assert.throws(() => decodeDrLoadLimit(fromHex('ffffffff')), /reserved/);
  assert.throws(() => encodeDrLoadLimit(0), RangeError);
});

// --- round trips and fuzz for every property codec ---

const u = (min: number, max: number) => fc.integer({ min, max });
const measured = (min: number, max: number) =>
  fc.oneof(u(min, max), fc.constantFrom('overflow' as const, 'underflow' as const));
const ARBITRARIES: Record<number, fc.Arbitrary<unknown>> = {
  [METER_EPC.OPERATION_STATUS]: fc.constantFrom('on', 'off'),
  [METER_EPC.STATUS_CHANGE_ANNOUNCEMENT_PROPERTY_MAP]: fc
    .uniqueArray(u(0x80, 0xff), { maxLength: 40 })
    .map((a) => a.sort((x, y) => x - y)),
  [METER_EPC.SET_PROPERTY_MAP]: fc
    .uniqueArray(u(0x80, 0xff), { maxLength: 15 })
    .map((a) => a.sort((x, y) => x - y)),
  [METER_EPC.GET_PROPERTY_MAP]: fc
    .uniqueArray(u(0x80, 0xff), { minLength: 16, maxLength: 128 })
    .map((a) => a.sort((x, y) => x - y)),
  [METER_EPC.COEFFICIENT]: u(1, 999_999),
  [METER_EPC.NUMBER_OF_EFFECTIVE_DIGITS]: u(1, 8),
  [METER_EPC.CUMULATIVE_ENERGY_NORMAL]: u(0, 99_999_999),
  [METER_EPC.CUMULATIVE_ENERGY_UNIT]: fc.constantFrom(-4, -3, -2, -1, 0, 1, 2, 3, 4),
  [METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_NORMAL]: fc.record(
    { day: u(0, 99), values: fc.array(fc.option(u(0, 99_999_999)), { minLength: 48, maxLength: 48 }) },
    { noNullPrototype: true },
  ),
  [METER_EPC.CUMULATIVE_ENERGY_REVERSE]: u(0, 99_999_999),
  [METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_REVERSE]: fc.record(
    { day: u(0, 99), values: fc.array(fc.option(u(0, 99_999_999)), { minLength: 48, maxLength: 48 }) },
    { noNullPrototype: true },
  ),
  [METER_EPC.HISTORY_DAY]: u(0, 99),
  [METER_EPC.INSTANTANEOUS_POWER]: measured(-0x7fffffff, 0x7ffffffd),
  [METER_EPC.INSTANTANEOUS_CURRENTS]: fc.record(
    {
      r: measured(-0x7fff, 0x7ffd),
      t: fc.oneof(measured(-0x7fff, 0x7ffd), fc.constant('not-applicable' as const)),
    },
    { noNullPrototype: true },
  ),
  [METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_NORMAL]: fc.record(
    {
      year: u(1, 9999),
      month: u(1, 12),
      day: u(1, 31),
      hour: u(0, 23),
      minute: u(0, 59),
      second: u(0, 59),
      value: fc.option(u(0, 99_999_999)),
    },
    { noNullPrototype: true },
  ),
  [METER_EPC.CUMULATIVE_ENERGY_FIXED_TIME_REVERSE]: fc.record(
    {
      year: u(1, 9999),
      month: u(1, 12),
      day: u(1, 31),
      hour: u(0, 23),
      minute: u(0, 59),
      second: u(0, 59),
      value: fc.option(u(0, 99_999_999)),
    },
    { noNullPrototype: true },
  ),
};

for (const [epcText, codec] of Object.entries(METER_PROPERTY_CODECS)) {
  const epc = Number(epcText);
  const c = codec as { name: string; decode(e: Uint8Array): unknown; encode(v: unknown): Uint8Array };
  test(`0x${epc.toString(16)} ${c.name}: round trip and fuzz (10,000 runs)`, () => {
    const arb = ARBITRARIES[epc];
    assert.ok(arb, `no arbitrary for EPC 0x${epc.toString(16)}`);
    fc.assert(
      fc.property(arb, (v) => assert.deepEqual(c.decode(c.encode(v)), v)),
      { numRuns: 300 },
    );
    const samples = fc.sample(arb, { numRuns: 8, seed: 1 }).map((v) => c.encode(v));
    fuzzDecoder((b) => c.decode(b), samples, { runs: 10_000 });
  });
}

test('DR codecs: round trip and fuzz', () => {
  fc.assert(
    fc.property(fc.constantFrom('connected' as const, 'disconnected' as const), (s) =>
      assert.equal(decodeDrSwitchState(encodeDrSwitchState(s)), s),
    ),
  );
  fc.assert(
    fc.property(fc.option(u(1, 0xfffffffd)), (v) => assert.equal(decodeDrLoadLimit(encodeDrLoadLimit(v)), v)),
  );
  fuzzDecoder(decodeDrSwitchState, [Uint8Array.of(0x41), Uint8Array.of(0x42)], { runs: 10_000 });
  fuzzDecoder(decodeDrLoadLimit, [fromHex('00000bb8'), fromHex('00000000')], { runs: 10_000 });
});
