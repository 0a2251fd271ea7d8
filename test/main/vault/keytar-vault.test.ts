/**
 * The keytar vault against a real Secret Service: a private D-Bus session (dbus-run-session) with
 * gnome-keyring-daemon unlocked for a throw-away HOME, so the test touches no real keychain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./keychain-child.ts', import.meta.url));

function requireTool(path: string, debianPackage: string): void {
  assert.ok(existsSync(path), `${path} is missing: install the Debian package ${debianPackage}`);
}

test('KeytarVault stores, reads back and erases through the Secret Service (gnome-keyring)', (t) => {
  requireTool('/usr/bin/dbus-run-session', 'dbus-daemon');
  requireTool('/usr/bin/gnome-keyring-daemon', 'gnome-keyring');
  const home = mkdtempSync(join(tmpdir(), 'fieldroot-keyring-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const script =
    // --unlock reads the new login keyring's password from stdin; a non-empty one avoids a prompt.
    'printf "fieldroot-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ' +
    `exec "${process.execPath}" --import tsx "${CHILD}" fieldroot-vault-test`;
  const run = spawnSync('/usr/bin/dbus-run-session', ['--', 'sh', '-c', script], {
    env: { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'share'), DISPLAY: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `child failed: ${run.stderr}`);
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  assert.deepEqual(JSON.parse(line), {
    roundTrip: true,
    rawIsBase64OfSecret: true,
    absentIsNull: true,
    erased: true,
    afterEraseIsNull: true,
  });
  // The item went to the keyring files of the throw-away HOME, i.e. through the Secret Service.
  assert.ok(
    readdirSync(join(home, 'share', 'keyrings')).includes('login.keyring'),
    'no login keyring was written',
  );
});
