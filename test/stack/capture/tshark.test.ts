/**
 * Conformance: captures written here are read by Wireshark's dissectors (tshark). A missing tshark
 * fails the test with the Debian package name (test/support/tshark.ts), it is never skipped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CaptureRecord } from '../../../src/stack/capture/index.ts';
import { writeIeee802154Capture } from '../../../src/stack/capture/index.ts';
import type { MacFrame } from '../../../src/stack/ieee802154/index.ts';
import { createJsProvider } from '../../../src/stack/crypto/index.ts';
import { encodeFrame, secureFrame } from '../../../src/stack/ieee802154/index.ts';
import { tsharkFields, tsharkJson, tsharkProblems } from '../../support/tshark.ts';

const dir = mkdtempSync(join(tmpdir(), 'fieldroot-capture-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Unsecured data frames over the addressing variants; payloads start 0x00 (6LoWPAN NALP: not a LoWPAN frame). */
function dataFrames(frameVersion: 1 | 2): MacFrame[] {
  const base = { frameType: 1, frameVersion, framePending: false } as const;
  return [
    {
      ...base,
      ackRequest: true,
      sequenceNumber: 10,
      dstPanId: 0x1234,
      dstAddress: 0x0001,
      srcAddress: 0x0002,
      payload: new Uint8Array([0x00, 0x11, 0x22]),
    },
    {
      ...base,
      ackRequest: false,
      sequenceNumber: 11,
      dstPanId: 0x1234,
      dstAddress: 0xffff,
      srcAddress: 0x00124b0001020304n,
      payload: new Uint8Array([0x00, 0x33]),
    },
    {
      ...base,
      ackRequest: true,
      sequenceNumber: 12,
      dstPanId: 0x1234,
      dstAddress: 0x00124b0001020305n,
      srcAddress: 0x00124b0001020304n,
      payload: new Uint8Array([0x00, 0x44, 0x55, 0x66]),
    },
    {
      ...base,
      ackRequest: false,
      sequenceNumber: 13,
      dstPanId: 0x1234,
      dstAddress: 0x0003,
      srcPanId: 0x4321,
      srcAddress: 0x0004,
      payload: new Uint8Array([0x00, 0x77, 0x88]),
    },
  ];
}

function capture(name: string, frames: MacFrame[], fcsType: 1 | 2, linkType: 283 | 195 = 283): string {
  const fcsLength = fcsType === 1 ? 2 : 4;
  const records: CaptureRecord[] = frames.map((f, i) => ({
    timestampMicros: 1_760_000_000_000_000n + BigInt(i) * 12_345n,
    frame: encodeFrame(f, { fcsLength }),
    fcsType,
    channel: 33 + i,
    page: 9,
    rssiDbm: -71.5 + i,
    lqi: 200 + i,
  }));
  const path = join(dir, name);
  writeFileSync(path, writeIeee802154Capture(records, { linkType }));
  return path;
}

describe('captures read by tshark (Wireshark dissectors)', () => {
  for (const [label, version, fcsType] of [
    ['2006 frames, 16-bit FCS', 1, 1],
    ['2015 frames, 32-bit FCS (SUN PHY)', 2, 2],
  ] as const) {
    it(`link type 283 (TAP): ${label} decode with correct FCS and metadata`, () => {
      const frames = dataFrames(version);
      const path = capture(`tap-${version}.pcapng`, frames, fcsType);
      const prefs = { 'wpan.fcs_format': fcsType === 1 ? '16' : '32' };
      const rows = tsharkFields(
        path,
        [
          'frame.len',
          'wpan.seq_no',
          'wpan.fcs_ok',
          'wpan.frame_type',
          'wpan.version',
          'wpan-tap.ch_num',
          'wpan-tap.ch_page',
          'wpan-tap.rss',
          'wpan-tap.lqi',
          'wpan-tap.fcs_type',
          'frame.time_epoch',
        ],
        { prefs },
      );
      assert.equal(rows.length, frames.length);
      rows.forEach((row, i) => {
        const [len, seq, fcsOk, type, ver, ch, page, rss, lqi, fcs, time] = row;
        const onAir = encodeFrame(frames[i]!, { fcsLength: fcsType === 1 ? 2 : 4 });
        assert.equal(Number(len), 36 + onAir.length, `frame ${i} length`); // TAP header: 4 + 4 TLVs of 8
        assert.equal(Number(seq), frames[i]!.sequenceNumber);
        assert.equal(fcsOk, '1', `frame ${i}: FCS not correct per tshark`);
        assert.equal(Number(type), 1);
        assert.equal(Number(ver), version);
        assert.equal(Number(ch), 33 + i);
        assert.equal(Number(page), 9);
        assert.equal(Number(rss), -71.5 + i);
        assert.equal(Number(lqi), 200 + i);
        assert.equal(Number(fcs), fcsType);
        assert.equal(time, `1760000000.${String(i * 12345).padStart(6, '0')}000`);
      });
      assert.deepEqual(tsharkProblems(path, { prefs }), []);
    });
  }

  it('link type 195: 2006 frames with 16-bit FCS', () => {
    const frames = dataFrames(1);
    const path = capture('l195.pcapng', frames, 1, 195);
    const rows = tsharkFields(
      path,
      ['frame.len', 'wpan.seq_no', 'wpan.fcs_ok', 'wpan.dst_pan', 'wpan.src64'],
      {
        prefs: { 'wpan.fcs_format': '16' },
      },
    );
    assert.deepEqual(
      rows.map((r) => [Number(r[0]), Number(r[1]), r[2]]),
      frames.map((f) => [encodeFrame(f, { fcsLength: 2 }).length, f.sequenceNumber, '1']),
    );
    assert.equal(rows[1]![4], '00:12:4b:00:01:02:03:04'); // extended address printed big-endian
    assert.deepEqual(tsharkProblems(path), []);
  });

  it('a corrupted FCS is reported by tshark (the check can fail)', () => {
    const frames = dataFrames(1).slice(0, 1);
    const path = join(dir, 'bad.pcapng');
    const onAir = encodeFrame(frames[0]!, { fcsLength: 2 });
    onAir[onAir.length - 1]! ^= 0xff;
    writeFileSync(
      path,
      writeIeee802154Capture([{ timestampMicros: 0n, frame: onAir, fcsType: 1, channel: 1 }]),
    );
    const layers = tsharkJson(path);
    assert.equal(layers.length, 1);
    const wpan = layers[0]!['wpan'] as Record<string, unknown>;
    assert.equal(wpan['wpan.fcs_ok'], '0');
    assert.notDeepEqual(tsharkProblems(path), []);
  });

  it('frames secured here decrypt in Wireshark with the key (levels 1, 5–7; 2006 and 2015; data and command)', () => {
    const crypto = createJsProvider();
    const key = Uint8Array.from({ length: 16 }, (_, i) => 0xc0 + i);
    const src = 0x00124b0001020304n;
    const frames: MacFrame[] = [];
    for (const frameVersion of [1, 2] as const) {
      for (const securityLevel of [1, 5, 6, 7] as const) {
        frames.push({
          frameType: 1,
          frameVersion,
          framePending: false,
          ackRequest: true,
          sequenceNumber: frames.length,
          dstPanId: 0x1234,
          dstAddress: 0x00124b0001020305n,
          srcAddress: src,
          auxSecurityHeader: { securityLevel, keyIdMode: 1, frameCounter: 100 + frames.length, keyIndex: 1 },
          payload: new Uint8Array([0x00, 0xde, 0xad, 0xbe, 0xef]),
        });
      }
      // MAC command (data request): command id in the clear in 2006, encrypted in 2015.
      frames.push({
        frameType: 3,
        frameVersion,
        framePending: false,
        ackRequest: true,
        sequenceNumber: frames.length,
        dstPanId: 0x1234,
        dstAddress: 0x00124b0001020305n,
        srcAddress: src,
        auxSecurityHeader: { securityLevel: 5, keyIdMode: 1, frameCounter: 200 + frames.length, keyIndex: 1 },
        payload: new Uint8Array([0x04]),
      });
    }
    const path = join(dir, 'secured.pcapng');
    writeFileSync(
      path,
      writeIeee802154Capture(
        frames.map((f, i) => ({
          timestampMicros: BigInt(i),
          frame: secureFrame(crypto, key, f, src, { fcsLength: 4 }),
          fcsType: 2,
          channel: 1,
        })),
      ),
    );
    const keyRow = (k: Uint8Array): string =>
      `ieee802154_keys:"${Buffer.from(k).toString('hex')}","1","No hash"`;
    const rows = tsharkFields(path, ['wpan.fcs_ok', 'wpan.aux_sec.sec_level', 'data.data', 'wpan.cmd'], {
      uat: [keyRow(key)],
    });
    assert.deepEqual(
      rows,
      frames.map((f) => [
        '1',
        `0x0${f.auxSecurityHeader!.securityLevel}`,
        f.frameType === 1 ? '00deadbeef' : '',
        f.frameType === 3 ? '0x04' : '',
      ]),
    );
    assert.deepEqual(tsharkProblems(path, { uat: [keyRow(key)] }), []);
    // With another key no key verifies (Wireshark 4.0 then says "No encryption key set - can't
    // decrypt"): the checks above can fail.
    const wrong = key.slice();
    wrong[0]! ^= 1;
    const problems = tsharkProblems(path, { uat: [keyRow(wrong)] });
    assert.equal(problems.length, frames.length);
    assert.ok(
      problems.every((p) => /MIC check failed|Decrypt failed|can't decrypt/.test(p)),
      problems.join('\n'),
    );
    const wrongRows = tsharkFields(path, ['data.data'], { uat: [keyRow(wrong)] });
    // Level 1 (MIC-32) does not encrypt, so only the encrypting levels must stay unreadable.
    wrongRows.forEach((r, i) => {
      if (frames[i]!.auxSecurityHeader!.securityLevel >= 4) assert.notEqual(r[0], '00deadbeef', `frame ${i}`);
    });
  });
});
