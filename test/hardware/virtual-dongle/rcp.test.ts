import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HdlcDecoder,
  SPINEL_PROP,
  SPINEL_STATUS,
  decodePropValue,
  decodeSpinelFrame,
  decodeStreamRawRxFrame,
  decodeStreamRawTxDone,
  encodePropValue,
  encodeSpinelFrame,
  encodeStreamRawTxRequest,
  hdlcEncode,
  propGet,
  propSet,
} from '../../../src/stack/spinel/index.ts';
import type { PropValueFrame, SpinelFrame } from '../../../src/stack/spinel/index.ts';
import { ManualClock, settle } from '../../../hardware/spinel/clock.ts';
import { LoopbackRadio } from '../../../hardware/virtual-dongle/loopback-radio.ts';
import { JAPAN_920_CHANNELS, VirtualRcp } from '../../../hardware/virtual-dongle/rcp.ts';

/** Drives a VirtualRcp at the Spinel level, as the host would. */
function harness() {
  const clock = new ManualClock();
  const radio = new LoopbackRadio({ clock });
  const rcp = new VirtualRcp({ radio, clock });
  const decoder = new HdlcDecoder();
  const out: PropValueFrame[] = [];
  rcp.attach((bytes) => {
    for (const p of decoder.push(bytes)) {
      const f = decodeSpinelFrame(p);
      if (f.kind !== 'prop') throw new Error(`RCP sent a ${f.kind} frame`);
      out.push(f);
    }
  });
  const send = async (f: SpinelFrame): Promise<void> => {
    rcp.receive(hdlcEncode(encodeSpinelFrame(f)));
    await settle();
  };
  return { clock, radio, rcp, out, send };
}

const status = (f: PropValueFrame): number => {
  assert.equal(f.prop, SPINEL_PROP.LAST_STATUS);
  return decodePropValue('LAST_STATUS', f.value);
};

test('RESET: boot status RESET_POWER_ON on TID 0, PHY and raw stream off', async () => {
  const h = harness();
  await h.send(propSet(1, SPINEL_PROP.PHY_ENABLED, encodePropValue('PHY_ENABLED', true)));
  await h.send(
    propSet(2, SPINEL_PROP.MAC_RAW_STREAM_ENABLED, encodePropValue('MAC_RAW_STREAM_ENABLED', true)),
  );
  h.out.length = 0;
  await h.send({ kind: 'reset', iid: 0, tid: 0, resetType: 2 });
  assert.equal(h.out.length, 1);
  assert.equal(h.out[0]!.tid, 0);
  assert.equal(status(h.out[0]!), SPINEL_STATUS.RESET_POWER_ON);
  assert.equal(h.rcp.phyEnabled, false);
  assert.equal(h.rcp.rawStreamEnabled, false);
  assert.equal(h.radio.receiveChannel, null);
});

test('answers carry the request TID; TID 0 and IID ≠ 0 requests go unanswered', async () => {
  const h = harness();
  await h.send(propGet(7, SPINEL_PROP.PROTOCOL_VERSION));
  assert.equal(h.out.length, 1);
  assert.equal(h.out[0]!.tid, 7);
  assert.deepEqual(decodePropValue('PROTOCOL_VERSION', h.out[0]!.value), { major: 4, minor: 3 });
  await h.send(propGet(0, SPINEL_PROP.PROTOCOL_VERSION));
  await h.send(propGet(3, SPINEL_PROP.PROTOCOL_VERSION, 1));
  assert.equal(h.out.length, 1);
  await h.send(propGet(4, SPINEL_PROP.RCP_API_VERSION));
  assert.equal(decodePropValue('RCP_API_VERSION', h.out[1]!.value), 11);
  await h.send(propGet(5, SPINEL_PROP.PHY_CHAN_SUPPORTED));
  assert.deepEqual(decodePropValue('PHY_CHAN_SUPPORTED', h.out[2]!.value), [...JAPAN_920_CHANNELS]);
  await h.send(propGet(6, 0x1234));
  assert.equal(status(h.out[3]!), SPINEL_STATUS.PROP_NOT_FOUND);
  await h.send({ kind: 'other', iid: 0, tid: 8, command: 21, payload: new Uint8Array(0) });
  assert.equal(status(h.out[4]!), SPINEL_STATUS.INVALID_COMMAND);
});

test('a frame with a bad FCS is dropped silently', async () => {
  const h = harness();
  const bytes = hdlcEncode(encodeSpinelFrame(propGet(1, SPINEL_PROP.NCP_VERSION)));
  bytes[2]! ^= 0x04;
  h.rcp.receive(bytes);
  await settle();
  assert.equal(h.out.length, 0);
});

test('PHY_CHAN and STREAM_RAW before PHY_ENABLED=1 get INVALID_STATE; PHY_CHAN is not range-checked', async () => {
  const h = harness();
  await h.send(propSet(1, SPINEL_PROP.PHY_CHAN, Uint8Array.of(40)));
  assert.equal(status(h.out[0]!), SPINEL_STATUS.INVALID_STATE);
  const tx = encodeStreamRawTxRequest({ psdu: Uint8Array.of(1, 2, 0, 0), channel: 40 });
  await h.send(propSet(2, SPINEL_PROP.STREAM_RAW, tx));
  assert.equal(status(h.out[1]!), SPINEL_STATUS.INVALID_STATE);
  assert.equal(h.radio.sent.length, 0);
  await h.send(propSet(3, SPINEL_PROP.PHY_ENABLED, encodePropValue('PHY_ENABLED', true)));
  assert.equal(decodePropValue('PHY_ENABLED', h.out[2]!.value), true);
  await h.send(propSet(4, SPINEL_PROP.PHY_CHAN, Uint8Array.of(200)));
  assert.equal(h.out[3]!.prop, SPINEL_PROP.PHY_CHAN, 'the RCP takes any channel: the host must check');
  assert.equal(h.rcp.channel, 200);
});

test('STREAM_RAW: transmit-done on the request TID; BUSY while one is in flight; NO_ACK is 11 00 00', async () => {
  const h = harness();
  await h.send(propSet(1, SPINEL_PROP.PHY_ENABLED, encodePropValue('PHY_ENABLED', true)));
  h.out.length = 0;
  h.radio.hold();
  h.radio.queueOutcome({ outcome: 'no-ack' });
  const tx = encodeStreamRawTxRequest({ psdu: Uint8Array.of(0x61, 0x88, 1, 0, 0), channel: 33 });
  await h.send(propSet(9, SPINEL_PROP.STREAM_RAW, tx));
  assert.equal(h.out.length, 0, 'no answer until the radio is done');
  await h.send(propSet(10, SPINEL_PROP.STREAM_RAW, tx));
  assert.equal(h.out[0]!.tid, 10);
  assert.equal(status(h.out[0]!), SPINEL_STATUS.BUSY);
  h.radio.release();
  await settle();
  assert.equal(h.out[1]!.tid, 9);
  assert.deepEqual(h.out[1]!.value, Uint8Array.of(0x11, 0x00, 0x00));
  assert.equal(decodeStreamRawTxDone(h.out[1]!.value).status, SPINEL_STATUS.NO_ACK);
});

test('received frames are sent unsolicited on TID 0 only while the raw stream is on', async () => {
  const h = harness();
  await h.send(propSet(1, SPINEL_PROP.PHY_ENABLED, encodePropValue('PHY_ENABLED', true)));
  await h.send(propSet(2, SPINEL_PROP.PHY_CHAN, Uint8Array.of(35)));
  h.out.length = 0;
  const frame = { psdu: Uint8Array.of(0x41, 0x88, 5, 0, 0), rssi: -90, lqi: 40, channel: 35, timestampUs: 7 };
  h.radio.inject(frame);
  await settle();
  assert.equal(h.out.length, 0, 'raw stream off');
  await h.send(
    propSet(3, SPINEL_PROP.MAC_RAW_STREAM_ENABLED, encodePropValue('MAC_RAW_STREAM_ENABLED', true)),
  );
  h.out.length = 0;
  h.radio.inject(frame);
  assert.equal(h.radio.inject({ ...frame, channel: 36 }), false, 'other channel not heard');
  await settle();
  assert.equal(h.out.length, 1);
  assert.equal(h.out[0]!.tid, 0);
  assert.equal(h.out[0]!.prop, SPINEL_PROP.STREAM_RAW);
  const rx = decodeStreamRawRxFrame(h.out[0]!.value);
  assert.deepEqual(rx.psdu, frame.psdu);
  assert.equal(rx.rssi, -90);
  assert.equal(rx.lqi, 40);
  assert.equal(rx.channel, 35);
  assert.equal(rx.timestamp, 7n);
});

test('muted RCP reads but does not answer', async () => {
  const h = harness();
  h.rcp.mute = true;
  await h.send(propGet(1, SPINEL_PROP.NCP_VERSION));
  assert.equal(h.out.length, 0);
  assert.equal(h.rcp.stats.unanswered, 1);
});
