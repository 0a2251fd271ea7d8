import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, concatBytes, fromHex, toHex } from '../../../src/stack/wire/index.ts';
import {
  SPINEL_MD_FLAG,
  SPINEL_PROP,
  SPINEL_STATUS,
  SPINEL_TX_POWER_UNSET,
  type StreamRawRxFrame,
  type StreamRawTxDone,
  type StreamRawTxRequest,
  decodeSpinelFrame,
  decodeStreamRawRxFrame,
  decodeStreamRawTxDone,
  decodeStreamRawTxRequest,
  encodeStreamRawRxFrame,
  encodeStreamRawTxDone,
  encodeStreamRawTxRequest,
} from '../../../src/stack/spinel/index.ts';
import { fuzzDecoder } from '../../support/fuzz.ts';

const isDecodeError = (re: RegExp) => (e: unknown) => e instanceof DecodeError && re.test(e.reason);

// Received frame, laid out by hand from ncp_base_radio.cpp PackRadioFrame.
const RX_HEX =
  '0200 41d8' + // d PSDU
  'c4' + // c RSSI -60
  '80' + // c noise floor -128
  '1000' + // S flags ACKED_FP
  '0a00 0b ff 0807060504030201' + // t(C channel 11, C LQI 255, X timestamp)
  '0100 00' + // t(i receive error 0)
  '0500 02 78563412'; // t(C ack key id 2, L ack frame counter 0x12345678)
const RX: StreamRawRxFrame = {
  psdu: fromHex('41d8'),
  rssi: -60,
  noiseFloor: -128,
  flags: SPINEL_MD_FLAG.ACKED_FP,
  channel: 11,
  lqi: 255,
  timestamp: 0x0102030405060708n,
  receiveError: 0,
  ackKeyId: 2,
  ackFrameCounter: 0x12345678,
};

test('receive value vector', () => {
  assert.equal(toHex(encodeStreamRawRxFrame(RX)), toHex(fromHex(RX_HEX)));
  assert.deepEqual(decodeStreamRawRxFrame(fromHex(RX_HEX)), RX);
});

test('receive value: fields appended inside a struct are skipped, top-level trailing bytes refused', () => {
  const extended = fromHex(
    '0200 41d8 c4 80 1000' + '0b00 0b ff 0807060504030201 99' + '0200 00 77' + '0600 02 78563412 55',
  );
  assert.deepEqual(decodeStreamRawRxFrame(extended), RX);
  assert.throws(
    () => decodeStreamRawRxFrame(concatBytes(fromHex(RX_HEX), fromHex('00'))),
    isDecodeError(/trailing/),
  );
  assert.throws(() => decodeStreamRawRxFrame(fromHex('0200 41d8 c4 80 1000')), isDecodeError(/PHY data/));
  assert.throws(
    () => decodeStreamRawRxFrame(fromHex('0200 41d8 c4 80 1000' + '0900 0b ff 08070605040302')),
    isDecodeError(/timestamp/),
  );
});

test('transmit request vectors: minimal and full metadata', () => {
  const minimal: StreamRawTxRequest = { psdu: fromHex('010203'), channel: 33 };
  assert.equal(toHex(encodeStreamRawTxRequest(minimal)), '030001020321');
  assert.deepEqual(decodeStreamRawTxRequest(fromHex('030001020321')), minimal);

  const full: StreamRawTxRequest = {
    psdu: fromHex('010203'),
    channel: 33,
    maxCsmaBackoffs: 4,
    maxFrameRetries: 3,
    csmaCaEnabled: true,
    isHeaderUpdated: false,
    isARetx: false,
    isSecurityProcessed: true,
    txDelay: 0x100,
    txDelayBaseTime: 0xdeadbeef,
    rxChannelAfterTxDone: 33,
    txPower: -5,
  };
  const hex = '0300 010203 21 04 03 01 00 00 01 00010000 efbeadde 21 fb';
  assert.equal(toHex(encodeStreamRawTxRequest(full)), toHex(fromHex(hex)));
  assert.deepEqual(decodeStreamRawTxRequest(fromHex(hex)), full);

  const unset = encodeStreamRawTxRequest({ ...full, txPower: SPINEL_TX_POWER_UNSET });
  assert.equal(unset[unset.length - 1], 0x7f);
});

test('transmit request is positional and strict', () => {
  assert.throws(
    () => encodeStreamRawTxRequest({ psdu: new Uint8Array(), channel: 1, txPower: 0 }),
    RangeError,
  );
  assert.throws(() => encodeStreamRawTxRequest({ psdu: new Uint8Array(), channel: 256 }), RangeError);
  assert.throws(() => decodeStreamRawTxRequest(fromHex('0300 0102')), isDecodeError(/truncated PSDU/));
  assert.throws(() => decodeStreamRawTxRequest(fromHex('0000')), isDecodeError(/channel/));
  assert.throws(() => decodeStreamRawTxRequest(fromHex('0000 21 04 03 02')), isDecodeError(/0x00 or 0x01/));
  assert.throws(
    () => decodeStreamRawTxRequest(fromHex('0000 21 04 03 01 00 00 01 0001')),
    isDecodeError(/txDelay/),
  );
  assert.throws(
    () => decodeStreamRawTxRequest(fromHex('0000 21 04 03 01 00 00 01 00000000 00000000 21 fb 00')),
    isDecodeError(/trailing/),
  );
});

test('transmit done: NO_ACK is 11 00 00 (PROTOCOL-NOTES.md), CCA failure 12 00 00', () => {
  const noAck: StreamRawTxDone = {
    status: SPINEL_STATUS.NO_ACK,
    framePending: false,
    isHeaderUpdated: false,
  };
  assert.equal(toHex(encodeStreamRawTxDone(noAck)), '110000');
  assert.deepEqual(decodeStreamRawTxDone(fromHex('11 00 00')), noAck);
  assert.deepEqual(decodeStreamRawTxDone(fromHex('12 00 00')), {
    ...noAck,
    status: SPINEL_STATUS.CCA_FAILURE,
  });

  // The whole Spinel frame on the wire for a NO_ACK answer to a transmit sent with TID 3.
  const frame = decodeSpinelFrame(fromHex('83 06 00 11 00 00'));
  assert.ok(frame.kind === 'prop' && frame.prop === SPINEL_PROP.LAST_STATUS && frame.tid === 3);
  assert.deepEqual(decodeStreamRawTxDone(frame.value), noAck);
});

test('transmit done OK carries the ACK frame, then optional key index and frame counter', () => {
  const done: StreamRawTxDone = { status: 0, framePending: true, isHeaderUpdated: true, ack: RX };
  const hex = '00 01 01' + RX_HEX;
  assert.equal(toHex(encodeStreamRawTxDone(done)), toHex(fromHex(hex)));
  assert.deepEqual(decodeStreamRawTxDone(fromHex(hex)), done);

  const secured = { ...done, security: { keyIndex: 5, frameCounter: 0xffffffff } };
  assert.deepEqual(decodeStreamRawTxDone(fromHex(hex + '05 ffffffff')), secured);
  assert.equal(toHex(encodeStreamRawTxDone(secured)), toHex(fromHex(hex + '05ffffffff')));

  assert.throws(() => decodeStreamRawTxDone(fromHex('00 00 00')), isDecodeError(/PSDU/));
  assert.throws(() => decodeStreamRawTxDone(fromHex(hex + '05 ffff')), isDecodeError(/frame counter/));
  assert.throws(
    () => decodeStreamRawTxDone(fromHex('11 00 00 05 01000000')),
    isDecodeError(/header not updated/),
  );
  assert.throws(
    () => encodeStreamRawTxDone({ status: 0, framePending: false, isHeaderUpdated: false }),
    RangeError,
  );
  assert.throws(() => encodeStreamRawTxDone({ ...done, status: SPINEL_STATUS.NO_ACK }), RangeError);
});

const u8 = fc.integer({ min: 0, max: 255 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const rxArb: fc.Arbitrary<StreamRawRxFrame> = fc.record(
  {
    psdu: fc.uint8Array({ maxLength: 200 }),
    rssi: fc.integer({ min: -128, max: 127 }),
    noiseFloor: fc.integer({ min: -128, max: 127 }),
    flags: fc.integer({ min: 0, max: 0xffff }),
    channel: u8,
    lqi: u8,
    timestamp: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    receiveError: fc.integer({ min: 0, max: 2_097_151 }),
    ackKeyId: u8,
    ackFrameCounter: u32,
  },
  { noNullPrototype: true },
);

const TX_FIELDS = [
  ['maxCsmaBackoffs', u8],
  ['maxFrameRetries', u8],
  ['csmaCaEnabled', fc.boolean()],
  ['isHeaderUpdated', fc.boolean()],
  ['isARetx', fc.boolean()],
  ['isSecurityProcessed', fc.boolean()],
  ['txDelay', u32],
  ['txDelayBaseTime', u32],
  ['rxChannelAfterTxDone', u8],
  ['txPower', fc.integer({ min: -128, max: 127 })],
] as const;

const txArb: fc.Arbitrary<StreamRawTxRequest> = fc
  .tuple(
    fc.uint8Array({ maxLength: 200 }),
    u8,
    fc.integer({ min: 0, max: TX_FIELDS.length }),
    fc.tuple(...TX_FIELDS.map(([, a]) => a as fc.Arbitrary<unknown>)),
  )
  .map(([psdu, channel, n, values]) => {
    const req: Record<string, unknown> = { psdu, channel };
    for (let i = 0; i < n; i++) req[TX_FIELDS[i]![0]] = values[i];
    return req as unknown as StreamRawTxRequest;
  });

const doneArb: fc.Arbitrary<StreamRawTxDone> = fc
  .tuple(
    fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_097_151 })),
    fc.boolean(),
    fc.boolean(),
    rxArb,
    fc.option(fc.record({ keyIndex: u8, frameCounter: u32 }, { noNullPrototype: true }), { nil: undefined }),
  )
  .map(([status, framePending, isHeaderUpdated, ack, security]) => {
    const d: StreamRawTxDone = { status, framePending, isHeaderUpdated };
    if (status === 0) d.ack = ack;
    if (security && isHeaderUpdated) d.security = security;
    return d;
  });

test('stream-raw round trips', () => {
  fc.assert(
    fc.property(txArb, (req) =>
      assert.deepEqual(decodeStreamRawTxRequest(encodeStreamRawTxRequest(req)), req),
    ),
  );
  fc.assert(
    fc.property(rxArb, (rx) => assert.deepEqual(decodeStreamRawRxFrame(encodeStreamRawRxFrame(rx)), rx)),
  );
  fc.assert(
    fc.property(doneArb, (d) => assert.deepEqual(decodeStreamRawTxDone(encodeStreamRawTxDone(d)), d)),
  );
});

test('stream-raw decoders survive fuzzing', () => {
  const sample = <T>(arb: fc.Arbitrary<T>, enc: (v: T) => Uint8Array): Uint8Array[] =>
    fc.sample(arb, { numRuns: 30, seed: 3 }).map(enc);
  fuzzDecoder(decodeStreamRawTxRequest, sample(txArb, encodeStreamRawTxRequest));
  fuzzDecoder(decodeStreamRawRxFrame, [fromHex(RX_HEX), ...sample(rxArb, encodeStreamRawRxFrame)]);
  fuzzDecoder(decodeStreamRawTxDone, [fromHex('110000'), ...sample(doneArb, encodeStreamRawTxDone)]);
});
