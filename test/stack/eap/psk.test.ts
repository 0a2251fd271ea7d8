import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createJsProvider, createNodeProvider } from '../../../src/stack/crypto/index.ts';
import {
  buildEapPskPChannelPacket,
  computeEapPskMacP,
  computeEapPskMacS,
  decodeEapPacket,
  decodeEapPskPacket,
  decodeEapPskPChannelData,
  decodeEapPskTypeData,
  decodeNak,
  deriveEapPskAkKdk,
  deriveEapPskSessionKeys,
  EAP_CODE,
  EAP_PSK_RESULT,
  EAP_TYPE,
  eapPskEaxHeader,
  encodeEapPacket,
  encodeEapPskPacket,
  encodeEapPskPChannelData,
  encodeEapPskTypeData,
  encodeNak,
  identityPacket,
  openEapPskPChannel,
  openEapPskPChannelPacket,
  sealEapPskPChannel,
} from '../../../src/stack/eap/index.ts';
import type { EapPacket, EapPskMessage, EapPskPChannelData } from '../../../src/stack/eap/index.ts';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { EAP_PSK_VECTOR } from './psk-vectors.ts';

const PROVIDERS = [createNodeProvider(), createJsProvider()];
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const V = EAP_PSK_VECTOR;

for (const c of PROVIDERS) {
  test(`EAP-PSK FreeRADIUS/hostap vectors through the derivation code (${c.backend})`, () => {
    const { ak, kdk } = deriveEapPskAkKdk(c, V.psk);
    assert.equal(toHex(ak), V.ak);
    assert.equal(toHex(kdk), V.kdk);
    const { tek, msk, emsk } = deriveEapPskSessionKeys(c, kdk, V.randP);
    assert.equal(toHex(tek), V.tek);
    assert.equal(toHex(msk), V.msk);
    assert.equal(toHex(emsk), V.emsk);
    assert.equal(
      toHex(computeEapPskMacP(c, ak, { idP: V.idP, idS: V.idS, randS: V.randS, randP: V.randP })),
      V.macP,
    );
    assert.equal(toHex(computeEapPskMacS(c, ak, { idS: V.idS, randP: V.randP })), V.macS);

    // PCHANNEL with the vector headers.
    const h3 = eapPskEaxHeader(1, 2, 59, 2, V.randS);
    const p3 = sealEapPskPChannel(c, tek, h3, 0, Uint8Array.of(0x80));
    assert.equal(toHex(p3.encrypted), V.msg3Cipher);
    assert.equal(toHex(p3.tag), V.msg3Tag);
    const h4 = eapPskEaxHeader(2, 2, 43, 3, V.randS);
    const p4 = sealEapPskPChannel(c, tek, h4, 1, Uint8Array.of(0x80));
    assert.equal(toHex(p4.encrypted), V.msg4Cipher);
    assert.equal(toHex(p4.tag), V.msg4Tag);
    assert.equal(toHex(openEapPskPChannel(c, tek, h4, p4)!), '80');
    // FreeRADIUS' negative cases: tampered tag, ciphertext, nonce, header.
    assert.equal(openEapPskPChannel(c, tek, h4, { ...p4, tag: fromHex('7b' + V.msg4Tag.slice(2)) }), null);
    assert.equal(openEapPskPChannel(c, tek, h4, { ...p4, encrypted: fromHex('cd') }), null);
    assert.equal(openEapPskPChannel(c, tek, h4, { ...p4, nonce: 0 }), null);
    const h4bad = h4.slice();
    h4bad[1] = h4bad[1]! ^ 1;
    assert.equal(openEapPskPChannel(c, tek, h4bad, p4), null);

    // Whole messages 3 and 4 as built by the packet helper carry the same bytes.
    const m3 = buildEapPskPChannelPacket(c, tek, {
      t: 2,
      identifier: 2,
      randS: V.randS,
      macS: fromHex(V.macS),
      nonce: 0,
      data: { result: EAP_PSK_RESULT.DONE_SUCCESS },
    });
    assert.equal(m3.length, 59);
    assert.equal(toHex(m3), toHex(h3) + V.macS + '00000000' + V.msg3Tag + V.msg3Cipher);
    const m4 = buildEapPskPChannelPacket(c, tek, {
      t: 3,
      identifier: 2,
      randS: V.randS,
      nonce: 1,
      data: { result: EAP_PSK_RESULT.DONE_SUCCESS },
    });
    assert.equal(toHex(m4), toHex(h4) + '00000001' + V.msg4Tag + V.msg4Cipher);
    assert.deepEqual(openEapPskPChannelPacket(c, tek, m4)?.data, { result: EAP_PSK_RESULT.DONE_SUCCESS });
    const m4t = m4.slice();
    m4t[10] = m4t[10]! ^ 1; // RAND_S is in the EAX header
    assert.equal(openEapPskPChannelPacket(c, tek, m4t), null);
  });
}

test('EAP packet codec: Request/Response/Success/Failure, Identity, Nak, strict length', () => {
  const id = encodeEapPacket(identityPacket(2, 7, ascii('meter-1')));
  assert.equal(toHex(id), '0207000c01' + toHex(ascii('meter-1')));
  assert.deepEqual(decodeEapPacket(id), {
    code: 2,
    identifier: 7,
    type: EAP_TYPE.IDENTITY,
    typeData: ascii('meter-1'),
  });
  assert.deepEqual(decodeEapPacket(fromHex('03090004')), { code: EAP_CODE.SUCCESS, identifier: 9 });
  const nak = decodeEapPacket(fromHex('02010007032f0d'));
  assert.ok(nak.code === EAP_CODE.RESPONSE && nak.type === EAP_TYPE.NAK);
  assert.deepEqual(decodeNak(nak.typeData), [47, 13]);
  assert.equal(toHex(encodeNak([47, 13])), '2f0d');
  for (const [hex, re] of [
    ['0101000501ff', /length field says 5/],
    ['01010004', /has no Type/],
    ['0301000500', /Success\/Failure must be 4/],
    ['05010004', /unknown code 5/],
    ['0101000500', /type 0 is reserved/],
    ['010100', /truncated/],
  ] as const) {
    assert.throws(
      () => decodeEapPacket(fromHex(hex)),
      (e: unknown) => e instanceof DecodeError && re.test(e.reason),
      hex,
    );
  }
  assert.throws(() => decodeNak(new Uint8Array(0)), DecodeError);
});

test('EAP-PSK codec: message 1 and 2 layout, T/code agreement, reserved bits, mandatory fields', () => {
  const m1: EapPskMessage = { t: 0, randS: V.randS, idS: V.idS };
  const b1 = encodeEapPskPacket(1, m1);
  assert.equal(toHex(b1), '0101' + '0020' + '2f' + '00' + toHex(V.randS) + toHex(V.idS));
  assert.deepEqual(decodeEapPskPacket(b1), { identifier: 1, message: m1 });
  const m2: EapPskMessage = { t: 1, randS: V.randS, randP: V.randP, macP: fromHex(V.macP), idP: V.idP };
  const b2 = encodeEapPskPacket(1, m2);
  assert.equal(b2[0], EAP_CODE.RESPONSE);
  assert.equal(b2[5], 0x40);
  assert.deepEqual(decodeEapPskPacket(b2).message, m2);

  const wrongCode = b1.slice();
  wrongCode[0] = 2;
  assert.throws(() => decodeEapPskPacket(wrongCode), /T=0 in an EAP Response/);
  const reserved = b1.slice();
  reserved[5] = 0x01;
  assert.throws(() => decodeEapPskPacket(reserved), /reserved flag bits/);
  const notPsk = b1.slice();
  notPsk[4] = 13;
  assert.throws(() => decodeEapPskPacket(notPsk), /not EAP-PSK/);
  assert.throws(() => decodeEapPskTypeData(fromHex('00' + toHex(V.randS))), /without ID_S/);
  assert.throws(
    () => decodeEapPskTypeData(fromHex('c0' + toHex(V.randS) + '00000000' + V.msg4Tag)),
    /R\/E byte is mandatory/,
  );

  assert.deepEqual(decodeEapPskPChannelData(fromHex('80')), { result: EAP_PSK_RESULT.DONE_SUCCESS });
  assert.deepEqual(decodeEapPskPChannelData(fromHex('60 05 aabb')), {
    result: EAP_PSK_RESULT.CONT,
    extension: { type: 5, payload: fromHex('aabb') },
  });
  assert.throws(() => decodeEapPskPChannelData(fromHex('00')), /R = 0/);
  assert.throws(() => decodeEapPskPChannelData(fromHex('81')), /reserved bits/);
  assert.throws(() => decodeEapPskPChannelData(fromHex('80ff')), /trailing/);
});

const rand16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const id = fc.uint8Array({ minLength: 1, maxLength: 40 });
const pchannel = fc
  .record({
    nonce: fc.nat({ max: 0xffffffff }),
    tag: rand16,
    encrypted: fc.uint8Array({ minLength: 1, maxLength: 30 }),
  })
  .map((p) => ({ ...p }));
const pskMessage: fc.Arbitrary<EapPskMessage> = fc.oneof(
  fc.record({ randS: rand16, idS: id }).map((m): EapPskMessage => ({ t: 0, ...m })),
  fc
    .record({ randS: rand16, randP: rand16, macP: rand16, idP: id })
    .map((m): EapPskMessage => ({ t: 1, ...m })),
  fc.record({ randS: rand16, macS: rand16, pchannel }).map((m): EapPskMessage => ({ t: 2, ...m })),
  fc.record({ randS: rand16, pchannel }).map((m): EapPskMessage => ({ t: 3, ...m })),
);
const eapPacket: fc.Arbitrary<EapPacket> = fc.oneof(
  fc
    .record({
      code: fc.constantFrom(1 as const, 2 as const),
      identifier: fc.nat({ max: 255 }),
      type: fc.integer({ min: 1, max: 255 }),
      typeData: fc.uint8Array({ maxLength: 60 }),
    })
    .map((p): EapPacket => ({ ...p })),
  fc
    .record({ code: fc.constantFrom(3 as const, 4 as const), identifier: fc.nat({ max: 255 }) })
    .map((p): EapPacket => ({ ...p })),
);
const pchData: fc.Arbitrary<EapPskPChannelData> = fc.oneof(
  fc.constantFrom(1, 2, 3).map((r): EapPskPChannelData => ({ result: r })),
  fc
    .record({
      r: fc.constantFrom(1, 2, 3),
      type: fc.nat({ max: 255 }),
      payload: fc.uint8Array({ maxLength: 20 }),
    })
    .map(
      ({ r, type, payload }): EapPskPChannelData => ({
        result: r,
        extension: { type, payload },
      }),
    ),
);

test('round trips: EAP packets, EAP-PSK messages, protected-channel data, sealed channel', () => {
  fc.assert(
    fc.property(eapPacket, (p) => assert.deepEqual(decodeEapPacket(encodeEapPacket(p)), p)),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(pskMessage, fc.nat({ max: 255 }), (m, ident) => {
      assert.deepEqual(decodeEapPskTypeData(encodeEapPskTypeData(m)), m);
      assert.deepEqual(decodeEapPskPacket(encodeEapPskPacket(ident, m)), { identifier: ident, message: m });
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(pchData, (d) => assert.deepEqual(decodeEapPskPChannelData(encodeEapPskPChannelData(d)), d)),
    {
      numRuns: 500,
    },
  );
  const c = PROVIDERS[1]!;
  fc.assert(
    fc.property(
      rand16,
      rand16,
      pchData,
      fc.nat({ max: 0xffffffff }),
      fc.boolean(),
      (tek, randS, data, nonce, three) => {
        const pkt = buildEapPskPChannelPacket(
          c,
          tek,
          three
            ? { t: 2, identifier: 9, randS, macS: randS, nonce, data }
            : { t: 3, identifier: 9, randS, nonce, data },
        );
        assert.deepEqual(openEapPskPChannelPacket(c, tek, pkt)?.data, data);
      },
    ),
    { numRuns: 200 },
  );
});

test('fuzz: EAP packet decode and EAP-PSK packet decode throw only DecodeError', () => {
  const eapSamples = fc.sample(eapPacket, { numRuns: 20, seed: 3 }).map((p) => encodeEapPacket(p));
  const r1 = fuzzDecoder((b) => decodeEapPacket(b), eapSamples, { runs: 10_000 });
  assert.ok(r1.accepted > 0 && r1.rejected > 0);
  const pskSamples = fc.sample(pskMessage, { numRuns: 20, seed: 4 }).map((m) => encodeEapPskPacket(1, m));
  const r2 = fuzzDecoder((b) => decodeEapPskPacket(b), pskSamples, { runs: 10_000 });
  assert.ok(r2.accepted > 0 && r2.rejected > 0);
  const r3 = fuzzDecoder((b) => decodeEapPskPChannelData(b), [fromHex('80'), fromHex('6005aabb')], {
    runs: 10_000,
  });
  assert.ok(r3.accepted > 0 && r3.rejected > 0);
});
