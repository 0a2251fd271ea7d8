/**
 * `fieldroot sim` — a simulated field of meters for tests, demos and bring-up: the virtual dongle
 * on a pseudo-terminal (default), or the whole system on the virtual clock (--virtual-time).
 */
import { ScenarioError, loadScenario, type Scenario } from '../../hardware/sim/scenario/index.ts';
import type { CliCommand, CliIo } from './command.ts';
import { SIM_HELP, parseSimOptions } from './sim/options.ts';
import { runPtySim } from './sim/pty-run.ts';
import { runVirtualTimeSim } from './sim/virtual-run.ts';

async function run(argv: string[], io: CliIo): Promise<number> {
  const o = parseSimOptions(argv);
  let scenario: Scenario;
  try {
    scenario = loadScenario(o.scenario);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    io.err(`fieldroot sim: bad scenario ${e.message}`);
    return 1;
  }
  if (o.seed !== undefined) scenario = { ...scenario, seed: o.seed };
  return o.virtualTime ? runVirtualTimeSim(o, scenario, io) : runPtySim(o, scenario, io);
}

export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'Simulated meter field behind a virtual dongle (pty) or on the virtual clock',
  help: SIM_HELP,
  run,
};
