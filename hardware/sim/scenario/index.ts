export { scenarioSchema, meterSchema, HOUSEHOLD_TYPES, ENERGY_UNIT_CODES } from './schema.ts';
export type { Scenario, ScenarioInput, ScenarioMeter, ScenarioFailure } from './schema.ts';
export {
  loadScenario,
  parseScenario,
  ScenarioError,
  SHIPPED_SCENARIOS,
  SHIPPED_SCENARIOS_DIR,
} from './load.ts';
export { meterPsk } from './psk.ts';
export { hopCounts, reachMetres, DEFAULT_FADE_MARGIN_DB } from './radio-reach.ts';
export { SCENARIO_GENERATORS, simulatedEui64 } from './generate.ts';
