import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blake2s as nobleBlake2s } from '@noble/hashes/blake2.js';
import { concatBytes, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { CryptoError } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS, ascii, seq } from './providers.ts';

// wireguard-go device/kdf_test.go (TestKDF): key, input, t0 t1 t2 = KDF3 outputs.
const WG_KDF = [
  {
    key: '746573742d6b6579',
    input: '746573742d696e707574',
    t: [
      '6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633',
      'df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a',
      'fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24',
    ],
  },
  {
    key: '776972656775617264',
    input: '776972656775617264',
    t: [
      '491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8',
      '1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f',
      '31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160',
    ],
  },
  {
    key: '',
    input: '',
    t: [
      '8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0',
      '58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e',
      '0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e',
    ],
  },
];

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
    for (const v of WG_KDF) {
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
