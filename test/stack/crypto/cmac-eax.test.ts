import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cmac as nobleCmac } from '@noble/ciphers/aes.js';
import { fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { CryptoError } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS } from './providers.ts';

// RFC 4493 §4: AES-CMAC examples 1–4 (key 2b7e1516…, message prefixes of 0, 16, 40, 64 bytes).
const CMAC_KEY = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
const CMAC_MSG = fromHex(
  '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51' +
    '30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710',
);
const CMAC_EXAMPLES: [number, string][] = [
  [0, 'bb1d6929e95937287fa37d129b756746'],
  [16, '070a16b46b4d4144f79bdd9dd04a287c'],
  [40, 'dfa66747de9ae63030ca32611497c827'],
  [64, '51f0bebf7e3b9d92fc49741779363cfe'],
];

// Bellare, Rogaway, Wagner, "The EAX Mode of Operation" (FSE 2004), Appendix test vectors
// (AES-128, 16-byte tag): MSG, KEY, NONCE, HEADER, CIPHER (= ciphertext ‖ tag).
const EAX_VECTORS: { msg: string; key: string; nonce: string; header: string; cipher: string }[] = [
  {
    msg: '',
    key: '233952dee4d5ed5f9b9c6d6ff80ff478',
    nonce: '62ec67f9c3a4a407fcb2a8c49031a8b3',
    header: '6bfb914fd07eae6b',
    cipher: 'e037830e8389f27b025a2d6527e79d01',
  },
  {
    msg: 'f7fb',
    key: '91945d3f4dcbee0bf45ef52255f095a4',
    nonce: 'becaf043b0a23d843194ba972c66debd',
    header: 'fa3bfd4806eb53fa',
    cipher: '19dd5c4c9331049d0bdab0277408f67967e5',
  },
  {
    msg: '1a47cb4933',
    key: '01f74ad64077f2e704c0f60ada3dd523',
    nonce: '70c3db4f0d26368400a10ed05d2bff5e',
    header: '234a3463c1264ac6',
    cipher: 'd851d5bae03a59f238a23e39199dc9266626c40f80',
  },
  {
    msg: '481c9e39b1',
    key: 'd07cf6cbb7f313bdde66b727afd3c5e8',
    nonce: '8408dfff3c1a2b1292dc199e46b7d617',
    header: '33cce2eabff5a79d',
    cipher: '632a9d131ad4c168a4225d8e1ff755939974a7bede',
  },
  {
    msg: '8b0a79306c9ce7ed99dae4f87f8dd61636',
    key: '7c77d6e813bed5ac98baa417477a2e7d',
    nonce: '1a8c98dcd73d38393b2bf1569deefc19',
    header: '65d2017990d62528',
    cipher: '02083e3979da014812f59f11d52630da30137327d10649b0aa6e1c181db617d7f2',
  },
];

for (const { name, crypto } of PROVIDERS) {
  test(`[${name}] RFC 4493 §4 AES-CMAC examples 1–4`, () => {
    for (const [length, mac] of CMAC_EXAMPLES) {
      assert.equal(toHex(crypto.cmac(CMAC_KEY, CMAC_MSG.subarray(0, length))), mac, `Mlen = ${length}`);
    }
  });

  test(`[${name}] EAX paper appendix vectors (incl. the empty message)`, () => {
    for (const v of EAX_VECTORS) {
      const key = fromHex(v.key);
      const nonce = fromHex(v.nonce);
      const header = fromHex(v.header);
      const msg = fromHex(v.msg);
      const sealed = crypto.eaxSeal(key, nonce, header, msg);
      assert.equal(toHex(sealed), v.cipher, `MSG ${v.msg || '(empty)'}`);
      assert.deepEqual(crypto.eaxOpen(key, nonce, header, sealed), msg);
    }
  });

  test(`[${name}] EAX open returns null on any tampering`, () => {
    const v = EAX_VECTORS[4]!;
    const key = fromHex(v.key);
    const nonce = fromHex(v.nonce);
    const header = fromHex(v.header);
    const sealed = fromHex(v.cipher);
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x80;
      assert.equal(crypto.eaxOpen(key, nonce, header, bad), null, `byte ${i}`);
    }
    const badHeader = header.slice();
    badHeader[0]! ^= 1;
    assert.equal(crypto.eaxOpen(key, nonce, badHeader, sealed), null);
    const badNonce = nonce.slice();
    badNonce[15]! ^= 1;
    assert.equal(crypto.eaxOpen(key, badNonce, header, sealed), null);
    assert.equal(crypto.eaxOpen(key, nonce, header, sealed.subarray(0, 15)), null);
  });

  test(`[${name}] CMAC and EAX refuse a key that is not 16 bytes`, () => {
    const isCryptoError = (e: unknown): boolean => e instanceof CryptoError;
    assert.throws(() => crypto.cmac(new Uint8Array(32), CMAC_MSG), isCryptoError);
    assert.throws(
      () => crypto.eaxSeal(new Uint8Array(15), new Uint8Array(16), new Uint8Array(0), CMAC_MSG),
      isCryptoError,
    );
    assert.throws(
      () => crypto.eaxOpen(new Uint8Array(17), new Uint8Array(16), new Uint8Array(0), CMAC_MSG),
      isCryptoError,
    );
  });
}

test('CMAC matches @noble/ciphers cmac on random input; EAX round-trips on every back-end (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ maxLength: 100 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 100 }),
      (key, data, header, nonce) => {
        const expected = toHex(nobleCmac(key, data));
        const sealed = PROVIDERS[0]!.crypto.eaxSeal(key, nonce, header, data);
        for (const { crypto } of PROVIDERS) {
          assert.equal(toHex(crypto.cmac(key, data)), expected);
          assert.deepEqual(crypto.eaxSeal(key, nonce, header, data), sealed);
          assert.deepEqual(crypto.eaxOpen(key, nonce, header, sealed), data);
        }
      },
    ),
    { numRuns: 200 },
  );
});
