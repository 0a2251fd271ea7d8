import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import {
  SPINEL_CMD,
  SPINEL_PROP,
  SPINEL_RESET,
  SPINEL_STATUS,
  type SpinelFrame,
  decodeSpinelFrame,
  encodePackedUint,
  encodeSpinelFrame,
  frameCommand,
  nextTid,
  propGet,
  propIs,
  propSet,
  spinelHeaderByte,
} from '../../../src/stack/spinel/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

const isDecodeError = (re: RegExp) => (e: unknown) => e instanceof DecodeError && re.test(e.reason);

test('frame vectors', () => {
  const vectors: [SpinelFrame, string, string][] = [
    [
      propGet(1, SPINEL_PROP.RCP_API_VERSION),
      '81 02 b001',
      'GET RCP_API_VERSION: id 0xB0 is packed as b0 01',
    ],
    [
      propIs(0, SPINEL_PROP.LAST_STATUS, encodePackedUint(SPINEL_STATUS.RESET_POWER_ON)),
      '80 06 00 70',
      'boot status RESET_POWER_ON (112) on TID 0',
    ],
    [propSet(2, SPINEL_PROP.PHY_ENABLED, fromHex('01')), '82 03 20 01', 'SET PHY_ENABLED true'],
    [propIs(3, SPINEL_PROP.LAST_STATUS, fromHex('11 00 00')), '83 06 00 110000', 'NO_ACK transmit done'],
    [{ kind: 'noop', iid: 0, tid: 5 }, '85 00', 'NOOP'],
    [{ kind: 'reset', iid: 0, tid: 0 }, '80 01', 'RESET (stack)'],
    [{ kind: 'reset', iid: 0, tid: 1, resetType: SPINEL_RESET.PLATFORM }, '81 01 01', 'RESET platform'],
    [
      {
        kind: 'prop',
        iid: 3,
        tid: 15,
        command: SPINEL_CMD.PROP_VALUE_INSERTED,
        prop: 0x1304,
        value: fromHex('3412'),
      },
      'bf 07 8426 3412',
      'IID 3, TID 15, two-byte property id',
    ],
    [
      { kind: 'other', iid: 0, tid: 1, command: SPINEL_CMD.PEEK, payload: fromHex('aabb') },
      '81 12 aabb',
      'other',
    ],
  ];
  for (const [frame, hex, note] of vectors) {
    assert.equal(toHex(encodeSpinelFrame(frame)), toHex(fromHex(hex)), note);
    assert.deepEqual(decodeSpinelFrame(fromHex(hex)), frame, note);
  }
});

test('header helpers', () => {
  assert.equal(spinelHeaderByte(0, 0), 0x80);
  assert.equal(spinelHeaderByte(2, 9), 0xa9);
  assert.throws(() => spinelHeaderByte(4, 0), RangeError);
  assert.throws(() => spinelHeaderByte(0, 16), RangeError);
  assert.equal(nextTid(1), 2);
  assert.equal(nextTid(15), 1); // spinel.h SPINEL_GET_NEXT_TID skips 0
  assert.equal(frameCommand(propGet(1, 0)), SPINEL_CMD.PROP_VALUE_GET);
});

test('frame decoding is strict', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['00 02 00', /flag bits 0b00/],
    ['41 02 00', /flag bits 0b01/],
    ['c1 02 00', /flag bits 0b11/],
    ['81', /missing command/],
    ['81 80', /truncated command/],
    ['81 80 00', /non-minimal/],
    ['81 00 00', /trailing/],
    ['81 01 01 02', /trailing/],
    ['81 02', /missing property/],
    ['81 02 00 00', /trailing/],
    ['81 03', /missing property/],
  ];
  for (const [hex, reason] of bad) {
    assert.throws(() => decodeSpinelFrame(fromHex(hex)), isDecodeError(reason), hex);
  }
});

test('frame encoder refuses what it cannot represent', () => {
  assert.throws(
    () =>
      encodeSpinelFrame({
        kind: 'other',
        iid: 0,
        tid: 0,
        command: SPINEL_CMD.PROP_VALUE_SET,
        payload: new Uint8Array(),
      }),
    RangeError,
  );
  assert.throws(() => encodeSpinelFrame(propGet(1, 2_097_152)), RangeError);
  const untyped = { kind: 'prop', iid: 0, tid: 1, command: 2, prop: 0, value: new Uint8Array() };
  assert.throws(() => encodeSpinelFrame(untyped as unknown as SpinelFrame), RangeError);
  assert.throws(() => encodeSpinelFrame({ kind: 'reset', iid: 0, tid: 0, resetType: 256 }), RangeError);
});

const header = { iid: fc.integer({ min: 0, max: 3 }), tid: fc.integer({ min: 0, max: 15 }) };
const id = fc.integer({ min: 0, max: 2_097_151 });
const frameArb: fc.Arbitrary<SpinelFrame> = fc.oneof(
  fc.record({ kind: fc.constant('noop' as const), ...header }, { noNullPrototype: true }),
  fc.record(
    { kind: fc.constant('reset' as const), ...header, resetType: fc.integer({ min: 0, max: 255 }) },
    { requiredKeys: ['kind', 'iid', 'tid'], noNullPrototype: true },
  ),
  fc.record({ kind: fc.constant('get' as const), ...header, prop: id }, { noNullPrototype: true }),
  fc.record(
    {
      kind: fc.constant('prop' as const),
      ...header,
      command: fc.constantFrom(3, 4, 5, 6, 7, 8 as const),
      prop: id,
      value: fc.uint8Array({ maxLength: 64 }),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    {
      kind: fc.constant('other' as const),
      ...header,
      command: fc.integer({ min: 9, max: 2_097_151 }),
      payload: fc.uint8Array({ maxLength: 64 }),
    },
    { noNullPrototype: true },
  ),
) as fc.Arbitrary<SpinelFrame>;

test('frame round trip', () => {
  fc.assert(
    fc.property(frameArb, (frame) => {
      assert.deepEqual(decodeSpinelFrame(encodeSpinelFrame(frame)), frame);
    }),
  );
});

test('frame decoder fuzz', () => {
  const samples = fc.sample(frameArb, { numRuns: 50, seed: 7 }).map(encodeSpinelFrame);
  const { accepted, rejected } = fuzzDecoder(decodeSpinelFrame, samples);
  assert.ok(accepted > 0 && rejected > 0);
});
