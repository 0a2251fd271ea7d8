import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  TAI64_UNIX_EPOCH,
  compareTai64n,
  decodeTai64n,
  encodeTai64n,
  isStrictlyAfter,
  nextTimestamp,
  tai64nFromUnixMillis,
  tai64nToUnixMillis,
} from '../../../src/stack/wireguard/index.ts';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

const tai = fc.record(
  {
    seconds: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
    nanoseconds: fc.integer({ min: 0, max: 999_999_999 }),
  },
  { noNullPrototype: true },
);

test('Unix 1700000000.123 s is 2^62 + 10 + s, nanoseconds big-endian (wireguard-go tai64n)', () => {
  const t = tai64nFromUnixMillis(1_700_000_000_123);
  assert.equal(toHex(encodeTai64n(t)), '400000006553f10a0754d4c0');
  assert.equal(t.seconds, TAI64_UNIX_EPOCH + 1_700_000_000n);
  assert.equal(tai64nToUnixMillis(t), 1_700_000_000_123);
});

test('round trip and byte order equals numeric order', () => {
  fc.assert(fc.property(tai, (t) => assert.deepEqual(decodeTai64n(encodeTai64n(t)), t)));
  fc.assert(
    fc.property(tai, tai, (a, b) => {
      const ea = toHex(encodeTai64n(a));
      const eb = toHex(encodeTai64n(b));
      assert.equal(Math.sign(compareTai64n(a, b)), ea < eb ? -1 : ea > eb ? 1 : 0);
    }),
  );
});

test('strictly-increasing check refuses equal and older timestamps', () => {
  const a = { seconds: 100n, nanoseconds: 5 };
  assert.ok(isStrictlyAfter(a, null));
  assert.equal(isStrictlyAfter(a, a), false);
  assert.equal(isStrictlyAfter({ seconds: 100n, nanoseconds: 4 }, a), false);
  assert.ok(isStrictlyAfter({ seconds: 100n, nanoseconds: 6 }, a));
  assert.ok(isStrictlyAfter({ seconds: 101n, nanoseconds: 0 }, a));
});

test('nextTimestamp keeps increasing when the clock stalls or steps back', () => {
  const last = { seconds: 100n, nanoseconds: 999_999_999 };
  assert.deepEqual(nextTimestamp({ seconds: 50n, nanoseconds: 0 }, last), { seconds: 101n, nanoseconds: 0 });
  assert.deepEqual(nextTimestamp(last, { seconds: 100n, nanoseconds: 3 }), last);
  fc.assert(
    fc.property(tai, fc.option(tai), (now, prev) =>
      assert.ok(isStrictlyAfter(nextTimestamp(now, prev), prev)),
    ),
  );
});

test('decoder is strict: length, reserved labels, nanoseconds range', () => {
  assert.throws(() => decodeTai64n(new Uint8Array(11)), DecodeError);
  assert.throws(() => decodeTai64n(fromHex('800000000000000000000000')), /reserved/);
  assert.throws(() => decodeTai64n(fromHex('4000000000000000' + '3b9aca00')), /nanoseconds/);
  assert.throws(() => encodeTai64n({ seconds: 0n, nanoseconds: 1e9 }), RangeError);
  fuzzDecoder(decodeTai64n, [fromHex('400000006553f10a0754d4c0')], { runs: 10_000 });
});
