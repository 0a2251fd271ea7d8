import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader, ByteWriter, DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';

test('reads past the end throw DecodeError with codec and absolute offset', () => {
  const r = new ByteReader(Uint8Array.of(1, 2, 3), 'demo', 10);
  assert.equal(r.u16be(), 0x0102);
  assert.throws(
    () => r.u16be('length'),
    (e: unknown) =>
      e instanceof DecodeError && e.codec === 'demo' && e.offset === 12 && /length/.test(e.reason),
  );
});

test('end() refuses trailing bytes', () => {
  const r = new ByteReader(Uint8Array.of(1, 2), 'demo');
  r.u8();
  assert.throws(() => r.end(), DecodeError);
});

test('writer and reader agree on every integer width', () => {
  const w = new ByteWriter(1).u8(0xab).u16be(0x1234).u16le(0x1234).u32be(0xdeadbeef).u32le(0xdeadbeef);
  w.u64le(0x0102030405060708n).u64be(0x0102030405060708n);
  const r = new ByteReader(w.finish(), 'demo');
  assert.deepEqual(
    [r.u8(), r.u16be(), r.u16le(), r.u32be(), r.u32le(), r.u64le(), r.u64be()],
    [0xab, 0x1234, 0x1234, 0xdeadbeef, 0xdeadbeef, 0x0102030405060708n, 0x0102030405060708n],
  );
  r.end();
});

test('hex is strict', () => {
  assert.equal(toHex(fromHex('00 ff 7E')), '00ff7e');
  assert.throws(() => fromHex('abc'), DecodeError);
  assert.throws(() => fromHex('zz'), DecodeError);
});
