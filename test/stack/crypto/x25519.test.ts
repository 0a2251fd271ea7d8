import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { CryptoError } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS } from './providers.ts';

const isCryptoError = (e: unknown): boolean => e instanceof CryptoError;

// RFC 7748 §6.1 Diffie-Hellman example.
const ALICE_PRIVATE = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PRIVATE = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
const BOB_PUBLIC = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

// Low-order and non-canonical encodings whose shared secret is zero for every scalar
// (u = 0, 1, the two points of order 8, p − 1, p, p + 1; cf. the list in libsodium /
// the "points of small order" discussion around RFC 7748 §7).
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

for (const { name, crypto } of PROVIDERS) {
  test(`[${name}] RFC 7748 §5.2 X25519 test vectors (incl. a u-coordinate with bit 255 set)`, () => {
    assert.equal(
      toHex(
        crypto.x25519(
          fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
          fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
        ),
      ),
      'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
    );
    assert.equal(
      toHex(
        crypto.x25519(
          fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'),
          fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'),
        ),
      ),
      '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
    );
  });

  test(`[${name}] RFC 7748 §5.2 iterated X25519: 1 and 1,000 iterations`, () => {
    let k = fromHex('0900000000000000000000000000000000000000000000000000000000000000');
    let u = k;
    for (let i = 1; i <= 1000; i++) {
      const next = crypto.x25519(k, u);
      u = k;
      k = next;
      if (i === 1) assert.equal(toHex(k), '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    assert.equal(toHex(k), '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  test(`[${name}] RFC 7748 §6.1 Diffie-Hellman: public keys and shared secret`, () => {
    assert.equal(toHex(crypto.x25519PublicKey(ALICE_PRIVATE)), ALICE_PUBLIC);
    assert.equal(toHex(crypto.x25519PublicKey(BOB_PRIVATE)), BOB_PUBLIC);
    assert.equal(toHex(crypto.x25519(ALICE_PRIVATE, fromHex(BOB_PUBLIC))), SHARED);
    assert.equal(toHex(crypto.x25519(BOB_PRIVATE, fromHex(ALICE_PUBLIC))), SHARED);
  });

  test(`[${name}] X25519 throws CryptoError on low-order points (all-zero shared secret)`, () => {
    for (const point of LOW_ORDER) {
      assert.throws(() => crypto.x25519(ALICE_PRIVATE, fromHex(point)), isCryptoError, point);
    }
  });

  test(`[${name}] X25519 bad input: key lengths`, () => {
    assert.throws(() => crypto.x25519(ALICE_PRIVATE.subarray(1), fromHex(BOB_PUBLIC)), isCryptoError);
    assert.throws(() => crypto.x25519(ALICE_PRIVATE, fromHex(BOB_PUBLIC + '00')), isCryptoError);
    assert.throws(() => crypto.x25519PublicKey(new Uint8Array(31)), isCryptoError);
  });
}

test('X25519 agrees across back-ends on random keys, and DH is symmetric (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (a, b) => {
        const [p0, ...rest] = PROVIDERS.map((p) => p.crypto);
        const pubA = p0!.x25519PublicKey(a);
        const pubB = p0!.x25519PublicKey(b);
        const shared = p0!.x25519(a, pubB);
        assert.deepEqual(p0!.x25519(b, pubA), shared);
        for (const c of rest) {
          assert.deepEqual(c.x25519PublicKey(a), pubA);
          assert.deepEqual(c.x25519(a, pubB), shared);
        }
      },
    ),
    { numRuns: 40 },
  );
});
