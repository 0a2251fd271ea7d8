import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { CryptoError, type SecurityLevel } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS } from './providers.ts';

// IEEE 802.15.4-2006 Annex C.2 (same frames in 802.15.4-2015 Annex C.2), as reproduced in
// OpenThread tests/unit/test_aes.cpp (C.2.1, C.2.3) and in Contiki / other stacks' tests (C.2.2).
const KEY = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');

// C.2.1 MAC beacon frame, security level 2 (MIC-64, no encryption).
const BEACON_HEADER = fromHex('08d08421430100000000 48deac 02 05000000 55cf0000 51525354');
const BEACON_NONCE = fromHex('acde480000000001 00000005 02');
const BEACON_MIC = '223bc1ec841ab553';

// C.2.2 MAC data frame, security level 4 (ENC, no MIC).
const DATA_HEADER = fromHex('69dc8421430200000000 48deac 01000000 0048deac 04 05000000');
const DATA_NONCE = fromHex('acde480000000001 00000005 04');
const DATA_PLAINTEXT = fromHex('61626364');
const DATA_CIPHERTEXT = 'd43e022b';

// C.2.3 MAC command frame, security level 6 (ENC-MIC-64); the command id 0x01 is authenticated.
const CMD_HEADER = fromHex('2bdc8421430200000000 48deac ffff 0100000000 48deac 06 05000000 01');
const CMD_NONCE = fromHex('acde480000000001 00000005 06');
const CMD_PLAINTEXT = fromHex('ce');
const CMD_SEALED = 'd8' + '4fde529061f9c6f1';

for (const { name, crypto } of PROVIDERS) {
  test(`[${name}] 802.15.4 Annex C.2.1 beacon, level 2: MIC 223BC1EC841AB553`, () => {
    assert.equal(BEACON_HEADER.length, 26);
    const sealed = crypto.ccmStarSeal(KEY, BEACON_NONCE, 2, BEACON_HEADER, new Uint8Array(0));
    assert.equal(toHex(sealed), BEACON_MIC);
    // Auth-only levels authenticate aad ‖ payload, so splitting the beacon payload (51 52 53 54)
    // off the header gives the same MIC with the payload in clear in front of it.
    const split = crypto.ccmStarSeal(
      KEY,
      BEACON_NONCE,
      2,
      BEACON_HEADER.subarray(0, 22),
      BEACON_HEADER.subarray(22),
    );
    assert.equal(toHex(split), '51525354' + BEACON_MIC);
    assert.deepEqual(
      crypto.ccmStarOpen(KEY, BEACON_NONCE, 2, BEACON_HEADER.subarray(0, 22), split),
      BEACON_HEADER.subarray(22),
    );
    assert.equal(toHex(crypto.ccmStarOpen(KEY, BEACON_NONCE, 2, BEACON_HEADER, fromHex(BEACON_MIC))!), '');
  });

  test(`[${name}] 802.15.4 Annex C.2.2 data frame, level 4 (encryption without MIC): 61626364 → D43E022B`, () => {
    assert.equal(DATA_HEADER.length, 26);
    const sealed = crypto.ccmStarSeal(KEY, DATA_NONCE, 4, DATA_HEADER, DATA_PLAINTEXT);
    assert.equal(toHex(sealed), DATA_CIPHERTEXT);
    assert.deepEqual(crypto.ccmStarOpen(KEY, DATA_NONCE, 4, DATA_HEADER, sealed), DATA_PLAINTEXT);
  });

  test(`[${name}] 802.15.4 Annex C.2.3 command frame, level 6: CE → D8, MIC 4FDE529061F9C6F1`, () => {
    assert.equal(CMD_HEADER.length, 29);
    const sealed = crypto.ccmStarSeal(KEY, CMD_NONCE, 6, CMD_HEADER, CMD_PLAINTEXT);
    assert.equal(toHex(sealed), CMD_SEALED);
    assert.deepEqual(crypto.ccmStarOpen(KEY, CMD_NONCE, 6, CMD_HEADER, sealed), CMD_PLAINTEXT);
  });

  test(`[${name}] CCM* refuses a tampered MIC, payload or header (returns null)`, () => {
    const sealed = fromHex(CMD_SEALED);
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x01;
      assert.equal(crypto.ccmStarOpen(KEY, CMD_NONCE, 6, CMD_HEADER, bad), null, `byte ${i}`);
    }
    const badHeader = CMD_HEADER.slice();
    badHeader[2]! ^= 0x80;
    assert.equal(crypto.ccmStarOpen(KEY, CMD_NONCE, 6, badHeader, sealed), null);
    assert.equal(
      crypto.ccmStarOpen(KEY, CMD_NONCE, 6, CMD_HEADER, sealed.subarray(0, 5)),
      null,
      'shorter than the MIC',
    );
    const badMic = fromHex(BEACON_MIC);
    badMic[7]! ^= 0x40;
    assert.equal(crypto.ccmStarOpen(KEY, BEACON_NONCE, 2, BEACON_HEADER, badMic), null);
  });

  test(`[${name}] CCM* level 0 passes the payload through; every level round-trips with its MIC length`, () => {
    const payload = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
    assert.deepEqual(crypto.ccmStarSeal(KEY, CMD_NONCE, 0, CMD_HEADER, payload), payload);
    const micLength = [0, 4, 8, 16, 0, 4, 8, 16];
    for (let level = 0; level <= 7; level++) {
      const l = level as SecurityLevel;
      const sealed = crypto.ccmStarSeal(KEY, CMD_NONCE, l, CMD_HEADER, payload);
      assert.equal(sealed.length, payload.length + micLength[level]!, `level ${level}`);
      // Levels 1–3 leave the payload in clear; 4–7 encrypt it.
      assert.equal(toHex(sealed.subarray(0, payload.length)) === toHex(payload), level < 4, `level ${level}`);
      assert.deepEqual(crypto.ccmStarOpen(KEY, CMD_NONCE, l, CMD_HEADER, sealed), payload, `level ${level}`);
    }
  });

  // RFC 3610 §8 packet vectors (AES key C0..CF, 13-byte nonce, L = 2).
  test(`[${name}] RFC 3610 packet vector #1 (M = 8)`, () => {
    const nonce = fromHex('00000003020100a0a1a2a3a4a5');
    const aad = fromHex('0001020304050607');
    const pt = fromHex('08090a0b0c0d0e0f101112131415161718191a1b1c1d1e');
    const sealed = crypto.ccmSeal(KEY, nonce, 8, aad, pt);
    assert.equal(toHex(sealed), '588c979a61c663d2f066d0c2c0f989806d5f6b61dac384' + '17e8d12cfdf926e0');
    assert.deepEqual(crypto.ccmOpen(KEY, nonce, 8, aad, sealed), pt);
    sealed[0]! ^= 1;
    assert.equal(crypto.ccmOpen(KEY, nonce, 8, aad, sealed), null);
  });

  test(`[${name}] RFC 3610 packet vector #2 (M = 8) and #7 (M = 10)`, () => {
    const aad = fromHex('0001020304050607');
    const pv2 = crypto.ccmSeal(
      KEY,
      fromHex('00000004030201a0a1a2a3a4a5'),
      8,
      aad,
      fromHex('08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),
    );
    assert.equal(toHex(pv2), '72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b' + 'a091d56e10400916');
    const nonce7 = fromHex('00000009080706a0a1a2a3a4a5');
    const pt7 = fromHex('08090a0b0c0d0e0f101112131415161718191a1b1c1d1e');
    const pv7 = crypto.ccmSeal(KEY, nonce7, 10, aad, pt7);
    assert.equal(toHex(pv7), '0135d1b2c95f41d5d1d4fec185d166b8094e999dfed96c' + '048c56602c97acbb7490');
    assert.deepEqual(crypto.ccmOpen(KEY, nonce7, 10, aad, pv7), pt7);
  });

  test(`[${name}] CCM/CCM* bad input: key, nonce, level, tag length`, () => {
    const isCryptoError = (e: unknown): boolean => e instanceof CryptoError;
    const pt = new Uint8Array(4);
    assert.throws(() => crypto.ccmStarSeal(KEY.subarray(0, 15), CMD_NONCE, 6, CMD_HEADER, pt), isCryptoError);
    assert.throws(() => crypto.ccmStarSeal(KEY, CMD_NONCE.subarray(0, 12), 6, CMD_HEADER, pt), isCryptoError);
    assert.throws(() => crypto.ccmStarOpen(KEY, new Uint8Array(16), 6, CMD_HEADER, pt), isCryptoError);
    assert.throws(
      () => crypto.ccmStarSeal(KEY, CMD_NONCE, 8 as SecurityLevel, CMD_HEADER, pt),
      isCryptoError,
    );
    for (const m of [0, 2, 3, 5, 18]) {
      assert.throws(() => crypto.ccmSeal(KEY, CMD_NONCE, m, CMD_HEADER, pt), isCryptoError, `tag ${m}`);
    }
    assert.throws(
      () => crypto.ccmSeal(KEY, CMD_NONCE, 8, CMD_HEADER, new Uint8Array(0x10000)),
      isCryptoError,
    );
  });
}

test('CCM*/CCM agree across back-ends and round-trip on random input (fast-check)', () => {
  const [a, b, c] = PROVIDERS.map((p) => p.crypto);
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 13, maxLength: 13 }),
      fc.integer({ min: 0, max: 7 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }),
      (key, nonce, level, aad, pt) => {
        const l = level as SecurityLevel;
        const sealed = a!.ccmStarSeal(key, nonce, l, aad, pt);
        assert.deepEqual(c!.ccmStarSeal(key, nonce, l, aad, pt), sealed);
        assert.deepEqual(b!.ccmStarOpen(key, nonce, l, aad, sealed), pt);
        const tag = 4 + 2 * (level % 7);
        const g = c!.ccmSeal(key, nonce, tag, aad, pt);
        assert.deepEqual(a!.ccmSeal(key, nonce, tag, aad, pt), g);
        assert.deepEqual(a!.ccmOpen(key, nonce, tag, aad, g), pt);
      },
    ),
    { numRuns: 300 },
  );
});

test('CCM agrees with OpenSSL aes-128-ccm where OpenSSL has it (large AAD uses the 6-byte length form)', async () => {
  const nodeCrypto = await import('node:crypto');
  if (!nodeCrypto.getCiphers().includes('aes-128-ccm')) return;
  const { crypto } = PROVIDERS[2]!; // js
  const key = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const nonce = Uint8Array.from({ length: 13 }, (_, i) => 0x40 + i);
  for (const [aadLength, ptLength, tag] of [
    [0, 0, 4],
    [1, 17, 16],
    [0xfeff, 33, 8],
    [0xff00, 5, 12],
    [70000, 100, 14],
  ] as const) {
    const aad = Uint8Array.from({ length: aadLength }, (_, i) => i * 13);
    const pt = Uint8Array.from({ length: ptLength }, (_, i) => i * 5);
    const c = nodeCrypto.createCipheriv('aes-128-ccm', key, nonce, { authTagLength: tag });
    c.setAAD(aad, { plaintextLength: pt.length });
    const expected = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
    assert.equal(
      toHex(crypto.ccmSeal(key, nonce, tag, aad, pt)),
      expected.toString('hex'),
      `aad ${aadLength}`,
    );
  }
});
