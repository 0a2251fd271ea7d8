import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { APP_START_URL, appRequestPath, isAppUrl, isTrustedSender } from '../../main/ipc-guard.ts';
import { RENDERER_CSP } from '../../main/security.ts';

const require = createRequire(import.meta.url);

test('only the main frame of an app:// page may send IPC commands', () => {
  assert.ok(isTrustedSender({ url: APP_START_URL, isMainFrame: true }), 'the app window is trusted');
  const refused: [string, boolean][] = [
    ['app://fieldroot/index.html', false], // a subframe
    ['https://fieldroot/index.html', true],
    ['file:///opt/fieldroot/index.html', true],
    ['app://evil/index.html', true],
    ['app://user:pw@fieldroot/index.html', true],
    ['devtools://devtools/bundled/inspector.html', true],
    ['not a url', true],
  ];
  for (const [url, isMainFrame] of refused)
    assert.equal(isTrustedSender({ url, isMainFrame }), false, `${url} (main frame: ${String(isMainFrame)})`);
  assert.equal(isTrustedSender(null), false);
  assert.equal(isAppUrl('https://example.com/'), false, 'navigation away is denied');
});

test('app:// requests resolve only to files inside the renderer folder', () => {
  assert.equal(appRequestPath('app://fieldroot/'), 'index.html');
  assert.equal(appRequestPath('app://fieldroot/app.js'), 'app.js');
  // The URL parser already folds `..` segments: what is left is a path inside the folder.
  assert.equal(appRequestPath('app://fieldroot/../main/dist/main.cjs'), 'main/dist/main.cjs');
  for (const bad of [
    'app://fieldroot/a%2f..%2f..%2fx',
    'app://fieldroot/..%5c..%5cwindows',
    'app://fieldroot/x%00.js',
    'app://other/app.js',
    'file:///etc/passwd',
  ])
    assert.equal(appRequestPath(bad), null, bad);
});

test('the CSP allows no inline script, eval or remote origin', () => {
  assert.match(RENDERER_CSP, /default-src 'none'/);
  assert.doesNotMatch(RENDERER_CSP, /unsafe-|\*|https?:|ws:/);
});

test('the afterPack hook flips the six fuses the security rules name', async () => {
  const { FuseV1Options } = await import('@electron/fuses');
  const hook = require('../../scripts/electron-after-pack.cjs') as { FUSES: Record<number, boolean> };
  assert.deepEqual(
    {
      runAsNode: hook.FUSES[FuseV1Options.RunAsNode],
      nodeOptions: hook.FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      inspect: hook.FUSES[FuseV1Options.EnableNodeCliInspectArguments],
      asarIntegrity: hook.FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      onlyAsar: hook.FUSES[FuseV1Options.OnlyLoadAppFromAsar],
      cookieEncryption: hook.FUSES[FuseV1Options.EnableCookieEncryption],
    },
    {
      runAsNode: false,
      nodeOptions: false,
      inspect: false,
      asarIntegrity: true,
      onlyAsar: true,
      cookieEncryption: true,
    },
  );
  const yml = readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
  assert.match(yml, /afterPack: scripts\/electron-after-pack\.cjs/);
  for (const native of ['serialport', 'keytar', 'better-sqlite3'])
    assert.match(
      yml,
      new RegExp(`asarUnpack:[\\s\\S]*node_modules/${native}/`),
      `${native} is unpacked from the asar`,
    );
  assert.match(yml, /- AppImage/);
  assert.match(yml, /- nsis/);
});

test('the Electron main and preload bundle, and the window is sandboxed without Node', () => {
  const res = spawnSync(process.execPath, ['scripts/build-main.mjs'], {
    cwd: new URL('../../', import.meta.url).pathname,
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, res.stderr);
  const main = readFileSync(new URL('../../main/dist/main.cjs', import.meta.url), 'utf8');
  for (const setting of [
    'contextIsolation: true',
    'sandbox: true',
    'nodeIntegration: false',
    'webviewTag: false',
  ])
    assert.ok(main.includes(setting), `main sets ${setting}`);
  assert.ok(main.includes('setPermissionRequestHandler'), 'permission requests are answered (denied)');
  assert.ok(main.includes('setWindowOpenHandler'), 'new windows are handled (denied)');
});
