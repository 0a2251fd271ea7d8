import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  computeMac1,
  computeMac2,
  consumeInitiation,
  consumeResponse,
  createCookieReply,
  createInitiation,
  createResponse,
  createTransportMessage,
  decodeCookieReply,
  decodeTai64n,
  decodeTransportData,
  deriveMacKeys,
  encodeCookieReply,
  makeCookie,
  mac1Of,
  openCookieReply,
  openTransportMessage,
  padPlaintext,
  stampMacs,
  verifyMac1,
  verifyMac2,
  wipeHandshake,
} from '../../../src/stack/wireguard/index.ts';
import type { CryptoProvider } from '../../../src/stack/crypto/provider.ts';
import { fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { BACKENDS } from './backends.ts';
import { VECTOR } from './vector.ts';

function pair(crypto: CryptoProvider, privHex: string) {
  const privateKey = fromHex(privHex);
  return { privateKey, publicKey: crypto.x25519PublicKey(privateKey) };
}

function setup(crypto: CryptoProvider) {
  const initiator = pair(crypto, VECTOR.initiatorStaticPrivate);
  const responder = pair(crypto, VECTOR.responderStaticPrivate);
  const init = createInitiation(crypto, {
    localStatic: initiator,
    remoteStatic: responder.publicKey,
    presharedKey: fromHex(VECTOR.presharedKey),
    ephemeralPrivate: fromHex(VECTOR.initiatorEphemeralPrivate),
    timestamp: decodeTai64n(fromHex(VECTOR.timestamp)),
    senderIndex: 0x11223344,
  });
  return { initiator, responder, init };
}

for (const [name, crypto] of BACKENDS) {
  test(`[${name}] independent WireGuard vector: initiation, response, keys, transport`, () => {
    const { initiator, responder, init } = setup(crypto);
    assert.equal(toHex(init.bytes), VECTOR.initiation);

    const consumed = consumeInitiation(crypto, { localStatic: responder, bytes: init.bytes });
    assert.ok(consumed.ok);
    assert.equal(toHex(consumed.remoteStatic), toHex(initiator.publicKey));
    assert.equal(consumed.remoteIndex, 0x11223344);
    assert.deepEqual(consumed.timestamp, decodeTai64n(fromHex(VECTOR.timestamp)));

    const resp = createResponse(crypto, consumed.state, {
      ephemeralPrivate: fromHex(VECTOR.responderEphemeralPrivate),
      presharedKey: fromHex(VECTOR.presharedKey),
      senderIndex: 0x55667788,
    });
    assert.ok(resp.ok);
    assert.equal(toHex(resp.bytes), VECTOR.response);

    const done = consumeResponse(crypto, init.state, { bytes: resp.bytes });
    assert.ok(done.ok);
    assert.equal(toHex(done.keys.sendKey), VECTOR.initiatorSendKey);
    assert.equal(toHex(done.keys.receiveKey), VECTOR.initiatorReceiveKey);
    assert.deepEqual(
      [toHex(resp.keys.sendKey), toHex(resp.keys.receiveKey)],
      [VECTOR.initiatorReceiveKey, VECTOR.initiatorSendKey],
    );
    assert.deepEqual(
      [done.keys.localIndex, done.keys.remoteIndex, done.keys.isInitiator],
      [0x11223344, 0x55667788, true],
    );
    assert.deepEqual(
      [resp.keys.localIndex, resp.keys.remoteIndex, resp.keys.isInitiator],
      [0x55667788, 0x11223344, false],
    );

    const packet = Uint8Array.from({ length: 20 }, (_, i) => i);
    const wire = createTransportMessage(crypto, {
      key: done.keys.sendKey,
      receiverIndex: done.remoteIndex,
      counter: 7n,
      packet,
    });
    assert.equal(toHex(wire), VECTOR.transport);
    const opened = openTransportMessage(crypto, resp.keys.receiveKey, decodeTransportData(wire));
    assert.deepEqual(opened, padPlaintext(packet));
  });

  test(`[${name}] full handshake with random keys: matching keys both ways, keepalive and data open`, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 0, maxLength: 100 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - (1n << 13n) - 2n }),
        (seed, packet, counter) => {
          const k = (label: number) => crypto.blake2s(Uint8Array.of(label, ...seed));
          const initiator = { privateKey: k(1), publicKey: crypto.x25519PublicKey(k(1)) };
          const responder = { privateKey: k(2), publicKey: crypto.x25519PublicKey(k(2)) };
          const init = createInitiation(crypto, {
            localStatic: initiator,
            remoteStatic: responder.publicKey,
            ephemeralPrivate: k(3),
            timestamp: { seconds: 0x4000000000000000n + 1n, nanoseconds: 5 },
            senderIndex: 1,
          });
          const c = consumeInitiation(crypto, { localStatic: responder, bytes: init.bytes });
          assert.ok(c.ok);
          const r = createResponse(crypto, c.state, { ephemeralPrivate: k(4), senderIndex: 2 });
          assert.ok(r.ok);
          const d = consumeResponse(crypto, init.state, { bytes: r.bytes });
          assert.ok(d.ok);
          assert.deepEqual(d.keys.sendKey, r.keys.receiveKey);
          assert.deepEqual(d.keys.receiveKey, r.keys.sendKey);
          assert.notDeepEqual(d.keys.sendKey, d.keys.receiveKey);
          const there = createTransportMessage(crypto, {
            key: d.keys.sendKey,
            receiverIndex: 2,
            counter,
            packet,
          });
          assert.deepEqual(
            openTransportMessage(crypto, r.keys.receiveKey, decodeTransportData(there)),
            padPlaintext(packet),
          );
          const back = createTransportMessage(crypto, {
            key: r.keys.sendKey,
            receiverIndex: 1,
            counter,
            packet,
          });
          assert.deepEqual(
            openTransportMessage(crypto, d.keys.receiveKey, decodeTransportData(back)),
            padPlaintext(packet),
          );
          // Wrong direction's key, or another counter, does not open.
          assert.equal(openTransportMessage(crypto, r.keys.sendKey, decodeTransportData(there)), null);
          assert.equal(
            openTransportMessage(crypto, r.keys.receiveKey, {
              ...decodeTransportData(there),
              counter: counter + 1n,
            }),
            null,
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  test(`[${name}] mac1: forged or misaddressed initiations and responses are refused`, () => {
    const { initiator, responder, init } = setup(crypto);
    const keys = deriveMacKeys(crypto, responder.publicKey);
    assert.ok(verifyMac1(crypto, keys.mac1Key, init.bytes));
    assert.equal(toHex(computeMac1(crypto, keys.mac1Key, init.bytes)), toHex(mac1Of(init.bytes)));

    const forged = init.bytes.slice();
    forged[120]! ^= 0x01; // inside mac1
    assert.equal(verifyMac1(crypto, keys.mac1Key, forged), false);
    assert.deepEqual(consumeInitiation(crypto, { localStatic: responder, bytes: forged }), {
      ok: false,
      reason: 'bad-mac1',
    });

    const tampered = init.bytes.slice();
    tampered[50]! ^= 0x80; // inside the encrypted static: mac1 catches it first
    assert.deepEqual(consumeInitiation(crypto, { localStatic: responder, bytes: tampered }), {
      ok: false,
      reason: 'bad-mac1',
    });
    // Re-MACed after tampering: now the AEAD refuses it.
    const remaced = stampMacs(crypto, keys.mac1Key, null, tampered);
    assert.deepEqual(consumeInitiation(crypto, { localStatic: responder, bytes: remaced }), {
      ok: false,
      reason: 'bad-static',
    });

    // An initiation for another responder fails mac1 here.
    assert.deepEqual(consumeInitiation(crypto, { localStatic: initiator, bytes: init.bytes }), {
      ok: false,
      reason: 'bad-mac1',
    });

    const c = consumeInitiation(crypto, { localStatic: responder, bytes: init.bytes });
    assert.ok(c.ok);
    const r = createResponse(crypto, c.state, {
      ephemeralPrivate: fromHex(VECTOR.responderEphemeralPrivate),
      presharedKey: fromHex(VECTOR.presharedKey),
      senderIndex: 9,
    });
    assert.ok(r.ok);
    const badResp = r.bytes.slice();
    badResp[65]! ^= 0x10;
    assert.deepEqual(consumeResponse(crypto, init.state, { bytes: badResp }), {
      ok: false,
      reason: 'bad-mac1',
    });
    const wrongIndex = r.bytes.slice();
    wrongIndex[8] = 0x45;
    assert.deepEqual(consumeResponse(crypto, init.state, { bytes: wrongIndex }), {
      ok: false,
      reason: 'wrong-receiver-index',
    });
  });

  test(`[${name}] a psk mismatch fails the response's confirmation`, () => {
    const { responder, init } = setup(crypto);
    const c = consumeInitiation(crypto, { localStatic: responder, bytes: init.bytes });
    assert.ok(c.ok);
    const r = createResponse(crypto, c.state, {
      ephemeralPrivate: fromHex(VECTOR.responderEphemeralPrivate),
      senderIndex: 0x55667788,
    }); // no psk on this side
    assert.ok(r.ok);
    assert.deepEqual(consumeResponse(crypto, init.state, { bytes: r.bytes }), {
      ok: false,
      reason: 'bad-payload',
    });
  });

  test(`[${name}] cookie reply: independent vector, round trip, mac2, and refusals`, () => {
    const { responder, init } = setup(crypto);
    const keys = deriveMacKeys(crypto, responder.publicKey);
    const cookie = makeCookie(crypto, fromHex(VECTOR.cookieSecret), fromHex(VECTOR.cookieSource));
    assert.equal(toHex(cookie), VECTOR.cookie);
    const reply = createCookieReply(crypto, keys.cookieKey, {
      receiverIndex: 0x11223344,
      nonce: fromHex(VECTOR.cookieNonce),
      cookie,
      answeredMac1: mac1Of(init.bytes),
    });
    assert.equal(toHex(encodeCookieReply(reply)), VECTOR.cookieReply);

    // The initiator opens it with the responder's public key and the mac1 it last sent.
    const received = decodeCookieReply(fromHex(VECTOR.cookieReply));
    const opened = openCookieReply(
      crypto,
      deriveMacKeys(crypto, responder.publicKey).cookieKey,
      received,
      init.state.mac1,
    );
    assert.deepEqual(opened, cookie);
    assert.equal(openCookieReply(crypto, keys.cookieKey, received, new Uint8Array(16)), null);
    assert.equal(openCookieReply(crypto, keys.mac1Key, received, init.state.mac1), null);

    // mac2 with the cookie, as the initiator sends its next initiation.
    const withCookie = stampMacs(crypto, keys.mac1Key, opened, init.bytes);
    assert.equal(toHex(withCookie.subarray(132)), VECTOR.mac2WithCookie);
    assert.ok(verifyMac2(crypto, cookie, withCookie));
    assert.ok(verifyMac1(crypto, keys.mac1Key, withCookie));
    assert.equal(verifyMac2(crypto, cookie, init.bytes), false, 'zero mac2 does not verify');
    assert.equal(toHex(computeMac2(crypto, null, init.bytes)), '00'.repeat(16));
    const otherSource = makeCookie(crypto, fromHex(VECTOR.cookieSecret), fromHex('c0000202ca6c'));
    assert.equal(verifyMac2(crypto, otherSource, withCookie), false);
  });

  test(`[${name}] wipeHandshake zeroes the handshake secrets`, () => {
    const { init } = setup(crypto);
    wipeHandshake(init.state);
    assert.ok(init.state.noise.localEphemeralPrivate.every((b) => b === 0));
    assert.ok(init.state.presharedKey.every((b) => b === 0));
    assert.ok(init.state.noise.symmetric.chainingKey.every((b) => b === 0));
  });
}

test('padPlaintext pads to 16 but not past the MTU; keepalives stay empty', () => {
  assert.equal(padPlaintext(new Uint8Array(0)).length, 0);
  assert.equal(padPlaintext(new Uint8Array(1)).length, 16);
  assert.equal(padPlaintext(new Uint8Array(16)).length, 16);
  assert.equal(padPlaintext(new Uint8Array(17)).length, 32);
  assert.equal(padPlaintext(new Uint8Array(1415), 1420).length, 1420);
  assert.equal(padPlaintext(new Uint8Array(1421), 1420).length, 1421);
  const p = padPlaintext(Uint8Array.of(7, 7, 7));
  assert.deepEqual([...p.subarray(0, 4)], [7, 7, 7, 0]);
});
