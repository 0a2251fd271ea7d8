// `fieldroot field`: usage errors name the flag, a tool that is not enrolled is told so, and a
// revoked tool is refused by the head-end before anything starts (exit status 3, the reason).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/main.ts';
import { EXIT_REVOKED, runFieldJob, type FieldJobOptions } from '../../src/cli/field-command.ts';
import { MemoryVault } from '../../src/field/vault/index.ts';
import { DEVICE_ID, startField } from '../field/job/fixtures.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

const OPTIONS: Omit<FieldJobOptions, 'headend'> = {
  user: 'aiko',
  password: 'worker-pass-0001',
  port: '/nonexistent/dongle',
  baudRate: 460_800,
  maxPsdu: 255,
  workOrder: undefined,
};

test('field: --help shows the job and enrolment usage; a missing flag is a usage error naming it', async () => {
  const help = capture();
  assert.equal(await runCli(['field', '--help'], help.io), 0);
  assert.match(help.out.join('\n'), /fieldroot field --headend <url> --user <name> --password-file/);
  assert.match(help.out.join('\n'), /fieldroot field enrol/);
  const c = capture();
  assert.equal(await runCli(['field', '--headend', 'https://127.0.0.1:1', '--user', 'aiko'], c.io), 2);
  assert.match(c.err.join('\n'), /--password-file is required/);
  const bad = capture();
  assert.equal(
    await runCli(
      [
        'field',
        '--headend',
        'https://h',
        '--user',
        'a',
        '--password-file',
        '-',
        '--port',
        'p',
        '--channel',
        'x',
        '--pan-id',
        '0x7a3c',
      ],
      bad.io,
    ),
    2,
  );
  assert.match(bad.err.join('\n'), /--channel must be/);
  const half = capture();
  const args = ['field', '--headend', 'https://h', '--user', 'a', '--password-file', '-', '--port', 'p'];
  assert.equal(await runCli([...args, '--channel', '33'], half.io), 2);
  assert.match(
    half.err.join('\n'),
    /give both or neither/,
    'a channel override without a PAN ID is refused: the job names the radio',
  );
});

test('field: a tool without credentials in its vault is told to enrol', async () => {
  const c = capture();
  const code = await runFieldJob({ ...OPTIONS, headend: 'https://127.0.0.1:1' }, new MemoryVault(), c.io);
  assert.equal(code, 1);
  assert.match(c.err.join('\n'), /not enrolled/);
});

test('field: a revoked tool is refused at the head-end and exits with the revocation status', async (t) => {
  const field = await startField();
  t.after(() => field.close());
  await field.activeWorkOrder();
  await field.headend.revocation.revoke(DEVICE_ID, 'test-supervisor');
  const c = capture();
  const code = await runFieldJob({ ...OPTIONS, headend: field.headend.apiUrl }, field.vault, c.io);
  assert.equal(code, EXIT_REVOKED, c.err.join('\n'));
  assert.match(c.err.join('\n'), /revoked/);
});
