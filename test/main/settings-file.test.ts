import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../../src/contract/app/index.ts';
import { appDataDir, fileSettingsStore } from '../../main/settings-file.ts';

test('settings live under $FIELDROOT_HOME/app, owner-only, and survive a restart', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fieldroot-settings-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dir = appDataDir({ FIELDROOT_HOME: home });
  assert.equal(dir, join(home, 'app'));
  assert.deepEqual(fileSettingsStore(dir).load(), DEFAULT_SETTINGS, 'defaults before anything is saved');
  const chosen = { language: 'ja', theme: 'high-contrast', dongleAllowList: ['10c4:ea60'] } as const;
  fileSettingsStore(dir).save({ ...chosen, dongleAllowList: [...chosen.dongleAllowList] });
  assert.deepEqual(fileSettingsStore(dir).load(), chosen, 'a new store reads what the last one saved');
  assert.equal(statSync(join(dir, 'settings.json')).mode & 0o077, 0, 'not readable by others');
  assert.deepEqual(
    Object.keys(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as object).sort(),
    ['dongleAllowList', 'language', 'theme'],
  );
});

test('a settings file that fails validation is ignored, not trusted', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fieldroot-settings-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dir = appDataDir({ FIELDROOT_HOME: home });
  fileSettingsStore(dir).save(DEFAULT_SETTINGS);
  for (const text of ['{', '{"language":"fr","theme":"light","dongleAllowList":[]}', '[]']) {
    writeFileSync(join(dir, 'settings.json'), text);
    assert.deepEqual(fileSettingsStore(dir).load(), DEFAULT_SETTINGS, text);
  }
});
