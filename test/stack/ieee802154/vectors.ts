/**
 * IEEE 802.15.4-2006 Annex C.2 frames (also 802.15.4-2011/2015 Annex C.2), as reproduced in
 * OpenThread tests/unit/test_aes.cpp (C.2.1 beacon, C.2.3 command) and in a public CCM test
 * vector set (TEST_IEEE_0537R2_2, C.2.2 data frame). Key C0..CF, originator ACDE480000000001,
 * frame counter 5.
 */
import { fromHex } from '../../../src/stack/wire/index.ts';

export const ANNEX_C_KEY = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
export const ANNEX_C_SOURCE = 0xacde480000000001n;
export const ANNEX_C_DEST = 0xacde480000000002n;

/** C.2.1: beacon, security level 2 (MIC-64), 26-byte a, empty m. */
export const C21_BEACON = {
  plaintext: fromHex('08d0842143010000000048deac 0205000000 55cf0000 51525354'),
  secured: fromHex('08d0842143010000000048deac 0205000000 55cf0000 51525354 223bc1ec841ab553'),
  payload: fromHex('55cf000051525354'),
  nonce: fromHex('acde4800000000010000000502'),
};

/** C.2.2: data frame, security level 4 (ENC), 26-byte header, m = 61626364. */
export const C22_DATA = {
  plaintext: fromHex('69dc842143020000000048deac010000000048deac 0405000000 61626364'),
  secured: fromHex('69dc842143020000000048deac010000000048deac 0405000000 d43e022b'),
  payload: fromHex('61626364'),
  nonce: fromHex('acde4800000000010000000504'),
};

/** C.2.3: MAC command (association request), level 6 (ENC-MIC-64), 29-byte a incl. command id. */
export const C23_COMMAND = {
  plaintext: fromHex('2bdc842143020000000048deacffff010000000048deac 0605000000 01 ce'),
  secured: fromHex('2bdc842143020000000048deacffff010000000048deac 0605000000 01 d8 4fde529061f9c6f1'),
  payload: fromHex('01ce'),
  nonce: fromHex('acde4800000000010000000506'),
};

/**
 * The C.2.2 and C.2.3 frames as received with their 16-bit FCS by a Dialog FTDF radio
 * (andrew-ongh/fresh_SDK, tools/ftdf_dts/scripts/evaluation/security, Annex C load-drop script).
 * The data frame was sent without AR (frame control 0xDC49).
 */
export const FTDF_DATA_WITH_FCS = fromHex(
  '49dc842143020000000048deac010000000048deac0405000000d43e022b c426',
);
export const FTDF_COMMAND_WITH_FCS = fromHex(
  '2bdc842143020000000048deacffff010000000048deac060500000001d84fde529061f9c6f1 e44f',
);
