/**
 * Writes the shipped scenarios (hardware/sim/scenarios/*.json) from their generators. Run with
 * `node --import tsx scripts/generate-scenarios.ts`; a test checks the files match the generators.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, SCENARIO_GENERATORS, SHIPPED_SCENARIOS_DIR } from '../hardware/sim/scenario/index.ts';

for (const [name, generate] of Object.entries(SCENARIO_GENERATORS)) {
  const input = generate();
  const scenario = parseScenario(input, name);
  writeFileSync(join(SHIPPED_SCENARIOS_DIR, `${name}.json`), JSON.stringify(input, null, 1) + '\n');
  console.log(`${name}: ${scenario.meters.length} meters, up to ${scenario.expect?.maxHops} hops`);
}
