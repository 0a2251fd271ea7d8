import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualScheduler } from '../../../../hardware/sim/clock/index.ts';
import type { MediumClient, ReceivedFrame } from '../../../../hardware/sim/medium/index.ts';
import { RadioMedium } from '../../../../hardware/sim/medium/index.ts';
import { Random } from '../../../../hardware/sim/random.ts';
import { psdu } from './field.ts';

/** A bare client that records what the medium tells it (no MAC). */
function probe(): MediumClient & { frames: ReceivedFrame[]; ended: number[] } {
  const frames: ReceivedFrame[] = [];
  const ended: number[] = [];
  return {
    frames,
    ended,
    frameReceived: (f) => frames.push(f),
    transmissionEnded: (serial) => ended.push(serial),
    ackReceived: () => undefined,
  };
}

function bareMedium(
  positions: [number, number][],
  config: ConstructorParameters<typeof RadioMedium>[1] = {},
): { s: VirtualScheduler; m: RadioMedium; probes: ReturnType<typeof probe>[] } {
  const s = new VirtualScheduler();
  const m = new RadioMedium(s, { seed: 5, shadowingSigmaDb: 0, ...config });
  const probes = positions.map(([x, y]) => {
    const id = m.addNode({ x, y });
    const p = probe();
    m.attach(id, p);
    return p;
  });
  return { s, m, probes };
}

test('a received frame carries the PSDU, link RSSI, LQI, channel and SFD timestamp', () => {
  const { s, m, probes } = bareMedium([
    [0, 0],
    [100, 0],
  ]);
  s.runUntil(3);
  const sent = psdu(0xab, 127);
  const serial = m.transmit(0, { psdu: sent, ackRequest: false, destination: 'broadcast' });
  sent[1] = 0xff; // the medium copied the PSDU when it went on air
  s.runUntilIdle();
  assert.deepEqual(probes[0]!.ended, [serial]);
  const [frame, ...more] = probes[1]!.frames;
  assert.equal(more.length, 0);
  assert.equal(frame!.psdu[0], 0xab);
  assert.equal(frame!.psdu[1], 0);
  assert.equal(frame!.psdu.length, 127);
  const budget = m.linkBudget(0, 1);
  assert.ok(Math.abs(frame!.rssiDbm - (13 - 101.72)) < 0.01, 'RSSI = 13 dBm − PL(100 m)');
  assert.equal(frame!.rssiDbm, budget.rssiDbm);
  assert.equal(frame!.lqi, Math.round(((frame!.rssiDbm + 105) / 20) * 255));
  assert.equal(frame!.channel, 0);
  assert.equal(frame!.timestampUs, 3000 + 800);
  assert.equal(s.now(), 3 + 11.12);
  assert.equal(probes[0]!.frames.length, 0, 'a sender does not hear itself');
});

test('neighbour lists hold exactly the nodes that can decode the sender', () => {
  const s = new VirtualScheduler();
  const m = new RadioMedium(s, { seed: 11 });
  const r = new Random('positions');
  for (let i = 0; i < 80; i++) m.addNode({ x: r.uniformRange(0, 1500), y: r.uniformRange(0, 1500) });
  for (let a = 0; a < m.nodeCount; a++) {
    const expected: number[] = [];
    for (let b = 0; b < m.nodeCount; b++) if (b !== a && m.linkBudget(a, b).audible) expected.push(b);
    assert.deepEqual(
      [...m.neighbours(a)].sort((x, y) => x - y),
      expected,
    );
  }
});

test('shadowing is per link, symmetric, seeded and about 6 dB wide', () => {
  const s = new VirtualScheduler();
  const build = (seed: number): RadioMedium => {
    const m = new RadioMedium(s, { seed });
    for (let i = 0; i < 40; i++) m.addNode({ x: i * 10, y: 0 });
    return m;
  };
  const m = build(3);
  const again = build(3);
  const other = build(4);
  const values: number[] = [];
  for (let a = 0; a < 40; a++) {
    for (let b = a + 1; b < 40; b++) {
      const sh = m.linkBudget(a, b).shadowingDb;
      assert.equal(m.linkBudget(b, a).shadowingDb, sh);
      assert.equal(again.linkBudget(a, b).shadowingDb, sh);
      values.push(sh);
    }
  }
  assert.notEqual(other.linkBudget(0, 1).shadowingDb, m.linkBudget(0, 1).shadowingDb);
  const mean = values.reduce((x, y) => x + y, 0) / values.length;
  const sd = Math.sqrt(values.reduce((x, y) => x + (y - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(mean) < 0.6, `mean ${mean}`);
  assert.ok(sd > 5.4 && sd < 6.6, `sd ${sd}`);
});

test('delivery falls monotonically with distance, in the model and in counted frames', () => {
  const distances = [50, 150, 250, 290, 310, 330, 400];
  let lastModel = 1.0000001;
  let lastCount = Number.POSITIVE_INFINITY;
  for (const d of distances) {
    const { s, m, probes } = bareMedium(
      [
        [0, 0],
        [d, 0],
      ],
      { seed: d },
    );
    const model = m.linkBudget(0, 1).audible ? m.linkBudget(0, 1).successProbability(100) : 0;
    assert.ok(model <= lastModel, `model at ${d} m`);
    lastModel = model;
    for (let i = 0; i < 300; i++) {
      m.transmit(0, { psdu: psdu(1, 100), ackRequest: false, destination: 'broadcast' });
      s.runUntilIdle();
    }
    const count = probes[1]!.frames.length;
    assert.ok(count <= lastCount, `${count} frames at ${d} m after ${lastCount} nearer`);
    lastCount = count;
    if (d <= 250) assert.equal(count, 300, `${d} m is a clean link`);
    if (d >= 400) assert.equal(count, 0, `${d} m is out of range`);
  }
});

test('half duplex: a node cannot receive while it transmits', () => {
  const { s, m, probes } = bareMedium([
    [0, 0],
    [50, 0],
  ]);
  m.transmit(0, { psdu: psdu(1, 100), ackRequest: false, destination: 'broadcast' });
  s.runFor(1);
  m.transmit(1, { psdu: psdu(2, 20), ackRequest: false, destination: 'broadcast' });
  s.runUntilIdle();
  assert.equal(probes[1]!.frames.length, 0, 'node 1 abandoned node 0 frame to transmit');
  assert.equal(probes[0]!.frames.length, 0, 'node 0 was transmitting during node 1 frame');
  assert.equal(m.statsOf(1).lostHalfDuplex, 1);
  assert.equal(m.statsOf(0).lostHalfDuplex, 1);
});

test('a node cannot start a second transmission while one is on air', () => {
  const { m } = bareMedium([[0, 0]]);
  m.transmit(0, { psdu: psdu(1), ackRequest: false, destination: 'broadcast' });
  assert.throws(() => m.transmit(0, { psdu: psdu(1), ackRequest: false, destination: 'broadcast' }));
  assert.throws(() =>
    m.transmit(0, { psdu: new Uint8Array(0), ackRequest: false, destination: 'broadcast' }),
  );
});

test('capture: the stronger of two overlapping frames survives when 10 dB above the other', () => {
  // Receiver at 0; strong sender at 40 m, weak at 200 m: about 24 dB apart.
  const run = (order: 'strong-first' | 'weak-first', offsetMs: number, captureDb = 10): number[] => {
    const { s, m, probes } = bareMedium(
      [
        [0, 0],
        [40, 0],
        [-200, 0],
      ],
      { captureThresholdDb: captureDb },
    );
    const strong = (): number =>
      m.transmit(1, { psdu: psdu(0x55, 80), ackRequest: false, destination: 'broadcast' });
    const weak = (): number =>
      m.transmit(2, { psdu: psdu(0x77, 80), ackRequest: false, destination: 'broadcast' });
    const [first, second] = order === 'strong-first' ? [strong, weak] : [weak, strong];
    first();
    s.runFor(offsetMs);
    second();
    s.runUntilIdle();
    return probes[0]!.frames.map((f) => f.psdu[0]!);
  };
  assert.deepEqual(run('strong-first', 0), [0x55], 'simultaneous: syncs on the stronger');
  assert.deepEqual(run('weak-first', 0), [0x55], 'simultaneous, other call order: same');
  assert.deepEqual(run('strong-first', 2), [0x55], 'a weak frame starting later cannot break it');
  assert.deepEqual(run('weak-first', 2), [], 'a strong frame arriving mid-frame ruins the weak one');
  assert.deepEqual(run('strong-first', 2, 30), [], 'with a 30 dB capture threshold both are lost');
});

test('frames on different channels neither reach nor disturb each other', () => {
  const s = new VirtualScheduler();
  const m = new RadioMedium(s, { seed: 1, shadowingSigmaDb: 0 });
  const a = m.addNode({ x: 0, y: 0, channel: 33 });
  const b = m.addNode({ x: 50, y: 0, channel: 33 });
  const c = m.addNode({ x: 60, y: 0, channel: 35 });
  const pb = probe();
  const pc = probe();
  m.attach(b, pb);
  m.attach(c, pc);
  m.transmit(a, { psdu: psdu(1), ackRequest: false, destination: 'broadcast' });
  assert.equal(m.isChannelClear(c, -1), true, 'energy on 33 is not seen on 35');
  assert.equal(m.isChannelClear(b, -1), false);
  m.transmit(c, { psdu: psdu(2), ackRequest: false, destination: 'broadcast' });
  s.runUntilIdle();
  assert.deepEqual(
    pb.frames.map((f) => f.psdu[0]),
    [1],
  );
  assert.equal(pc.frames.length, 0);
  m.setChannel(c, 33);
  m.transmit(a, { psdu: psdu(3), ackRequest: false, destination: 'broadcast' });
  s.runUntilIdle();
  assert.deepEqual(
    pc.frames.map((f) => f.channel),
    [33],
  );
});

test('extra loss rate drops about that share of otherwise clean frames', () => {
  const { s, m, probes } = bareMedium(
    [
      [0, 0],
      [50, 0],
    ],
    { extraLossRate: 0.3 },
  );
  for (let i = 0; i < 2000; i++) {
    m.transmit(0, { psdu: psdu(1), ackRequest: false, destination: 'broadcast' });
    s.runUntilIdle();
  }
  const got = probes[1]!.frames.length;
  assert.ok(got > 1300 && got < 1500, `${got} of 2000`);
  assert.equal(m.statsOf(1).lostInjected, 2000 - got);
  assert.equal(m.statsOf(1).lostNoise, 0);
});

test('Gilbert–Elliott bursts lose frames in runs', () => {
  const { s, m, probes } = bareMedium(
    [
      [0, 0],
      [50, 0],
    ],
    { burstLoss: { goodToBad: 0.02, badToGood: 0.2, lossInBad: 1, lossInGood: 0 } },
  );
  const received: boolean[] = [];
  for (let i = 0; i < 3000; i++) {
    const before = probes[1]!.frames.length;
    m.transmit(0, { psdu: psdu(1), ackRequest: false, destination: 'broadcast' });
    s.runUntilIdle();
    received.push(probes[1]!.frames.length > before);
  }
  const losses = received.filter((r) => !r).length;
  let runs = 0;
  for (let i = 0; i < received.length; i++) if (!received[i] && (i === 0 || received[i - 1])) runs++;
  // Stationary bad share 0.02 / 0.22 ≈ 9 %; mean burst 1 / 0.2 = 5 frames.
  assert.ok(losses > 150 && losses < 400, `${losses} losses`);
  assert.ok(losses / runs > 3, `mean burst ${losses / runs}`);
});
