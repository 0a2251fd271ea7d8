import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { SpinelReader, SpinelWriter } from '../../../src/stack/spinel/index.ts';

const rd = (hex: string): SpinelReader => SpinelReader.of(fromHex(hex));
const isDecodeError = (re: RegExp) => (e: unknown) => e instanceof DecodeError && re.test(e.reason);

test('fixed-width letters are little-endian, E is a byte string', () => {
  const w = new SpinelWriter()
    .bool(true)
    .uint8(0xab)
    .int8(-2)
    .uint16(0x1234)
    .int16(-2)
    .uint32(0xdeadbeef)
    .int32(-2)
    .uint64(0x0102030405060708n)
    .packed(1337)
    .eui64(fromHex('0011223344556677'));
  assert.equal(
    toHex(w.finish()),
    '01' +
      'ab' +
      'fe' +
      '3412' +
      'feff' +
      'efbeadde' +
      'feffffff' +
      '0807060504030201' +
      'b90a' +
      '0011223344556677',
  );
  const s = SpinelReader.of(w.finish());
  assert.deepEqual(
    [s.bool(), s.uint8(), s.int8(), s.uint16(), s.int16(), s.uint32(), s.int32(), s.uint64(), s.packed()],
    [true, 0xab, -2, 0x1234, -2, 0xdeadbeef, -2, 0x0102030405060708n, 1337],
  );
  assert.equal(toHex(s.eui64()), '0011223344556677');
  s.end();
});

test('b accepts only 0x00 and 0x01 (spinel.h DATATYPE_BOOL)', () => {
  assert.equal(rd('00').bool(), false);
  assert.throws(() => rd('02').bool(), isDecodeError(/0x00 or 0x01/));
  assert.throws(() => rd('ff').bool(), DecodeError);
});

test('d, D, U and t', () => {
  const w = new SpinelWriter()
    .dataWithLen(fromHex('aabb'))
    .utf8('RCP/1.0 ü')
    .struct((t) => t.uint8(7).uint16(0x0102))
    .data(fromHex('ccdd'));
  const bytes = w.finish();
  assert.equal(
    toHex(bytes),
    '0200aabb' + toHex(new TextEncoder().encode('RCP/1.0 ü')) + '00' + '0300070201' + 'ccdd',
  );
  const s = SpinelReader.of(bytes);
  assert.equal(toHex(s.dataWithLen()), 'aabb');
  assert.equal(s.utf8(), 'RCP/1.0 ü');
  assert.deepEqual(
    s.struct('t', (t) => [t.uint8(), t.uint16()]),
    [7, 0x0102],
  );
  assert.equal(toHex(s.data()), 'ccdd');
  assert.ok(s.atEnd);
});

test('t skips fields appended inside the struct but not past it (spinel.h Structured Data)', () => {
  const s = rd('0400 07 0201 ff 09');
  assert.equal(
    s.struct('t', (t) => t.uint8()),
    7,
  );
  assert.equal(s.uint8(), 9);
  assert.throws(() => rd('0500 07 02').struct('t', (t) => t.uint8()), isDecodeError(/truncated/));
  assert.throws(() => rd('0100 07').struct('t', (t) => t.uint16()), isDecodeError(/truncated/));
});

test('U refuses a missing terminator and invalid UTF-8', () => {
  assert.throws(() => rd('4142').utf8(), isDecodeError(/unterminated/));
  assert.throws(() => rd('c32800').utf8(), isDecodeError(/UTF-8/));
  assert.equal(rd('00').utf8(), '');
});

test('d refuses a length past the end', () => {
  assert.throws(() => rd('0500aabb').dataWithLen(), isDecodeError(/truncated/));
});

test('writers refuse unrepresentable values with RangeError', () => {
  const w = new SpinelWriter();
  assert.throws(() => w.uint8(256), RangeError);
  assert.throws(() => w.int8(128), RangeError);
  assert.throws(() => w.int8(-129), RangeError);
  assert.throws(() => w.uint16(-1), RangeError);
  assert.throws(() => w.int16(0x8000), RangeError);
  assert.throws(() => w.uint32(2 ** 32), RangeError);
  assert.throws(() => w.int32(2 ** 31), RangeError);
  assert.throws(() => w.uint64(-1n), RangeError);
  assert.throws(() => w.uint64(1n << 64n), RangeError);
  assert.throws(() => w.eui64(new Uint8Array(7)), RangeError);
  assert.throws(() => w.dataWithLen(new Uint8Array(65536)), RangeError);
  assert.throws(() => w.utf8('a\0b'), RangeError);
  assert.throws(() => w.utf8('\uD800'), RangeError);
});

test('every letter round-trips', () => {
  fc.assert(
    fc.property(
      fc.record(
        {
          b: fc.boolean(),
          C: fc.integer({ min: 0, max: 255 }),
          c: fc.integer({ min: -128, max: 127 }),
          S: fc.integer({ min: 0, max: 0xffff }),
          s: fc.integer({ min: -0x8000, max: 0x7fff }),
          L: fc.integer({ min: 0, max: 0xffffffff }),
          l: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
          X: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          i: fc.integer({ min: 0, max: 2097151 }),
          E: fc.uint8Array({ minLength: 8, maxLength: 8 }),
          d: fc.uint8Array({ maxLength: 64 }),
          U: fc.string({ unit: 'grapheme' }).filter((x) => !x.includes('\0')),
          D: fc.uint8Array({ maxLength: 16 }),
        },
        { noNullPrototype: true },
      ),
      (v) => {
        const w = new SpinelWriter()
          .bool(v.b)
          .uint8(v.C)
          .int8(v.c)
          .uint16(v.S)
          .int16(v.s)
          .uint32(v.L)
          .int32(v.l)
          .uint64(v.X)
          .packed(v.i)
          .eui64(v.E)
          .struct((t) => t.dataWithLen(v.d).utf8(v.U))
          .data(v.D);
        const s = SpinelReader.of(w.finish());
        const got = {
          b: s.bool(),
          C: s.uint8(),
          c: s.int8(),
          S: s.uint16(),
          s: s.int16(),
          L: s.uint32(),
          l: s.int32(),
          X: s.uint64(),
          i: s.packed(),
          E: s.eui64(),
          ...s.struct('t', (t) => ({ d: t.dataWithLen(), U: t.utf8() })),
          D: s.data(),
        };
        assert.deepEqual(got, v);
      },
    ),
  );
});
