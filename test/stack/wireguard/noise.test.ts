import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SymmetricState,
  aeadNonce,
  ikReadMessage1,
  ikReadMessage2,
  ikWriteMessage1,
  ikWriteMessage2,
  initialChainingKeyAndHash,
  openTransport,
  sealTransport,
} from '../../../src/stack/wireguard/index.ts';
import type { NoiseProtocol } from '../../../src/stack/wireguard/index.ts';
import { fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { BACKENDS } from './backends.ts';
import { WIREGUARD_KDF_VECTORS } from './kdf-vectors.ts';

/**
 * cacophony `Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s` (mcginty/snow tests/vectors/cacophony.txt, at
 * snow commit 8ac60f5): plain Noise with prologue "John Galt" and a psk, so it pins the generic
 * IKpsk2 schedule; WireGuard's own name/prologue are pinned by handshake.test.ts.
 */
const CACOPHONY = {
  prologue: '4a6f686e2047616c74',
  psk: '54686973206973206d7920417573747269616e20706572737065637469766521',
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  initRemoteStatic: '31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshakeHash: 'f5191b875290abcd41347ac3622d9679688a7e980229cb937ef748336cfde0e5',
  messages: [
    {
      payload: '4c756477696720766f6e204d69736573',
      ciphertext:
        'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944001e21de9f98ddd8e2ad57527207feb56253c9c94a9e496782ecfcb2a75fbcaf1b52948cc48daefe660c62119ab5000980c84831215f2441eba616548e832985464cf17e51ee93109008399a21f7e13f',
    },
    {
      payload: '4d757272617920526f746862617264',
      ciphertext:
        '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843cb765f2caef0751b8f007572dab0322217755c0632f365717edbf34d33e87a',
    },
    {
      payload: '462e20412e20486179656b',
      ciphertext: '8153ca9833bc3c1b91a7e66e5f4d4f5b59bf9e64c2f20d15f0bba7',
    },
    {
      payload: '4361726c204d656e676572',
      ciphertext: '07af0c9c86e1b4e80f36b04ff7688d51141af3debd0332f0a705ef',
    },
    {
      payload: '4a65616e2d426170746973746520536179',
      ciphertext: '6ab1467c0448cc78394494abaaf23afce0e234315d6e2624dcbfa8a21c1c4d073d',
    },
    {
      payload: '457567656e2042f6686d20766f6e2042617765726b',
      ciphertext: 'dfc346c0d2296ae6cf1acf6f12b8456a1dba228cf8d8b774aacf1c47fc53aa80ebc7a4c292',
    },
  ],
} as const;

test('aeadNonce is 4 zero bytes then the counter little-endian', () => {
  assert.equal(toHex(aeadNonce(0x0102030405060708n)), '00000000' + '0807060504030201');
  assert.throws(() => aeadNonce(1n << 64n), RangeError);
});

for (const [name, crypto] of BACKENDS) {
  test(`[${name}] cacophony Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, both roles and transport`, () => {
    const v = CACOPHONY;
    const protocol: NoiseProtocol = {
      protocolName: 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s',
      prologue: fromHex(v.prologue),
    };
    const psk = fromHex(v.psk);
    const initStatic = {
      privateKey: fromHex(v.initStatic),
      publicKey: crypto.x25519PublicKey(fromHex(v.initStatic)),
    };
    const respStatic = {
      privateKey: fromHex(v.respStatic),
      publicKey: crypto.x25519PublicKey(fromHex(v.respStatic)),
    };
    assert.equal(toHex(respStatic.publicKey), v.initRemoteStatic);
    const [m0, m1, ...transport] = v.messages;

    const w1 = ikWriteMessage1(crypto, protocol, {
      localStatic: initStatic,
      remoteStatic: respStatic.publicKey,
      ephemeralPrivate: fromHex(v.initEphemeral),
      payload: fromHex(m0.payload),
    });
    assert.equal(toHex(w1.message), m0.ciphertext);

    const r1 = ikReadMessage1(crypto, protocol, {
      localStatic: respStatic,
      message: fromHex(m0.ciphertext),
    });
    assert.ok(r1.ok);
    assert.equal(toHex(r1.payload), m0.payload);
    assert.equal(toHex(r1.remoteStatic), toHex(initStatic.publicKey));

    const w2 = ikWriteMessage2(crypto, r1.state, {
      ephemeralPrivate: fromHex(v.respEphemeral),
      psk,
      payload: fromHex(m1.payload),
    });
    assert.ok(w2.ok);
    assert.equal(toHex(w2.message), m1.ciphertext);
    assert.equal(toHex(w2.split.handshakeHash), v.handshakeHash);

    const r2 = ikReadMessage2(crypto, w1.state, { psk, message: fromHex(m1.ciphertext) });
    assert.ok(r2.ok);
    assert.equal(toHex(r2.payload), m1.payload);
    assert.equal(toHex(r2.split.handshakeHash), v.handshakeHash);
    assert.deepEqual(r2.split, w2.split);

    // Transport messages alternate initiator, responder, ...; each direction counts its own nonce.
    transport.forEach((m, i) => {
      const key = i % 2 === 0 ? w2.split.initiatorToResponder : w2.split.responderToInitiator;
      const counter = BigInt(Math.floor(i / 2));
      assert.equal(toHex(sealTransport(crypto, key, counter, fromHex(m.payload))), m.ciphertext);
      assert.equal(toHex(openTransport(crypto, key, counter, fromHex(m.ciphertext))!), m.payload);
    });
  });

  test(`[${name}] IKpsk2 refuses a wrong psk, a flipped bit and a low-order ephemeral`, () => {
    const protocol: NoiseProtocol = {
      protocolName: 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s',
      prologue: new Uint8Array(0),
    };
    const key = (b: number) => {
      const privateKey = new Uint8Array(32).fill(b);
      return { privateKey, publicKey: crypto.x25519PublicKey(privateKey) };
    };
    const i = key(1);
    const r = key(2);
    const w1 = ikWriteMessage1(crypto, protocol, {
      localStatic: i,
      remoteStatic: r.publicKey,
      ephemeralPrivate: key(3).privateKey,
      payload: new Uint8Array(0),
    });
    const flipped = w1.message.slice();
    flipped[40]! ^= 1;
    assert.deepEqual(ikReadMessage1(crypto, protocol, { localStatic: r, message: flipped }), {
      ok: false,
      reason: 'bad-static',
    });
    const lowOrder = w1.message.slice();
    lowOrder.fill(0, 0, 32);
    assert.deepEqual(ikReadMessage1(crypto, protocol, { localStatic: r, message: lowOrder }), {
      ok: false,
      reason: 'bad-dh',
    });
    assert.deepEqual(
      ikReadMessage1(crypto, protocol, { localStatic: r, message: w1.message.subarray(0, 90) }),
      {
        ok: false,
        reason: 'truncated',
      },
    );
    const r1 = ikReadMessage1(crypto, protocol, { localStatic: r, message: w1.message });
    assert.ok(r1.ok);
    const w2 = ikWriteMessage2(crypto, r1.state, {
      ephemeralPrivate: key(4).privateKey,
      psk: new Uint8Array(32).fill(9),
      payload: new Uint8Array(0),
    });
    assert.ok(w2.ok);
    const r2 = ikReadMessage2(crypto, w1.state, { psk: new Uint8Array(32).fill(8), message: w2.message });
    assert.deepEqual(r2, { ok: false, reason: 'bad-payload' });
  });

  test(`[${name}] WireGuard KDF (wireguard-go kdf_test.go) through MixKey/MixKeyAndHash and the provider`, () => {
    for (const v of WIREGUARD_KDF_VECTORS) {
      const out = crypto.hkdfBlake2s(fromHex(v.key), fromHex(v.input), 3);
      assert.deepEqual(out.map(toHex), v.t);
    }
    // MixKey keeps τ1 as the chaining key: check it against the vector with a 32-byte ck.
    const ss = SymmetricState.initialize(crypto, 'x'.repeat(40));
    const ck = ss.chainingKey;
    ss.mixKey(fromHex(WIREGUARD_KDF_VECTORS[0].input));
    assert.equal(
      toHex(ss.chainingKey),
      toHex(crypto.hkdfBlake2s(ck, fromHex(WIREGUARD_KDF_VECTORS[0].input), 1)[0]!),
    );
  });

  test(`[${name}] WireGuard initial chaining key and hash (PROTOCOL-NOTES, whitepaper §5.4.2)`, () => {
    const { chainingKey, hash } = initialChainingKeyAndHash(crypto);
    assert.equal(toHex(chainingKey), '60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36');
    assert.equal(toHex(hash), '2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3');
  });
}

test('protocol names of 32 bytes or less are zero-padded, not hashed (Noise §5.2)', () => {
  const [, crypto] = BACKENDS[0]!;
  const ss = SymmetricState.initialize(crypto, 'Noise_NN_25519_AESGCM_SHA256');
  assert.equal(
    toHex(ss.hash),
    toHex(new TextEncoder().encode('Noise_NN_25519_AESGCM_SHA256')).padEnd(64, '0'),
  );
  assert.deepEqual(ss.chainingKey, ss.hash);
});
