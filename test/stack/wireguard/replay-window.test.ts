import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { REJECT_AFTER_MESSAGES, REPLAY_WINDOW, ReplayWindow } from '../../../src/stack/wireguard/index.ts';

test('replay window: fresh counters accepted once, in any order within the window', () => {
  const w = new ReplayWindow();
  assert.equal(w.accept(0n), true, 'counter 0 is valid');
  assert.equal(w.accept(0n), false, 'replay of 0');
  assert.equal(w.accept(5n), true);
  assert.equal(w.accept(3n), true, 'out of order, inside the window');
  assert.equal(w.accept(3n), false, 'replay of 3');
  assert.equal(w.accept(4n), true);
  assert.equal(w.highest, 5n);
});

test(`replay window is ${REPLAY_WINDOW} counters wide, like Linux and wireguard-go`, () => {
  const w = new ReplayWindow();
  const top = 20_000n;
  assert.equal(w.accept(top), true);
  assert.equal(w.accept(top - BigInt(REPLAY_WINDOW)), true, 'exactly at the window edge');
  assert.equal(w.accept(top - BigInt(REPLAY_WINDOW) - 1n), false, 'one behind the window');
  assert.equal(w.accept(top - 1n), true);
  assert.equal(w.accept(top - 1n), false);
});

test('replay window: a jump past the whole ring clears old bits', () => {
  const w = new ReplayWindow();
  for (let c = 0n; c < 64n; c++) assert.equal(w.accept(c), true, `counter ${c}`);
  // Block 0 is reused for counters 128 × 64 … and must not remember counters 0..63.
  const reused = 128n * 64n;
  assert.equal(w.accept(reused + 5n), true, 'same ring slot as counter 5, different counter');
  assert.equal(w.accept(reused + 6n), true);
  assert.equal(w.accept(reused + 5n), false, 'but its own replay is caught');
  assert.equal(w.accept(10n ** 12n), true, 'huge jump');
  assert.equal(w.accept(10n ** 12n - 1n), true, 'slot cleared by the jump');
});

test('replay window refuses counters at or past REJECT_AFTER_MESSAGES', () => {
  const w = new ReplayWindow();
  assert.equal(w.accept(REJECT_AFTER_MESSAGES), false);
  assert.equal(w.accept(REJECT_AFTER_MESSAGES - 1n), true, 'the last valid counter');
  assert.equal(w.accept(-1n), false);
});

test('replay window agrees with a set-based model (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: 0n, max: 30_000n }), { maxLength: 300 }), (counters) => {
      const w = new ReplayWindow();
      const seen = new Set<bigint>();
      let last = 0n;
      for (const c of counters) {
        const expected = !seen.has(c) && !(c <= last && last - c > BigInt(REPLAY_WINDOW));
        assert.equal(w.accept(c), expected, `counter ${c} after highest ${last}`);
        if (expected) {
          seen.add(c);
          if (c > last) last = c;
        }
      }
    }),
    { numRuns: 300 },
  );
});
