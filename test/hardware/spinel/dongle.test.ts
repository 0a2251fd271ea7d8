import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SPINEL_CAP,
  SPINEL_CMD,
  SPINEL_PROP,
  SPINEL_STATUS,
  decodeStreamRawTxRequest,
  encodeSpinelFrame,
  encodeStreamRawRxFrame,
  hdlcEncode,
  propIs,
} from '../../../src/stack/spinel/index.ts';
import type { SpinelFrame } from '../../../src/stack/spinel/index.ts';
import { settle } from '../../../hardware/spinel/clock.ts';
import { SpinelDongleError } from '../../../hardware/spinel/errors.ts';
import type { ReceivedFrame, TransmitResult } from '../../../hardware/spinel/dongle.ts';
import { formatChannels } from '../../../hardware/spinel/dongle.ts';
import { OQPSK_2450_CHANNELS } from '../../../hardware/virtual-dongle/rcp.ts';
import { CONFIG, makeRig, noise } from './helpers.ts';

const PSDU = Uint8Array.of(0x41, 0xd8, 0x01, 0xcd, 0xab, 0xff, 0xff, 0x01, 0x02, 0x03, 0x00, 0x00);

function propNameOf(f: SpinelFrame): string {
  if (f.kind === 'reset') return 'RESET';
  if (f.kind === 'get') return `GET ${f.prop}`;
  if (f.kind === 'prop') return `${f.command === SPINEL_CMD.PROP_VALUE_SET ? 'SET' : f.command} ${f.prop}`;
  return f.kind;
}

function isCode(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SpinelDongleError, `expected SpinelDongleError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

test('bring-up: sync flag, RESET, identification, then PHY_ENABLED before PHY_CHAN and the rest', async () => {
  const rig = makeRig();
  const info = await rig.dongle.start(CONFIG);

  // One lone 0x7E first, then the RESET frame.
  assert.deepEqual(rig.hostWrites[0], Uint8Array.of(0x7e));
  const P = SPINEL_PROP;
  assert.deepEqual(rig.rcp.requests.map(propNameOf), [
    'RESET',
    `GET ${P.PROTOCOL_VERSION}`,
    `GET ${P.NCP_VERSION}`,
    `GET ${P.CAPS}`,
    `GET ${P.RCP_API_VERSION}`,
    `GET ${P.RCP_MIN_HOST_API_VERSION}`,
    `GET ${P.HWADDR}`,
    `GET ${P.INTERFACE_TYPE}`,
    `GET ${P.PHY_CHAN_SUPPORTED}`,
    `SET ${P.PHY_ENABLED}`,
    `SET ${P.PHY_CHAN}`,
    `SET ${P.MAC_15_4_PANID}`,
    `SET ${P.MAC_15_4_LADDR}`,
    `SET ${P.MAC_RAW_STREAM_ENABLED}`,
  ]);
  // Requests use TIDs 1–15; RESET goes on TID 0 (its answer is the unsolicited boot status).
  for (const r of rig.rcp.requests.slice(1)) assert.ok(r.tid >= 1 && r.tid <= 15, `TID ${r.tid}`);

  assert.deepEqual(info.protocolVersion, { major: 4, minor: 3 });
  assert.match(info.ncpVersion, /VirtualRCP/);
  assert.equal(info.rcpApiVersion, 11);
  assert.equal(info.rcpMinHostApiVersion, 4);
  assert.deepEqual(info.supportedChannels, rig.rcp.supportedChannels);
  assert.deepEqual(info.hardwareAddress, rig.rcp.hardwareAddress);
  assert.equal(info.maxPsduLength, 2047);
  assert.ok(rig.dongle.isReady);

  // The dongle is configured as asked.
  assert.equal(rig.rcp.phyEnabled, true);
  assert.equal(rig.rcp.rawStreamEnabled, true);
  assert.equal(rig.rcp.channel, CONFIG.channel);
  assert.equal(rig.rcp.panId, CONFIG.panId);
  assert.deepEqual(rig.rcp.extendedAddress, CONFIG.extendedAddress);
  assert.equal(rig.radio.receiveChannel, CONFIG.channel);
  assert.equal(rig.clock.pending, 0, 'no timer left armed');
  await rig.dongle.close();
});

test('TIDs cycle 1..15 and never use 0', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  for (let i = 0; i < 40; i++) await rig.dongle.getProp('PHY_CHAN');
  const tids = rig.rcp.requests.slice(1).map((r) => r.tid);
  assert.ok(!tids.includes(0));
  assert.deepEqual(new Set(tids), new Set(Array.from({ length: 15 }, (_, i) => i + 1)));
  await rig.dongle.close();
});

test('a channel outside PHY_CHAN_SUPPORTED is refused before anything is set', async () => {
  const rig = makeRig();
  await assert.rejects(
    rig.dongle.start({ ...CONFIG, channel: 11 }),
    isCode('unsupported', /channel 11 .*33–60/),
  );
  assert.ok(!rig.rcp.requests.some((r) => r.kind === 'prop' && r.prop === SPINEL_PROP.PHY_CHAN));
  assert.equal(rig.rcp.phyEnabled, false);
  await rig.dongle.close();

  const ok = makeRig();
  await ok.dongle.start(CONFIG);
  await assert.rejects(ok.dongle.setChannel(99), isCode('unsupported'));
  await assert.rejects(ok.dongle.transmit(PSDU, { channel: 5 }), isCode('unsupported'));
  await ok.dongle.setChannel(41);
  assert.equal(ok.rcp.channel, 41);
  await ok.dongle.close();
});

test('transmit results: sent (with ACK), no-ack, channel-access-failure, and dongle errors', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  const ackPsdu = Uint8Array.of(0x02, 0x00, 0x01, 0, 0);
  rig.radio.queueOutcome(
    {
      outcome: 'sent',
      ack: { psdu: ackPsdu, rssi: -70, lqi: 180, channel: 40, timestampUs: 123456 },
      framePending: true,
    },
    { outcome: 'no-ack' },
    { outcome: 'channel-busy' },
    { outcome: 'aborted' },
    { outcome: 'sent' },
  );
  const sent = await rig.dongle.transmit(PSDU);
  assert.equal(sent.status, 'sent');
  assert.ok(sent.status === 'sent');
  assert.equal(sent.framePending, true);
  assert.deepEqual(sent.ack?.psdu, ackPsdu);
  assert.equal(sent.ack?.rssi, -70);
  assert.equal(sent.ack?.lqi, 180);
  assert.equal(sent.ack?.timestampUs, 123456);

  assert.deepEqual(await rig.dongle.transmit(PSDU), { status: 'no-ack' });
  assert.deepEqual(await rig.dongle.transmit(PSDU), { status: 'channel-access-failure' });
  const aborted = await rig.dongle.transmit(PSDU);
  assert.equal(aborted.status, 'error');
  assert.ok(aborted.status === 'error' && aborted.spinelStatus === SPINEL_STATUS.DROPPED);
  const noAckRequested = await rig.dongle.transmit(PSDU, { maxRetries: 0, maxCsmaBackoffs: 2, csma: false });
  assert.deepEqual(noAckRequested, { status: 'sent', framePending: false });

  // What reached the radio, and the metadata on the wire: host-secured frames are left alone.
  assert.equal(rig.radio.sent.length, 5);
  assert.deepEqual(rig.radio.sent[0]!.psdu, PSDU);
  assert.equal(rig.radio.sent[0]!.channel, 40);
  assert.deepEqual(rig.radio.sent[4]!.options, { maxCsmaBackoffs: 2, maxFrameRetries: 0, csmaCa: false });
  const txReq = rig.rcp.requests.filter((r) => r.kind === 'prop' && r.prop === SPINEL_PROP.STREAM_RAW);
  assert.equal(txReq.length, 5);
  const first = txReq[0]!;
  assert.ok(first.kind === 'prop');
  const decoded = decodeStreamRawTxRequest(first.value);
  assert.equal(decoded.isSecurityProcessed, true);
  assert.equal(decoded.isHeaderUpdated, true);
  assert.equal(decoded.isARetx, false);
  assert.equal(decoded.maxCsmaBackoffs, 4);
  assert.equal(decoded.maxFrameRetries, 3);
  assert.equal(decoded.rxChannelAfterTxDone, undefined);
  await rig.dongle.close();
});

test('transmit on another channel asks the RCP to return to the receive channel', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  assert.equal((await rig.dongle.transmit(PSDU, { channel: 45 })).status, 'sent');
  assert.equal(rig.radio.sent[0]!.channel, 45);
  assert.equal(rig.rcp.channel, 40);
  assert.equal(rig.radio.receiveChannel, 40);
  await rig.dongle.close();
});

test('transmit before PHY_ENABLED gets INVALID_STATE from the RCP (as OpenThread does)', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  rig.rcp.phyEnabled = false; // as if someone switched the PHY off behind the driver's back
  const r = await rig.dongle.transmit(PSDU);
  assert.deepEqual(r, {
    status: 'error',
    reason: 'dongle reported INVALID_STATE',
    spinelStatus: SPINEL_STATUS.INVALID_STATE,
  });
  await rig.dongle.close();
});

test('one transmit in flight; the others queue in order; a full queue refuses', async () => {
  const rig = makeRig({}, { maxQueuedTransmits: 2 });
  await rig.dongle.start(CONFIG);
  rig.radio.hold();
  const frames = [1, 2, 3].map((n) => Uint8Array.of(0x41, 0x88, n, 0, 0));
  const results: TransmitResult[] = [];
  const done = frames.map((f) => rig.dongle.transmit(f).then((r) => results.push(r)));
  await settle();
  assert.equal(rig.radio.sent.length, 1, 'only one frame handed to the radio');
  assert.equal(rig.dongle.queuedTransmits, 2);
  await assert.rejects(rig.dongle.transmit(PSDU), isCode('queue-full'));
  rig.radio.release();
  rig.radio.hold();
  await settle();
  assert.equal(rig.radio.sent.length, 2);
  rig.radio.release();
  await settle();
  await Promise.all(done);
  assert.deepEqual(
    rig.radio.sent.map((s) => s.psdu[2]),
    [1, 2, 3],
  );
  assert.equal(results.length, 3);
  assert.ok(results.every((r) => r.status === 'sent'));
  // Frame size limit of this (SUN) dongle.
  await assert.rejects(rig.dongle.transmit(new Uint8Array(2048)), isCode('unsupported', /2047/));
  await assert.rejects(rig.dongle.transmit(new Uint8Array(0)), isCode('argument'));
  assert.equal((await rig.dongle.transmit(new Uint8Array(2047))).status, 'sent');
  await rig.dongle.close();
});

test('a 2.4 GHz O-QPSK dongle gets the 127-byte PSDU limit', async () => {
  const rig = makeRig({
    supportedChannels: OQPSK_2450_CHANNELS,
    caps: [
      SPINEL_CAP['802_15_4_2450MHZ_OQPSK'],
      SPINEL_CAP.CONFIG_RADIO,
      SPINEL_CAP.MAC_RAW,
      SPINEL_CAP.RCP_API_VERSION,
    ],
  });
  const info = await rig.dongle.start({ ...CONFIG, channel: 15 });
  assert.equal(info.maxPsduLength, 127);
  assert.equal(info.rcpMinHostApiVersion, undefined);
  await assert.rejects(rig.dongle.transmit(new Uint8Array(128)), isCode('unsupported', /127/));
  assert.equal((await rig.dongle.transmit(new Uint8Array(127))).status, 'sent');
  await rig.dongle.close();
});

test('request timeouts use the injected clock; N in a row make the dongle unresponsive, an answer clears it', async () => {
  const rig = makeRig({}, { requestTimeoutMs: 1000, unresponsiveAfter: 3 });
  await rig.dongle.start(CONFIG);
  const events: string[] = [];
  rig.dongle.on('unresponsive', (i) => events.push(`unresponsive ${i.consecutiveTimeouts}`));
  rig.dongle.on('responsive', () => events.push('responsive'));
  rig.rcp.mute = true;
  for (let i = 0; i < 3; i++) {
    const p = rig.dongle.getProp('PHY_CHAN');
    const check = assert.rejects(p, isCode('timeout', /GET PHY_CHAN/));
    await rig.clock.advance(999);
    assert.deepEqual(events, [], 'nothing before the timeout');
    await rig.clock.advance(1);
    await check;
  }
  assert.deepEqual(events, ['unresponsive 3']);
  rig.rcp.mute = false;
  assert.equal(await rig.dongle.getProp('PHY_CHAN'), 40);
  assert.deepEqual(events, ['unresponsive 3', 'responsive']);
  await rig.dongle.close();
});

test('a transmit without transmit-done ends as an error after the transmit timeout', async () => {
  const rig = makeRig({}, { transmitTimeoutMs: 5000 });
  await rig.dongle.start(CONFIG);
  rig.radio.hold();
  const p = rig.dongle.transmit(PSDU);
  await rig.clock.advance(4999);
  let settled = false;
  void p.then(() => (settled = true));
  await settle();
  assert.equal(settled, false);
  await rig.clock.advance(1);
  const r = await p;
  assert.equal(r.status, 'error');
  assert.ok(r.status === 'error' && /5000 ms/.test(r.reason));
  await rig.dongle.close();
});

test('start() times out when the dongle never sends its boot status', async () => {
  const rig = makeRig({}, { resetTimeoutMs: 3000 });
  rig.rcp.mute = true;
  const p = rig.dongle.start(CONFIG);
  const check = assert.rejects(p, isCode('timeout', /boot status/));
  await rig.clock.advance(3000);
  await check;
  await rig.dongle.close();
});

test('an unexpected RESET: in-flight transmit fails, reset is reported, configuration re-applied', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  await rig.dongle.setChannel(50);
  const events: string[] = [];
  rig.dongle.on('reset', (i) => events.push(`reset ${i.statusName}`));
  rig.dongle.on('reconfigured', () => events.push('reconfigured'));
  rig.radio.hold();
  const inFlight = rig.dongle.transmit(PSDU);
  const queued = rig.dongle.transmit(Uint8Array.of(9, 9, 9));
  await settle();
  rig.rcp.reboot(SPINEL_STATUS.RESET_WATCHDOG);
  assert.equal(rig.rcp.phyEnabled, false);
  const r = await inFlight;
  assert.equal(r.status, 'error');
  assert.ok(r.status === 'error' && /reset/i.test(r.reason));
  await settle();
  assert.deepEqual(events, ['reset RESET_WATCHDOG', 'reconfigured']);
  assert.equal(rig.rcp.phyEnabled, true);
  assert.equal(rig.rcp.rawStreamEnabled, true);
  assert.equal(rig.rcp.channel, 50, 'the channel in force before the reset');
  assert.equal(rig.rcp.panId, CONFIG.panId);
  // The queued frame goes out after re-configuration (the held radio has the stale one too).
  rig.radio.release();
  const q = await queued;
  assert.equal(q.status, 'sent', JSON.stringify(q));
  await rig.dongle.close();
});

test('received frames become frame events; STREAM_DEBUG lines go to the debug log', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  const got: ReceivedFrame[] = [];
  rig.dongle.on('frame', (f) => got.push(f));
  assert.equal(
    rig.radio.inject({ psdu: PSDU, rssi: -81, lqi: 99, channel: 40, timestampUs: 987654321 }),
    true,
  );
  rig.rcp.debug('hello from the RCP\n');
  await settle();
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], {
    psdu: PSDU,
    rssi: -81,
    lqi: 99,
    channel: 40,
    timestampUs: 987654321,
    noiseFloor: -128,
    flags: 0,
  });
  assert.ok(rig.logLines.some((l) => l.includes('"text":"hello from the RCP"')));
  await rig.dongle.close();
});

test('garbage on the line (random bytes between valid frames, bad FCS, bad Spinel, unknown TIDs) is counted and survived', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  const got: ReceivedFrame[] = [];
  rig.dongle.on('frame', (f) => got.push(f));
  const frameBytes = (n: number): Uint8Array =>
    hdlcEncode(
      encodeSpinelFrame(
        propIs(
          0,
          SPINEL_PROP.STREAM_RAW,
          encodeStreamRawRxFrame({
            psdu: Uint8Array.of(0x41, 0x88, n, 0xcd, 0xab, 0, 0),
            rssi: -50,
            noiseFloor: -128,
            flags: 0,
            channel: 40,
            lqi: 255,
            timestamp: BigInt(n),
            receiveError: 0,
            ackKeyId: 0,
            ackFrameCounter: 0,
          }),
        ),
      ),
    );
  const badFcs = frameBytes(200);
  badFcs[badFcs.length - 3]! ^= 0x01;
  const special: Uint8Array[] = [
    badFcs,
    hdlcEncode(Uint8Array.of(0x00, 0x06, 0x00)), // header flag bits not 0b10
    hdlcEncode(
      encodeSpinelFrame({ kind: 'other', iid: 0, tid: 0, command: 0x55, payload: Uint8Array.of(1) }),
    ),
    hdlcEncode(encodeSpinelFrame(propIs(9, SPINEL_PROP.PHY_CHAN, Uint8Array.of(40)))), // nobody asked on TID 9
    hdlcEncode(encodeSpinelFrame(propIs(0, SPINEL_PROP.LAST_STATUS, Uint8Array.of(0x80)))), // truncated packed uint
    hdlcEncode(new Uint8Array(5000)), // oversize
  ];
  const N = 50;
  for (let i = 0; i < N; i++) {
    rig.rcp.writeRaw(noise(i + 1, 1 + ((i * 37) % 97)));
    rig.rcp.writeRaw(frameBytes(i));
    if (i < special.length) rig.rcp.writeRaw(special[i]!);
  }
  await settle();
  assert.equal(got.length, N, 'every valid frame between the noise arrives');
  assert.deepEqual(
    got.map((f) => f.psdu[2]),
    Array.from({ length: N }, (_, i) => i),
  );
  const drops = rig.dongle.drops.snapshot();
  assert.ok((drops['hdlc-bad-fcs'] ?? 0) >= 1, JSON.stringify(drops));
  assert.equal(drops['hdlc-oversize'], 1);
  assert.ok((drops['undecodable-spinel'] ?? 0) >= 1);
  assert.ok((drops['unknown-command'] ?? 0) >= 1);
  assert.equal(drops['unknown-tid'], 1);
  assert.ok((drops['undecodable-status'] ?? 0) >= 1);
  // Each kind logged once only.
  const warnLines = rig.logLines.filter((l) => l.includes('"dropped input"'));
  assert.equal(warnLines.length, Object.keys(drops).length);
  // Still working.
  assert.equal(await rig.dongle.getProp('PHY_CHAN'), 40);
  assert.equal((await rig.dongle.transmit(PSDU)).status, 'sent');
  await rig.dongle.close();
});

test('incompatible dongles are refused with a clear message', async () => {
  const cases: [string, Parameters<typeof makeRig>[0], RegExp][] = [
    ['protocol major 5', { protocolVersion: { major: 5, minor: 0 } }, /protocol 5\.0.*major version 4/],
    [
      'RCP API too old',
      { rcpApiVersion: 3 },
      /RCP API version 3 is older than the minimum this host supports \(4\)/,
    ],
    [
      'no RCP API capability',
      { caps: [SPINEL_CAP.CONFIG_RADIO, SPINEL_CAP.MAC_RAW] },
      /does not report an RCP API version/,
    ],
    [
      'needs a newer host',
      { rcpMinHostApiVersion: 12 },
      /requires a host with RCP API ≥ 12; FieldRoot implements 11/,
    ],
    ['no raw MAC', { caps: [SPINEL_CAP.CONFIG_RADIO, SPINEL_CAP.RCP_API_VERSION] }, /CAP_MAC_RAW/],
  ];
  for (const [name, options, message] of cases) {
    const rig = makeRig(options);
    await assert.rejects(rig.dongle.start(CONFIG), isCode('incompatible', message), name);
    assert.equal(rig.rcp.phyEnabled, false, `${name}: nothing configured`);
    await rig.dongle.close();
  }
  // A newer minor version is accepted.
  const newer = makeRig({ protocolVersion: { major: 4, minor: 9 } });
  assert.equal((await newer.dongle.start(CONFIG)).protocolVersion.minor, 9);
  await newer.dongle.close();
});

test('link loss fails pending work and reports closed with the error', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  const closed: (Error | undefined)[] = [];
  rig.dongle.on('closed', (e) => closed.push(e));
  rig.radio.hold();
  const tx = rig.dongle.transmit(PSDU);
  const get = rig.dongle.getProp('PHY_CHAN');
  rig.hostLink.unplug();
  assert.equal((await tx).status, 'error');
  await assert.rejects(get, isCode('closed'));
  assert.equal(closed.length, 1);
  assert.match(closed[0]!.message, /disconnected/);
  await assert.rejects(rig.dongle.transmit(PSDU), isCode('closed'));
  assert.equal(rig.clock.pending, 0);
  await rig.dongle.close();
});

test('LAST_STATUS errors to a SET are reported with the Spinel status', async () => {
  const rig = makeRig();
  await rig.dongle.start();
  // PHY still off after start() without config: PHY_CHAN is refused by the RCP.
  await assert.rejects(rig.dongle.setProp('PHY_CHAN', 40), (e: unknown) => {
    assert.ok(e instanceof SpinelDongleError);
    assert.equal(e.code, 'status');
    assert.equal(e.spinelStatus, SPINEL_STATUS.INVALID_STATE);
    assert.match(e.message, /INVALID_STATE/);
    return true;
  });
  // Read-only property.
  await assert.rejects(rig.dongle.setProp('CAPS', []), isCode('status', /INVALID_COMMAND_FOR_PROP/));
  await rig.dongle.close();
});

test('formatChannels summarises ranges', () => {
  assert.equal(formatChannels([]), 'none');
  assert.equal(formatChannels([11, 12, 13, 15, 20, 21]), '11–13, 15, 20–21');
  assert.equal(formatChannels([5]), '5');
});

test('the RCP status frame for NO_ACK is 11 00 00 on the request TID', async () => {
  const rig = makeRig();
  await rig.dongle.start(CONFIG);
  const seen: Uint8Array[] = [];
  const write = rig.dongleLink.write.bind(rig.dongleLink);
  rig.dongleLink.write = (b: Uint8Array): void => {
    seen.push(b.slice());
    write(b);
  };
  rig.radio.queueOutcome({ outcome: 'no-ack' });
  await rig.dongle.transmit(PSDU);
  const txTid = rig.rcp.requests.at(-1)!.tid;
  const expected = hdlcEncode(
    encodeSpinelFrame(propIs(txTid, SPINEL_PROP.LAST_STATUS, Uint8Array.of(0x11, 0x00, 0x00))),
  );
  assert.ok(seen.some((b) => Buffer.from(b).equals(Buffer.from(expected))));
  await rig.dongle.close();
});
