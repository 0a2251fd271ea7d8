import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  EOJ,
  ESV,
  decodeFrame,
  eojClass,
  eojClassGroup,
  eojInstance,
  encodeFrame,
  formatEoj,
  isSetGetEsv,
  makeEoj,
} from '../../../src/stack/echonet/index.ts';
import type { EchonetFrame } from '../../../src/stack/echonet/index.ts';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';
import { E7_504W, GET_E7_REQUEST, ROUTE_B_CAPTURE } from './vectors.ts';

const esvs = Object.values(ESV);
const prop = (data: boolean) =>
  fc.record(
    {
      epc: fc.integer({ min: 0, max: 255 }),
      edt: data ? fc.uint8Array({ maxLength: 20 }) : fc.constant(new Uint8Array(0)),
    },
    { noNullPrototype: true },
  );
const frameArb: fc.Arbitrary<EchonetFrame> = fc
  .record(
    {
      tid: fc.integer({ min: 0, max: 0xffff }),
      seoj: fc.integer({ min: 0, max: 0xffffff }),
      deoj: fc.integer({ min: 0, max: 0xffffff }),
      esv: fc.constantFrom(...esvs),
    },
    { noNullPrototype: true },
  )
  .chain((h) => {
    const readReq = h.esv === ESV.Get || h.esv === ESV.INF_REQ;
    if (isSetGetEsv(h.esv)) {
      return fc
        .tuple(fc.array(prop(true), { maxLength: 4 }), fc.array(prop(h.esv !== ESV.SetGet), { maxLength: 4 }))
        .filter(([s, g]) => s.length + g.length > 0)
        .map(([properties, getProperties]) => ({ ...h, properties, getProperties }));
    }
    return fc
      .array(prop(!readReq), { minLength: 1, maxLength: 6 })
      .map((properties) => ({ ...h, properties }));
  });

test('EOJ helpers', () => {
  assert.equal(makeEoj(0x02, 0x88, 0x01), EOJ.SMART_METER);
  assert.equal(eojClassGroup(EOJ.CONTROLLER), 0x05);
  assert.equal(eojClass(EOJ.SMART_METER), 0x0288);
  assert.equal(eojInstance(EOJ.NODE_PROFILE), 0x01);
  assert.equal(formatEoj(EOJ.NODE_PROFILE), '0ef001');
  assert.throws(() => makeEoj(256, 0, 0), RangeError);
});

test('published Get E7 request decodes and re-encodes byte for byte', () => {
  const f = decodeFrame(fromHex(GET_E7_REQUEST));
  assert.deepEqual(f, {
    tid: 1,
    seoj: EOJ.CONTROLLER,
    deoj: EOJ.SMART_METER,
    esv: ESV.Get,
    properties: [{ epc: 0xe7, edt: new Uint8Array(0) }],
  });
  assert.equal(toHex(encodeFrame(f)), GET_E7_REQUEST.toLowerCase());
});

test('published Get_Res, INF and Get_SNA frames from a live Route B capture', () => {
  const res = decodeFrame(fromHex(E7_504W));
  assert.equal(res.esv, ESV.Get_Res);
  assert.equal(res.seoj, EOJ.SMART_METER);
  assert.equal(res.deoj, EOJ.CONTROLLER);
  assert.equal(toHex(res.properties[0]!.edt), '000001f8');
  for (const hex of Object.values(ROUTE_B_CAPTURE)) {
    assert.equal(toHex(encodeFrame(decodeFrame(fromHex(hex)))), hex.toLowerCase(), hex);
  }
  const inf = decodeFrame(fromHex(ROUTE_B_CAPTURE.D5_INF));
  assert.deepEqual([inf.tid, inf.seoj, inf.deoj, inf.esv], [0, EOJ.NODE_PROFILE, EOJ.NODE_PROFILE, ESV.INF]);
  assert.equal(toHex(inf.properties[0]!.edt), '01028801');
  const sna = decodeFrame(fromHex(ROUTE_B_CAPTURE.GET_SNA_83));
  assert.equal(sna.esv, ESV.Get_SNA);
  assert.deepEqual(sna.properties, [{ epc: 0x83, edt: new Uint8Array(0) }]);
  assert.equal(decodeFrame(fromHex(ROUTE_B_CAPTURE.E2)).properties[0]!.edt.length, 194);
});

test('SetGet carries OPCSet and OPCGet lists', () => {
  const f: EchonetFrame = {
    tid: 0x1234,
    seoj: EOJ.CONTROLLER,
    deoj: EOJ.SMART_METER,
    esv: ESV.SetGet,
    properties: [{ epc: 0xe5, edt: Uint8Array.of(1) }],
    getProperties: [
      { epc: 0xe2, edt: new Uint8Array(0) },
      { epc: 0xe1, edt: new Uint8Array(0) },
    ],
  };
  const bytes = encodeFrame(f);
  assert.equal(toHex(bytes), '1081' + '1234' + '05ff01' + '028801' + '6e' + '01e50101' + '02e200e100');
  assert.deepEqual(decodeFrame(bytes), f);
  // A Get list of SetGet with data is refused.
  assert.throws(() => decodeFrame(fromHex('1081123405ff010288016e01e5010101e20101')), /read request/);
});

test('round trip over every ESV', () => {
  fc.assert(
    fc.property(frameArb, (f) => assert.deepEqual(decodeFrame(encodeFrame(f)), f)),
    { numRuns: 2000 },
  );
});

test('strict: header, ESV, counts, read requests, trailing bytes', () => {
  const ok = fromHex(GET_E7_REQUEST);
  const patch = (at: number, v: number) => {
    const b = ok.slice();
    b[at] = v;
    return b;
  };
  assert.throws(() => decodeFrame(patch(0, 0x11)), /EHD1/);
  assert.throws(() => decodeFrame(patch(1, 0x82)), /arbitrary message format/);
  assert.throws(() => decodeFrame(patch(1, 0x80)), /EHD2/);
  assert.throws(() => decodeFrame(patch(10, 0x64)), /unknown ESV/);
  assert.throws(() => decodeFrame(patch(11, 0)), /count is 0/);
  assert.throws(() => decodeFrame(patch(13, 1)), DecodeError); // Get with PDC 1
  assert.throws(() => decodeFrame(new Uint8Array([...ok, 0])), /trailing/);
  assert.throws(() => decodeFrame(ok.subarray(0, 13)), /truncated/);
  assert.throws(() => decodeFrame(fromHex('1081000102880105ff017201e70400')), /truncated/);
});

test('encoder refuses unrepresentable frames with RangeError', () => {
  const base: EchonetFrame = {
    tid: 1,
    seoj: EOJ.CONTROLLER,
    deoj: EOJ.SMART_METER,
    esv: ESV.Get,
    properties: [{ epc: 0xe7, edt: new Uint8Array(0) }],
  };
  assert.throws(() => encodeFrame({ ...base, tid: 0x10000 }), RangeError);
  assert.throws(() => encodeFrame({ ...base, properties: [] }), RangeError);
  assert.throws(
    () => encodeFrame({ ...base, properties: [{ epc: 0xe7, edt: Uint8Array.of(1) }] }),
    RangeError,
  );
  assert.throws(() => encodeFrame({ ...base, getProperties: [] }), RangeError);
  assert.throws(() => encodeFrame({ ...base, esv: ESV.SetGet }), RangeError);
  assert.throws(
    () => encodeFrame({ ...base, esv: ESV.Get_Res, properties: [{ epc: 0xe2, edt: new Uint8Array(256) }] }),
    RangeError,
  );
});

test('fuzz: frame decoder', () => {
  const samples = [
    GET_E7_REQUEST,
    E7_504W,
    ...Object.values(ROUTE_B_CAPTURE),
    '1081123405ff010288016e01e5010102e200e100',
  ].map(fromHex);
  const { accepted, rejected } = fuzzDecoder(decodeFrame, samples, { runs: 10_000 });
  assert.ok(accepted > 0 && rejected > 0);
});
