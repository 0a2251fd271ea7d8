import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  nextRetransmissionTimeout,
  PANA_MESH_REQ_RETRANSMISSION,
  PANA_RFC5191_REQ_RETRANSMISSION,
  randomUnitFrom,
  ReceivedRequests,
  Retransmitter,
} from '../../../src/stack/pana/index.ts';
import { seededBytes } from './harness.ts';

test('RT follows RFC 3315 §14 as RFC 5191 §9 uses it: IRT±10 %, doubling±10 %, capped at MRT±10 %', () => {
  const p = PANA_RFC5191_REQ_RETRANSMISSION;
  for (const [rand, factor] of [
    [() => 0, 0.9],
    [() => 0.999999, 1.1],
    [() => 0.5, 1],
  ] as const) {
    const first = nextRetransmissionTimeout(undefined, p, rand);
    assert.ok(Math.abs(first - p.irt * factor) < 1, `first RT ${first} ≈ IRT·${factor}`);
    const second = nextRetransmissionTimeout(first, p, rand);
    assert.ok(Math.abs(second - first * (2 + factor - 1)) < 1, `second RT ${second} = 2·RT + RAND·RT`);
    const capped = nextRetransmissionTimeout(25_000, p, rand);
    assert.ok(Math.abs(capped - p.mrt * factor) < 1, `capped RT ${capped} ≈ MRT·${factor}`);
  }
});

test('Retransmitter resends with growing gaps and gives up after REQ_MRC retransmissions', () => {
  const r = new Retransmitter(PANA_MESH_REQ_RETRANSMISSION, randomUnitFrom(seededBytes('rt')));
  const bytes = Uint8Array.of(1, 2, 3);
  r.start(0, bytes);
  const gaps: number[] = [];
  let last = 0;
  let gaveUp = false;
  for (let i = 0; i < 50 && !gaveUp; i++) {
    const due = r.deadline!;
    assert.equal(r.poll(due - 1).action, 'idle', 'nothing before the deadline');
    const p = r.poll(due);
    if (p.action === 'give-up') gaveUp = true;
    else {
      assert.equal(p.action, 'resend');
      gaps.push(due - last);
      last = due;
    }
  }
  assert.ok(gaveUp, 'gave up');
  assert.equal(gaps.length, PANA_MESH_REQ_RETRANSMISSION.mrc, 'exactly REQ_MRC retransmissions');
  assert.ok(gaps[0]! >= 3_600 && gaps[0]! <= 4_400, `first gap ${gaps[0]} is IRT ± 10 %`);
  assert.ok(gaps[1]! > gaps[0]! * 1.8, 'the gap roughly doubles');
  assert.ok(
    gaps.every((g) => g <= 66_000),
    'no gap beyond MRT + 10 %',
  );
  assert.equal(r.active, false, 'inactive after giving up');
});

test('RFC 5191 §5.1 window: last sequence is a duplicate, last + 1 new (with wrap), others out of window', () => {
  const w = new ReceivedRequests();
  assert.equal(w.classify(0xffffffff), 'new', 'any start');
  w.answered(0xffffffff, Uint8Array.of(9));
  assert.equal(w.classify(0xffffffff), 'duplicate');
  assert.deepEqual(w.cachedAnswer, Uint8Array.of(9));
  assert.equal(w.classify(0), 'new', 'wraps to 0');
  assert.equal(w.classify(5), 'out-of-window');
  assert.equal(w.classify(0xfffffffe), 'out-of-window');
});
