// The transmit queue's callback path (radio.ts transmitWithCallback), used on the virtual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TransmitQueue,
  type MeshRadio,
  type TransmitReport,
  type TransmitStatus,
} from '../../../src/field/mesh/index.ts';

class CallbackRadio implements MeshRadio {
  readonly maxPsdu = 127;
  readonly fcsLength = 2 as const;
  readonly sent: number[] = [];
  readonly pending: (() => void)[] = [];
  promiseCalls = 0;
  constructor(private readonly outcome: (first: number) => TransmitStatus) {}
  transmit(): Promise<TransmitStatus> {
    this.promiseCalls++;
    return Promise.resolve('error');
  }
  transmitWithCallback(
    psdu: Uint8Array,
    _o: { ackRequest: boolean },
    done: (s: TransmitStatus) => void,
  ): void {
    this.sent.push(psdu[0]!);
    // Completes later, like a radio on a scheduler: one frame in flight at a time.
    this.pending.push(() => done(this.outcome(psdu[0]!)));
  }
  onFrame(): () => void {
    return () => undefined;
  }
  /** Completes frames one by one; bounded. */
  drain(): void {
    for (let i = 0; i < 100 && this.pending.length > 0; i++) this.pending.shift()!();
  }
}

test('callback radio: frames go one at a time in order, a lost fragment ends its datagram', () => {
  const radio = new CallbackRadio((first) => (first === 2 ? 'no-ack' : 'sent'));
  const reports: TransmitReport[] = [];
  const q = new TransmitQueue(radio, 8, (r) => reports.push(r));
  assert.equal(
    q.enqueue({ psdus: [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)], ackRequest: true }),
    true,
  );
  assert.equal(q.enqueue({ psdus: [Uint8Array.of(4)], ackRequest: false }), true);
  assert.deepEqual(radio.sent, [1], 'one frame in flight');
  radio.drain();
  assert.deepEqual(radio.sent, [1, 2, 4], 'frame 3 never went: its datagram lost frame 2');
  assert.deepEqual(
    reports.map((r) => [r.status, r.statuses]),
    [
      ['no-ack', ['sent', 'no-ack']],
      ['sent', ['sent']],
    ],
  );
  assert.equal(radio.promiseCalls, 0, 'the promise path is not used when the callback exists');
});

test('callback radio: stop() empties the queue and nothing more is handed to the radio', () => {
  const radio = new CallbackRadio(() => 'sent');
  const q = new TransmitQueue(radio, 8, () => undefined);
  q.enqueue({ psdus: [Uint8Array.of(1)], ackRequest: false });
  q.enqueue({ psdus: [Uint8Array.of(2)], ackRequest: false });
  q.stop();
  radio.drain();
  assert.deepEqual(radio.sent, [1], 'only the frame already in flight');
  assert.equal(q.enqueue({ psdus: [Uint8Array.of(3)], ackRequest: false }), false, 'a stopped queue refuses');
});
