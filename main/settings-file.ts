/**
 * Settings on disk: `<FIELDROOT_HOME or ~/.fieldroot>/app/settings.json`. Only the worker's
 * preferences live here (language, theme, dongle allow-list) — never a secret or a meter datum.
 * A file that fails validation is ignored (defaults apply) rather than trusted.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, Settings } from '../src/contract/app/index.ts';
import type { SettingsStore } from '../src/field/app-engine/index.ts';

export function appDataDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const home = env.FIELDROOT_HOME;
  return join(home !== undefined && home !== '' ? home : join(homedir(), '.fieldroot'), 'app');
}

export function fileSettingsStore(dir: string): SettingsStore {
  const file = join(dir, 'settings.json');
  return {
    load() {
      try {
        const parsed = Settings.safeParse(JSON.parse(readFileSync(file, 'utf8')));
        return parsed.success ? parsed.data : DEFAULT_SETTINGS;
      } catch {
        return DEFAULT_SETTINGS;
      }
    },
    save(settings) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(`${file}.tmp`, JSON.stringify(Settings.parse(settings), null, 2), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    },
  };
}
