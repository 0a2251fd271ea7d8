#!/usr/bin/env node
// Runs every test file under test/ (or the paths given) with Node's test runner and tsx.
// Node 20's runner does not expand globs itself, so the file list is gathered here.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
// test/e2e is skipped by the walk below (browser specs need their own set-up), except the
// suites listed here, which start what they need themselves and run in CI with the rest.
const E2E_IN_DEFAULT_RUN = ['test/e2e/console', 'test/e2e/app'];
const targets = args.length > 0 ? args : ['test', ...E2E_IN_DEFAULT_RUN];

function collect(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name === 'node_modules' || name === 'e2e') continue;
      collect(join(path, name), out);
    }
  } else if (/\.test\.ts$/.test(path)) {
    out.push(path);
  }
  return out;
}

const files = targets.flatMap((t) => collect(join(root, t), [])).map((f) => relative(root, f));
if (files.length === 0) {
  console.error('run-tests: no test files found under', targets.join(', '));
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
