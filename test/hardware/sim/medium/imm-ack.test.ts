/** Real Imm-Ack frames on air: what a sniffer node hears when the medium is given an ACK builder. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { immAckBuilder } from '../../../../hardware/sim/medium/index.ts';
import type { ReceivedFrame } from '../../../../hardware/sim/medium/index.ts';
import {
  FRAME_TYPE,
  FRAME_VERSION,
  checkFcs,
  decodeFrame,
  encodeFrame,
} from '../../../../src/stack/ieee802154/index.ts';
import { makeField } from './field.ts';

function data(seq: number): Uint8Array {
  return encodeFrame(
    {
      frameType: FRAME_TYPE.DATA,
      frameVersion: FRAME_VERSION.IEEE_802_15_4_2006,
      framePending: false,
      ackRequest: true,
      sequenceNumber: seq,
      dstPanId: 0x7a3c,
      dstAddress: 0x02fe510000000002n,
      srcAddress: 0x02fe510000000001n,
      payload: Uint8Array.of(1, 2, 3, 4),
    },
    { fcsLength: 4 },
  );
}

test('immAckBuilder: FC of an ACK, the acknowledged sequence number and a valid FCS', () => {
  for (const fcs of [2, 4] as const) {
    const ack = immAckBuilder(fcs)(data(0xc3));
    assert.equal(ack.length, 3 + fcs);
    assert.ok(checkFcs(ack, fcs), `FCS-${8 * fcs} is valid`);
    const f = decodeFrame(ack, { fcsLength: fcs });
    assert.equal(f.frameType, FRAME_TYPE.ACKNOWLEDGMENT);
    assert.equal(f.sequenceNumber, 0xc3);
    assert.equal(f.ackRequest, false);
  }
});

test('the medium puts the built ACK on air, the length it models (7 octets), and a sniffer hears it', () => {
  const f = makeField(
    [
      { x: 0, y: 0 },
      { x: 100, y: 0 },
      { x: 50, y: 10, addressFilter: false, autoAck: false, receiveAcks: true },
    ],
    { buildAck: immAckBuilder(4) },
  );
  let acked = false;
  f.macs[0]!.transmit({ psdu: data(0x11), ackRequest: true, destination: 1 }, (r) => (acked = r.acked));
  f.scheduler.runUntilIdle();
  assert.equal(acked, true, 'the sender got its ACK');
  const heard: ReceivedFrame[] = f.inbox[2]!;
  assert.equal(heard.length, 2, 'the sniffer heard the data frame and the ACK');
  const ack = heard[1]!;
  assert.equal(ack.psdu.length, f.medium.ackPsduOctets);
  assert.equal(decodeFrame(ack.psdu, { fcsLength: 4 }).sequenceNumber, 0x11);
  assert.ok(ack.timestampUs > heard[0]!.timestampUs, 'after the data frame');
});
