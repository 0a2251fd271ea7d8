// EAP-PSK (RFC 4764) values that exercise the AES block, CMAC and EAX of the provider. The
// derivation below follows RFC 4764 §3.1–§3.3 and lives in this test only; the EAP engine owns
// the real one. Vectors: FreeRADIUS src/modules/rlm_eap/types/rlm_eap_psk/eap_psk_tests.c,
// computed there with hostap's independent implementation (also in PROTOCOL-NOTES.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import type { CryptoProvider } from '../../../src/stack/crypto/index.ts';
import { PROVIDERS, ascii, seq } from './providers.ts';

const PSK = seq(16, 0x00);
const RAND_S = seq(16, 0x10);
const RAND_P = seq(16, 0x20);
const ID_S = ascii('FreeRADIUS');
const ID_P = ascii('bob@example.com');

/** x ⊕ counter i in the last byte (RFC 4764 §3.1/§3.2: "the 128-bit counter"). */
function xorCounter(block: Uint8Array, i: number): Uint8Array {
  const out = block.slice();
  out[15]! ^= i;
  return out;
}

function derive(crypto: CryptoProvider) {
  const psk = crypto.aes128(PSK);
  const z = psk.encryptBlock(new Uint8Array(16)); // RFC 4764 §3.1
  const ak = psk.encryptBlock(xorCounter(z, 1));
  const kdk = psk.encryptBlock(xorCounter(z, 2));
  const kdkBlock = crypto.aes128(kdk);
  const h = kdkBlock.encryptBlock(RAND_P); // RFC 4764 §3.2
  const tek = kdkBlock.encryptBlock(xorCounter(h, 1));
  const counters = (from: number): Uint8Array =>
    concatBytes(...[0, 1, 2, 3].map((i) => kdkBlock.encryptBlock(xorCounter(h, from + i))));
  return { ak, kdk, tek, msk: counters(2), emsk: counters(6) };
}

/** EAP header (code, id 2, length, type 47) ‖ flags ‖ RAND_S: the 22-byte EAX header (RFC 4764 §3.3). */
function eaxHeader(code: number, length: number, flags: number): Uint8Array {
  return concatBytes(Uint8Array.of(code, 2, length >> 8, length & 0xff, 47, flags), RAND_S);
}

/** The EAX nonce: 96 zero bits ‖ the 4-byte PCHANNEL nonce (RFC 4764 §3.3). */
function eaxNonce(n: number): Uint8Array {
  const nonce = new Uint8Array(16);
  new DataView(nonce.buffer).setUint32(12, n);
  return nonce;
}

for (const { name, crypto } of PROVIDERS) {
  test(`[${name}] EAP-PSK key hierarchy: AK, KDK, TEK, MSK, EMSK`, () => {
    const k = derive(crypto);
    assert.equal(toHex(k.ak), '18b62d2c84c5e4571afc41a29db71f4d');
    assert.equal(toHex(k.kdk), '97b704350085028363924612565b9b0d');
    assert.equal(toHex(k.tek), '96a00b888b1f6b2f8e201ee96a2277f6');
    assert.equal(
      toHex(k.msk),
      'e282c7c32f4a3b28f18d75860fa2671c46d071e2f7e509ce2e98ae9ae3349977' +
        '05f927d184ead271f9bcb1b7a1f92230bf0dc90d946117aae0d784b8355957d5',
    );
    assert.equal(
      toHex(k.emsk),
      'd20b6b7556339200f04e6530eb7d3c61a7810b5ca93f4c0ba89ea5eedf634a69' +
        '792920a6caea9d8e7b112d6383dd8588b68b74f6e7c2f8d51ace97067117ac92',
    );
  });

  test(`[${name}] EAP-PSK MAC_P and MAC_S (AES-CMAC under AK)`, () => {
    const { ak } = derive(crypto);
    assert.equal(
      toHex(crypto.cmac(ak, concatBytes(ID_P, ID_S, RAND_S, RAND_P))),
      '97b0ede689a3e4553d8b302258d19512',
    );
    assert.equal(toHex(crypto.cmac(ak, concatBytes(ID_S, RAND_P))), '25a1d646879eef187d1cc1ff177e266d');
  });

  test(`[${name}] EAP-PSK PCHANNEL (EAX under TEK): message 3 and message 4`, () => {
    const { tek } = derive(crypto);
    // Message 3: Request, length 59, flags T=2; nonce 0; R = DONE_SUCCESS (0x80).
    const m3 = crypto.eaxSeal(tek, eaxNonce(0), eaxHeader(1, 59, 0x80), Uint8Array.of(0x80));
    assert.equal(toHex(m3), '8f' + '47d644265cae5a689a40a47ac54ddf80');
    // Message 4: Response, length 43, flags T=3; nonce 1.
    const m4 = fromHex('cc' + '7a7a71527b1f047a77fbf0efa673f754');
    assert.deepEqual(crypto.eaxOpen(tek, eaxNonce(1), eaxHeader(2, 43, 0xc0), m4), Uint8Array.of(0x80));
    assert.equal(crypto.eaxOpen(tek, eaxNonce(0), eaxHeader(2, 43, 0xc0), m4), null, 'wrong nonce');
  });
}
