import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccountService,
  INVALID_CREDENTIALS_MESSAGE,
  SignInError,
  hashSecretToken,
} from '../../../src/headend/access/index.ts';
import { MINUTE, TEST_SCRYPT, harness, seededRandom } from './fixtures/harness.ts';

const PASSWORD = 'field-worker-pass-1';

async function signInError(p: Promise<unknown>): Promise<SignInError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SignInError) return err;
    throw err;
  }
  assert.fail('sign-in should have failed');
}

test('sign-in returns an opaque 32-byte token that authenticates until sign-out', async (t) => {
  const h = harness(t);
  const account = await h.accounts.createAccount('Aiko', PASSWORD, 'field-worker', null);
  const s = await h.accounts.signIn('  aiko ', PASSWORD, '192.0.2.10');
  assert.match(s.token, /^[A-Za-z0-9_-]{43}$/, '32 bytes base64url');
  assert.equal(s.account.id, account.id);
  assert.equal((await h.accounts.authenticate(s.token))?.account.id, account.id);
  assert.equal(await h.accounts.signOut(s.token), true);
  assert.equal(await h.accounts.authenticate(s.token), undefined, 'signed-out token no longer works');
  assert.equal(await h.accounts.signOut(s.token), false);
  assert.equal(await h.accounts.authenticate('x'.repeat(43)), undefined, 'a random token is unknown');
});

test('an unknown name and a wrong password get the very same error', async (t) => {
  const h = harness(t);
  await h.accounts.createAccount('aiko', PASSWORD, 'field-worker', null);
  const wrong = await signInError(h.accounts.signIn('aiko', 'wrong password!!', '192.0.2.10'));
  const unknown = await signInError(h.accounts.signIn('nobody', PASSWORD, '192.0.2.10'));
  assert.equal(wrong.code, 'invalid-credentials');
  assert.equal(wrong.message, INVALID_CREDENTIALS_MESSAGE);
  assert.deepEqual([unknown.code, unknown.message], [wrong.code, wrong.message]);
});

test('five failures lock the account out for 15 minutes, then it can sign in again', async (t) => {
  const h = harness(t);
  await h.accounts.createAccount('aiko', PASSWORD, 'field-worker', null);
  for (let i = 0; i < 5; i++) {
    h.now += MINUTE;
    const e = await signInError(h.accounts.signIn('aiko', `wrong ${String(i)}`, `198.51.100.${String(i)}`));
    assert.equal(e.code, 'invalid-credentials', `failure ${String(i + 1)} is a plain failure`);
  }
  h.now += MINUTE;
  const locked = await signInError(h.accounts.signIn('aiko', PASSWORD, '203.0.113.1'));
  assert.equal(locked.code, 'locked-out', 'even the right password is refused while locked');
  assert.equal(locked.retryAfterMs, 14 * MINUTE);
  h.now += 14 * MINUTE;
  const s = await h.accounts.signIn('aiko', PASSWORD, '203.0.113.1');
  assert.equal(s.account.username, 'aiko', 'the lockout expired');
});

test('failures spread over more than the window do not lock the account', async (t) => {
  const h = harness(t);
  await h.accounts.createAccount('aiko', PASSWORD, 'field-worker', null);
  for (let i = 0; i < 8; i++) {
    h.now += 4 * MINUTE; // at most 4 failures inside any 15-minute window
    const e = await signInError(h.accounts.signIn('aiko', 'wrong password!!', '192.0.2.10'));
    assert.equal(e.code, 'invalid-credentials');
  }
});

test('an unknown name locks out exactly like a real one', async (t) => {
  const h = harness(t);
  for (let i = 0; i < 5; i++)
    await signInError(h.accounts.signIn('ghost', 'whatever-it-is', `198.51.100.${String(i)}`));
  const e = await signInError(h.accounts.signIn('ghost', 'whatever-it-is', '203.0.113.9'));
  assert.equal(e.code, 'locked-out', 'lockout does not reveal that the name does not exist');
});

test('one source address trying many names is locked out', async (t) => {
  const h = harness(t);
  await h.accounts.createAccount('aiko', PASSWORD, 'field-worker', null);
  for (let i = 0; i < 20; i++)
    await signInError(h.accounts.signIn(`user${String(i)}`, 'guess-guess-guess', '192.0.2.66'));
  const e = await signInError(h.accounts.signIn('aiko', PASSWORD, '192.0.2.66'));
  assert.equal(e.code, 'locked-out');
  const elsewhere = await h.accounts.signIn('aiko', PASSWORD, '192.0.2.67');
  assert.equal(elsewhere.account.username, 'aiko', 'another address is not affected');
});

test('a session ends after 30 idle minutes', async (t) => {
  const h = harness(t);
  await h.accounts.createAccount('aiko', PASSWORD, 'field-worker', null);
  const s = await h.accounts.signIn('aiko', PASSWORD, '192.0.2.10');
  h.now += 29 * MINUTE;
  assert.ok((await h.accounts.authenticate(s.token)) !== undefined, 'used within the idle timeout');
  h.now += 29 * MINUTE;
  assert.ok((await h.accounts.authenticate(s.token)) !== undefined, 'use resets the idle timer');
  h.now += 30 * MINUTE;
  assert.equal(await h.accounts.authenticate(s.token), undefined, 'idle for 30 minutes');
  h.now -= 30 * MINUTE;
  assert.equal(await h.accounts.authenticate(s.token), undefined, 'an expired session stays ended');
});

test('a session ends 12 hours after sign-in however busy it is', async (t) => {
  const h = harness(t);
  await h.accounts.createAccount('aiko', PASSWORD, 'field-worker', null);
  const s = await h.accounts.signIn('aiko', PASSWORD, '192.0.2.10');
  assert.equal(s.absoluteExpiresAtMs - h.now, 12 * 60 * MINUTE);
  for (let i = 0; i < 47; i++) {
    h.now += 15 * MINUTE;
    assert.ok(
      (await h.accounts.authenticate(s.token)) !== undefined,
      `in use at ${String((i + 1) * 15)} min`,
    );
  }
  h.now += 15 * MINUTE;
  assert.equal(await h.accounts.authenticate(s.token), undefined, 'absolute timeout reached');
});

test('a disabled account cannot sign in and gets the same error', async (t) => {
  const h = harness(t);
  const a = await h.accounts.createAccount('aiko', PASSWORD, 'field-worker', null);
  await h.store.repositories.accounts.setDisabled(a.id, true);
  const e = await signInError(h.accounts.signIn('aiko', PASSWORD, '192.0.2.10'));
  assert.equal(e.message, INVALID_CREDENTIALS_MESSAGE);
});

test('passwords and tokens are not in the database files in clear', async (t) => {
  const h = harness(t, 'secrets');
  const supervisorPassword = 'supervisor-secret-42';
  const sup = await h.accounts.createAccount('sato', supervisorPassword, 'supervisor', null);
  const worker = await h.accounts.createAccount('aiko', PASSWORD, 'field-worker', sup.id);
  const session = await h.accounts.signIn('aiko', PASSWORD, '192.0.2.10');
  await h.store.repositories.meters.upsert({
    meterId: 'M1',
    eui64: '00124b0000000001',
    site: 's',
    latitude: 35,
    longitude: 139,
    serving: { via: 'gateway', id: 'gw', sinceMs: h.now },
  });
  const order = await h.workOrders.assign(sup.id, {
    workerId: worker.id,
    toolId: 'tool-1',
    meterIds: ['M1'],
    windowStartMs: h.now,
    windowEndMs: h.now + 60 * MINUTE,
  });
  await h.workOrders.start(worker.id, order.id);
  const caller = { workerId: worker.id, toolId: 'tool-1' };
  const grant = await h.grants.request(caller, order.id);
  const { verificationKey } = await h.grants.approve(sup.id, grant.id);
  const { accessKey } = await h.grants.exchange(caller, verificationKey);

  const bytes = Buffer.concat(
    readdirSync(h.dir)
      .filter((f) => f.startsWith('headend.sqlite3'))
      .map((f) => readFileSync(join(h.dir, f))),
  );
  assert.ok(bytes.length > 0, 'database files were read');
  assert.ok(
    bytes.includes(Buffer.from(hashSecretToken(session.token))),
    'the session hash is stored (control)',
  );
  for (const [what, secret] of [
    ['worker password', PASSWORD],
    ['supervisor password', supervisorPassword],
    ['session token', session.token],
    ['verification key', verificationKey],
    ['access key', accessKey],
  ] as const)
    assert.ok(!bytes.includes(Buffer.from(secret)), `${what} is not stored in clear`);
});

test('a password hashed with weaker parameters is re-hashed at the next sign-in', async (t) => {
  const h = harness(t);
  const weak = new AccountService({
    ...h.store.repositories,
    clock: () => h.now,
    random: seededRandom('weak'),
    scrypt: { ...TEST_SCRYPT, logN: TEST_SCRYPT.logN - 1 },
  });
  const a = await weak.createAccount('aiko', PASSWORD, 'field-worker', null);
  assert.match(a.passwordHash, new RegExp(`^\\$scrypt\\$ln=${String(TEST_SCRYPT.logN - 1)},`));
  await h.accounts.signIn('aiko', PASSWORD, '192.0.2.10');
  const stored = await h.store.repositories.accounts.findById(a.id);
  assert.match(stored?.passwordHash ?? '', new RegExp(`^\\$scrypt\\$ln=${String(TEST_SCRYPT.logN)},`));
  assert.equal(
    (await h.accounts.signIn('aiko', PASSWORD, '192.0.2.10')).account.id,
    a.id,
    'new hash verifies',
  );
});
