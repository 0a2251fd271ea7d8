/**
 * The grant's verification key, handed over by the worker: the read results wait for it; a wrong
 * key is refused with the reason and asked for again; an expired one is replaced by a new grant;
 * the demo may approve automatically and says by whom.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrantView } from '../../../src/contract/app/index.ts';
import { GrantHandOver, HeadendMeterData, MAX_KEY_ATTEMPTS } from '../../../src/field/app-engine/index.ts';
import { HeadendApiError } from '../../../src/field/headend-client/index.ts';

const NOW = Date.parse('2026-11-20T03:00:00Z');
const RIGHT_KEY = 'R'.repeat(43);
const WRONG_KEY = 'W'.repeat(43);
const EXPIRED_KEY = 'E'.repeat(43);
const ACCESS_KEY = 'A'.repeat(43);

function denied(reason: string): HeadendApiError {
  return new HeadendApiError(403, 'forbidden', `access denied: ${reason}`, reason);
}

/** A head-end that accepts RIGHT_KEY only, and numbers the grants it is asked for. */
function headend() {
  const exchanged: string[] = [];
  let grants = 0;
  const client = {
    call: ((name: string, input: { body?: { verificationKey?: string } }) => {
      if (name === 'requestGrant') return Promise.resolve({ id: `gr-${String(++grants)}` });
      if (name === 'exchangeGrant') {
        const key = input.body?.verificationKey ?? '';
        exchanged.push(key);
        if (key === RIGHT_KEY)
          return Promise.resolve({ grantId: 'gr-x', accessKey: ACCESS_KEY, expiresAtMs: NOW + 3_600_000 });
        return Promise.reject(denied(key === EXPIRED_KEY ? 'expired' : 'unknown-key'));
      }
      return Promise.reject(new Error(`unexpected ${name}`));
    }) as never,
  };
  return { client, exchanged, grants: () => grants };
}

/** Resolves once the hand-over shows a grant waiting (the read results asked for a key). */
function waitingFor(hand: GrantHandOver, grantId: string): Promise<GrantView> {
  return new Promise((resolve) => {
    const check = (v: GrantView) => {
      if (v.state === 'waiting' && v.grantId === grantId) {
        off();
        resolve(v);
      }
    };
    const off = hand.onChange(check);
    check(hand.current());
  });
}

test('a wrong key is refused with a reason and asked for again; the right key gives access', async () => {
  const h = headend();
  const hand = new GrantHandOver();
  const views: GrantView[] = [];
  hand.onChange((v) => {
    assert.ok(GrantView.safeParse(v).success, `the view keeps the contract: ${JSON.stringify(v)}`);
    views.push(v);
  });
  const data = new HeadendMeterData({ client: h.client, approval: hand, clock: () => NOW });
  const begun = data.begin('wo-1', 'tok');

  assert.deepEqual(await waitingFor(hand, 'gr-1'), {
    state: 'waiting',
    grantId: 'gr-1',
    workOrderId: 'wo-1',
    error: null,
  });
  assert.equal(data.hasAccess, false, 'no access while the grant waits');

  assert.deepEqual(await hand.submit('not a key'), { ok: false, error: 'malformed' });
  assert.deepEqual(h.exchanged, [], 'a malformed key is not sent to the head-end');

  assert.deepEqual(await hand.submit(WRONG_KEY), { ok: false, error: 'wrong-key' });
  assert.deepEqual(hand.current(), {
    state: 'waiting',
    grantId: 'gr-1',
    workOrderId: 'wo-1',
    error: 'wrong-key',
  });

  assert.deepEqual(
    await hand.submit(`  ${RIGHT_KEY}\n`),
    { ok: true },
    'blanks around a typed key are ignored',
  );
  await begun;
  assert.equal(data.hasAccess, true);
  assert.deepEqual(h.exchanged, [WRONG_KEY, RIGHT_KEY]);
  assert.deepEqual(hand.current(), {
    state: 'approved',
    grantId: 'gr-1',
    workOrderId: 'wo-1',
    demoApprovedBy: null,
  });
  assert.ok(
    views.every((v) => !JSON.stringify(v).includes(RIGHT_KEY) && !JSON.stringify(v).includes(WRONG_KEY)),
    'no view ever carries a key',
  );
});

test('an expired key cannot be approved again: a new grant is requested and shown to quote', async () => {
  const h = headend();
  const hand = new GrantHandOver();
  const data = new HeadendMeterData({ client: h.client, approval: hand, clock: () => NOW });
  const begun = data.begin('wo-1', 'tok');
  await waitingFor(hand, 'gr-1');
  assert.deepEqual(await hand.submit(EXPIRED_KEY), { ok: false, error: 'expired' });
  assert.deepEqual(await waitingFor(hand, 'gr-2'), {
    state: 'waiting',
    grantId: 'gr-2',
    workOrderId: 'wo-1',
    error: 'expired',
  });
  assert.deepEqual(await hand.submit(RIGHT_KEY), { ok: true });
  await begun;
  assert.equal(h.grants(), 2);
});

test('after too many refused keys the job stops asking and says so', async () => {
  const h = headend();
  const hand = new GrantHandOver();
  const data = new HeadendMeterData({ client: h.client, approval: hand, clock: () => NOW });
  const begun = data.begin('wo-1', 'tok');
  await waitingFor(hand, 'gr-1');
  for (let i = 1; i < MAX_KEY_ATTEMPTS; i++)
    assert.deepEqual(await hand.submit(WRONG_KEY), { ok: false, error: 'wrong-key' });
  assert.deepEqual(await hand.submit(WRONG_KEY), { ok: false, error: 'too-many-attempts' });
  await assert.rejects(begun, /too many verification keys/);
  assert.equal(data.hasAccess, false);
  assert.deepEqual(await hand.submit(RIGHT_KEY), { ok: false, error: 'no-grant' }, 'nothing waits any more');
});

test('the job ending while the grant waits stops the wait and clears the view', async () => {
  const h = headend();
  const hand = new GrantHandOver();
  const data = new HeadendMeterData({ client: h.client, approval: hand, clock: () => NOW });
  const begun = data.begin('wo-1', 'tok');
  await waitingFor(hand, 'gr-1');
  hand.reset();
  await assert.rejects(begun, /the job ended/);
  assert.deepEqual(hand.current(), { state: 'none' });
  assert.deepEqual(h.exchanged, []);
});

test('the demo approves automatically and the view names the demo supervisor', async () => {
  const h = headend();
  const asked: string[] = [];
  const hand = new GrantHandOver({
    supervisor: 'demo-supervisor',
    fetchKey: ({ grantId }) => {
      asked.push(grantId);
      return Promise.resolve(RIGHT_KEY);
    },
  });
  const data = new HeadendMeterData({ client: h.client, approval: hand, clock: () => NOW });
  await data.begin('wo-1', 'tok');
  assert.deepEqual(asked, ['gr-1']);
  assert.deepEqual(hand.current(), {
    state: 'approved',
    grantId: 'gr-1',
    workOrderId: 'wo-1',
    demoApprovedBy: 'demo-supervisor',
  });
});
