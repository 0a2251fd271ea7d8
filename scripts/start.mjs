#!/usr/bin/env node
// `npm start`: builds the renderer and main process, then launches the Electron app. Where the
// Electron binary is not installed (npm skips its download here: ELECTRON_SKIP_BINARY_DOWNLOAD
// and allowScripts keep electron's install script from running) it says how to install it and
// starts the web shell instead, whose `Web shell: <url>` line it passes through.
//   --web   start the web shell even when Electron is installed
// Other flags go to the web shell (--headend-url, --headend-ca, --dongle, --port).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

/** The Electron executable, or null with the reason it is missing. */
export function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'package.json')))
    return { path: null, reason: 'the electron package is not installed' };
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return { path: null, reason: "Electron's binary was not downloaded" };
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { path: binary, reason: null } : { path: null, reason: `${binary} is missing` };
}

function run(script, scriptArgs = []) {
  const res = spawnSync(process.execPath, [join(root, script), ...scriptArgs], {
    cwd: root,
    stdio: 'inherit',
  });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

run('scripts/build-renderer.mjs');
const electron = electronBinary();
let child;
if (electron.path !== null && !args.includes('--web')) {
  run('scripts/build-main.mjs');
  child = spawn(electron.path, [root], { cwd: root, stdio: 'inherit' });
} else {
  if (electron.path === null)
    process.stderr.write(
      [
        `start: ${electron.reason}, so the Electron app cannot start.`,
        '  To install it (needs network access to the Electron release downloads):',
        '    node node_modules/electron/install.js',
        '  Starting the web shell instead: open the URL below in a browser on this machine.',
        '',
      ].join('\n'),
    );
  child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'main/web-shell/cli.ts'), ...args.filter((a) => a !== '--web')],
    { cwd: root, stdio: 'inherit' },
  );
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
