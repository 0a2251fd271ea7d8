// EAP-PSK (RFC 4764) vectors shared by the codec/crypto tests (psk.test.ts) and the role tests
// (psk-roles.test.ts).
import { fromHex } from '../../../src/stack/wire/index.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// FreeRADIUS src/modules/rlm_eap/types/rlm_eap_psk/eap_psk_tests.c (values computed there with
// hostap's independent implementation, commit f541de4).
export const EAP_PSK_VECTOR = {
  psk: fromHex('000102030405060708090a0b0c0d0e0f'),
  randS: fromHex('101112131415161718191a1b1c1d1e1f'),
  randP: fromHex('202122232425262728292a2b2c2d2e2f'),
  idS: ascii('FreeRADIUS'),
  idP: ascii('bob@example.com'),
  ak: '18b62d2c84c5e4571afc41a29db71f4d',
  kdk: '97b704350085028363924612565b9b0d',
  tek: '96a00b888b1f6b2f8e201ee96a2277f6',
  msk: 'e282c7c32f4a3b28f18d75860fa2671c46d071e2f7e509ce2e98ae9ae334997705f927d184ead271f9bcb1b7a1f92230bf0dc90d946117aae0d784b8355957d5',
  emsk: 'd20b6b7556339200f04e6530eb7d3c61a7810b5ca93f4c0ba89ea5eedf634a69792920a6caea9d8e7b112d6383dd8588b68b74f6e7c2f8d51ace97067117ac92',
  macP: '97b0ede689a3e4553d8b302258d19512',
  macS: '25a1d646879eef187d1cc1ff177e266d',
  // Message 3: Request, Id 2, Length 59, T=2, nonce 0, plaintext 0x80 → 0x8f ‖ tag.
  msg3Tag: '47d644265cae5a689a40a47ac54ddf80',
  msg3Cipher: '8f',
  // Message 4: Response, Id 2, Length 43, T=3, nonce 1, plaintext 0x80 → 0xcc ‖ tag.
  msg4Tag: '7a7a71527b1f047a77fbf0efa673f754',
  msg4Cipher: 'cc',
} as const;
