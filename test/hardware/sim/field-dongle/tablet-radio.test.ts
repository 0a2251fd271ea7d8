/**
 * The tablet's radio in a simulated field, on the virtual clock: what the host transmits goes on
 * air to real simulated meters with typed results, and what the meters send comes back up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualScheduler } from '../../../../hardware/sim/clock/index.ts';
import { TabletRadio, airAddressing } from '../../../../hardware/sim/field-dongle/index.ts';
import { immAckBuilder, type DutyCycleRules } from '../../../../hardware/sim/medium/index.ts';
import { SimulatedField } from '../../../../hardware/sim/node/index.ts';
import { loadScenario } from '../../../../hardware/sim/scenario/index.ts';
import type { RadioRxFrame, RadioTxResult } from '../../../../hardware/virtual-dongle/radio-port.ts';
import { createNodeProvider } from '../../../../src/stack/crypto/index.ts';
import { encodeFrame, FRAME_TYPE, FRAME_VERSION } from '../../../../src/stack/ieee802154/index.ts';
import { HostSide, oneHopMeters } from './host-side.ts';

const TX = { maxCsmaBackoffs: 4, maxFrameRetries: 3, csmaCa: true };
const buildAck = immAckBuilder(4);

function dataFrame(dst: bigint | number, seq: number, ackRequest: boolean): Uint8Array {
  return encodeFrame(
    {
      frameType: FRAME_TYPE.DATA,
      frameVersion: FRAME_VERSION.IEEE_802_15_4_2006,
      framePending: false,
      ackRequest,
      sequenceNumber: seq,
      dstPanId: 0x1234,
      dstAddress: dst,
      srcAddress: 0x0102030405060708n,
      payload: Uint8Array.of(1, 2, 3),
    },
    { fcsLength: 4 },
  );
}

function fieldRig(dutyCycle?: DutyCycleRules) {
  const scenario = loadScenario('isolated-area-20');
  const scheduler = new VirtualScheduler();
  const field = new SimulatedField({
    scenario,
    scheduler,
    crypto: createNodeProvider(),
    medium: { buildAck, ...(dutyCycle ? { dutyCycle } : {}) },
    timing: { beaconCollectMs: 500 },
  });
  const radio = new TabletRadio(field, scheduler, {
    buildAck,
    sensitivityDbm: scenario.radio.sensitivityDbm,
  });
  const host = new HostSide(scenario);
  radio.setExtendedAddress(host.euiBytes);
  radio.setReceiveChannel(scenario.radio.channel);
  return { scenario, scheduler, field, radio, host };
}

function transmit(
  rig: ReturnType<typeof fieldRig>,
  psdu: Uint8Array,
  options = TX,
): () => RadioTxResult | undefined {
  let result: RadioTxResult | undefined;
  rig.radio.transmit(psdu, rig.scenario.radio.channel, (r) => (result = r), options);
  return () => result;
}

test('airAddressing reads broadcast, known and unknown destinations and the ACK request', () => {
  const directory = new Map<bigint, number>([[0x02fe510000000001n, 7]]);
  assert.deepEqual(airAddressing(dataFrame(0xffff, 1, false), directory), {
    ackRequest: false,
    destination: 'broadcast',
  });
  assert.deepEqual(airAddressing(dataFrame(0x02fe510000000001n, 1, true), directory), {
    ackRequest: true,
    destination: 7,
  });
  const unknown = airAddressing(dataFrame(0x02fe5100000000ffn, 1, true), directory);
  assert.equal(unknown.ackRequest, true);
  assert.notEqual(unknown.destination, 'broadcast');
  assert.ok(![...directory.values()].includes(unknown.destination as number), 'nobody owns it');
  // A short unicast address is nobody's in the field (meters use extended addresses).
  assert.notEqual(airAddressing(dataFrame(0x0001, 1, true), directory).destination, 'broadcast');
  // Garbage still goes on air, for nobody, with the AR bit as set.
  assert.deepEqual(airAddressing(Uint8Array.of(0x21, 0xff), directory).ackRequest, true);
});

test('a join beacon from the host reaches the meters in range; a meter answers the tablet with PANA', () => {
  const rig = fieldRig();
  const near = oneHopMeters(rig.scenario);
  assert.ok(near.length > 0, 'isolated-area-20 has meters one hop from the tablet');
  const meter = rig.field.meter(near[0]!)!;
  meter.powerOn();
  const heard: RadioRxFrame[] = [];
  rig.radio.onReceive((f) => heard.push(f));

  const done = transmit(rig, rig.host.beaconPsdu());
  rig.scheduler.runFor(100);
  assert.deepEqual(done(), { outcome: 'sent' }, 'a broadcast is sent without ACK');
  assert.equal(meter.counters.beaconsHeard, 1, "the meter's radio received the beacon");

  // After beaconCollectMs the meter picks the tablet as relay and starts PANA towards it.
  rig.scheduler.runFor(2_000);
  assert.ok(heard.length > 0, 'the tablet received frames from the meter');
  const f = heard[0]!;
  assert.equal(f.channel, rig.scenario.radio.channel);
  assert.ok(f.rssi < 0 && f.rssi >= rig.scenario.radio.sensitivityDbm, `RSSI ${f.rssi} dBm is plausible`);
  assert.ok(f.lqi > 0 && f.lqi <= 255, `LQI ${f.lqi}`);
  const r = rig.host.receive(f.psdu, f.rssi, f.lqi);
  assert.equal(r.kind, 'datagram', r.kind === 'dropped' ? `dropped: ${r.reason} ${r.detail ?? ''}` : r.kind);
  if (r.kind !== 'datagram') return;
  assert.equal(r.link.source, meter.eui64, 'from the meter');
  assert.equal(r.link.secured, false, 'PANA join traffic is unsecured at the MAC');
  assert.equal(r.packet.upper.kind, 'udp');
  if (r.packet.upper.kind === 'udp') assert.equal(r.packet.upper.datagram.destinationPort, 716);
});

test('unicast results: ACKed by a meter (Imm-Ack with its sequence number), no-ack for nobody, channel-busy under the duty-cycle limit', () => {
  // An hourly budget of 1 s of airtime, so that the limit is reached in a few frames.
  const rig = fieldRig({ maxTransmissionUs: 400_000, budgetUs: 1_000_000, windowUs: 3_600_000_000 });
  const meter = rig.field.meter(oneHopMeters(rig.scenario)[0]!)!;
  meter.powerOn();

  const acked = transmit(rig, dataFrame(meter.eui64, 0x5a, true));
  rig.scheduler.runFor(200);
  const a = acked();
  assert.equal(a?.outcome, 'sent', JSON.stringify(a));
  if (a?.outcome !== 'sent') return;
  assert.ok(a.ack, 'ACK frame reported');
  assert.equal(a.ack.psdu[2], 0x5a, 'the ACK carries the frame sequence number');
  assert.equal(a.ack.psdu[0]! & 0x07, FRAME_TYPE.ACKNOWLEDGMENT);
  assert.equal(a.ack.psdu.length, 7);

  const lost = transmit(rig, dataFrame(0x02fe5100000000ffn, 1, true));
  rig.scheduler.runFor(500);
  assert.deepEqual(lost(), { outcome: 'no-ack' });
  assert.equal(rig.field.medium.statsOf(rig.radio.nodeId).retries, 3, 'retried macMaxFrameRetries times');

  // Exhaust the hourly airtime budget with 2000-octet frames (~160 ms each): the next is refused.
  const big = new Uint8Array(2000);
  big.set(dataFrame(0xffff, 2, false).subarray(0, 11));
  let refused: RadioTxResult | undefined;
  for (let i = 0; i < 20 && refused === undefined; i++) {
    const r = transmit(rig, big, { ...TX, csmaCa: false });
    rig.scheduler.runFor(300);
    if (r()?.outcome !== 'sent') refused = r();
  }
  assert.deepEqual(
    refused,
    { outcome: 'channel-busy' },
    'the duty-cycle limit shows as a channel-access failure',
  );
  assert.ok(
    rig.field.medium.statsOf(rig.radio.nodeId).dutyCycleLimited >= 1,
    'counted as duty-cycle limited',
  );
});

test('with the receiver off (PHY disabled) the tablet hears nothing', () => {
  const rig = fieldRig();
  const heard: RadioRxFrame[] = [];
  rig.radio.onReceive((f) => heard.push(f));
  rig.radio.setReceiveChannel(null);
  const meter = rig.field.meter(oneHopMeters(rig.scenario)[0]!)!;
  meter.powerOn();
  transmit(rig, rig.host.beaconPsdu());
  rig.scheduler.runFor(3_000);
  assert.equal(meter.counters.beaconsHeard, 1, 'the meter heard the beacon');
  assert.equal(heard.length, 0);
  assert.ok(
    rig.field.medium.statsOf(rig.radio.nodeId).lostRxOff > 0,
    'frames arrived while the receiver was off',
  );
});
