/**
 * The supervisor console in Chromium (playwright-core, the system's /usr/bin/chromium; no browser
 * download): a head-end with the AMR/DR server on 127.0.0.1, a supervisor signing in, approving
 * and revoking a tool, approving a grant, seeing read exceptions and the DR audit, and issuing a
 * DR authorisation. Also checks the page's strict CSP and glove-sized controls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Grant } from '../../../src/contract/headend-api/index.ts';
import { expectBody } from '../../headend/api/fixtures/https-client.ts';
import { csrFor, newToolKey } from '../../headend/api/fixtures/tool.ts';
import type { JobProvisioner } from '../../../src/headend/jobs/index.ts';
import { AmrApi, type Worker } from '../../headend/amr/fixtures/amr-api.ts';
import { TOOL_ID } from '../../headend/amr/fixtures/virtual-field.ts';

const CHROMIUM = '/usr/bin/chromium';

describe('supervisor console in Chromium', () => {
  let api: AmrApi;
  let browser: Browser;
  let page: Page;
  let aiko: Worker;
  let mainResponseHeaders: Record<string, string> = {};

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install the Debian package "chromium"`);
    // The job provisioner's list as the console reads it: one tool online, one offline.
    const job = (deviceId: string, online: boolean, slot: number) => ({
      jobId: `job-${slot}`,
      workOrderId: `wo-${slot}`,
      deviceId,
      workerId: `acct-${slot}`,
      state: 'active' as const,
      tunnelAddress: `fd00:db8:ffff::${slot}`,
      meshPrefix: `fd00:db8:2${slot}::/64`,
      online,
      lastHandshakeAtMs: online ? Date.now() : null,
      startedAtMs: Date.now(),
      endedAtMs: null,
      endReason: null,
    });
    const jobs = { list: () => [job(TOOL_ID, true, 1), job('tool-0005', false, 2)] };
    api = await AmrApi.start('console-e2e', { jobs: jobs as unknown as JobProvisioner });
    aiko = await api.worker('aiko', TOOL_ID, ['M-0001', 'M-0003']);
    api.field.join('M-0003');
    await api.field.runUntilIdle();
    // A read exception and a DR command, so both tables have something to show.
    await api.field.store.repositories.readings.ingest({
      batchId: 'e2e-exception',
      receivedAtMs: api.field.now,
      readings: [],
      exceptions: [
        {
          meterId: 'M-0001',
          atMs: api.field.now,
          reason: 'timeout',
          detail: 'no usable answer after 3 attempt(s)',
        },
      ],
    });
    const dr = api.field.service.demandResponse;
    const auth = await dr.authorise(api.supervisorId, { meterId: 'M-0003', action: 'disconnect' });
    const run = dr.execute({
      meterId: 'M-0003',
      action: 'disconnect',
      authorisationId: auth.id,
      workerId: aiko.id,
      toolId: TOOL_ID,
    });
    await api.field.runUntilIdle();
    assert.equal((await run).kind, 'done');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    // The head-end's CA is private to this test; the browser is told to accept its certificate.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    const response = await page.goto(`${api.url}/console/`);
    assert.equal(response?.status(), 200);
    mainResponseHeaders = response?.headers() ?? {};
  });

  after(async () => {
    await browser?.close();
    await api?.close();
  });

  it('is served with a strict CSP: no inline script or style, same-origin only, no framing', async () => {
    const csp = mainResponseHeaders['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script');
    assert.equal(await page.locator('[style]').count(), 0, 'no inline style');
  });

  it('refuses a wrong password and a field worker, signs a supervisor in', async () => {
    await page.getByLabel('User name').fill('sato');
    await page.getByLabel('Password').fill('wrong-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Sign-in failed' }).waitFor();

    await page.getByLabel('User name').fill('aiko');
    await page.getByLabel('Password').fill('aiko-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'for supervisors' }).waitFor();

    await page.getByLabel('User name').fill('sato');
    await page.getByLabel('Password').fill('supervisor-pass-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as sato (supervisor)').waitFor();
  });

  it('has glove-sized controls (at least 48 × 48 CSS px)', async () => {
    for (const name of ['Approve enrolment', 'Authorise', 'Sign out']) {
      const box = await page.getByRole('button', { name, exact: true }).boundingBox();
      assert.ok(box !== null && box.height >= 48 && box.width >= 48, `${name}: ${JSON.stringify(box)}`);
    }
  });

  it('shows each tool online or offline in words and symbols, with its live job', async () => {
    const online = page.locator('#jobs tbody tr').filter({ hasText: TOOL_ID });
    await online.waitFor();
    assert.match(await online.innerText(), /▲ Online/);
    assert.match(await online.innerText(), /job-1/);
    const offline = page.locator('#jobs tbody tr').filter({ hasText: 'tool-0005' });
    assert.match(await offline.innerText(), /■ Offline/);
    assert.equal(
      await page.getByRole('button', { name: 'Revoke tool-0005' }).count(),
      1,
      'revoke from the row',
    );
  });

  it('shows read exceptions and the DR audit with the tool, the worker and the result', async () => {
    const exceptions = page.locator('#exceptions tbody tr');
    await exceptions.filter({ hasText: 'M-0001' }).filter({ hasText: 'timeout' }).waitFor();
    const row = page.locator('#dr-audit tbody tr').filter({ hasText: 'M-0003' });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /disconnect/);
    assert.match(text, new RegExp(TOOL_ID));
    assert.match(text, new RegExp(aiko.id));
    assert.match(text, /✔ confirmed/, 'the result is a symbol and a word, not a colour');
  });

  it('lists enrolled tools, work orders and grants with state in words and symbols', async () => {
    const tool = page.locator('#devices tbody tr').filter({ hasText: TOOL_ID });
    await tool.waitFor();
    assert.match(await tool.innerText(), /✔ Issued/);
    assert.match(await tool.innerText(), /▲ Online/, 'online/offline comes from the job');
    const order = page.locator('#work-orders tbody tr').filter({ hasText: aiko.workOrderId });
    await order.waitFor();
    assert.match(await order.innerText(), /● Active/);
    assert.match(await order.innerText(), new RegExp(`${TOOL_ID}\\s+2\\s`), 'tool and meter count');
    const grant = page.locator('#grants tbody tr').filter({ hasText: aiko.workOrderId });
    await grant.first().waitFor();
    assert.match(await grant.first().innerText(), /✔ Exchanged/);
  });

  it('approves a pending enrolment from its row; revoking from the row needs a confirmation', async () => {
    const key = await newToolKey();
    await api.call('/v1/devices/enrol', {
      body: { deviceId: 'tool-0010', csrPem: await csrFor('tool-0010', key) },
    });
    const row = page.locator('#devices tbody tr').filter({ hasText: 'tool-0010' });
    await row.filter({ hasText: '◌ Pending approval' }).waitFor();
    const approve = row.getByRole('button', { name: 'Approve tool-0010', exact: true });
    const box = await approve.boundingBox();
    assert.ok(box !== null && box.height >= 48 && box.width >= 48, `row button: ${JSON.stringify(box)}`);
    await approve.click();
    await row.filter({ hasText: '✔ Issued' }).waitFor();

    await row.getByRole('button', { name: 'Revoke tool-0010', exact: true }).click();
    const confirm = row.getByRole('button', { name: 'Confirm revoke tool-0010', exact: true });
    await confirm.waitFor();
    const revokedYet = async () =>
      (await api.field.store.repositories.audit.list()).some(
        (e) => e.subject === 'tool-0010' && e.action === 'device.revoke',
      );
    assert.equal(await revokedYet(), false, 'the first click only asks for confirmation');
    await confirm.click();
    await row.filter({ hasText: '⊘ Revoked' }).waitFor();
    assert.equal(await revokedYet(), true, 'the confirmed click revoked the tool');
  });

  it('approves a pending grant from its row and shows the verification key', async () => {
    const grant = expectBody(
      await api.call('/v1/grants', {
        body: { workOrderId: aiko.workOrderId },
        token: aiko.token,
        client: aiko.client,
      }),
      201,
      Grant,
    );
    const row = page.locator('#grants tbody tr').filter({ hasText: grant.id });
    await row.filter({ hasText: '◌ Pending approval' }).waitFor();
    await row.getByRole('button', { name: `Approve grant ${grant.id}`, exact: true }).click();
    await row.filter({ hasText: '◐ Approved' }).waitFor();
    assert.match(await page.locator('#verification-key code').innerText(), /^[A-Za-z0-9_-]{43}$/);
  });

  it('approves a tool enrolment and revokes the tool', async () => {
    const key = await newToolKey();
    await api.call('/v1/devices/enrol', {
      body: { deviceId: 'tool-0009', csrPem: await csrFor('tool-0009', key) },
    });
    await page.locator('#enrolment').getByLabel('Tool id').fill('tool-0009');
    await page.getByRole('button', { name: 'Approve enrolment' }).click();
    await page.getByRole('alert').filter({ hasText: 'Tool tool-0009 approved' }).waitFor();
    await page.getByRole('button', { name: 'Revoke tool', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Tool tool-0009 revoked' }).waitFor();
    const actions = (await api.field.store.repositories.audit.list())
      .filter((e) => e.subject === 'tool-0009' && e.actor === api.supervisorId)
      .map((e) => e.action);
    assert.deepEqual(
      actions,
      ['device.approve', 'device.revoke'],
      'the head-end did both, as the supervisor',
    );
  });

  it("approves a worker's grant and shows the verification key once", async () => {
    const grant = expectBody(
      await api.call('/v1/grants', {
        body: { workOrderId: aiko.workOrderId },
        token: aiko.token,
        client: aiko.client,
      }),
      201,
      Grant,
    );
    await page.locator('#grant').getByLabel('Grant id').fill(grant.id);
    await page.getByRole('button', { name: 'Approve grant', exact: true }).click();
    const shown = page.locator('#verification-key code');
    await shown.waitFor();
    assert.match(await shown.innerText(), /^[A-Za-z0-9_-]{43}$/);
  });

  it('issues a DR authorisation that appears in the list', async () => {
    const form = page.locator('#dr-authorise');
    await form.getByLabel('Meter id').fill('M-0001');
    await form.getByLabel('Action').selectOption('load-limit');
    await form.getByLabel('Load limit, W').fill('3000');
    await page.getByRole('button', { name: 'Authorise', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Authorised load-limit of M-0001' }).waitFor();
    await page.locator('#authorisations tbody tr').filter({ hasText: 'load-limit 3000 W' }).waitFor();
    const stored = await api.field.amrRepo.listDrAuthorisations(10);
    assert.ok(
      stored.some((a) => a.meterId === 'M-0001' && a.action === 'load-limit' && a.loadLimitW === 3000),
      'the authorisation is stored',
    );
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Not signed in').waitFor();
    assert.equal(await page.locator('#signed-in').isHidden(), true);
  });
});
