import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CaptureRecord } from '../../../src/stack/capture/index.ts';
import {
  decodeTapPacket,
  encodeEnhancedPacketBlock,
  encodeInterfaceDescriptionBlock,
  encodeSectionHeaderBlock,
  encodeTapPacket,
  Ieee802154CaptureWriter,
  readIeee802154Capture,
  readPcapng,
  writeIeee802154Capture,
} from '../../../src/stack/capture/index.ts';
import { appendFcs, checkFcs } from '../../../src/stack/ieee802154/index.ts';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

const FRAME = appendFcs(fromHex('41d801cdabffff0102030405060708 00c0ffee'), 2);

const recordArb: fc.Arbitrary<CaptureRecord> = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
    fc.uint8Array({ minLength: 3, maxLength: 200 }),
    fc.constantFrom(1, 2 as const),
    fc.nat({ max: 0xffff }),
    fc.option(fc.nat({ max: 0xff }), { nil: undefined }),
    fc.option(fc.integer({ min: -130, max: 20 }), { nil: undefined }),
    fc.option(fc.nat({ max: 0xff }), { nil: undefined }),
  )
  .map(([timestampMicros, body, fcsType, channel, page, rss, lqi]) => {
    const r: CaptureRecord = {
      timestampMicros,
      frame: appendFcs(body, fcsType === 1 ? 2 : 4),
      fcsType,
      channel,
      page: page ?? 0,
    };
    if (rss !== undefined) r.rssiDbm = rss + 0.5;
    if (lqi !== undefined) r.lqi = lqi;
    return r;
  });

describe('pcapng writer and strict reader', () => {
  it('writes SHB, IDB (link type 283, if_tsresol 6) and EPB byte-exact', () => {
    const w = new Ieee802154CaptureWriter({ userApplication: 'FR' });
    const head = w.start();
    // SHB: type, length 40, BOM, v1.0, section length -1, shb_userappl "FR", end of options, length.
    assert.equal(
      toHex(head.subarray(0, 40)),
      '0a0d0d0a' +
        '28000000' +
        '4d3c2b1a' +
        '01000000' +
        'ffffffffffffffff' +
        '04000200' +
        '46520000' +
        '00000000' +
        '28000000',
    );
    // IDB: type 1, length 32, link type 283 (0x011b), reserved, snaplen 65535, if_tsresol=6, end.
    assert.equal(
      toHex(head.subarray(40)),
      '01000000' + '20000000' + '1b010000' + 'ffff0000' + '09000100' + '06000000' + '00000000' + '20000000',
    );
    const epb = w.record({
      timestampMicros: 0x0000000100000002n,
      frame: FRAME,
      fcsType: 1,
      channel: 11,
      lqi: 255,
      rssiDbm: -60,
    });
    assert.equal(toHex(epb.subarray(0, 4)), '06000000');
    assert.equal(toHex(epb.subarray(12, 20)), '0100000002000000'); // timestamp high, low
    // TAP: version 0, reserved 0, length 36; FCS type 1; RSS -60.0f; channel 11 page 0; LQI 255.
    const tap = epb.subarray(28, 28 + 36);
    assert.equal(
      toHex(tap),
      '00002400' + '0000010001000000' + '01000400000070c2' + '030003000b000000' + '0a000100ff000000',
    );
    assert.deepEqual(epb.subarray(64, 64 + FRAME.length), FRAME);
  });

  it('round-trips records through the reader (link type 283)', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 6 }), (records) => {
        const bytes = writeIeee802154Capture(records);
        const back = readIeee802154Capture(bytes);
        assert.deepEqual(
          back,
          records.map((r) => ({ ...r, linkType: 283 })),
        );
        for (const r of back) assert.ok(checkFcs(r.frame, r.fcsType === 1 ? 2 : 4));
      }),
      { numRuns: 500 },
    );
  });

  it('appends the FCS when asked, and writes link type 195', () => {
    const body = FRAME.subarray(0, FRAME.length - 2);
    const a = readIeee802154Capture(
      writeIeee802154Capture([{ timestampMicros: 5n, frame: body, fcsType: 1, channel: 1 }], {
        appendFcs: true,
      }),
    );
    assert.deepEqual(a[0]!.frame, FRAME);
    const b = readIeee802154Capture(
      writeIeee802154Capture([{ timestampMicros: 5n, frame: FRAME, fcsType: 1, channel: 1 }], {
        linkType: 195,
      }),
    );
    assert.deepEqual(b, [{ linkType: 195, timestampMicros: 5n, frame: FRAME, fcsType: 1, channel: 0 }]);
    assert.throws(() => new Ieee802154CaptureWriter({ linkType: 230 as 195 }), RangeError);
  });

  it('reads big-endian sections, other timestamp resolutions and skips unknown blocks', () => {
    // A big-endian SHB + IDB (link type 283, if_tsresol 9 = ns) + custom block + EPB built by hand.
    const be = (hex: string): Uint8Array => fromHex(hex);
    const shb = be('0a0d0d0a 0000001c 1a2b3c4d 00010000 ffffffffffffffff 0000001c');
    const idb = be('00000001 0000001c 011b0000 00000000 00090001 09000000 0000001c');
    const custom = be('00000bad 00000010 deadbeef 00000010');
    const tap = encodeTapPacket({ fcsType: 1, channel: 3, page: 0 }, FRAME);
    const pad = (4 - (tap.length % 4)) % 4;
    const epbLen = 32 + tap.length + pad;
    const hdr = new DataView(new ArrayBuffer(28));
    hdr.setUint32(0, 6);
    hdr.setUint32(4, epbLen);
    hdr.setUint32(8, 0);
    hdr.setUint32(12, 0);
    hdr.setUint32(16, 2_500_000); // 2.5 ms in ns
    hdr.setUint32(20, tap.length);
    hdr.setUint32(24, tap.length);
    const tail = new DataView(new ArrayBuffer(4));
    tail.setUint32(0, epbLen);
    const file = new Uint8Array([
      ...shb,
      ...idb,
      ...custom,
      ...new Uint8Array(hdr.buffer),
      ...tap,
      ...new Uint8Array(pad),
      ...new Uint8Array(tail.buffer),
    ]);
    const parsed = readPcapng(file);
    assert.equal(parsed.sections[0]!.littleEndian, false);
    assert.deepEqual(parsed.interfaces[0]!.tsResolution, { base: 10, exponent: 9 });
    assert.equal(parsed.packets[0]!.timestampMicros, 2500n);
    const recs = readIeee802154Capture(file);
    assert.equal(recs[0]!.channel, 3);
    assert.deepEqual(recs[0]!.frame, FRAME);
  });

  it('refuses malformed files with DecodeError', () => {
    const good = writeIeee802154Capture([{ timestampMicros: 1n, frame: FRAME, fcsType: 1, channel: 1 }]);
    const dv = new DataView(good.buffer);
    const idb = dv.getUint32(4, true);
    const epb = idb + dv.getUint32(idb + 4, true);
    const tap = epb + 28;
    const bad = (mutate: (b: Uint8Array) => Uint8Array, pattern: RegExp): void => {
      assert.throws(
        () => readIeee802154Capture(mutate(good.slice())),
        (e) => e instanceof DecodeError && pattern.test(e.reason),
      );
    };
    bad(() => new Uint8Array(0), /empty/);
    bad((b) => b.subarray(idb), /section header/);
    bad((b) => ((b[8] = 0), b), /byte-order magic/);
    bad((b) => b.subarray(0, b.length - 1), /truncated|past the end/);
    bad((b) => ((b[b.length - 4] = 0), b), /trailing block total length/);
    bad((b) => ((b[idb + 8 + 2] = 1), b), /reserved/);
    bad((b) => ((b[epb + 8] = 1), b), /undeclared interface/);
    bad((b) => ((b[tap] = 1), b), /TAP version/);
    bad((b) => ((b[tap + 2] = 6), b), /TAP header length/);
    bad((b) => ((b[tap + 8] = 7), b), /FCS type/);
    bad((b) => ((b[tap + 9] = 1), b), /padding/);
    assert.throws(() => decodeTapPacket(fromHex('0000080000000200010000')), DecodeError); // FCS TLV length 2
  });

  it('fuzz: the reader throws only DecodeError', () => {
    const samples = fc
      .sample(fc.array(recordArb, { minLength: 1, maxLength: 3 }), { numRuns: 20, seed: 3 })
      .map((rs) => writeIeee802154Capture(rs));
    const stats = fuzzDecoder(readIeee802154Capture, samples, { runs: 10_000, maxLength: 400 });
    assert.ok(stats.rejected > 1000 && stats.accepted > 0, JSON.stringify(stats));
    const blocks = [
      new Uint8Array([
        ...encodeSectionHeaderBlock(),
        ...encodeInterfaceDescriptionBlock(283),
        ...encodeEnhancedPacketBlock(
          0,
          1n,
          encodeTapPacket({ fcsType: 2, rssiDbm: -1 }, appendFcs(FRAME, 4)),
        ),
      ]),
    ];
    fuzzDecoder(readPcapng, blocks, { runs: 10_000, maxLength: 200 });
  });
});
