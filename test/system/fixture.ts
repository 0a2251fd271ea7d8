/** Shared set-up for the system tests: the virtual system on a shipped scenario, closed after the test. */
import type { TestContext } from 'node:test';
import { loadScenario } from '../../hardware/sim/scenario/index.ts';
import {
  buildVirtualSystem,
  type VirtualSystem,
  type VirtualSystemOptions,
} from '../../src/cli/sim/virtual-system.ts';

export async function virtualSystem(
  t: TestContext,
  scenario: string,
  options: Partial<Omit<VirtualSystemOptions, 'scenario'>> = {},
): Promise<VirtualSystem> {
  const sys = await buildVirtualSystem({ scenario: loadScenario(scenario), ...options });
  t.after(() => sys.close());
  return sys;
}

/** Starts the system and runs it until every meter has joined, or `limitMs` of virtual time. */
export async function joinAll(sys: VirtualSystem, limitMs = 240_000): Promise<number | undefined> {
  sys.start();
  const r = await sys.runUntilJoined({ limitMs });
  await sys.settle();
  return r.atMs;
}

export function notJoined(sys: VirtualSystem): string {
  return sys
    .report()
    .filter((r) => !r.joined)
    .map((r) => `${r.id} ${r.state}/${r.panaState}`)
    .join(', ');
}
