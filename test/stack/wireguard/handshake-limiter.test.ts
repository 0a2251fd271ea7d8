import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EndpointRateLimiter,
  HANDSHAKE_BURST_PER_SOURCE,
  LoadDetector,
  UNDER_LOAD_AFTER_TIME,
} from '../../../src/stack/wireguard/index.ts';

test('load detector: above the threshold within a second, and for a second after', () => {
  const d = new LoadDetector(3);
  assert.deepEqual([d.record(0), d.record(10), d.record(20)], [false, false, false]);
  assert.equal(d.record(30), true, 'the fourth within a second');
  assert.equal(d.isUnderLoad(30 + UNDER_LOAD_AFTER_TIME - 1), true, 'still under load');
  assert.equal(d.isUnderLoad(30 + UNDER_LOAD_AFTER_TIME), false, 'load over');
  assert.equal(d.record(5_000), false, 'old arrivals forgotten');
});

test('load detector with threshold 0 is always under load', () => {
  assert.equal(new LoadDetector(0).record(0), true);
});

test('per-source limiter: burst, then 20 per second, sources independent', () => {
  const l = new EndpointRateLimiter();
  const burst = Array.from({ length: 8 }, () => l.allow(0, 'a'));
  assert.equal(burst.filter(Boolean).length, HANDSHAKE_BURST_PER_SOURCE, 'burst of 5');
  assert.equal(l.allow(0, 'b'), true, 'another source is not affected');
  assert.equal(l.allow(49, 'a'), false, 'a token takes 50 ms');
  assert.equal(l.allow(50, 'a'), true);
  assert.equal(l.allow(5_000, 'c'), true);
  assert.equal(l.size, 1, 'idle buckets are forgotten');
});
