import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keypair, KeypairSet, REJECT_AFTER_TIME } from '../../../src/stack/wireguard/index.ts';

let nextIndex = 1;
const keypair = (isInitiator: boolean, created = 0) =>
  new Keypair(
    {
      sendKey: new Uint8Array(32).fill(1),
      receiveKey: new Uint8Array(32).fill(2),
      localIndex: nextIndex++,
      remoteIndex: 99,
      isInitiator,
    },
    created,
  );

test('initiator keypairs become current at once; the old current becomes previous', () => {
  const set = new KeypairSet();
  const a = keypair(true);
  const b = keypair(true);
  const c = keypair(true);
  assert.deepEqual(set.install(a), []);
  assert.deepEqual(set.install(b), []);
  assert.deepEqual([set.previous, set.current], [a, b]);
  assert.deepEqual(set.install(c), [a], 'the oldest is dropped');
});

test('responder keypairs wait as next until confirmed by received data', () => {
  const set = new KeypairSet();
  const old = keypair(true);
  set.install(old);
  const fresh = keypair(false);
  set.install(fresh);
  assert.deepEqual([set.previous, set.current, set.next], [null, old, fresh], 'current still sends');
  assert.equal(set.confirm(old).confirmed, false, 'data under current confirms nothing');
  assert.equal(set.confirm(fresh).confirmed, true);
  assert.deepEqual([set.previous, set.current, set.next], [old, fresh, null]);
});

test('an initiator keypair installed over an unconfirmed next demotes that next to previous', () => {
  const set = new KeypairSet();
  const current = keypair(true);
  set.install(current);
  const parked = keypair(false);
  set.install(parked);
  const mine = keypair(true);
  assert.deepEqual(set.install(mine), [current]);
  assert.deepEqual([set.previous, set.current, set.next], [parked, mine, null]);
});

test('keypair counters, expiry and wipe', () => {
  const k = keypair(true, 1_000);
  assert.equal(k.takeSendCounter(), 0n);
  assert.equal(k.takeSendCounter(), 1n);
  assert.equal(k.canSend(1_000 + REJECT_AFTER_TIME - 1), true);
  assert.equal(k.canSend(1_000 + REJECT_AFTER_TIME), false, 'expired at REJECT_AFTER_TIME');
  k.skipCounters((1n << 64n) - (1n << 13n) - 1n);
  assert.equal(k.takeSendCounter(), null, 'no counter past REJECT_AFTER_MESSAGES');
  k.wipe();
  assert.ok(k.sendKey.every((b) => b === 0) && k.receiveKey.every((b) => b === 0), 'keys zeroed');
});
