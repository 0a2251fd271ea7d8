import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AuxSecurityHeader } from '../../../src/stack/ieee802154/security-header.ts';
import {
  auxSecurityHeaderLength,
  ccmStarNonce,
  decodeAuxSecurityHeader,
  encodeAuxSecurityHeader,
} from '../../../src/stack/ieee802154/security-header.ts';
import { ByteReader, DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { C21_BEACON, C22_DATA, C23_COMMAND, ANNEX_C_SOURCE } from './vectors.ts';

function decodeAll(bytes: Uint8Array): AuxSecurityHeader {
  const r = new ByteReader(bytes, 'ieee802154');
  const h = decodeAuxSecurityHeader(r);
  r.end('auxiliary security header');
  return h;
}

export const auxHeaderArb: fc.Arbitrary<AuxSecurityHeader> = fc
  .record({
    securityLevel: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7 as const),
    keyIdMode: fc.constantFrom(0, 1, 2, 3 as const),
    frameCounter: fc.nat({ max: 0xffffffff }),
    keyIndex: fc.nat({ max: 0xff }),
    src: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    suppression: fc.boolean(),
    asn: fc.boolean(),
  })
  .map(({ securityLevel, keyIdMode, frameCounter, keyIndex, src, suppression, asn }) => {
    const h: AuxSecurityHeader = { securityLevel, keyIdMode, frameCounter: suppression ? 0 : frameCounter };
    if (keyIdMode >= 1) h.keyIndex = keyIndex;
    if (keyIdMode === 2) h.keySource = src.slice(0, 4);
    if (keyIdMode === 3) h.keySource = src;
    if (suppression) h.frameCounterSuppression = true;
    if (asn) h.asnInNonce = true;
    return h;
  });

describe('802.15.4 auxiliary security header (802.15.4-2015 §9.4)', () => {
  it('decodes the Annex C headers', () => {
    assert.deepEqual(decodeAll(C21_BEACON.secured.subarray(13, 18)), {
      securityLevel: 2,
      keyIdMode: 0,
      frameCounter: 5,
    });
    assert.deepEqual(decodeAll(C22_DATA.secured.subarray(21, 26)), {
      securityLevel: 4,
      keyIdMode: 0,
      frameCounter: 5,
    });
    assert.deepEqual(decodeAll(C23_COMMAND.secured.subarray(23, 28)), {
      securityLevel: 6,
      keyIdMode: 0,
      frameCounter: 5,
    });
  });

  it('encodes every key id mode with its key source and index', () => {
    assert.equal(
      toHex(
        encodeAuxSecurityHeader({ securityLevel: 5, keyIdMode: 1, frameCounter: 0x01020304, keyIndex: 7 }),
      ),
      '0d0403020107',
    );
    assert.equal(
      toHex(
        encodeAuxSecurityHeader({
          securityLevel: 5,
          keyIdMode: 2,
          frameCounter: 1,
          keySource: fromHex('a1a2a3a4'),
          keyIndex: 2,
        }),
      ),
      '1501000000a1a2a3a402',
    );
    assert.equal(
      toHex(
        encodeAuxSecurityHeader({
          securityLevel: 7,
          keyIdMode: 3,
          frameCounter: 0xffffffff,
          keySource: fromHex('0102030405060708'),
          keyIndex: 0xff,
        }),
      ),
      '1fffffffff0102030405060708ff',
    );
    // Frame counter suppression (bit 5) omits the counter; ASN in nonce is bit 6.
    assert.equal(
      toHex(
        encodeAuxSecurityHeader({
          securityLevel: 5,
          keyIdMode: 1,
          frameCounter: 0,
          keyIndex: 1,
          frameCounterSuppression: true,
          asnInNonce: true,
        }),
      ),
      '6d01',
    );
  });

  it('builds the CCM* nonce of Annex C (address ‖ counter ‖ level, big-endian)', () => {
    assert.deepEqual(ccmStarNonce(ANNEX_C_SOURCE, 5, 2), C21_BEACON.nonce);
    assert.deepEqual(ccmStarNonce(ANNEX_C_SOURCE, 5, 4), C22_DATA.nonce);
    assert.deepEqual(ccmStarNonce(ANNEX_C_SOURCE, 5, 6), C23_COMMAND.nonce);
    assert.equal(toHex(ccmStarNonce(0x0011223344556677n, 0xa0b0c0d0, 5)), '0011223344556677a0b0c0d005');
    assert.throws(() => ccmStarNonce(1n << 64n, 0, 5), RangeError);
    assert.throws(() => ccmStarNonce(0n, 2 ** 32, 5), RangeError);
  });

  it('refuses reserved bit 7 and truncation', () => {
    assert.throws(
      () => decodeAll(fromHex('8500000000')),
      (e) => e instanceof DecodeError && /reserved bit 7/.test(e.reason),
    );
    assert.throws(() => decodeAll(fromHex('0d00000000')), DecodeError); // key index missing
    assert.throws(() => decodeAll(fromHex('1501000000a1a2a3')), DecodeError); // key source short
    assert.throws(() => decodeAll(fromHex('050000')), DecodeError);
  });

  it('refuses unrepresentable headers on encode', () => {
    assert.throws(
      () => encodeAuxSecurityHeader({ securityLevel: 5, keyIdMode: 1, frameCounter: 0 }),
      RangeError,
    );
    assert.throws(
      () => encodeAuxSecurityHeader({ securityLevel: 5, keyIdMode: 0, frameCounter: 0, keyIndex: 1 }),
      RangeError,
    );
    assert.throws(
      () =>
        encodeAuxSecurityHeader({
          securityLevel: 5,
          keyIdMode: 2,
          frameCounter: 0,
          keyIndex: 1,
          keySource: new Uint8Array(8),
        }),
      RangeError,
    );
    assert.throws(
      () => encodeAuxSecurityHeader({ securityLevel: 5, keyIdMode: 0, frameCounter: -1 }),
      RangeError,
    );
    assert.throws(
      () =>
        encodeAuxSecurityHeader({
          securityLevel: 5,
          keyIdMode: 0,
          frameCounter: 3,
          frameCounterSuppression: true,
        }),
      RangeError,
    );
  });

  it('round-trips decode(encode(h)) and predicts its length', () => {
    fc.assert(
      fc.property(auxHeaderArb, (h) => {
        const bytes = encodeAuxSecurityHeader(h);
        assert.equal(bytes.length, auxSecurityHeaderLength(h));
        assert.deepEqual(decodeAll(bytes), h);
      }),
      { numRuns: 2000 },
    );
  });

  it('fuzz: only DecodeError on random and mutated input', () => {
    const samples = [
      C21_BEACON.secured.subarray(13, 18),
      encodeAuxSecurityHeader({
        securityLevel: 7,
        keyIdMode: 3,
        frameCounter: 9,
        keySource: new Uint8Array(8),
        keyIndex: 1,
      }),
      encodeAuxSecurityHeader({
        securityLevel: 5,
        keyIdMode: 2,
        frameCounter: 9,
        keySource: new Uint8Array(4),
        keyIndex: 1,
      }),
    ];
    const { accepted, rejected } = fuzzDecoder(decodeAll, samples, { runs: 10_000, maxLength: 20 });
    assert.ok(accepted > 0 && rejected > 0);
  });
});
