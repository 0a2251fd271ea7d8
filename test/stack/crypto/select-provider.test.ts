import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getCiphers, getHashes } from 'node:crypto';
import {
  createNodeProvider,
  cryptoSelection,
  getCrypto,
  selectProvider,
} from '../../../src/stack/crypto/index.ts';

test('automatic selection on this Node picks the node back-end and says why', () => {
  const { provider, selection } = selectProvider(undefined);
  assert.equal(provider.backend, 'node');
  assert.equal(selection.backend, 'node');
  assert.ok(selection.reasons.some((r) => /known-answer/.test(r)));
  assert.ok(selection.reasons.some((r) => /xchacha20-poly1305: @noble/.test(r)));
});

test('FIELDROOT_CRYPTO=js and =node force a back-end; an unknown value is reported and ignored', () => {
  assert.equal(selectProvider('js').provider.backend, 'js');
  assert.ok(selectProvider('js').selection.reasons[0]!.includes('FIELDROOT_CRYPTO=js'));
  assert.equal(selectProvider(' NODE ').provider.backend, 'node');
  const bogus = selectProvider('openssl');
  assert.equal(bogus.selection.backend, 'node');
  assert.ok(bogus.selection.reasons[0]!.includes('neither'));
});

test('getCrypto() is selected once and cryptoSelection() reports it', () => {
  assert.equal(getCrypto(), getCrypto());
  const s = cryptoSelection();
  assert.equal(s.backend, getCrypto().backend);
  s.reasons.push('mutating the copy');
  assert.notEqual(cryptoSelection().reasons.length, s.reasons.length);
});

test('getCrypto() honours FIELDROOT_CRYPTO from the environment', () => {
  const script =
    "import('./src/stack/crypto/index.ts').then((m) => { const s = m.cryptoSelection(); " +
    'process.stdout.write(m.getCrypto().backend + " " + s.backend); })';
  for (const backend of ['js', 'node']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: new URL('../../../', import.meta.url).pathname,
      env: { ...process.env, FIELDROOT_CRYPTO: backend },
      encoding: 'utf8',
    });
    assert.equal(r.stdout, `${backend} ${backend}`, r.stderr);
  }
});

test('node provider uses OpenSSL ChaCha20-Poly1305 and BLAKE2s only when present, and works without them', () => {
  const full = createNodeProvider();
  const hasChaCha = getCiphers().includes('chacha20-poly1305');
  const hasBlake = getHashes().includes('blake2s256');
  assert.equal(full.details.chacha20Poly1305, hasChaCha ? 'node' : 'noble');
  assert.equal(full.details.blake2s, hasBlake ? 'node' : 'noble');
  const boring = createNodeProvider({ disable: ['chacha20-poly1305', 'blake2s'] });
  assert.equal(boring.details.chacha20Poly1305, 'noble');
  assert.equal(boring.details.blake2s, 'noble');
  assert.ok(boring.details.reasons.some((r) => r.includes('disabled by option')));
  // Same answers from both.
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12).fill(1);
  const pt = new TextEncoder().encode('BoringSSL has no chacha20-poly1305 through node:crypto');
  assert.deepEqual(
    boring.chacha20Poly1305Seal(key, nonce, pt, new Uint8Array(0)),
    full.chacha20Poly1305Seal(key, nonce, pt, new Uint8Array(0)),
  );
  assert.deepEqual(boring.hkdfBlake2s(key, pt, 3), full.hkdfBlake2s(key, pt, 3));
});
