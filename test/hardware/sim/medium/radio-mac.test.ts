import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransmitResult } from '../../../../hardware/sim/medium/index.ts';
import { makeField, psdu } from './field.ts';

function collect(): { results: TransmitResult[]; done: (r: TransmitResult) => void } {
  const results: TransmitResult[] = [];
  return { results, done: (r) => results.push(r) };
}

test('hidden terminals: A and C cannot sense each other and collide at B between them', () => {
  // A—B and B—C are 250 m (≈ −102.7 dBm, decodable, below the −80 dBm CCA level); A—C is out of range.
  const f = makeField([
    { x: 0, y: 0 },
    { x: 250, y: 0 },
    { x: 500, y: 0 },
  ]);
  assert.equal(f.medium.linkBudget(0, 1).audible, true);
  assert.equal(f.medium.linkBudget(0, 1).senses, false);
  assert.equal(f.medium.linkBudget(0, 2).audible, false);
  const { results, done } = collect();
  for (let round = 0; round < 20; round++) {
    // 200-octet frames last 17 ms, longer than the widest first back-off (7 × 1.128 ms): they overlap.
    f.macs[0]!.transmit({ psdu: psdu(0xa, 200), ackRequest: false, destination: 'broadcast' }, done);
    f.macs[2]!.transmit({ psdu: psdu(0xc, 200), ackRequest: false, destination: 'broadcast' }, done);
    f.scheduler.runFor(200);
  }
  assert.equal(results.length, 40);
  assert.ok(
    results.every((r) => r.status === 'sent' && r.busyCcas === 0),
    'every frame was sent without a busy CCA',
  );
  assert.equal(f.inbox[1]!.length, 0, 'B decoded nothing');
  assert.equal(f.medium.statsOf(1).lostCollision, 40);
});

test('mutually audible senders defer to each other through CSMA-CA and both get through', () => {
  const f = makeField([
    { x: 0, y: 0 },
    { x: 25, y: 0 },
    { x: 50, y: 0 },
  ]);
  assert.equal(f.medium.linkBudget(0, 2).senses, true);
  const { results, done } = collect();
  for (let round = 0; round < 20; round++) {
    f.macs[0]!.transmit({ psdu: psdu(0xa, 200), ackRequest: false, destination: 'broadcast' }, done);
    f.macs[2]!.transmit({ psdu: psdu(0xc, 200), ackRequest: false, destination: 'broadcast' }, done);
    f.scheduler.runFor(400);
  }
  const received = f.inbox[1]!.length;
  // Only a draw of the same back-off slot by both (1 in 8) makes them collide.
  assert.ok(received >= 30, `B decoded ${received} of 40`);
  assert.ok(f.medium.statsOf(0).ccaBusy + f.medium.statsOf(2).ccaBusy >= 10, 'someone deferred');
  assert.ok(
    results.every((r) => r.status === 'sent'),
    'every frame was sent',
  );
});

test('CSMA-CA defers while the channel is busy and sends once it is clear', () => {
  const f = makeField(
    [
      { x: 0, y: 0 },
      { x: 30, y: 0 },
      { x: 15, y: 10 },
    ],
    {},
    { macMinBe: 0 }, // first back-off is 0: the first CCA lands inside the other frame
  );
  f.medium.transmit(0, { psdu: psdu(0xa, 60), ackRequest: false, destination: 'broadcast' }); // 5.76 ms
  const { results, done } = collect();
  f.macs[1]!.transmit({ psdu: psdu(0xb, 60), ackRequest: false, destination: 'broadcast' }, done);
  f.scheduler.runUntilIdle();
  assert.equal(results[0]!.status, 'sent');
  assert.ok(results[0]!.busyCcas >= 1, 'the first CCA found the channel busy');
  assert.deepEqual(
    f.inbox[2]!.map((fr) => fr.psdu[0]),
    [0xa, 0xb],
    'both frames reached the third node, one after the other',
  );
  assert.ok(f.inbox[2]![1]!.timestampUs - 800 >= 5760, 'the deferred frame started after the first ended');
});

test('CSMA-CA gives up with channel-access-failure after macMaxCsmaBackoffs busy CCAs', () => {
  const f = makeField([
    { x: 0, y: 0 },
    { x: 30, y: 0 },
  ]);
  // A 2047-octet frame occupies the channel for 164.7 ms; back-offs 7+15+31+31+31 units are 129.7 ms at most.
  f.medium.transmit(0, { psdu: psdu(0xa, 2047), ackRequest: false, destination: 'broadcast' });
  const { results, done } = collect();
  f.macs[1]!.transmit({ psdu: psdu(0xb), ackRequest: false, destination: 'broadcast' }, done);
  f.scheduler.runUntilIdle();
  assert.deepEqual(results, [{ status: 'channel-access-failure', acked: false, attempts: 0, busyCcas: 5 }]);
  assert.equal(f.medium.statsOf(1).channelAccessFailures, 1);
  assert.equal(f.medium.statsOf(1).framesSent, 0);
});

test('unicast with ACK request: the receiver acknowledges and the sender learns it', () => {
  const f = makeField([
    { x: 0, y: 0 },
    { x: 100, y: 0 },
    { x: 50, y: 40 },
  ]);
  const { results, done } = collect();
  f.macs[0]!.transmit({ psdu: psdu(0xa, 80), ackRequest: true, destination: 1 }, done);
  f.scheduler.runUntilIdle();
  assert.equal(results.length, 1);
  assert.equal(results[0]!.status, 'sent');
  assert.equal(results[0]!.acked, true);
  assert.equal(results[0]!.attempts, 1);
  assert.equal(results[0]!.ackRssiDbm, f.medium.linkBudget(1, 0).rssiDbm);
  assert.equal(f.inbox[1]!.length, 1);
  assert.equal(f.inbox[2]!.length, 0, 'the third node filters a unicast frame for node 1');
  assert.equal(f.medium.statsOf(2).framesOverheard, 1);
  assert.equal(f.medium.statsOf(1).acksSent, 1);
  assert.equal(f.medium.statsOf(0).acksReceived, 1);
  assert.equal(f.inbox[0]!.length, 0, 'ACKs are not delivered as frames by default');
});

test('no ACK: the frame is retried macMaxFrameRetries times, then reported as no-ack', () => {
  const f = makeField([
    { x: 0, y: 0 },
    { x: 100, y: 0, autoAck: false },
  ]);
  const { results, done } = collect();
  f.macs[0]!.transmit({ psdu: psdu(0xa, 80), ackRequest: true, destination: 1 }, done);
  f.scheduler.runUntilIdle();
  assert.equal(results[0]!.status, 'no-ack');
  assert.equal(results[0]!.attempts, 4);
  assert.equal(
    f.inbox[1]!.length,
    4,
    'each retransmission reached the receiver (duplicates are the MAC above’s job)',
  );
  const st = f.medium.statsOf(0);
  assert.equal(st.retries, 3);
  assert.equal(st.noAck, 1);
  assert.equal(st.framesSent, 4);
});

test('a lost ACK is recovered by a retry; per-frame retry limit is honoured', () => {
  const f = makeField([
    { x: 0, y: 0 },
    { x: 100, y: 0 },
  ]);
  const { results, done } = collect();
  // Receiver off for the first attempt: no ACK; back on for the retry.
  f.medium.setReceiverEnabled(1, false);
  f.macs[0]!.transmit({ psdu: psdu(0xa, 80), ackRequest: true, destination: 1 }, done);
  f.scheduler.runUntil(12);
  f.medium.setReceiverEnabled(1, true);
  f.scheduler.runUntilIdle();
  assert.equal(results[0]!.status, 'sent');
  assert.equal(results[0]!.acked, true);
  assert.equal(results[0]!.attempts, 2);
  assert.equal(f.medium.statsOf(1).lostRxOff, 1);

  f.medium.setReceiverEnabled(1, false);
  f.macs[0]!.transmit({ psdu: psdu(0xa, 80), ackRequest: true, destination: 1, maxFrameRetries: 0 }, done);
  f.scheduler.runUntilIdle();
  assert.equal(results[1]!.status, 'no-ack');
  assert.equal(results[1]!.attempts, 1);
});

test('broadcasts are never acknowledged even if the ACK-request flag is set', () => {
  const f = makeField([
    { x: 0, y: 0 },
    { x: 100, y: 0 },
  ]);
  const { results, done } = collect();
  f.macs[0]!.transmit({ psdu: psdu(0xa), ackRequest: true, destination: 'broadcast' }, done);
  f.scheduler.runUntilIdle();
  assert.deepEqual(results, [{ status: 'sent', acked: false, attempts: 1, busyCcas: 0 }]);
  assert.equal(f.medium.statsOf(1).acksSent, 0);
});

test('duty cycle: frames beyond the hourly budget are refused, then allowed again', () => {
  // Budget of 50 ms per hour: four 127-octet frames (11.12 ms each) fit, the fifth does not.
  const rules = { maxTransmissionUs: 400_000, budgetUs: 50_000, windowUs: 3_600_000_000 };
  const f = makeField(
    [
      { x: 0, y: 0 },
      { x: 100, y: 0 },
    ],
    { dutyCycle: rules },
  );
  const { results, done } = collect();
  for (let i = 0; i < 6; i++)
    f.macs[0]!.transmit({ psdu: psdu(i, 127), ackRequest: false, destination: 'broadcast' }, done);
  f.scheduler.runUntilIdle();
  assert.deepEqual(
    results.map((r) => r.status),
    ['sent', 'sent', 'sent', 'sent', 'duty-cycle-limited', 'duty-cycle-limited'],
  );
  assert.equal(f.medium.statsOf(0).dutyCycleLimited, 2);
  assert.equal(f.medium.dutyCycle(0).usedUs(f.medium.nowUs()), 4 * 11_120);
  assert.equal(f.inbox[1]!.length, 4);

  f.scheduler.runFor(3_610_000); // a little over an hour later the budget is back
  f.macs[0]!.transmit({ psdu: psdu(9, 127), ackRequest: false, destination: 'broadcast' }, done);
  f.scheduler.runUntilIdle();
  assert.equal(results[6]!.status, 'sent');
});

test('duty cycle: a single transmission longer than the per-frame limit is refused', () => {
  const f = makeField([{ x: 0, y: 0 }], {
    dutyCycle: { maxTransmissionUs: 10_000, budgetUs: 360_000_000, windowUs: 3_600_000_000 },
  });
  const { results, done } = collect();
  f.macs[0]!.transmit({ psdu: psdu(1, 127), ackRequest: false, destination: 'broadcast' }, done);
  f.macs[0]!.transmit({ psdu: psdu(1, 100), ackRequest: false, destination: 'broadcast' }, done);
  f.scheduler.runUntilIdle();
  assert.deepEqual(
    results.map((r) => r.status),
    ['duty-cycle-limited', 'sent'],
  );
});

test('frames are sent one at a time in order; a full queue refuses asynchronously', () => {
  const f = makeField(
    [
      { x: 0, y: 0 },
      { x: 100, y: 0 },
    ],
    {},
    { queueCapacity: 2 },
  );
  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    f.macs[0]!.transmit({ psdu: psdu(i), ackRequest: false, destination: 'broadcast' }, (r) =>
      order.push(`${i}:${r.status}`),
    );
  }
  assert.deepEqual(order, [], 'no callback runs inside transmit()');
  f.scheduler.runUntilIdle();
  assert.deepEqual(order, ['3:queue-full', '0:sent', '1:sent', '2:sent']);
  assert.deepEqual(
    f.inbox[1]!.map((fr) => fr.psdu[0]),
    [0, 1, 2],
  );
});

/** A 30-node field with unicast and broadcast traffic; returns what every node decoded, in order. */
function fieldTrace(seed: number): string[] {
  const positions = Array.from({ length: 30 }, (_, i) => ({ x: (i % 6) * 120, y: Math.floor(i / 6) * 120 }));
  const f = makeField(positions, { seed, shadowingSigmaDb: 6 });
  const out: string[] = [];
  f.inbox.forEach((_, id) => {
    f.macs[id]!.onReceive = (fr) =>
      out.push(`${fr.timestampUs} ${id}<-${fr.psdu[0]} ${fr.rssiDbm.toFixed(2)}`);
  });
  const random = f.medium.random.fork('traffic');
  for (let k = 0; k < 300; k++) {
    const from = random.int(0, 29);
    const at = random.uniformRange(0, 2000);
    const unicast = random.chance(0.5);
    f.scheduler.scheduleAt(at, () =>
      f.macs[from]!.transmit(
        { psdu: psdu(from, 90), ackRequest: unicast, destination: unicast ? (from + 1) % 30 : 'broadcast' },
        (r) => out.push(`${f.scheduler.now()} ${from} ${r.status} ${r.attempts}`),
      ),
    );
  }
  f.scheduler.runUntilIdle();
  return out;
}

test('a whole field run is identical for the same seed and differs for another', () => {
  const a = fieldTrace(77);
  assert.ok(a.length > 500, `${a.length} trace lines`);
  assert.deepEqual(fieldTrace(77), a);
  assert.notDeepEqual(fieldTrace(78), a);
});
