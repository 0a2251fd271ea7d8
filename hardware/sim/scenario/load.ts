/**
 * Loading a scenario by name (a file shipped in hardware/sim/scenarios/) or by path, with errors
 * that name the file and the field: `town-200.json: meters[3].eui64: expected 16 hex digits`.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { scenarioSchema, type Scenario } from './schema.ts';

export const SHIPPED_SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
export const SHIPPED_SCENARIOS = ['isolated-area-20', 'town-200', 'dense-1000'] as const;

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(file)' : out;
}

function describe(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.slice(0, 20).map((i) => `${fieldPath(i.path)}: ${i.message}`);
}

/** Validates parsed JSON; `source` names it in errors. */
export function parseScenario(json: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(json);
  if (!result.success) throw new ScenarioError(source, describe(result.error.issues));
  return result.data;
}

/** A shipped scenario's name, or a path to a JSON file. */
export function loadScenario(nameOrPath: string): Scenario {
  const path = (SHIPPED_SCENARIOS as readonly string[]).includes(nameOrPath)
    ? join(SHIPPED_SCENARIOS_DIR, `${nameOrPath}.json`)
    : nameOrPath;
  const source = basename(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(source, [
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}); shipped scenarios: ${SHIPPED_SCENARIOS.join(', ')}`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(source, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseScenario(json, source);
}
