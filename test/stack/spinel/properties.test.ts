import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import {
  SPINEL_CAP,
  SPINEL_PROP,
  SPINEL_PROP_CODECS,
  SPINEL_PROTOCOL_TYPE,
  SPINEL_STATUS,
  type SpinelPropName,
  type SpinelPropValues,
  decodePropValue,
  encodePropValue,
  isResetStatus,
  spinelPropName,
  spinelStatusName,
  supportedPropName,
} from '../../../src/stack/spinel/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

type Vector = { [K in SpinelPropName]: [K, SpinelPropValues[K], string] }[SpinelPropName];

const VECTORS: Vector[] = [
  ['LAST_STATUS', SPINEL_STATUS.RESET_POWER_ON, '70'],
  ['LAST_STATUS', SPINEL_STATUS.NO_ACK, '11'],
  ['PROTOCOL_VERSION', { major: 4, minor: 3 }, '0403'],
  ['NCP_VERSION', 'OPENTHREAD/1.4; SIM', toHex(new TextEncoder().encode('OPENTHREAD/1.4; SIM')) + '00'],
  ['INTERFACE_TYPE', SPINEL_PROTOCOL_TYPE.THREAD, '03'],
  ['CAPS', [SPINEL_CAP.CONFIG_RADIO, SPINEL_CAP.RCP_API_VERSION, SPINEL_CAP.MAC_RAW], '22 40 8104'],
  ['CAPS', [], ''],
  ['HWADDR', fromHex('18b4300000000001'), '18b4300000000001'],
  ['PHY_ENABLED', true, '01'],
  ['PHY_CHAN', 33, '21'],
  ['PHY_CHAN_SUPPORTED', [33, 34, 35, 36], '21222324'],
  ['PHY_TX_POWER', -3, 'fd'],
  ['PHY_RSSI', -100, '9c'],
  ['MAC_15_4_LADDR', fromHex('0011223344556677'), '0011223344556677'],
  ['MAC_15_4_SADDR', 0xfffe, 'feff'],
  ['MAC_15_4_PANID', 0x1234, '3412'],
  ['MAC_RAW_STREAM_ENABLED', false, '00'],
  ['MAC_PROMISCUOUS_MODE', 2, '02'],
  ['RCP_API_VERSION', 11, '0b'],
  ['RCP_MIN_HOST_API_VERSION', 4, '04'],
];

test('property value vectors', () => {
  for (const [name, value, hex] of VECTORS) {
    const enc = encodePropValue(name, value as never);
    assert.equal(toHex(enc), toHex(fromHex(hex)), name);
    assert.deepEqual(decodePropValue(name, fromHex(hex)), value, name);
  }
});

test('property decoders are strict', () => {
  const bad: [SpinelPropName, string, RegExp][] = [
    ['LAST_STATUS', '11 00 00', /trailing/], // a transmit-done value is decodeStreamRawTxDone's job
    ['LAST_STATUS', '', /missing/],
    ['PROTOCOL_VERSION', '04', /missing/],
    ['NCP_VERSION', '4f54', /unterminated/],
    ['NCP_VERSION', '4f00 00', /trailing/],
    ['CAPS', '22 80', /truncated/],
    ['HWADDR', '00112233445566', /truncated/],
    ['HWADDR', '001122334455667788', /trailing/],
    ['PHY_ENABLED', '02', /0x00 or 0x01/],
    ['PHY_CHAN', '', /truncated/],
    ['PHY_CHAN', '2122', /trailing/],
    ['MAC_15_4_PANID', '34', /truncated/],
    ['MAC_PROMISCUOUS_MODE', '03', /promiscuous/],
    ['RCP_API_VERSION', '8b', /truncated/],
  ];
  for (const [name, hex, reason] of bad) {
    assert.throws(
      () => decodePropValue(name, fromHex(hex)),
      (e: unknown) => e instanceof DecodeError && reason.test(e.reason),
      `${name} ${hex}`,
    );
  }
  assert.throws(() => encodePropValue('PHY_CHAN', 256), RangeError);
  assert.throws(() => encodePropValue('HWADDR', new Uint8Array(6)), RangeError);
  assert.throws(() => encodePropValue('MAC_PROMISCUOUS_MODE', 3), RangeError);
});

const u8 = fc.integer({ min: 0, max: 255 });
const i8 = fc.integer({ min: -128, max: 127 });
const packed = fc.integer({ min: 0, max: 2_097_151 });
const eui = fc.uint8Array({ minLength: 8, maxLength: 8 });
const ARBS: { [K in SpinelPropName]: fc.Arbitrary<SpinelPropValues[K]> } = {
  LAST_STATUS: packed,
  PROTOCOL_VERSION: fc.record({ major: packed, minor: packed }, { noNullPrototype: true }),
  NCP_VERSION: fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')),
  INTERFACE_TYPE: packed,
  CAPS: fc.array(packed, { maxLength: 20 }),
  HWADDR: eui,
  PHY_ENABLED: fc.boolean(),
  PHY_CHAN: u8,
  PHY_CHAN_SUPPORTED: fc.array(u8, { maxLength: 40 }),
  PHY_TX_POWER: i8,
  PHY_RSSI: i8,
  MAC_15_4_LADDR: eui,
  MAC_15_4_SADDR: fc.integer({ min: 0, max: 0xffff }),
  MAC_15_4_PANID: fc.integer({ min: 0, max: 0xffff }),
  MAC_RAW_STREAM_ENABLED: fc.boolean(),
  MAC_PROMISCUOUS_MODE: fc.integer({ min: 0, max: 2 }),
  RCP_API_VERSION: packed,
  RCP_MIN_HOST_API_VERSION: packed,
};

const NAMES = Object.keys(SPINEL_PROP_CODECS) as SpinelPropName[];

test('every property value round-trips', () => {
  for (const name of NAMES) {
    fc.assert(
      fc.property(ARBS[name] as fc.Arbitrary<unknown>, (value) => {
        assert.deepEqual(decodePropValue(name, encodePropValue(name, value as never)), value);
      }),
      { numRuns: 300 },
    );
  }
});

test('every property decoder survives fuzzing', () => {
  for (const name of NAMES) {
    const samples = fc
      .sample(ARBS[name] as fc.Arbitrary<unknown>, { numRuns: 20, seed: 11 })
      .map((v) => encodePropValue(name, v as never));
    fuzzDecoder((b) => decodePropValue(name, b), samples, { maxLength: 64 });
  }
});

test('names for logs', () => {
  assert.equal(supportedPropName(0xb0), 'RCP_API_VERSION');
  assert.equal(supportedPropName(SPINEL_PROP.STREAM_RAW), undefined);
  assert.equal(spinelPropName(0x71), 'STREAM_RAW');
  assert.equal(spinelPropName(0x7777), 'PROP_0x7777');
  assert.equal(spinelStatusName(17), 'NO_ACK');
  assert.equal(spinelStatusName(18), 'CCA_FAILURE');
  assert.equal(spinelStatusName(112), 'RESET_POWER_ON');
  assert.equal(spinelStatusName(999), 'STATUS_999');
  assert.ok(isResetStatus(112) && isResetStatus(127) && !isResetStatus(128) && !isResetStatus(0));
});
