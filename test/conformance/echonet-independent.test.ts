/**
 * ECHONET Lite frames from src/stack/echonet checked against an independent parser: the npm
 * package `echonet-lite` (Hiroshi Sugimura, MIT; devDependency, CommonJS). Its `parseBytes` turns
 * a frame into hex strings (EHD, TID, SEOJ, DEOJ, ESV, OPC and an EPC → EDT map), and for property
 * maps in the 16-byte bitmap form it expands the bitmap itself (`parseMapForm2`).
 *
 * It `require`s `date-utils` without declaring it, so `date-utils` is a devDependency too. It
 * opens no socket on import (sockets are made in `EL.initialize`, never called here). It does not
 * split SetGet's two lists, so SetGet frames are not compared here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import {
  EOJ,
  ESV,
  FIELDROOT_DR_EPC,
  METER_EPC,
  decodePropertyMap,
  encodeCumulativeEnergy,
  encodeCurrents,
  encodeDrLoadLimit,
  encodeDrSwitchState,
  encodeFrame,
  encodeHistory,
  encodeInstantaneousPower,
  encodePropertyMap,
  formatEoj,
} from '../../src/stack/echonet/index.ts';
import type { EchonetFrame } from '../../src/stack/echonet/index.ts';
import { toHex } from '../../src/stack/wire/index.ts';

interface ElData {
  EHD: string;
  TID: string;
  SEOJ: string;
  DEOJ: string;
  ESV: string;
  OPC: string;
  DETAILs: Record<string, string>;
}
interface ElModule {
  parseBytes(bytes: number[]): ElData | null;
}

const EL = createRequire(import.meta.url)('echonet-lite') as ElModule;
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

function assertSameAsIndependent(frame: EchonetFrame): void {
  const bytes = encodeFrame(frame);
  const el = EL.parseBytes([...bytes]);
  assert.ok(el, 'echonet-lite refused the frame');
  assert.equal(el.EHD, '1081');
  assert.equal(el.TID, frame.tid.toString(16).padStart(4, '0'));
  assert.equal(el.SEOJ, formatEoj(frame.seoj));
  assert.equal(el.DEOJ, formatEoj(frame.deoj));
  assert.equal(el.ESV, hex2(frame.esv));
  assert.equal(el.OPC, hex2(frame.properties.length));
  const expected: Record<string, string> = {};
  for (const p of frame.properties) expected[hex2(p.epc)] = toHex(p.edt);
  assert.deepEqual({ ...el.DETAILs }, expected);
}

const NO_DATA = new Uint8Array(0);

const FRAMES: Record<string, EchonetFrame> = {
  'Get E0/E1/E7/E8': {
    tid: 0x0102,
    seoj: EOJ.CONTROLLER,
    deoj: EOJ.SMART_METER,
    esv: ESV.Get,
    properties: [0xe0, 0xe1, 0xe7, 0xe8].map((epc) => ({ epc, edt: NO_DATA })),
  },
  'Get_Res E0/E7/E8/E2': {
    tid: 0x0102,
    seoj: EOJ.SMART_METER,
    deoj: EOJ.CONTROLLER,
    esv: ESV.Get_Res,
    properties: [
      { epc: METER_EPC.CUMULATIVE_ENERGY_NORMAL, edt: encodeCumulativeEnergy(12_345_678) },
      { epc: METER_EPC.INSTANTANEOUS_POWER, edt: encodeInstantaneousPower(-840) },
      { epc: METER_EPC.INSTANTANEOUS_CURRENTS, edt: encodeCurrents({ r: 123, t: 'not-applicable' }) },
      {
        epc: METER_EPC.HISTORICAL_CUMULATIVE_ENERGY_NORMAL,
        edt: encodeHistory({
          day: 3,
          values: Array.from({ length: 48 }, (_, i) => (i < 40 ? 1000 + i : null)),
        }),
      },
    ],
  },
  'SetC DR switch + load limit': {
    tid: 0xfffe,
    seoj: EOJ.CONTROLLER,
    deoj: EOJ.SMART_METER,
    esv: ESV.SetC,
    properties: [
      { epc: FIELDROOT_DR_EPC.DR_SWITCH_STATE, edt: encodeDrSwitchState('disconnected') },
      { epc: FIELDROOT_DR_EPC.DR_LOAD_LIMIT, edt: encodeDrLoadLimit(3000) },
    ],
  },
  'Set_Res DR': {
    tid: 0xfffe,
    seoj: EOJ.SMART_METER,
    deoj: EOJ.CONTROLLER,
    esv: ESV.Set_Res,
    properties: [
      { epc: FIELDROOT_DR_EPC.DR_SWITCH_STATE, edt: NO_DATA },
      { epc: FIELDROOT_DR_EPC.DR_LOAD_LIMIT, edt: NO_DATA },
    ],
  },
  'INF instance list': {
    tid: 0,
    seoj: EOJ.NODE_PROFILE,
    deoj: EOJ.NODE_PROFILE,
    esv: ESV.INF,
    properties: [{ epc: 0xd5, edt: Uint8Array.of(1, 0x02, 0x88, 0x01) }],
  },
  Get_SNA: {
    tid: 7,
    seoj: EOJ.SMART_METER,
    deoj: EOJ.CONTROLLER,
    esv: ESV.Get_SNA,
    properties: [
      { epc: 0xe7, edt: encodeInstantaneousPower(504) },
      { epc: 0x83, edt: NO_DATA },
    ],
  },
  SetC_SNA: {
    tid: 8,
    seoj: EOJ.SMART_METER,
    deoj: EOJ.CONTROLLER,
    esv: ESV.SetC_SNA,
    properties: [{ epc: FIELDROOT_DR_EPC.DR_LOAD_LIMIT, edt: encodeDrLoadLimit(1) }],
  },
};

for (const [name, frame] of Object.entries(FRAMES)) {
  test(`independent parser reads the same fields: ${name}`, () => assertSameAsIndependent(frame));
}

test('independent parser agrees on random frames (unique EPCs outside the property maps)', () => {
  const epc = fc.integer({ min: 0, max: 255 }).filter((e) => e < 0x9d || e > 0x9f);
  const arb = fc.record(
    {
      tid: fc.integer({ min: 0, max: 0xffff }),
      seoj: fc.integer({ min: 0, max: 0xffffff }),
      deoj: fc.integer({ min: 0, max: 0xffffff }),
      esv: fc.constantFrom(ESV.SetI, ESV.SetC, ESV.Get_Res, ESV.INF, ESV.INFC, ESV.Get_SNA, ESV.SetC_SNA),
      properties: fc.uniqueArray(
        fc.record({ epc, edt: fc.uint8Array({ maxLength: 24 }) }, { noNullPrototype: true }),
        { minLength: 1, maxLength: 8, selector: (p) => p.epc },
      ),
    },
    { noNullPrototype: true },
  );
  fc.assert(
    fc.property(arb, (f) => assertSameAsIndependent(f)),
    { numRuns: 500 },
  );
});

test('independent parser expands a bitmap-form Get property map (0x9F) to the same EPCs', () => {
  const epcs = [
    0x80, 0x81, 0x82, 0x88, 0x8a, 0x8d, 0x97, 0x98, 0x9d, 0x9e, 0x9f, 0xd3, 0xd7, 0xe0, 0xe1, 0xe2, 0xe3,
    0xe4, 0xe5, 0xe7, 0xe8, 0xea, 0xeb, 0xf0, 0xf1,
  ];
  const edt = encodePropertyMap(epcs);
  assert.equal(edt.length, 17);
  const el = EL.parseBytes([
    ...encodeFrame({
      tid: 1,
      seoj: EOJ.SMART_METER,
      deoj: EOJ.CONTROLLER,
      esv: ESV.Get_Res,
      properties: [{ epc: 0x9f, edt }],
    }),
  ]);
  assert.ok(el);
  // echonet-lite gives count ‖ EPC list as hex for the bitmap form.
  assert.equal(el.DETAILs['9f'], hex2(epcs.length) + epcs.map(hex2).join(''));
  assert.deepEqual(decodePropertyMap(edt), epcs);
});
