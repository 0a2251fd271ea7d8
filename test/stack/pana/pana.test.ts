import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { createJsProvider, createNodeProvider } from '../../../src/stack/crypto/index.ts';
import {
  AUTH_HMAC_SHA2_256_128,
  computePanaAuth,
  decodePanaAvps,
  decodePanaMessage,
  derivePanaAuthKey,
  derivePanaEncrKey,
  encodePanaAvps,
  encodePanaMessage,
  encrEncapNonce,
  getPanaAvp,
  openZigbeeKeyWrap,
  PANA_FLAG,
  PANA_MESSAGE_TYPE,
  panaMessageName,
  PRF_HMAC_SHA2_256,
  relayedMessageAvp,
  sealZigbeeKeyWrap,
  verifyPanaAuth,
} from '../../../src/stack/pana/index.ts';
import type { PanaKeyInputs, PanaMessage } from '../../../src/stack/pana/index.ts';
import { concatBytes, DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { anyMessage, plainAvp } from './arbitraries.ts';

const PROVIDERS = [createNodeProvider(), createJsProvider()];

// Hand-assembled from the RFC 5191 §6.2/§6.3 and RFC 6345 §3/§4 layouts (no published PANA byte
// vectors were found: Wireshark's sample captures and test suite carry none, OpenPANA ships no tests).
const PCI_HEX = '0000 0010 0000 0001 00000000 00000000';
const PAR_START_HEX =
  '0000 0028 c000 0002 11223344 00000001' + // R|S PAR, session 0x11223344, seq 1
  '0006 0000 0004 0000 00000005' + // PRF-Algorithm = PRF_HMAC_SHA2_256
  '0003 0000 0004 0000 0000000c'; // Integrity-Algorithm = AUTH_HMAC_SHA2_256_128
const PRY_HEX =
  '0000 0044 0000 0005 00000000 00000000' +
  '000a 0000 0012 0000 fe800000000000000000000000000001 02cc 0000' + // PaC-Information [fe80::1]:716 + pad
  '000b 0000 0010 0000 ' +
  PCI_HEX; // Relayed-Message = the PCI

const decodeHex = (h: string, o?: Parameters<typeof decodePanaMessage>[1]): PanaMessage =>
  decodePanaMessage(fromHex(h), o);
const refuses = (hex: string, re: RegExp): void => {
  assert.throws(
    () => decodeHex(hex),
    (e: unknown) => e instanceof DecodeError && re.test(e.reason),
  );
};

test('PCI, PAR[S] and PRY vectors decode and re-encode byte for byte', () => {
  const pci = decodeHex(PCI_HEX);
  assert.deepEqual(pci, { type: PANA_MESSAGE_TYPE.PCI, flags: 0, sessionId: 0, sequence: 0, avps: [] });
  assert.equal(panaMessageName(pci), 'PCI');

  const par = decodeHex(PAR_START_HEX);
  assert.equal(panaMessageName(par), 'PAR');
  assert.equal(par.flags, PANA_FLAG.REQUEST | PANA_FLAG.START);
  assert.equal(par.sessionId, 0x11223344);
  assert.equal(getPanaAvp(par, 'prf-algorithm')?.algorithm, PRF_HMAC_SHA2_256);
  assert.equal(getPanaAvp(par, 'integrity-algorithm')?.algorithm, AUTH_HMAC_SHA2_256_128);
  assert.equal(toHex(encodePanaMessage(par)), toHex(fromHex(PAR_START_HEX)));

  const pry = decodeHex(PRY_HEX);
  assert.equal(panaMessageName(pry), 'PRY');
  const pac = getPanaAvp(pry, 'pac-information');
  assert.equal(toHex(pac!.address), 'fe800000000000000000000000000001');
  assert.equal(pac!.port, 716);
  assert.deepEqual(getPanaAvp(pry, 'relayed-message')?.message, pci);
  assert.equal(toHex(encodePanaMessage(pry)), toHex(fromHex(PRY_HEX)));
  assert.deepEqual(relayedMessageAvp(pci), getPanaAvp(pry, 'relayed-message'));
});

test('header strictness: reserved, length, flags, type, PCI/PRY ids', () => {
  refuses('0001 0010 0000 0001 00000000 00000000', /reserved header field/);
  refuses('0000 0011 0000 0001 00000000 00000000', /message length field says 17/);
  refuses('0000 0010 0000 0001 00000000 00000000 00', /message length field says 16/);
  refuses('0000 000c 0000 0001 00000000', /message length field says 12|shorter/);
  refuses('0000 0010 0001 0002 00000000 00000000', /reserved flag bits/);
  refuses('0000 0010 0000 0006 00000000 00000000', /unknown message type 6/);
  refuses('0000 0010 0000 0000 00000000 00000000', /unknown message type 0/);
  refuses('0000 0010 4000 0004 00000001 00000001', /S, C or I flag/); // S on a PNA
  refuses('0000 0010 0800 0002 00000001 00000001', /A or P flag/); // P on a PAN
  refuses('0000 0010 8000 0001 00000000 00000000', /PCI with flags/);
  refuses('0000 0010 0000 0001 00000001 00000000', /PCI with a non-zero/);
  refuses(PRY_HEX.replace('0005 00000000', '0005 00000001'), /PRY with a non-zero/);
});

test('AVP strictness: lengths, reserved fields, padding present but its value free', () => {
  const hdr = (avps: string): string => {
    const n = 16 + fromHex(avps).length;
    return `0000 ${n.toString(16).padStart(4, '0')} 8000 0002 00000001 00000002 ${avps}`;
  };
  refuses(hdr('0006 0000 0003 0000 000005 00'), /PRF-Algorithm must be 4 bytes/);
  refuses(hdr('0006 0001 0004 0000 00000005'), /reserved AVP flag bits/);
  refuses(hdr('0006 0000 0004 0001 00000005'), /reserved field/);
  refuses(hdr('0005 0000 0007 0000 01020304050607 00'), /Nonce of 7 bytes/);
  refuses(hdr('0002 0000 0005 0000 0101000501'), /truncated AVP 2 padding/); // padding missing
  refuses(hdr('0002 0000 0003 0000 010100 00'), /shorter than an EAP header/);
  refuses(
    hdr('000a 0000 0012 0000 fe800000000000000000000000000001 02cc 0000'),
    /PaC-Information outside a PRY/,
  );
  refuses(hdr('0006 0000 0008 0000 00000005'), /truncated/); // value runs past the end
  // Padding with non-zero bytes is accepted (lenient on values, strict on lengths).
  const m = decodeHex(hdr('0002 0000 0005 0000 0101000501 ffffff'));
  assert.equal(toHex(getPanaAvp(m, 'eap-payload')!.eap), '0101000501');
});

test('PRY structure: exactly one PaC-Information and Relayed-Message; no relay inside a relay', () => {
  const pry = decodeHex(PRY_HEX);
  const inner = encodePanaMessage(pry);
  const nested: PanaMessage = {
    type: PANA_MESSAGE_TYPE.RELAY,
    flags: 0,
    sessionId: 0,
    sequence: 0,
    avps: [getPanaAvp(pry, 'pac-information')!, { kind: 'relayed-message', bytes: inner, message: pry }],
  };
  const nestedBytes = encodePanaMessage(nested);
  assert.throws(
    () => decodePanaMessage(nestedBytes),
    (e: unknown) => e instanceof DecodeError && /nested deeper than 1/.test(e.reason) && e.offset > 16,
  );
  assert.deepEqual(decodePanaMessage(nestedBytes, { maxRelayDepth: 2 }), nested);
  const noRelayed = encodePanaMessage({ ...nested, avps: [getPanaAvp(pry, 'pac-information')!] });
  assert.throws(() => decodePanaMessage(noRelayed), /exactly one PaC-Information and one Relayed-Message/);
  // A malformed inner message is refused with an offset inside the outer message.
  const bad = fromHex(PRY_HEX);
  bad[55] = 0x11; // low byte of the inner message length field (inner message at 52)
  assert.throws(
    () => decodePanaMessage(bad),
    (e: unknown) => e instanceof DecodeError && e.offset === 54,
  );
});

const KEY_INPUTS: PanaKeyInputs = {
  msk: Uint8Array.from({ length: 64 }, (_, i) => i),
  iPar: fromHex(PAR_START_HEX),
  iPan: fromHex(
    '0000 0028 4000 0002 11223344 00000001 0006 0000 0004 0000 00000005 0003 0000 0004 0000 0000000c',
  ),
  pacNonce: fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'),
  paaNonce: fromHex('b0b1b2b3b4b5b6b7b8b9babbbcbdbebf'),
  keyId: 0x01020304,
};

/** Independent one-block prf+ with node:crypto: HMAC(MSK, label | I_PAR | I_PAN | nonces | Key_ID | 0x01). */
function independentKey(label: string): Buffer {
  const k = KEY_INPUTS;
  return createHmac('sha256', k.msk)
    .update(label)
    .update(k.iPar)
    .update(k.iPan)
    .update(k.pacNonce)
    .update(k.paaNonce)
    .update(Uint8Array.of(1, 2, 3, 4, 1))
    .digest();
}

test('PANA_AUTH_KEY and PANA_PAA_ENC_KEY match an independent HMAC computation on both back-ends', () => {
  for (const c of PROVIDERS) {
    assert.equal(
      toHex(derivePanaAuthKey(c, KEY_INPUTS)),
      independentKey('IETF PANA').toString('hex'),
      c.backend,
    );
    assert.equal(
      toHex(derivePanaEncrKey(c, KEY_INPUTS)),
      independentKey('IETF PANA PAA Encr').subarray(0, 16).toString('hex'),
    );
    assert.equal(
      toHex(derivePanaEncrKey(c, KEY_INPUTS, 'PaC')),
      independentKey('IETF PANA PaC Encr').subarray(0, 16).toString('hex'),
    );
  }
});

const PAR_COMPLETE: PanaMessage = {
  type: PANA_MESSAGE_TYPE.AUTH,
  flags: PANA_FLAG.REQUEST | PANA_FLAG.COMPLETE,
  sessionId: 0x11223344,
  sequence: 5,
  avps: [
    { kind: 'result-code', resultCode: 0 },
    { kind: 'eap-payload', eap: fromHex('03050004') },
    { kind: 'key-id', keyId: 0x01020304 },
    { kind: 'session-lifetime', seconds: 3600 },
  ],
};

test('AUTH: encode fills it, verify accepts it, any change or a forged AUTH is refused', () => {
  for (const c of PROVIDERS) {
    const authKey = derivePanaAuthKey(c, KEY_INPUTS);
    const bytes = encodePanaMessage(PAR_COMPLETE, { auth: { crypto: c, key: authKey } });
    const msg = decodePanaMessage(bytes);
    const auth = getPanaAvp(msg, 'auth')!.value;
    // Independent check: HMAC-SHA256 over the message with the AUTH value zeroed, first 16 bytes.
    const zeroed = bytes.slice();
    zeroed.fill(0, bytes.length - 16);
    assert.equal(
      toHex(auth),
      createHmac('sha256', authKey).update(zeroed).digest().subarray(0, 16).toString('hex'),
    );
    assert.equal(toHex(computePanaAuth(c, authKey, bytes)), toHex(auth));
    assert.equal(verifyPanaAuth(c, authKey, bytes), true);

    for (let i = 0; i < bytes.length; i++) {
      const t = bytes.slice();
      t[i] = t[i]! ^ 0x01;
      let ok: boolean;
      try {
        ok = verifyPanaAuth(c, authKey, t);
      } catch (e) {
        assert.ok(e instanceof DecodeError);
        ok = false;
      }
      assert.equal(ok, false, `flip at ${i} accepted`);
    }
    const forged = bytes.slice();
    forged.set(new Uint8Array(16), bytes.length - 16);
    assert.equal(verifyPanaAuth(c, authKey, forged), false);
    const otherKey = authKey.slice();
    otherKey[0] = otherKey[0]! ^ 0x80;
    assert.equal(verifyPanaAuth(c, otherKey, bytes), false);
    assert.equal(verifyPanaAuth(c, authKey, encodePanaMessage(PAR_COMPLETE)), false); // no AUTH AVP
    const twoAuths = encodePanaMessage({
      ...PAR_COMPLETE,
      avps: [...PAR_COMPLETE.avps, { kind: 'auth', value: auth }, { kind: 'auth', value: auth }],
    });
    assert.equal(verifyPanaAuth(c, authKey, twoAuths), false);
  }
});

test('ZigBee IP key-wrap: matches an independent AES-CTR computation, opens, and fails closed', () => {
  const ctx = { keyId: 0x01020304, sessionId: 0x11223344, sequence: 5 };
  const wrap = { key: fromHex('00112233445566778899aabbccddeeff'), keyIndex: 1, authCounter: 0 };
  // Inner vendor AVP: code 1, V flag, length 18, reserved, vendor 37244, key ‖ index ‖ counter, 2 pad.
  const plain = fromHex('0001 8000 0012 0000 0000917c 00112233445566778899aabbccddeeff 01 00 0000');
  assert.equal(toHex(encodePanaAvps([{ kind: 'zigbee-key-wrap', ...wrap }])), toHex(plain));
  assert.equal(toHex(encrEncapNonce(ctx)), '010203041122334400000005');
  for (const c of PROVIDERS) {
    const encKey = derivePanaEncrKey(c, KEY_INPUTS);
    const avp = sealZigbeeKeyWrap(c, encKey, ctx, wrap);
    assert.equal(avp.kind, 'encr-encap');
    if (avp.kind !== 'encr-encap') return;
    const a1 = concatBytes(Uint8Array.of(0x02), encrEncapNonce(ctx), Uint8Array.of(0, 0, 1));
    const expected = createCipheriv('aes-128-ctr', encKey, a1).update(plain);
    assert.equal(toHex(avp.encrypted), expected.toString('hex'), c.backend);
    assert.deepEqual(openZigbeeKeyWrap(c, encKey, ctx, avp.encrypted), wrap);
    // A PAR carrying it, AUTH over the encrypted bytes, decodes back.
    const authKey = derivePanaAuthKey(c, KEY_INPUTS);
    const par = encodePanaMessage(
      { ...PAR_COMPLETE, avps: [...PAR_COMPLETE.avps, avp] },
      { auth: { crypto: c, key: authKey } },
    );
    assert.ok(verifyPanaAuth(c, authKey, par));
    const got = getPanaAvp(decodePanaMessage(par), 'encr-encap')!;
    assert.deepEqual(openZigbeeKeyWrap(c, encKey, ctx, got.encrypted), wrap);
    // Wrong sequence number: garbage, refused by the AVP decoder.
    assert.throws(() => openZigbeeKeyWrap(c, encKey, { ...ctx, sequence: 6 }, avp.encrypted), DecodeError);
  }
});

test('nanostack AVP numbering swaps Encr-Encap (13 there) and Encryption-Algorithm (12 there)', () => {
  const m: PanaMessage = {
    type: PANA_MESSAGE_TYPE.AUTH,
    flags: PANA_FLAG.REQUEST,
    sessionId: 1,
    sequence: 2,
    avps: [
      { kind: 'encryption-algorithm', algorithm: 1 },
      { kind: 'encr-encap', encrypted: fromHex('0102030405') },
    ],
  };
  const iana = encodePanaMessage(m);
  const ns = encodePanaMessage(m, { avpNumbering: 'nanostack' });
  assert.equal(toHex(iana.subarray(16, 18)), '000d');
  assert.equal(toHex(ns.subarray(16, 18)), '000c');
  assert.deepEqual(decodePanaMessage(ns, { avpNumbering: 'nanostack' }), m);
  assert.throws(() => decodePanaMessage(ns), /Encr|must be 4 bytes/);
});

test('round trip: decode(encode(m)) deep-equals m for every message and AVP kind', () => {
  fc.assert(
    fc.property(anyMessage, (m) => {
      assert.deepEqual(decodePanaMessage(encodePanaMessage(m)), m);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.array(plainAvp, { maxLength: 8 }), (avps) => {
      assert.deepEqual(decodePanaAvps(encodePanaAvps(avps)), avps);
    }),
    { numRuns: 1000 },
  );
});

test('fuzz: PANA message decode throws only DecodeError', () => {
  const samples = [
    fromHex(PCI_HEX),
    fromHex(PAR_START_HEX),
    fromHex(PRY_HEX),
    encodePanaMessage(PAR_COMPLETE, { auth: { crypto: PROVIDERS[0]!, key: new Uint8Array(32) } }),
    ...fc.sample(anyMessage, { numRuns: 20, seed: 7 }).map((m) => encodePanaMessage(m)),
  ];
  const { accepted, rejected } = fuzzDecoder((b) => decodePanaMessage(b), samples, { runs: 10_000 });
  assert.ok(accepted > 0 && rejected > 0, `accepted ${accepted}, rejected ${rejected}`);
});
