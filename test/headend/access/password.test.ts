import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SCRYPT_PARAMETERS,
  PasswordHashFormatError,
  decodePasswordHash,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../../../src/headend/access/index.ts';
import { seededRandom } from './fixtures/harness.ts';

const PASSWORD = 'correct horse battery staple';

test('a hash verifies its password and refuses another', async () => {
  const encoded = await hashPassword(PASSWORD, seededRandom('pw'));
  assert.equal(await verifyPassword(PASSWORD, encoded), true);
  assert.equal(await verifyPassword('correct horse battery stapler', encoded), false);
  assert.equal(await verifyPassword('', encoded), false);
});

test('the hash carries scrypt N=2^15, r=8, p=1, a 16-byte salt and a 32-byte key', async () => {
  const encoded = await hashPassword(PASSWORD, seededRandom('pw'));
  assert.match(encoded, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(decodePasswordHash(encoded).params, DEFAULT_SCRYPT_PARAMETERS);
  assert.ok(!encoded.includes(PASSWORD), 'the password is not in the encoding');
});

test('two hashes of one password differ by their salt', async () => {
  const random = seededRandom('salts');
  const a = await hashPassword(PASSWORD, random);
  const b = await hashPassword(PASSWORD, random);
  assert.notEqual(a, b);
});

test('a hash made with lower parameters still verifies and asks to be re-hashed', async () => {
  const weak = { ...DEFAULT_SCRYPT_PARAMETERS, logN: 10 };
  const encoded = await hashPassword(PASSWORD, seededRandom('weak'), weak);
  assert.match(encoded, /^\$scrypt\$ln=10,/);
  assert.equal(await verifyPassword(PASSWORD, encoded), true, 'verified with the parameters it carries');
  assert.equal(needsRehash(encoded), true);
  assert.equal(needsRehash(await hashPassword(PASSWORD, seededRandom('s'))), false);
});

test('a malformed or out-of-bounds stored hash is refused, not run', async () => {
  for (const bad of [
    '',
    'plaintext',
    '$scrypt$ln=15,r=8,p=1$AAAA$BBBB',
    '$scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  ])
    await assert.rejects(verifyPassword(PASSWORD, bad), PasswordHashFormatError, bad);
});
