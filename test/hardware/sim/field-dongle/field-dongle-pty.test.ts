/**
 * The virtual dongle in a simulated field behind a REAL pseudo-terminal (socat), opened with the
 * real `serialport` by the Spinel driver exactly as a USB dongle: frames exchanged with simulated
 * meters both ways, and the scenario's dongle-unplug failure survived by the same supervisor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealTimeScheduler } from '../../../../hardware/sim/clock/index.ts';
import { FieldDongle } from '../../../../hardware/sim/field-dongle/index.ts';
import { immAckBuilder } from '../../../../hardware/sim/medium/index.ts';
import { SimulatedField } from '../../../../hardware/sim/node/index.ts';
import { loadScenario, type Scenario } from '../../../../hardware/sim/scenario/index.ts';
import { DongleSupervisor } from '../../../../hardware/ports/supervisor.ts';
import { SpinelDongle, type ReceivedFrame } from '../../../../hardware/spinel/dongle.ts';
import { SerialPortLink } from '../../../../hardware/spinel/serialport-link.ts';
import { createNodeProvider } from '../../../../src/stack/crypto/index.ts';
import { createLogger, memorySink } from '../../../../src/log/index.ts';
import { encodeFrame, FRAME_TYPE, FRAME_VERSION } from '../../../../src/stack/ieee802154/index.ts';
import { waitFor } from '../../spinel/helpers.ts';
import { HostSide, oneHopMeters } from './host-side.ts';

const quiet = () => createLogger('test.field-dongle', { level: 'error', sink: memorySink() });
const buildAck = immAckBuilder(4);

async function rig(t: { after(fn: () => unknown): void }, scenario: Scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-field-dongle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const scheduler = new RealTimeScheduler();
  t.after(() => scheduler.stop());
  const field = new SimulatedField({
    scenario,
    scheduler,
    crypto: createNodeProvider(),
    medium: { buildAck },
    timing: { beaconCollectMs: 300 },
  });
  const host = new HostSide(scenario);
  const dongle = await FieldDongle.start({
    site: field,
    scheduler,
    hostPath: join(dir, 'ttyFieldRoot'),
    hardwareAddress: host.euiBytes,
    radio: { buildAck, sensitivityDbm: scenario.radio.sensitivityDbm },
  });
  t.after(() => dongle.close());
  const config = {
    channel: scenario.radio.channel,
    panId: scenario.radio.panId,
    extendedAddress: host.euiBytes,
  };
  return { scheduler, field, host, dongle, config };
}

test('through a real pty: a beacon from the host reaches a simulated meter, and its PANA answer comes up with RSSI, LQI and channel', async (t) => {
  const scenario = loadScenario('isolated-area-20');
  const r = await rig(t, scenario);
  const meter = r.field.meter(oneHopMeters(scenario)[0]!)!;
  meter.powerOn();

  const link = await SerialPortLink.open(r.dongle.hostPath, { baudRate: 460_800 });
  const driver = new SpinelDongle({ link, logger: quiet() });
  t.after(() => driver.close());
  const info = await driver.start(r.config);
  assert.deepEqual(
    info.hardwareAddress,
    r.host.euiBytes,
    "the dongle's HWADDR is the scenario tablet's EUI-64",
  );
  assert.ok(info.supportedChannels.includes(scenario.radio.channel), 'the scenario channel is supported');
  const frames: ReceivedFrame[] = [];
  driver.on('frame', (f) => frames.push(f));

  const sent = await driver.transmit(r.host.beaconPsdu());
  assert.equal(sent.status, 'sent');
  await waitFor(() => meter.counters.beaconsHeard > 0, "the meter's radio receiving the beacon");
  await waitFor(() => frames.length > 0, 'a frame from the meter at the host', 8000);

  const f = frames[0]!;
  assert.equal(f.channel, scenario.radio.channel);
  assert.ok(f.rssi < 0 && f.rssi >= scenario.radio.sensitivityDbm, `RSSI ${f.rssi} dBm`);
  assert.ok(f.lqi > 0, `LQI ${f.lqi}`);
  const d = r.host.receive(f.psdu, f.rssi, f.lqi);
  assert.equal(d.kind, 'datagram', d.kind === 'dropped' ? d.reason : d.kind);
  if (d.kind !== 'datagram') return;
  assert.equal(d.link.source, meter.eui64);
  assert.ok(
    d.packet.upper.kind === 'udp' && d.packet.upper.datagram.destinationPort === 716,
    'PANA to the relay',
  );

  // Unicast back to the meter: the meter's ACK comes up in the transmit-done.
  const back = await driver.transmit(unicastTo(meter.eui64, r.host.eui64, scenario.radio.panId));
  assert.equal(back.status, 'sent', JSON.stringify(back));
  assert.ok(back.status === 'sent' && back.ack && back.ack.psdu.length === 7, 'Imm-Ack reported');
});

test("the scenario's dongle-unplug: the pty disappears and returns at the same path; the same supervisor reconnects and frames flow again", async (t) => {
  const base = loadScenario('isolated-area-20');
  const scenario: Scenario = { ...base, failures: [{ kind: 'dongle-unplug', at: 0.8, duration: 0.8 }] };
  const r = await rig(t, scenario);
  const meter = r.field.meter(oneHopMeters(scenario)[0]!)!;
  meter.powerOn();

  const states: string[] = [];
  const sup = new DongleSupervisor({
    target: { kind: 'path', path: r.dongle.hostPath },
    config: r.config,
    logger: quiet(),
    dongleOptions: { logger: quiet() },
    initialBackoffMs: 50,
    maxBackoffMs: 300,
  });
  t.after(() => sup.stop());
  sup.on('state', (s) => states.push(s));
  sup.start();
  await waitFor(() => sup.state === 'connected', 'first connection');
  const first = sup.dongle!;
  const errors: unknown[] = [];
  assert.equal(
    r.dongle.scheduleFailures(scenario.failures, r.scheduler.now(), (e) => errors.push(e)),
    1,
  );

  await waitFor(() => !existsSync(r.dongle.hostPath), 'the pty path to disappear', 5000);
  await waitFor(() => sup.state === 'reconnecting', 'the supervisor noticing the unplug');
  await waitFor(() => sup.state === 'connected' && existsSync(r.dongle.hostPath), 'the reconnection', 10_000);
  assert.deepEqual(errors, []);
  assert.notEqual(sup.dongle, first, 'a new driver on the replugged dongle');
  assert.deepEqual(
    states.filter((s) => s === 'connected' || s === 'unplugged'),
    ['connected', 'unplugged', 'connected'],
  );
  assert.deepEqual(
    r.dongle.plugHistory.map(([, e]) => e),
    ['plugged', 'unplugged', 'plugged'],
  );

  const heardBefore = meter.counters.beaconsHeard;
  const res = await sup.dongle!.transmit(r.host.beaconPsdu());
  assert.equal(res.status, 'sent');
  await waitFor(
    () => meter.counters.beaconsHeard > heardBefore,
    'the meter hearing the beacon after the replug',
  );
});

/** A minimal unsecured data frame from the tablet to `dst`, asking for an ACK. */
function unicastTo(dst: bigint, src: bigint, panId: number): Uint8Array {
  return encodeFrame(
    {
      frameType: FRAME_TYPE.DATA,
      frameVersion: FRAME_VERSION.IEEE_802_15_4_2006,
      framePending: false,
      ackRequest: true,
      sequenceNumber: 0x42,
      dstPanId: panId,
      dstAddress: dst,
      srcAddress: src,
      payload: Uint8Array.of(0),
    },
    { fcsLength: 4 },
  );
}
