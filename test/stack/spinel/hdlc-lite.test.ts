import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import {
  HDLC_FCS_GOOD,
  HdlcDecoder,
  type HdlcErrorKind,
  fcs16,
  hdlcEncode,
} from '../../../src/stack/spinel/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// Hand-derived vectors: FCS computed with an independent bit-by-bit CRC-16/X.25 (poly 0x8408
// reflected, init 0xFFFF, complemented), LSB first, then escaped per hdlc.cpp.
const VECTORS: [payload: string, encoded: string, note: string][] = [
  ['', '7e 0000 7e', 'empty payload: FCS of nothing is ~0xFFFF = 0x0000'],
  ['81 02 b001', '7e 81 02 b001 5453 7e', 'GET RCP_API_VERSION, TID 1'],
  ['80 06 00 70', '7e 80 06 00 70 ee74 7e', 'unsolicited IS LAST_STATUS RESET_POWER_ON'],
  ['83 06 00 11 00 00', '7e 83 06 00 7d31 00 00 811a 7e', 'NO_ACK transmit done: 0x11 is escaped'],
  // The special bytes of OpenThread tests/unit/test_hdlc.cpp `sHdlcSpecials`.
  ['7e 11 13 7e 7d f8', '7e 7d5e 7d31 7d33 7d5e 7d5d 7dd8 fcf9 7e', 'every escaped byte'],
  ['82 02 03', '7e 82 02 03 b3 7d5e 7e', 'FCS high byte 0x7E is escaped'],
  ['8c 02 20', '7e 8c 02 20 31 7d5d 7e', 'FCS high byte 0x7D is escaped'],
];

test('FCS-16 is CRC-16/X.25: check value 0x906E, residue 0xF0B8', () => {
  // Check value of "123456789" for CRC-16/X-25 (aka CRC-16/IBM-SDLC) in the reveng CRC catalogue.
  assert.equal(fcs16(ascii('123456789')) ^ 0xffff, 0x906e);
  // RFC 1662 §C.2: running the CRC over data ‖ FCS (LSB first) leaves PPPGOODFCS16 = 0xf0b8.
  assert.equal(fcs16(fromHex('0000')), HDLC_FCS_GOOD);
  assert.equal(fcs16(fromHex('81 02 b0 01 54 53')), HDLC_FCS_GOOD);
});

test('HDLC encode vectors and their decoding', () => {
  for (const [payload, encoded, note] of VECTORS) {
    const enc = hdlcEncode(fromHex(payload));
    assert.equal(toHex(enc), toHex(fromHex(encoded)), note);
    const d = new HdlcDecoder();
    const frames = d.push(enc);
    assert.deepEqual(frames.map(toHex), [toHex(fromHex(payload))], note);
    assert.equal(d.stats.frames, 1);
  }
});

test('residue rule holds on every vector (unescape, then CRC over payload and FCS)', () => {
  for (const [, encoded] of VECTORS) {
    const raw = fromHex(encoded).subarray(1, -1);
    const unescaped: number[] = [];
    for (let i = 0; i < raw.length; i++) unescaped.push(raw[i] === 0x7d ? raw[++i]! ^ 0x20 : raw[i]!);
    assert.equal(fcs16(Uint8Array.from(unescaped)), HDLC_FCS_GOOD, encoded);
  }
});

test('decoder behaviour mirrored from OpenThread test_hdlc.cpp', () => {
  const errors: HdlcErrorKind[] = [];
  const d = new HdlcDecoder({ onError: (k) => errors.push(k) });
  // back-to-back flags: no frame, no error
  assert.deepEqual(d.push(fromHex('7e 7e 7e 7e')), []);
  assert.deepEqual(errors, []);
  // "badShortFrame" {7e aa 7e}: shorter than the FCS
  assert.deepEqual(d.push(fromHex('7e aa 7e')), []);
  assert.deepEqual(errors, ['runt']);
  // a corrupted byte fails the FCS
  const bad = hdlcEncode(ascii('Think good thoughts, say good words, do good deeds!'));
  bad[1]! ^= 0x0a;
  assert.deepEqual(d.push(bad), []);
  assert.deepEqual(errors, ['runt', 'bad-fcs']);
  assert.equal(d.stats.badFcs, 1);
  assert.equal(d.stats.runts, 1);
  // a one-byte payload that is itself the flag value
  assert.deepEqual(d.push(hdlcEncode(fromHex('7e'))).map(toHex), ['7e']);
});

test('garbage before the first flag is discarded and counted', () => {
  const d = new HdlcDecoder();
  const frames = d.push(concatBytes(fromHex('01 02 7d 03'), hdlcEncode(fromHex('80 00'))));
  assert.deepEqual(frames.map(toHex), ['8000']);
  assert.equal(d.stats.discardedBytes, 4);
});

test('escape followed by a flag aborts the frame and the flag opens the next one', () => {
  const d = new HdlcDecoder();
  const frames = d.push(concatBytes(fromHex('7e 41 42 7d'), hdlcEncode(fromHex('81 00'))));
  assert.deepEqual(frames.map(toHex), ['8100']);
  assert.equal(d.stats.aborted, 1);
});

test('oversize frames are dropped and the decoder resyncs at the next flag', () => {
  const errors: HdlcErrorKind[] = [];
  const d = new HdlcDecoder({ maxFrameLength: 8, onError: (k) => errors.push(k) });
  const frames = d.push(
    concatBytes(hdlcEncode(new Uint8Array(20).fill(0x55)), hdlcEncode(fromHex('0102030405060708'))),
  );
  assert.deepEqual(frames.map(toHex), ['0102030405060708']);
  assert.deepEqual(errors, ['oversize']);
  assert.throws(() => new HdlcDecoder({ maxFrameLength: 0 }), RangeError);
});

test('reset() drops a partial frame', () => {
  const d = new HdlcDecoder();
  const enc = hdlcEncode(fromHex('80 06 00 70'));
  assert.deepEqual(d.push(enc.subarray(0, 3)), []);
  d.reset();
  assert.deepEqual(d.push(enc.subarray(3)), []);
  assert.deepEqual(d.push(enc).map(toHex), ['80060070']);
});

/** Splits `bytes` at the given cut points. */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

test('encode → decode at random chunk boundaries returns every frame', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (payloads, cuts) => {
        const stream = concatBytes(...payloads.map(hdlcEncode));
        const d = new HdlcDecoder();
        const got = chunk(stream, cuts).flatMap((c) => d.push(c));
        assert.deepEqual(got.map(toHex), payloads.map(toHex));
        assert.equal(d.stats.badFcs + d.stats.runts + d.stats.oversize + d.stats.aborted, 0);
      },
    ),
    { numRuns: 2000 },
  );
});

/** True if `needles` occur in `hay` in order (extra frames between them are allowed). */
function isSubsequence(needles: string[], hay: string[]): boolean {
  let i = 0;
  for (const h of hay) if (i < needles.length && h === needles[i]) i++;
  return i === needles.length;
}

test('random garbage interleaved with valid frames: every valid frame comes out, nothing throws', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 120 })), {
        minLength: 1,
        maxLength: 10,
      }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.integer({ min: 130, max: 400 }),
      (parts, cuts, maxFrameLength) => {
        const stream = concatBytes(...parts.flatMap(([garbage, payload]) => [garbage, hdlcEncode(payload)]));
        const d = new HdlcDecoder({ maxFrameLength });
        const got = chunk(stream, cuts).flatMap((c) => d.push(c));
        assert.ok(
          isSubsequence(
            parts.map(([, p]) => toHex(p)),
            got.map(toHex),
          ),
        );
      },
    ),
    { numRuns: 3000 },
  );
});

test('HDLC decoder fuzz: never throws, survives any byte stream', () => {
  const samples = VECTORS.map(([, enc]) => fromHex(enc));
  fuzzDecoder((bytes) => new HdlcDecoder({ maxFrameLength: 64 }).push(bytes), samples);
  // one long-lived decoder across many random chunks
  const d = new HdlcDecoder({ maxFrameLength: 32 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (chunkBytes) => {
      d.push(chunkBytes);
    }),
    { numRuns: 10_000 },
  );
  assert.deepEqual(
    d
      .push(hdlcEncode(fromHex('80 06 00 70')))
      .map(toHex)
      .slice(-1),
    ['80060070'],
  );
});
