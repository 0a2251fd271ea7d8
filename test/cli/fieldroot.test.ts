import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { runCli } from '../../src/cli/main.ts';

function capture(): { io: { out(l: string): void; err(l: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

test('fieldroot --help lists every command, and each command answers --help', async () => {
  const c = capture();
  assert.equal(await runCli(['--help'], c.io), 0);
  const overview = c.out.join('\n');
  const names = [...overview.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
  assert.ok(names.includes('crypto'), overview);
  for (const name of names) {
    const h = capture();
    assert.equal(await runCli([name, '--help'], h.io), 0, name);
    assert.match(h.out.join('\n'), new RegExp(`Usage: fieldroot ${name}`));
  }
});

test('an unknown command exits 2 and shows the overview', async () => {
  const c = capture();
  assert.equal(await runCli(['frobnicate'], c.io), 2);
  assert.match(c.err.join('\n'), /unknown command "frobnicate"/);
});

test('the installed launcher runs the CLI: fieldroot crypto names the back-end and the reason', () => {
  const out = execFileSync(process.execPath, ['scripts/fieldroot.mjs', 'crypto'], {
    encoding: 'utf8',
    env: { ...process.env, FIELDROOT_CRYPTO: 'js' },
  });
  assert.match(out, /^backend: js$/m);
  assert.match(out, /FIELDROOT_CRYPTO/);
  const bad = spawnSync(process.execPath, ['scripts/fieldroot.mjs'], { encoding: 'utf8' });
  assert.equal(bad.status, 2, 'no command is a usage error');
});
