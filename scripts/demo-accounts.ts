/**
 * Prepares the demo head-end database under `--data` before `fieldroot headend serve` starts:
 * the demo accounts (kept when they exist), the meters of `--scenario` in the registry with their
 * PSKs imported through `fieldroot headend import-meters` (derived from the scenario exactly as
 * the simulator derives them), and an open work order for the demo worker and `--tool`.
 * scripts/demo.mjs and the end-to-end specs (test/e2e/app) run it.
 * Demo passwords are printed by the demo on purpose: they exist only in a demo head-end.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScenario, meterPsk } from '../hardware/sim/scenario/index.ts';
import { runCli } from '../src/cli/main.ts';
import { AccountService, WorkOrderService, systemClock, systemRandom } from '../src/headend/access/index.ts';
import { openHeadendStore } from '../src/headend/storage/index.ts';
import { createNodeProvider } from '../src/stack/crypto/index.ts';

export const DEMO_ACCOUNTS = {
  supervisor: { username: 'demo-supervisor', password: 'fieldroot-demo-sup' },
  worker: { username: 'demo-worker', password: 'fieldroot-demo-1' },
} as const;
export const DEMO_TOOL = 'demo-tablet';
/** How long the demo work order stays open. */
const WORK_ORDER_HOURS = 12;

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    scenario: { type: 'string', default: 'isolated-area-20' },
    tool: { type: 'string', default: DEMO_TOOL },
  },
});
if (values.data === undefined) throw new Error('demo-accounts: --data <dir> is required');
const scenario = loadScenario(values.scenario);

const store = openHeadendStore({ directory: values.data }, systemClock());
let supId: string;
let workerId: string;
try {
  const r = store.repositories;
  const accounts = new AccountService({ ...r, clock: systemClock, random: systemRandom });
  const { supervisor, worker } = DEMO_ACCOUNTS;
  const sup =
    (await r.accounts.findByUsername(supervisor.username)) ??
    (await accounts.createAccount(supervisor.username, supervisor.password, 'supervisor', null));
  supId = sup.id;
  workerId =
    (await r.accounts.findByUsername(worker.username))?.id ??
    (await accounts.createAccount(worker.username, worker.password, 'field-worker', sup.id)).id;
  for (const m of scenario.meters)
    if ((await r.meters.findById(m.id)) === undefined)
      await r.meters.upsert({
        meterId: m.id,
        eui64: m.eui64,
        site: scenario.name,
        latitude: 35,
        longitude: 139,
        serving: { via: 'gateway', id: 'demo-concentrator', sinceMs: Date.now() },
      });
} finally {
  store.close();
}

// The PSKs go to the key server's sealed store through its own import command; the CSV exists
// only for that call, readable by this user alone.
const crypto = createNodeProvider();
const csv = join(values.data, `meters-${String(process.pid)}.csv`);
writeFileSync(
  csv,
  [
    'meter_id,eui64,psk_hex',
    ...scenario.meters.map(
      (m) => `${m.id},${m.eui64},${Buffer.from(meterPsk(crypto, scenario, m)).toString('hex')}`,
    ),
  ].join('\n') + '\n',
  { mode: 0o600 },
);
const out: string[] = [];
let code: number;
try {
  code = await runCli(['headend', 'import-meters', '--file', csv, '--data', values.data], {
    out: (l) => out.push(l),
    err: (l) => out.push(l),
  });
} finally {
  rmSync(csv, { force: true });
}
if (code !== 0) throw new Error(`demo-accounts: import-meters failed:\n${out.join('\n')}`);

const again = openHeadendStore({ directory: values.data }, systemClock());
try {
  const workOrders = new WorkOrderService({
    ...again.repositories,
    clock: systemClock,
    random: systemRandom,
  });
  const now = Date.now();
  const order = await workOrders.assign(supId, {
    workerId,
    toolId: values.tool,
    meterIds: scenario.meters.map((m) => m.id),
    windowStartMs: now - 60_000,
    windowEndMs: now + WORK_ORDER_HOURS * 3_600_000,
  });
  process.stdout.write(
    `Demo work order ${order.id}: ${String(scenario.meters.length)} meters of ${scenario.name}\n`,
  );
} finally {
  again.close();
}
process.stdout.write(`Demo accounts ready in ${values.data}\n`);
