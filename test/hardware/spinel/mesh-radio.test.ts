// The Spinel dongle as the field engine's radio: the adapter configures each dongle it is given
// (channel, PAN ID, the dongle's own EUI-64), carries frames both ways while attached, and
// survives a dongle going away and another arriving without the engine noticing more than the
// attachment events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import {
  DEFAULT_MESH_MAX_PSDU,
  SpinelMeshRadio,
  type MeshRadioAttachment,
} from '../../../hardware/spinel/mesh-radio.ts';
import { makeRig, waitFor } from './helpers.ts';

const CHANNEL = 33;
const PAN_ID = 0x7a3c;
const PSDU = Uint8Array.of(0x41, 0xd8, 0x01, 0x3c, 0x7a, 0xff, 0xff, 0, 0, 0, 0);

test('attached: configured from the dongle, frames both ways; detached: errors, silence; reattached: works again', async () => {
  const radio = new SpinelMeshRadio({ channel: CHANNEL, panId: PAN_ID });
  const changes: MeshRadioAttachment[] = [];
  radio.onAttachment((c) => changes.push(c));
  const received: { rssiDbm: number; lqi: number; length: number }[] = [];
  radio.onFrame((f) => received.push({ rssiDbm: f.rssiDbm, lqi: f.lqi, length: f.psdu.length }));

  assert.equal(await radio.transmit(PSDU, { ackRequest: false }), 'error', 'no dongle yet');
  assert.equal(radio.extendedAddress, undefined);

  const first = makeRig();
  const info = await first.dongle.start();
  await radio.attach(first.dongle, info, 'first');
  assert.equal(first.radio.receiveChannel, CHANNEL, 'the dongle listens on the configured channel');
  assert.deepEqual(first.dongle.currentConfig?.extendedAddress, info.hardwareAddress);
  assert.equal(
    radio.extendedAddress,
    BigInt(`0x${Buffer.from(info.hardwareAddress).toString('hex')}`),
    'the mesh identity is the dongle’s EUI-64',
  );
  assert.equal(first.dongle.maxPsduLength, 2047, 'the virtual RCP takes SUN-size frames');
  assert.equal(radio.maxPsdu, DEFAULT_MESH_MAX_PSDU, 'the mesh fragments to what the meters take');
  assert.equal(
    new SpinelMeshRadio({ channel: CHANNEL, panId: PAN_ID, maxPsdu: 4000 }).maxPsdu,
    127,
    'never above what the dongle takes (127 until one reports)',
  );
  first.radio.queueOutcome({ outcome: 'no-ack' });
  assert.equal(await radio.transmit(PSDU, { ackRequest: true }), 'no-ack');
  assert.equal(await radio.transmit(PSDU, { ackRequest: false }), 'sent');
  first.radio.inject({ psdu: PSDU, rssi: -81, lqi: 99, channel: CHANNEL, timestampUs: 1 });
  await waitFor(() => received.length === 1, 'a received frame');
  assert.deepEqual(received[0], { rssiDbm: -81, lqi: 99, length: PSDU.length });

  radio.detach('unplugged');
  assert.equal(radio.attached, false);
  assert.equal(await radio.transmit(PSDU, { ackRequest: false }), 'error');
  first.radio.inject({ psdu: PSDU, rssi: -60, lqi: 200, channel: CHANNEL, timestampUs: 2 });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(received.length, 1, 'nothing from a detached dongle');

  const second = makeRig();
  await radio.attach(second.dongle, await second.dongle.start(), 'second');
  assert.equal(await radio.transmit(PSDU, { ackRequest: false }), 'sent');
  assert.equal(second.radio.sent.length, 1, 'frames go to the new dongle');
  assert.deepEqual(
    changes.map((c) => c.attached),
    [true, false, true],
  );
  const firstChange = changes[0];
  assert.ok(
    firstChange?.attached === true &&
      typeof firstChange.firmware === 'string' &&
      firstChange.firmware.length > 0,
    `the attachment names the firmware the dongle reported: ${JSON.stringify(firstChange)}`,
  );
});

test('follow(): attaches on connected, detaches on unplugged and stopped', async () => {
  const radio = new SpinelMeshRadio({ channel: CHANNEL, panId: PAN_ID });
  const source = new EventEmitter();
  radio.follow(source);
  const rig = makeRig();
  const info = await rig.dongle.start();
  source.emit('connected', { path: '/dev/ttyACM0', dongle: rig.dongle, info });
  await waitFor(() => radio.attached, 'attachment');
  source.emit('unplugged', { path: '/dev/ttyACM0', reason: 'device disconnected' });
  assert.equal(radio.attached, false);
  source.emit('connected', { path: '/dev/ttyACM0', dongle: rig.dongle, info });
  await waitFor(() => radio.attached, 'reattachment');
  source.emit('stopped');
  assert.equal(radio.attached, false);
});

test('untuned: a dongle waits unconfigured until tune() names the job’s radio; tune() retunes an attached one', async () => {
  const radio = new SpinelMeshRadio({});
  const changes: MeshRadioAttachment[] = [];
  radio.onAttachment((c) => changes.push(c));
  const rig = makeRig();
  const info = await rig.dongle.start();
  await radio.attach(rig.dongle, info, 'early');
  assert.equal(radio.attached, false, 'not attached before the job says where the mesh runs');
  const configBefore = rig.dongle.currentConfig;
  assert.equal(configBefore, undefined, 'the dongle was not configured');
  assert.equal(await radio.transmit(PSDU, { ackRequest: false }), 'error', 'nothing is sent untuned');
  assert.equal(changes.length, 0, 'no attachment announced');

  await radio.tune({ channel: CHANNEL, panId: PAN_ID });
  assert.equal(radio.attached, true, 'the waiting dongle is attached once tuned');
  assert.equal(rig.radio.receiveChannel, CHANNEL);
  assert.equal(rig.dongle.currentConfig?.panId, PAN_ID);
  assert.deepEqual(radio.tuned, { channel: CHANNEL, panId: PAN_ID });

  await radio.tune({ channel: 40, panId: 0x0abc });
  assert.equal(rig.radio.receiveChannel, 40, 'an attached dongle is retuned at once');
  assert.equal(rig.dongle.currentConfig?.panId, 0x0abc);
  assert.deepEqual(
    changes.map((c) => c.attached),
    [true],
    'retuning does not detach the dongle',
  );
  assert.throws(() => new SpinelMeshRadio({ channel: CHANNEL }), /both channel and panId/);
});
