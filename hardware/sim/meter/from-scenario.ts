/** Building the ECHONET side of a scenario's meters (hardware/sim/scenario). */
import type { Random } from '../random.ts';
import type { Scenario, ScenarioMeter } from '../scenario/index.ts';
import { EchonetMeterDevice } from './echonet-device.ts';
import type { EchonetMeterConfig } from './echonet-device.ts';

export type MeterDeviceOptions = Omit<EchonetMeterConfig, 'household' | 'register' | 'eui64' | 'random'>;

/**
 * The meter's own random stream: `scenarioRandom.fork('echonet-meter:<id>')`, so adding a meter or
 * a draw elsewhere does not change any other meter's load.
 */
export function meterRandom(scenarioRandom: Random, meter: ScenarioMeter): Random {
  return scenarioRandom.fork(`echonet-meter:${meter.id}`);
}

export function meterDeviceFromScenario(
  meter: ScenarioMeter,
  scenarioRandom: Random,
  options: MeterDeviceOptions,
): EchonetMeterDevice {
  return new EchonetMeterDevice({
    ...options,
    household: meter.household,
    register: meter.register,
    eui64: meter.eui64,
    random: meterRandom(scenarioRandom, meter),
  });
}

/** One device per meter of `scenario`, keyed by meter id, seeded from `scenarioRandom`. */
export function meterDevicesFromScenario(
  scenario: Scenario,
  scenarioRandom: Random,
  options: MeterDeviceOptions,
): Map<string, EchonetMeterDevice> {
  return new Map(scenario.meters.map((m) => [m.id, meterDeviceFromScenario(m, scenarioRandom, options)]));
}
