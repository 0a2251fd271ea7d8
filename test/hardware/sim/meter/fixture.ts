/** Shared set-up of the meter tests: a scenario start, request frames, and answer decoding. */
import assert from 'node:assert/strict';
import { EOJ, decodeFrame, encodeFrame } from '../../../../src/stack/echonet/index.ts';
import type { EchonetFrame, EchonetProperty, Esv } from '../../../../src/stack/echonet/index.ts';
import { Random } from '../../../../hardware/sim/random.ts';
import { loadScenario } from '../../../../hardware/sim/scenario/index.ts';
import type { Scenario, ScenarioMeter } from '../../../../hardware/sim/scenario/index.ts';
import { EchonetMeterDevice, meterDeviceFromScenario } from '../../../../hardware/sim/meter/index.ts';
import type { EchonetMeterConfig } from '../../../../hardware/sim/meter/index.ts';

/** 2026-05-11 00:00 JST (a Monday), as a UTC instant. */
export const START = Date.UTC(2026, 4, 10, 15, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const scenario: Scenario = loadScenario('isolated-area-20');

export function scenarioMeter(predicate: (m: ScenarioMeter) => boolean): ScenarioMeter {
  const m = scenario.meters.find(predicate);
  assert.ok(m !== undefined, 'isolated-area-20 has a meter of the kind the test needs');
  return m;
}

export function deviceFor(meter: ScenarioMeter, seed = scenario.seed, prefillDays = 7): EchonetMeterDevice {
  return meterDeviceFromScenario(meter, new Random(seed), { startEpochMs: START, prefillDays });
}

export function customDevice(overrides: Partial<EchonetMeterConfig> = {}): EchonetMeterDevice {
  return new EchonetMeterDevice({
    household: 'family',
    register: {
      digits: 8,
      initialForward: 1000,
      initialReverse: 0,
      reverseFlow: false,
      unitCode: 0x01,
      coefficient: 1,
    },
    eui64: '02fe5100000000aa',
    random: new Random('custom'),
    startEpochMs: START,
    ...overrides,
  });
}

let tid = 0;

export function request(
  esv: Esv,
  properties: readonly (number | EchonetProperty)[],
  options: { deoj?: number; getProperties?: readonly number[] } = {},
): Uint8Array {
  const props = properties.map((p) => (typeof p === 'number' ? { epc: p, edt: new Uint8Array(0) } : p));
  tid = (tid + 1) & 0xffff;
  return encodeFrame({
    tid,
    seoj: EOJ.CONTROLLER,
    deoj: options.deoj ?? EOJ.SMART_METER,
    esv,
    properties: props,
    ...(options.getProperties !== undefined
      ? { getProperties: options.getProperties.map((epc) => ({ epc, edt: new Uint8Array(0) })) }
      : {}),
  });
}

/** Sends `req` and decodes the answer, which must exist. */
export function ask(device: EchonetMeterDevice, now: number, req: Uint8Array): EchonetFrame {
  const answer = device.handle(now, req);
  assert.ok(answer !== null, 'the meter answers the request');
  return decodeFrame(answer);
}

export function edtOf(frame: EchonetFrame, epc: number): Uint8Array {
  const p = [...frame.properties, ...(frame.getProperties ?? [])].find((x) => x.epc === epc);
  assert.ok(p !== undefined, `answer carries EPC 0x${epc.toString(16)}`);
  return p.edt;
}
