import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appendFcs,
  checkFcs,
  computeFcs,
  crc16Itut,
  crc32Itut,
  decodeFrame,
  stripFcs,
} from '../../../src/stack/ieee802154/index.ts';
import { DecodeError, toHex } from '../../../src/stack/wire/index.ts';
import { C22_DATA, C23_COMMAND, FTDF_COMMAND_WITH_FCS, FTDF_DATA_WITH_FCS } from './vectors.ts';

const CHECK = new TextEncoder().encode('123456789');

describe('802.15.4 FCS (802.15.4-2015 §7.2.10)', () => {
  it('16-bit FCS has the CRC-16/KERMIT check value 0x2189', () => {
    assert.equal(crc16Itut(CHECK), 0x2189);
    assert.equal(crc16Itut(new Uint8Array(0)), 0);
  });

  it('32-bit FCS has the CRC-32/ISO-HDLC check value 0xCBF43926', () => {
    assert.equal(crc32Itut(CHECK), 0xcbf43926);
    assert.equal(crc32Itut(new Uint8Array(0)), 0);
    assert.equal(toHex(computeFcs(CHECK, 4)), '2639f4cb'); // sent low octet first
  });

  it('matches the FCS a real radio put on the Annex C frames', () => {
    assert.ok(checkFcs(FTDF_DATA_WITH_FCS, 2));
    assert.ok(checkFcs(FTDF_COMMAND_WITH_FCS, 2));
    assert.equal(toHex(computeFcs(C23_COMMAND.secured, 2)), 'e44f');
    assert.deepEqual(appendFcs(C23_COMMAND.secured, 2), FTDF_COMMAND_WITH_FCS);
    // C.2.2 as sent without AR (0x49 instead of 0x69).
    const noAr = C22_DATA.secured.slice();
    noAr[0] = 0x49;
    assert.equal(toHex(computeFcs(noAr, 2)), 'c426');
  });

  it('strips a good FCS and refuses a bad one with DecodeError', () => {
    assert.deepEqual(stripFcs(FTDF_COMMAND_WITH_FCS, 2), C23_COMMAND.secured);
    const bad = FTDF_COMMAND_WITH_FCS.slice();
    bad[5]! ^= 0x01;
    assert.throws(
      () => stripFcs(bad, 2),
      (e) => e instanceof DecodeError && /FCS mismatch/.test(e.reason),
    );
    assert.throws(() => decodeFrame(bad, { fcsLength: 2 }), DecodeError);
    assert.throws(() => stripFcs(new Uint8Array(1), 2), DecodeError);
    const four = appendFcs(C23_COMMAND.secured, 4);
    assert.equal(four.length, C23_COMMAND.secured.length + 4);
    assert.deepEqual(stripFcs(four, 4), C23_COMMAND.secured);
    assert.throws(() => stripFcs(FTDF_COMMAND_WITH_FCS, 4), DecodeError);
  });
});
