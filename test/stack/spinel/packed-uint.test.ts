import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import {
  SPINEL_MAX_UINT_PACKED,
  decodePackedUint,
  encodePackedUint,
  packedUintSize,
} from '../../../src/stack/spinel/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

test('packed uint vectors', () => {
  const vectors: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [0xb0, 'b001'], // PROP_RCP_API_VERSION as observed on the wire (PROTOCOL-NOTES.md)
    [1337, 'b90a'], // spinel.h "Packed Unsigned Integer": 1337 => [B9 0A]
    [16383, 'ff7f'],
    [16384, '808001'],
    [SPINEL_MAX_UINT_PACKED, 'ffff7f'], // spinel.h: largest value in three bytes, 2,097,151
  ];
  for (const [value, hex] of vectors) {
    assert.equal(toHex(encodePackedUint(value)), hex, `encode ${value}`);
    assert.equal(decodePackedUint(fromHex(hex)), value, `decode ${hex}`);
    assert.equal(packedUintSize(value), hex.length / 2);
  }
});

test('packed uint decoding is strict', () => {
  const bad: [string, RegExp][] = [
    ['', /missing/],
    ['80', /truncated/],
    ['ff ff', /truncated/],
    ['80 00', /non-minimal/],
    ['ff 80 00', /non-minimal/],
    ['ff ff ff', /longer than 3/],
    ['80 80 80 01', /longer than 3/],
    ['01 00', /trailing/],
  ];
  for (const [hex, reason] of bad) {
    assert.throws(
      () => decodePackedUint(fromHex(hex)),
      (e: unknown) => e instanceof DecodeError && reason.test(e.reason),
      hex,
    );
  }
});

test('packed uint encoder refuses unrepresentable values', () => {
  for (const v of [-1, SPINEL_MAX_UINT_PACKED + 1, 1.5, Number.NaN]) {
    assert.throws(() => encodePackedUint(v), RangeError);
  }
});

test('packed uint round trip', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SPINEL_MAX_UINT_PACKED }), (v) => {
      const enc = encodePackedUint(v);
      assert.equal(enc.length, packedUintSize(v));
      assert.equal(decodePackedUint(enc), v);
    }),
  );
});

test('packed uint fuzz', () => {
  const { rejected } = fuzzDecoder(decodePackedUint, [fromHex('00'), fromHex('b90a'), fromHex('ffff7f')], {
    maxLength: 6,
  });
  assert.ok(rejected > 0);
});
