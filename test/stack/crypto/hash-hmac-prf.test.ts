import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { CryptoError } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS, ascii } from './providers.ts';

const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);

// RFC 4231 §4 HMAC-SHA-256 test cases 1, 2, 3, 4, 6, 7.
const RFC4231: [string, Uint8Array, Uint8Array, string][] = [
  [
    '1',
    fill(20, 0x0b),
    ascii('Hi There'),
    'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  ],
  [
    '2',
    ascii('Jefe'),
    ascii('what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  ],
  ['3', fill(20, 0xaa), fill(50, 0xdd), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
  [
    '4',
    fromHex('0102030405060708090a0b0c0d0e0f10111213141516171819'),
    fill(50, 0xcd),
    '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  ],
  [
    '6',
    fill(131, 0xaa),
    ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  ],
  [
    '7',
    fill(131, 0xaa),
    ascii(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  ],
];

// NIST SP 800-135 CAVS IKEv2 sample (SHA-256), as carried in NSS
// gtests/common/testvectors/ike-sha256-vectors.h (COUNT 6 = SKEYSEED, COUNT 8–10 = prf+).
const IKE_NI_NR = fromHex('3f302be1abcb28e1' + '8c332ee006064c9b');
const IKE_SPIS = fromHex('40dac39e1e1a8640' + '8619a1cf9a6e4c07');
const IKE_GIR = fromHex('0f4d257d7a58fc4545c7d7a88119eee5d5c9690c5b4c989171d3abbfd99d1d29');
const IKE_SKEYSEED = '5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe';
const IKE_DKM_132 =
  '0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ece98aca531' +
  '188d16041b3bb936d2dbb3b4993a6e768a809160de45d0283f273a6cdf6854379e31be72b' +
  '8d3d1fa990cf9c5b015ca9f918a7df6253c958114a09d4e1c19bdcd4db14b29d98db1a74a' +
  'd405c588662c14a04d0d36aa4ab55e90f8986d12d4aad';

for (const { name, crypto } of PROVIDERS) {
  test(`[${name}] SHA-256: FIPS 180-2 "abc", empty string and the two-block message`, () => {
    assert.equal(
      toHex(crypto.sha256(ascii('abc'))),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.equal(
      toHex(crypto.sha256(new Uint8Array(0))),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    assert.equal(
      toHex(crypto.sha256(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  test(`[${name}] RFC 4231 HMAC-SHA-256 test cases 1, 2, 3, 4, 6, 7`, () => {
    for (const [id, key, data, mac] of RFC4231) {
      assert.equal(toHex(crypto.hmacSha256(key, data)), mac, `test case ${id}`);
    }
  });

  test(`[${name}] IKEv2 prf+ (HMAC-SHA-256): NIST SP 800-135 CAVS sample via NSS`, () => {
    // SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14)
    assert.equal(toHex(crypto.hmacSha256(IKE_NI_NR, IKE_GIR)), IKE_SKEYSEED);
    const seed = concatBytes(IKE_NI_NR, IKE_SPIS);
    assert.equal(toHex(crypto.prfPlus(fromHex(IKE_SKEYSEED), seed, 132)), IKE_DKM_132);
    assert.equal(toHex(crypto.prfPlus(fromHex(IKE_SKEYSEED), seed, 32)), IKE_DKM_132.slice(0, 64));
    assert.equal(toHex(crypto.prfPlus(fromHex(IKE_SKEYSEED), seed, 15)), IKE_DKM_132.slice(0, 30));
  });

  test(`[${name}] prf+ matches its definition T1 = prf(K, S|1), Tn = prf(K, Tn−1|S|n)`, () => {
    const key = ascii('MSK of a PANA session');
    const seed = ascii('IETF PANA and some nonces');
    const t1 = crypto.hmacSha256(key, concatBytes(seed, Uint8Array.of(1)));
    const t2 = crypto.hmacSha256(key, concatBytes(t1, seed, Uint8Array.of(2)));
    const t3 = crypto.hmacSha256(key, concatBytes(t2, seed, Uint8Array.of(3)));
    assert.deepEqual(crypto.prfPlus(key, seed, 80), concatBytes(t1, t2, t3).subarray(0, 80));
    assert.deepEqual(crypto.prfPlus(key, seed, 0), new Uint8Array(0));
    assert.equal(crypto.prfPlus(key, seed, 255 * 32).length, 255 * 32);
    assert.throws(
      () => crypto.prfPlus(key, seed, 255 * 32 + 1),
      (e: unknown) => e instanceof CryptoError,
    );
    assert.throws(
      () => crypto.prfPlus(key, seed, -1),
      (e: unknown) => e instanceof CryptoError,
    );
  });
}

test('SHA-256 and HMAC-SHA-256 agree across back-ends (fast-check)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (key, data) => {
      const [first, ...rest] = PROVIDERS.map(
        ({ crypto }) => toHex(crypto.hmacSha256(key, data)) + toHex(crypto.sha256(data)),
      );
      for (const r of rest) assert.equal(r, first);
    }),
    { numRuns: 200 },
  );
});
