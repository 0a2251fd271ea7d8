import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { CryptoError } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS, ascii } from './providers.ts';

const SUNSCREEN = ascii(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const KEY = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
const AAD = fromHex('50515253c0c1c2c3c4c5c6c7');

// RFC 8439 §2.8.2 AEAD_CHACHA20_POLY1305 example.
const RFC8439_NONCE = fromHex('070000004041424344454647');
const RFC8439_CT =
  'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
  '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
  '3ff4def08e4b7a9de576d26586cec64b6116';
const RFC8439_TAG = '1ae10b594f09e26a7e902ecbd0600691';

// draft-irtf-cfrg-xchacha-03 §A.3.1 AEAD_XChaCha20_Poly1305 example.
const XCHACHA_NONCE = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657');
const XCHACHA_CT =
  'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39' +
  'ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
  '21f9664c97637da9768812f615c68b13b52e';
const XCHACHA_TAG = 'c0875924c1c7987947deafd8780acf49';

const isCryptoError = (e: unknown): boolean => e instanceof CryptoError;

for (const { name, crypto } of PROVIDERS) {
  test(`[${name}] RFC 8439 §2.8.2 ChaCha20-Poly1305`, () => {
    const sealed = crypto.chacha20Poly1305Seal(KEY, RFC8439_NONCE, SUNSCREEN, AAD);
    assert.equal(toHex(sealed), RFC8439_CT + RFC8439_TAG);
    assert.deepEqual(crypto.chacha20Poly1305Open(KEY, RFC8439_NONCE, sealed, AAD), SUNSCREEN);
  });

  test(`[${name}] draft-irtf-cfrg-xchacha §A.3 XChaCha20-Poly1305`, () => {
    const sealed = crypto.xchacha20Poly1305Seal(KEY, XCHACHA_NONCE, SUNSCREEN, AAD);
    assert.equal(toHex(sealed), XCHACHA_CT + XCHACHA_TAG);
    assert.deepEqual(crypto.xchacha20Poly1305Open(KEY, XCHACHA_NONCE, sealed, AAD), SUNSCREEN);
  });

  test(`[${name}] AEAD open returns null on tampered ciphertext, tag or AAD, and on short input`, () => {
    const sealed = fromHex(RFC8439_CT + RFC8439_TAG);
    for (const i of [0, 57, sealed.length - 17, sealed.length - 16, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[i]! ^= 0x04;
      assert.equal(crypto.chacha20Poly1305Open(KEY, RFC8439_NONCE, bad, AAD), null, `byte ${i}`);
    }
    assert.equal(crypto.chacha20Poly1305Open(KEY, RFC8439_NONCE, sealed, AAD.subarray(1)), null);
    assert.equal(crypto.chacha20Poly1305Open(KEY, RFC8439_NONCE, sealed.subarray(0, 15), AAD), null);
    const x = fromHex(XCHACHA_CT + XCHACHA_TAG);
    x[3]! ^= 1;
    assert.equal(crypto.xchacha20Poly1305Open(KEY, XCHACHA_NONCE, x, AAD), null);
    assert.equal(crypto.xchacha20Poly1305Open(KEY, XCHACHA_NONCE, new Uint8Array(3), AAD), null);
    // Empty plaintext (WireGuard keepalive): a bare 16-byte tag.
    const empty = crypto.chacha20Poly1305Seal(KEY, RFC8439_NONCE, new Uint8Array(0), new Uint8Array(0));
    assert.equal(empty.length, 16);
    assert.deepEqual(
      crypto.chacha20Poly1305Open(KEY, RFC8439_NONCE, empty, new Uint8Array(0)),
      new Uint8Array(0),
    );
  });

  test(`[${name}] AEAD bad input: key and nonce lengths throw CryptoError`, () => {
    assert.throws(
      () => crypto.chacha20Poly1305Seal(KEY.subarray(1), RFC8439_NONCE, SUNSCREEN, AAD),
      isCryptoError,
    );
    assert.throws(() => crypto.chacha20Poly1305Seal(KEY, XCHACHA_NONCE, SUNSCREEN, AAD), isCryptoError);
    assert.throws(() => crypto.chacha20Poly1305Open(KEY, new Uint8Array(8), SUNSCREEN, AAD), isCryptoError);
    assert.throws(() => crypto.xchacha20Poly1305Seal(KEY, RFC8439_NONCE, SUNSCREEN, AAD), isCryptoError);
    assert.throws(
      () => crypto.xchacha20Poly1305Open(new Uint8Array(16), XCHACHA_NONCE, SUNSCREEN, AAD),
      isCryptoError,
    );
  });
}

test('ChaCha20-Poly1305 and XChaCha20-Poly1305 agree across back-ends (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 24, maxLength: 24 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 40 }),
      (key, nonce24, pt, aad) => {
        const nonce12 = nonce24.subarray(0, 12);
        const c = PROVIDERS[0]!.crypto.chacha20Poly1305Seal(key, nonce12, pt, aad);
        const x = PROVIDERS[0]!.crypto.xchacha20Poly1305Seal(key, nonce24, pt, aad);
        for (const { crypto } of PROVIDERS) {
          assert.deepEqual(crypto.chacha20Poly1305Seal(key, nonce12, pt, aad), c);
          assert.deepEqual(crypto.chacha20Poly1305Open(key, nonce12, c, aad), pt);
          assert.deepEqual(crypto.xchacha20Poly1305Seal(key, nonce24, pt, aad), x);
          assert.deepEqual(crypto.xchacha20Poly1305Open(key, nonce24, x, aad), pt);
        }
      },
    ),
    { numRuns: 150 },
  );
});
