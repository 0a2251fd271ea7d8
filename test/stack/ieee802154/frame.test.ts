import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { MacFrame } from '../../../src/stack/ieee802154/index.ts';
import {
  decodeFrame,
  decodeFrameControl,
  decodePayloadIes,
  encodeFrame,
  encodeMacHeader,
  encodePayloadIes,
  FRAME_TYPE,
  panIdPresence,
} from '../../../src/stack/ieee802154/index.ts';
import { ByteReader, DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { macFrameArb } from './arbitraries.ts';
import {
  ANNEX_C_DEST,
  ANNEX_C_SOURCE,
  C21_BEACON,
  C22_DATA,
  C23_COMMAND,
  FTDF_DATA_WITH_FCS,
} from './vectors.ts';

const rejects = (bytes: Uint8Array, pattern: RegExp): void => {
  assert.throws(
    () => decodeFrame(bytes),
    (e) => e instanceof DecodeError && pattern.test(e.reason),
  );
};

describe('802.15.4 MAC frame codec', () => {
  it('decodes the Annex C.2.1 beacon', () => {
    const f = decodeFrame(C21_BEACON.secured);
    assert.deepEqual(f, {
      frameType: FRAME_TYPE.BEACON,
      frameVersion: 1,
      framePending: false,
      ackRequest: false,
      sequenceNumber: 0x84,
      srcPanId: 0x4321,
      srcAddress: ANNEX_C_SOURCE,
      auxSecurityHeader: { securityLevel: 2, keyIdMode: 0, frameCounter: 5 },
      payload: C21_BEACON.secured.subarray(18),
    });
    assert.deepEqual(encodeFrame(f), C21_BEACON.secured);
  });

  it('decodes the Annex C.2.2 data frame (PAN ID compression, 2006)', () => {
    const f = decodeFrame(C22_DATA.secured);
    assert.deepEqual(f, {
      frameType: FRAME_TYPE.DATA,
      frameVersion: 1,
      framePending: false,
      ackRequest: true,
      sequenceNumber: 0x84,
      dstPanId: 0x4321,
      dstAddress: ANNEX_C_DEST,
      srcAddress: ANNEX_C_SOURCE,
      auxSecurityHeader: { securityLevel: 4, keyIdMode: 0, frameCounter: 5 },
      payload: fromHex('d43e022b'),
    });
    assert.deepEqual(encodeFrame(f), C22_DATA.secured);
    assert.deepEqual(
      encodeFrame(decodeFrame(FTDF_DATA_WITH_FCS, { fcsLength: 2 }), { fcsLength: 2 }),
      FTDF_DATA_WITH_FCS,
    );
  });

  it('decodes the Annex C.2.3 command frame (both PAN IDs, broadcast source PAN)', () => {
    const f = decodeFrame(C23_COMMAND.secured);
    assert.equal(f.frameType, FRAME_TYPE.MAC_COMMAND);
    assert.equal(f.dstPanId, 0x4321);
    assert.equal(f.srcPanId, 0xffff);
    assert.equal(f.dstAddress, ANNEX_C_DEST);
    assert.equal(f.srcAddress, ANNEX_C_SOURCE);
    assert.deepEqual(f.auxSecurityHeader, { securityLevel: 6, keyIdMode: 0, frameCounter: 5 });
    assert.equal(toHex(f.payload), '01d84fde529061f9c6f1');
    assert.deepEqual(encodeFrame(f), C23_COMMAND.secured);
  });

  it('decodes 2003 acks and 2015 frames with suppressed sequence numbers and header IEs', () => {
    assert.deepEqual(decodeFrame(fromHex('020005')), {
      frameType: 2,
      frameVersion: 0,
      framePending: false,
      ackRequest: false,
      sequenceNumber: 5,
      payload: new Uint8Array(0),
    });
    // 2015 data, seq suppressed, IE present, dst short + src ext, PAN ID compression (row 12).
    const f: MacFrame = {
      frameType: 1,
      frameVersion: 2,
      framePending: false,
      ackRequest: false,
      dstPanId: 0xabcd,
      dstAddress: 0xffff,
      srcAddress: 0x0011223344556677n,
      headerIes: [
        { elementId: 0x2a, content: fromHex('0102') },
        { elementId: 0x7e, content: new Uint8Array(0) },
      ],
      payload: encodePayloadIes([
        { groupId: 5, content: fromHex('aa') },
        { groupId: 0xf, content: new Uint8Array(0) },
      ]),
    };
    const bytes = encodeFrame(f);
    // FC: type 1, PAN ID compression, seq suppressed, IE present, dst short, version 2, src ext.
    assert.equal(toHex(bytes.subarray(0, 2)), '41eb');
    // dst PAN, dst short, src ext (LE) | header IE 0x2a (len 2) | HT1 | payload IE group 5 | payload termination
    assert.equal(
      toHex(bytes.subarray(2)),
      'cdabffff7766554433221100' + '02150102' + '003f' + '01a8aa' + '00f8',
    );
    assert.deepEqual(decodeFrame(bytes), f);
    const { ies, rest } = decodePayloadIes(f.payload);
    assert.deepEqual(ies, [
      { groupId: 5, content: fromHex('aa') },
      { groupId: 0xf, content: new Uint8Array(0) },
    ]);
    assert.equal(rest.length, 0);
  });

  it('applies the PAN ID compression rules (2006 §7.2.1.1.5, 2015 Table 7-2)', () => {
    // 2006: both addresses, compression → src PAN omitted; one address + compression is invalid.
    assert.deepEqual(panIdPresence(1, 2, 3, true), { dst: true, src: false });
    assert.deepEqual(panIdPresence(1, 2, 3, false), { dst: true, src: true });
    assert.equal(panIdPresence(1, 2, 0, true), undefined);
    assert.deepEqual(panIdPresence(1, 0, 2, false), { dst: false, src: true });
    // 2015 Table 7-2, rows 1–14.
    const rows: [number, number, boolean, boolean, boolean][] = [
      [0, 0, false, false, false],
      [0, 0, true, true, false],
      [2, 0, false, true, false],
      [3, 0, true, false, false],
      [0, 2, false, false, true],
      [0, 3, true, false, false],
      [3, 3, false, true, false],
      [3, 3, true, false, false],
      [2, 2, false, true, true],
      [2, 3, false, true, true],
      [3, 2, false, true, true],
      [2, 3, true, true, false],
      [3, 2, true, true, false],
      [2, 2, true, true, false],
    ];
    for (const [d, s, c, dst, src] of rows) {
      assert.deepEqual(
        panIdPresence(2, d as 0 | 2 | 3, s as 0 | 2 | 3, c),
        { dst, src },
        `row ${d}/${s}/${c}`,
      );
    }
    // Encoder picks the bit from the PAN IDs present: ext/ext with no PAN IDs is row 8 (compression 1).
    const row8 = encodeMacHeader({
      frameType: 1,
      frameVersion: 2,
      framePending: false,
      ackRequest: false,
      sequenceNumber: 1,
      dstAddress: 1n,
      srcAddress: 2n,
      payload: new Uint8Array(0),
    });
    assert.equal(row8[0]! & 0x40, 0x40);
    assert.throws(
      () =>
        encodeMacHeader({
          frameType: 1,
          frameVersion: 1,
          framePending: false,
          ackRequest: false,
          sequenceNumber: 1,
          dstAddress: 1n,
          srcAddress: 2n,
          payload: new Uint8Array(0),
        }),
      RangeError,
    );
  });

  it('refuses reserved and unsupported frame control values', () => {
    rejects(fromHex('0500'), /multipurpose/); // type 5
    rejects(fromHex('0600'), /fragment/);
    rejects(fromHex('0700'), /extended frame type/);
    rejects(fromHex('0400'), /reserved frame type/);
    rejects(fromHex('8100'), /bit 7/);
    rejects(fromHex('01300001'), /frame version 3/);
    rejects(fromHex('01040001'), /destination addressing mode 1/);
    rejects(fromHex('01400001'), /source addressing mode 1/);
    rejects(fromHex('01010001'), /bits 8–9 are reserved/); // seq suppression in 2003
    rejects(fromHex('01120001'), /bits 8–9 are reserved/); // IE present in 2006
    rejects(fromHex('4118012143ffff'), /PAN ID compression/); // 2006 dst-only + compression
    rejects(fromHex('09d0842143010000000048deac02'), /truncated/);
    rejects(fromHex('09c0842143010000000048deac0205000000'), /2003 frame security/);
    rejects(fromHex('08d0842143010000000048deac8205000000'), /reserved bit 7/);
    rejects(fromHex('08d0842143010000000048deac2205000000' + '00'.repeat(12)), /reserved in frame version 1/);
    rejects(fromHex('12000500'), /acknowledgment with a payload/);
    rejects(
      fromHex('00c8' + '01' + '0100' + 'ffff' + '0100' + '0000000000000000'),
      /beacon with a destination/,
    );
    rejects(C21_BEACON.secured.subarray(0, 25), /MIC|truncated/);
    assert.ok(decodeFrameControl(new ByteReader(fromHex('41eb'), 'ieee802154')).iePresent);
  });

  it('refuses header IEs that overrun, or payload IEs without HT1', () => {
    // 2015 data, no addresses, IE present: header IE of length 5 with 2 bytes left.
    rejects(fromHex('0122' + '00' + '0500' + '0102'), /overruns/);
    rejects(fromHex('0122' + '00' + '0080'), /payload IE where a header IE/);
    rejects(fromHex('0122' + '00' + '813f00'), /termination IE with non-zero length/);
    rejects(fromHex('0122' + '00' + '05'), /truncated header IE descriptor/);
  });

  it('round-trips decode(encode(frame)) over all versions, types and addressing modes', () => {
    fc.assert(
      fc.property(macFrameArb(), fc.constantFrom(0, 2, 4 as const), (frame, fcsLength) => {
        const bytes = encodeFrame(frame, { fcsLength });
        assert.deepEqual(decodeFrame(bytes, { fcsLength }), frame);
      }),
      { numRuns: 5000 },
    );
  });

  it('fuzz: decodeFrame throws only DecodeError (no FCS, 16-bit and 32-bit FCS)', () => {
    const samples = fc.sample(macFrameArb(), { numRuns: 60, seed: 7 }).map((f) => encodeFrame(f));
    samples.push(C21_BEACON.secured, C22_DATA.secured, C23_COMMAND.secured);
    const r0 = fuzzDecoder((b) => decodeFrame(b), samples, { runs: 10_000 });
    assert.ok(r0.accepted > 100 && r0.rejected > 100, JSON.stringify(r0));
    const withFcs = samples.map((s) => encodeFrame(decodeFrame(s), { fcsLength: 2 }));
    const r2 = fuzzDecoder((b) => decodeFrame(b, { fcsLength: 2 }), withFcs, { runs: 10_000 });
    assert.ok(r2.rejected > 100, JSON.stringify(r2));
    const with32 = samples.map((s) => encodeFrame(decodeFrame(s), { fcsLength: 4 }));
    fuzzDecoder((b) => decodeFrame(b, { fcsLength: 4 }), with32, { runs: 10_000 });
  });
});
