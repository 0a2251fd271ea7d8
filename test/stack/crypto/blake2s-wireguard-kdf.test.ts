import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blake2s as nobleBlake2s } from '@noble/hashes/blake2.js';
import { concatBytes, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { CryptoError } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS, ascii, seq } from './providers.ts';
import { WIREGUARD_KDF_VECTORS } from '../wireguard/kdf-vectors.ts';

for (const { name, crypto } of PROVIDERS) {
  test(`[${name}] BLAKE2s-256("abc") (RFC 7693 Appendix B) and the empty string`, () => {
    assert.equal(
      toHex(crypto.blake2s(ascii('abc'))),
      '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982',
    );
    // blake2s-kat.txt (BLAKE2 reference), unkeyed, in = empty
    assert.equal(
      toHex(crypto.blake2s(new Uint8Array(0))),
      '69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9',
    );
  });

  test(`[${name}] keyed BLAKE2s (BLAKE2 reference blake2s-kat.txt, key 00..1f, in = empty and 00)`, () => {
    const key = seq(32);
    assert.equal(
      toHex(crypto.blake2s(new Uint8Array(0), 32, key)),
      '48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49',
    );
    assert.equal(
      toHex(crypto.blake2s(seq(1), 32, key)),
      '40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1',
    );
    assert.equal(
      toHex(crypto.blake2s(seq(2), 32, key)),
      '6bb71300644cd3991b26ccd4d274acd1adeab8b1d7914546c1198bbe9fc9d803',
    );
  });

  test(`[${name}] WireGuard KDF1/2/3 (wireguard-go device/kdf_test.go)`, () => {
    for (const v of WIREGUARD_KDF_VECTORS) {
      const key = fromHex(v.key);
      const input = fromHex(v.input);
      assert.deepEqual(crypto.hkdfBlake2s(key, input, 3).map(toHex), v.t);
      assert.deepEqual(crypto.hkdfBlake2s(key, input, 2).map(toHex), v.t.slice(0, 2));
      assert.deepEqual(crypto.hkdfBlake2s(key, input, 1).map(toHex), v.t.slice(0, 1));
    }
  });

  test(`[${name}] Noise_IKpsk2 initial chaining key and hash (WireGuard whitepaper §5.4.2, PROTOCOL-NOTES)`, () => {
    const ck = crypto.blake2s(ascii('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s'));
    assert.equal(toHex(ck), '60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36');
    const h = crypto.blake2s(concatBytes(ck, ascii('WireGuard v1 zx2c4 Jason@zx2c4.com')));
    assert.equal(toHex(h), '2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3');
  });

  test(`[${name}] BLAKE2s bad input: output length, key length`, () => {
    const isCryptoError = (e: unknown): boolean => e instanceof CryptoError;
    assert.throws(() => crypto.blake2s(ascii('x'), 0), isCryptoError);
    assert.throws(() => crypto.blake2s(ascii('x'), 33), isCryptoError);
    assert.throws(() => crypto.blake2s(ascii('x'), 16, new Uint8Array(33)), isCryptoError);
    assert.throws(() => crypto.hkdfBlake2s(ascii('k'), ascii('x'), 4 as 3), isCryptoError);
  });
}

test('BLAKE2s (keyed, truncated) and HMAC-BLAKE2s agree across back-ends and with @noble/hashes (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.integer({ min: 1, max: 32 }),
      fc.uint8Array({ maxLength: 32 }),
      fc.uint8Array({ maxLength: 80 }),
      (data, outLength, key, hmacKey) => {
        const expected = toHex(
          key.length > 0
            ? nobleBlake2s(data, { dkLen: outLength, key })
            : nobleBlake2s(data, { dkLen: outLength }),
        );
        const hmacs = new Set<string>();
        for (const { crypto } of PROVIDERS) {
          assert.equal(toHex(crypto.blake2s(data, outLength, key)), expected);
          hmacs.add(toHex(crypto.hmacBlake2s(hmacKey, data)));
        }
        assert.equal(hmacs.size, 1);
      },
    ),
    { numRuns: 200 },
  );
});
