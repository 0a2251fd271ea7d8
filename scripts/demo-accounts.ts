/**
 * Creates the demo's accounts in the head-end database under `--data` (once; existing ones are
 * kept), then exits. scripts/demo.mjs runs it before `fieldroot headend serve`.
 * Demo passwords are printed by the demo on purpose: they exist only in a demo head-end.
 */
import { parseArgs } from 'node:util';
import { AccountService, systemClock, systemRandom } from '../src/headend/access/index.ts';
import { openHeadendStore } from '../src/headend/storage/index.ts';

export const DEMO_ACCOUNTS = {
  supervisor: { username: 'demo-supervisor', password: 'fieldroot-demo-sup' },
  worker: { username: 'demo-worker', password: 'fieldroot-demo-1' },
} as const;

const { values } = parseArgs({ options: { data: { type: 'string' } } });
if (values.data === undefined) throw new Error('demo-accounts: --data <dir> is required');
const store = openHeadendStore({ directory: values.data }, systemClock());
try {
  const r = store.repositories;
  const accounts = new AccountService({ ...r, clock: systemClock, random: systemRandom });
  const { supervisor, worker } = DEMO_ACCOUNTS;
  const sup =
    (await r.accounts.findByUsername(supervisor.username)) ??
    (await accounts.createAccount(supervisor.username, supervisor.password, 'supervisor', null));
  if ((await r.accounts.findByUsername(worker.username)) === undefined)
    await accounts.createAccount(worker.username, worker.password, 'field-worker', sup.id);
  process.stdout.write(`Demo accounts ready in ${values.data}\n`);
} finally {
  store.close();
}
