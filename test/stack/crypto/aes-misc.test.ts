import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { CryptoError } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS } from './providers.ts';

const isCryptoError = (e: unknown): boolean => e instanceof CryptoError;

for (const { name, crypto } of PROVIDERS) {
  test(`[${name}] AES-128 block: FIPS-197 Appendix C.1 and SP 800-38A F.1.1 (ECB)`, () => {
    const aes = crypto.aes128(fromHex('000102030405060708090a0b0c0d0e0f'));
    assert.equal(
      toHex(aes.encryptBlock(fromHex('00112233445566778899aabbccddeeff'))),
      '69c4e0d86a7b0430d8cdb78070b4c55a',
    );
    const sp = crypto.aes128(fromHex('2b7e151628aed2a6abf7158809cf4f3c'));
    const out = new Uint8Array(16);
    assert.equal(
      sp.encryptBlock(fromHex('6bc1bee22e409f96e93d7e117393172a'), out),
      out,
      'returns the given buffer',
    );
    assert.equal(toHex(out), '3ad77bb40d7a3660a89ecaf32466ef97');
    // The keyed cipher is reusable block after block, and accepts an unaligned subarray.
    const unaligned = fromHex('00ae2d8a571e03ac9c9eb76fac45af8e51').subarray(1);
    assert.equal(toHex(sp.encryptBlock(unaligned)), 'f5d3d58503b9699de785895a96fdbaaf');
    assert.throws(() => sp.encryptBlock(new Uint8Array(15)), isCryptoError);
    assert.throws(() => crypto.aes128(new Uint8Array(24)), isCryptoError);
  });

  test(`[${name}] AES-128-CTR: SP 800-38A F.5.1, and the carry across the whole 128-bit counter`, () => {
    const key = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
    const pt = fromHex(
      '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51' +
        '30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
    );
    const ct = crypto.aes128Ctr(key, fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), pt);
    assert.equal(
      toHex(ct),
      '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff' +
        '5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee',
    );
    // Counter ff…ff wraps to 00…00: block 2's keystream is AES(0^128).
    const wrap = crypto.aes128Ctr(key, new Uint8Array(16).fill(0xff), new Uint8Array(20));
    assert.deepEqual(wrap.subarray(16), crypto.aes128(key).encryptBlock(new Uint8Array(16)).subarray(0, 4));
    assert.throws(() => crypto.aes128Ctr(key, new Uint8Array(12), pt), isCryptoError);
  });

  test(`[${name}] randomBytes: requested length, not constant`, () => {
    assert.equal(crypto.randomBytes(0).length, 0);
    const a = crypto.randomBytes(32);
    const b = crypto.randomBytes(32);
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
    assert.equal(crypto.randomBytes(70000).length, 70000);
    assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype, 'a plain Uint8Array, never a Buffer');
    assert.throws(() => crypto.randomBytes(-1), isCryptoError);
  });

  test(`[${name}] timingSafeEqual: equal, different, different lengths`, () => {
    assert.equal(crypto.timingSafeEqual(fromHex('0102'), fromHex('0102')), true);
    assert.equal(crypto.timingSafeEqual(fromHex('0102'), fromHex('0103')), false);
    assert.equal(crypto.timingSafeEqual(fromHex('0102'), fromHex('010203')), false);
    assert.equal(crypto.timingSafeEqual(new Uint8Array(0), new Uint8Array(0)), true);
  });

  test(`[${name}] outputs are plain Uint8Array (node:assert deepEqual-friendly)`, () => {
    const key = new Uint8Array(16);
    for (const out of [
      crypto.sha256(new Uint8Array(1)),
      crypto.hmacSha256(key, key),
      crypto.blake2s(key),
      crypto.hmacBlake2s(key, key),
      crypto.aes128Ctr(key, key, key),
      crypto.chacha20Poly1305Seal(new Uint8Array(32), new Uint8Array(12), key, key),
      crypto.x25519PublicKey(new Uint8Array(32).fill(3)),
    ]) {
      assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
    }
  });
}

test('AES-CTR agrees across back-ends for random counters and lengths (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ maxLength: 100 }),
      (key, counter, data) => {
        const expected = PROVIDERS[0]!.crypto.aes128Ctr(key, counter, data);
        for (const { crypto } of PROVIDERS) assert.deepEqual(crypto.aes128Ctr(key, counter, data), expected);
      },
    ),
    { numRuns: 200 },
  );
});
