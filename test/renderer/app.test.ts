import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { DrResultView, MeterDetailView } from '../../src/contract/app/index.ts';
import { GrantHandOver, type MeterData, type PendingGrant } from '../../src/field/app-engine/index.ts';
import { eui, meterId, meters, topology } from '../field/app-engine/fixtures/scripted-job.ts';
import { startAppUnderTest, WORKER, type AppUnderTest } from './fixtures/app-under-test.ts';

const TIMEOUT = 10_000;
let app: AppUnderTest;
let page: Page;
const drCalls: string[] = [];
const EXPIRES = Date.parse('2030-01-02T03:04:00Z');
const grant = new GrantHandOver();

/** Values the head-end would return for a meter, distinct per meter so the UI cannot fake them. */
const meterData: MeterData = {
  detail(id): Promise<Omit<MeterDetailView, 'drAuthorised'>> {
    const n = Number(id.slice(1));
    return Promise.resolve({
      meterId: id,
      fetchedAtMs: Date.now(),
      registerKWh: 1000 + n + 0.5,
      instantaneousPowerW: 300 + n,
      currentA: { r: 2.5, t: 1.5 },
      halfHourly: Array.from({ length: 48 }, (_, i) => ({
        startMs: 1_700_000_000_000 + i * 1_800_000,
        kWh: 0.1 * (i % 6),
      })),
      // Meter 3 alone has a supervisor's authorisation, for a disconnect only.
      drAuthorisations:
        n === 3 ? [{ action: 'disconnect', loadLimitW: null, issuedBy: 'sato', expiresAtMs: EXPIRES }] : [],
    });
  },
  demandResponse(id, action): Promise<DrResultView> {
    drCalls.push(`${id}:${action.action}`);
    return Promise.resolve({ meterId: id, action, outcome: 'confirmed', detail: null, atMs: Date.now() });
  },
};

before(async () => {
  app = await startAppUnderTest({ meterData, grant });
  page = app.page;
  page.setDefaultTimeout(TIMEOUT);
});
after(async () => {
  await app?.close();
});

/** Every visible control: its size and the accessible name Chromium computes for it. */
async function controls(p: Page): Promise<{ what: string; width: number; height: number; name: string }[]> {
  const cdp = await p.context().newCDPSession(p);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: {
      ignored: boolean;
      role?: { value: string };
      name?: { value: string };
      backendDOMNodeId?: number;
    }[];
  };
  const roles = new Set([
    'button',
    'textbox',
    'searchbox',
    'combobox',
    'spinbutton',
    'checkbox',
    'link',
    'slider',
  ]);
  const out: { what: string; width: number; height: number; name: string }[] = [];
  for (const n of nodes) {
    if (n.ignored || !roles.has(n.role?.value ?? '') || n.backendDOMNodeId === undefined) continue;
    const box = (await cdp
      .send('DOM.getBoxModel', { backendNodeId: n.backendDOMNodeId })
      .catch(() => null)) as {
      model: { width: number; height: number };
    } | null;
    if (box === null) continue; // not rendered
    out.push({
      what: `${n.role?.value ?? ''} "${n.name?.value ?? ''}"`,
      width: box.model.width,
      height: box.model.height,
      name: n.name?.value ?? '',
    });
  }
  await cdp.detach();
  return out;
}

async function assertGloveFriendly(p: Page, screen: string): Promise<void> {
  const all = await controls(p);
  assert.ok(all.length >= 3, `${screen}: controls found (${String(all.length)})`);
  const small = all
    .filter((c) => c.width < 48 || c.height < 48)
    .map((c) => `${c.what} ${String(c.width)}×${String(c.height)}`);
  assert.deepEqual(small, [], `${screen}: every control is at least 48 × 48 px`);
  const nameless = all.filter((c) => c.name.trim() === '').map((c) => c.what);
  assert.deepEqual(nameless, [], `${screen}: every control has an accessible name`);
}

test('a wrong password is refused with a message; the right one signs the worker in at the real head-end', async () => {
  await page.getByLabel('User name').fill(WORKER.username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong user name or password.' }).waitFor();
  await assertGloveFriendly(page, 'sign-in');

  await page.getByLabel('Password').fill(WORKER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as aiko (field-worker)').waitFor();
  assert.equal(await page.getByLabel('Password').count(), 0, 'the sign-in form is gone');
});

test('choosing the dongle and starting a job shows the steps and "20 of 20 meters read"', async () => {
  await page.getByRole('button', { name: 'Use Simulated dongle' }).click();
  await page.getByRole('button', { name: 'Use Simulated dongle', pressed: true }).waitFor();
  await page.getByRole('button', { name: 'Start job' }).click();
  await page.locator('.stepper li[data-status]').first().waitFor();
  assert.ok(app.job.started !== null, 'the engine started the job driver');
  app.job.completeWith(20);
  const progress = page.getByRole('status', { name: 'Job progress' });
  await progress.filter({ hasText: '20 of 20 meters read' }).waitFor();
  assert.match(await progress.innerText(), /20 of 20 meters joined/);
  assert.equal(await page.locator('.stepper li[data-status="done"]').count(), 6, 'all six steps done');
  await page.getByRole('img', { name: /Mesh: 21 nodes/ }).waitFor();
  await page.getByRole('button', { name: `Open meter ${meterId(1)}` }).waitFor();
});

test('a waiting grant asks for the verification key; a wrong key says what to do and the right one is accepted', async () => {
  const pending: PendingGrant = { grantId: 'grant-7Qx', workOrderId: 'WO-42' };
  // What the read results do once the mesh runs: wait for the key the supervisor reads out.
  const first = grant.verificationKey(pending);
  const panel = page.getByRole('region', { name: 'Waiting for your supervisor' });
  await panel.waitFor();
  const text = await panel.innerText();
  assert.match(text, /grant-7Qx/, 'the grant id to quote');
  assert.match(text, /WO-42/, 'the work order to quote');
  assert.match(
    text,
    /Ask your supervisor to approve access in the console and read you the verification key/,
  );
  await assertGloveFriendly(page, 'grant waiting');

  const wrong = 'w'.repeat(43);
  await panel.getByLabel('Verification key').fill(wrong);
  await panel.getByRole('button', { name: 'Submit key' }).click();
  assert.equal(await first, wrong, 'the typed key reaches the engine');
  grant.refused(pending, 'wrong-key');
  const second = grant.verificationKey({ ...pending, previousError: 'wrong-key' });
  await panel.getByRole('alert').filter({ hasText: 'The head-end did not accept this key' }).waitFor();
  assert.match(await panel.getByRole('alert').innerText(), /Check it with your supervisor/);

  const right = 'R'.repeat(43);
  await panel.getByLabel('Verification key').fill(right);
  await panel.getByRole('button', { name: 'Submit key' }).click();
  assert.equal(await second, right, 'the worker may try again');
  grant.accepted(pending);
  await page
    .getByRole('status', { name: 'Access to meter data' })
    .filter({ hasText: 'Access approved' })
    .waitFor();
  await panel.waitFor({ state: 'detached' });
  const stored = await page.evaluate(
    `JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie`,
  );
  assert.ok(typeof stored === 'string' && !stored.includes(right), 'the key is kept nowhere in the browser');
});

test('a meter opens with the head-end values; DR asks for confirmation before it is sent', async () => {
  await page.getByRole('button', { name: `Open meter ${meterId(3)}` }).click();
  await page.locator('[data-value="register"]').filter({ hasText: '1003.5' }).waitFor();
  assert.equal(await page.locator('[data-value="power"]').innerText(), '303');
  await page.getByRole('img', { name: /Half-hourly consumption \(kWh\): 48 × 30 min/ }).waitFor();
  await assertGloveFriendly(page, 'job with meter detail');
  // Per action: who authorised it until when, or what to ask for; a disabled button says why in text.
  const disconnect = page.getByRole('button', { name: 'Disconnect supply' });
  assert.equal(await disconnect.isEnabled(), true, 'an authorised action can be chosen');
  assert.match((await disconnect.getAttribute('aria-describedby')) ?? '', /dr-state-disconnect/);
  assert.match(await page.locator('#dr-state-disconnect').innerText(), /^✔ Authorised by sato until .+/);
  const reconnect = page.getByRole('button', { name: 'Reconnect supply' });
  assert.equal(await reconnect.isDisabled(), true, 'no authorisation, no reconnect');
  assert.equal(
    (await page.locator('#dr-state-reconnect').innerText()).replace(/^✖\s*/, ''),
    `Not authorised — ask your supervisor to authorise reconnect for meter ${meterId(3)}`,
  );
  assert.equal(await page.getByRole('button', { name: 'Limit load' }).isDisabled(), true);
  assert.match(await page.locator('#dr-state-load-limit').innerText(), /authorise a load limit for meter/);

  await page.getByRole('button', { name: 'Disconnect supply' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Confirm demand-response action' });
  await dialog.waitFor();
  assert.deepEqual(drCalls, [], 'nothing is sent before confirmation');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.deepEqual(drCalls, [], 'cancel sends nothing');
  await page.getByRole('button', { name: 'Disconnect supply' }).click();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.getByText('Disconnect supply: Confirmed by the meter').waitFor();
  assert.deepEqual(drCalls, [`${meterId(3)}:disconnect`]);

  // Evaluated in the page (a string: this file is compiled without the DOM library).
  const stored = await page.evaluate(`(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    idb: (await indexedDB.databases()).length,
    cookies: document.cookie,
  }))()`);
  assert.deepEqual(stored, { local: 0, session: 0, idb: 0, cookies: '' }, 'no meter data in browser storage');
});

test('the language switch turns the UI Japanese and back', async () => {
  await page.getByLabel('Language').selectOption('ja');
  await page.getByRole('button', { name: '作業終了' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
  await page
    .getByRole('status', { name: '作業の進捗' })
    .filter({ hasText: '20 台中 20 台を検針済み' })
    .waitFor();
  await page
    .getByRole('status', { name: 'メーターデータへのアクセス' })
    .filter({ hasText: 'アクセスが承認されました' })
    .waitFor();
  await assertGloveFriendly(page, 'Japanese');
  await page.getByLabel('言語').selectOption('en');
  await page.getByRole('button', { name: 'End job' }).waitFor();
});

test('the high-contrast theme is black on white with thick outlines, and targets stay glove-sized', async () => {
  await page.getByLabel('Theme').selectOption('high-contrast');
  await page.waitForFunction(`document.documentElement.dataset.theme === 'high-contrast'`);
  const look = await page.evaluate(`(() => {
    const body = getComputedStyle(document.body);
    const card = getComputedStyle(document.querySelector('.card'));
    const button = getComputedStyle(document.querySelector('button'));
    return { bg: body.backgroundColor, fg: body.color, border: card.borderTopWidth, buttonBg: button.backgroundColor, buttonFg: button.color };
  })()`);
  assert.deepEqual(look, {
    bg: 'rgb(255, 255, 255)',
    fg: 'rgb(0, 0, 0)',
    border: '3px',
    buttonBg: 'rgb(0, 0, 0)',
    buttonFg: 'rgb(255, 255, 255)',
  });
  await assertGloveFriendly(page, 'high contrast');
  await page.getByLabel('Theme').selectOption('light');
});

test('at 1,000 meters the list stays virtualised and the mesh is drawn whole', async () => {
  app.job.o.meters(meters(1000, 'joined', 'read', true), 1000);
  app.job.o.topology(topology(1000));
  await page.getByRole('heading', { name: 'Meters (1000)' }).waitFor();
  await page.getByRole('img', { name: /Mesh: 1001 nodes/ }).waitFor();
  const rows = await page.getByRole('list', { name: 'Meters' }).getByRole('listitem').count();
  assert.ok(rows > 0 && rows <= 16, `only the rows in view are in the DOM (${String(rows)})`);
  await page.evaluate(`(() => {
    const list = document.querySelector('.meter-scroll');
    list.scrollTop = list.scrollHeight;
  })()`);
  await page.getByRole('button', { name: `Open meter ${meterId(1000)}` }).waitFor();
  await page.getByLabel('Search meters').fill('M0777');
  await page.getByRole('heading', { name: 'Meters (1)' }).waitFor();
  await page.getByRole('button', { name: `Open meter ${meterId(777)}` }).waitFor();
  await page.getByLabel('Search meters').fill('');
});

test('a meter row shows its EUI-64 and join state as text, found by EUI-64; the dongle shows the job’s radio', async () => {
  app.job.o.radio({ channel: 38, panId: 0x0abc });
  const dongle = page.getByRole('listitem').filter({ hasText: 'Simulated dongle' });
  await dongle.filter({ hasText: 'Channel: 38' }).filter({ hasText: 'PAN ID: 0x0abc' }).waitFor();

  const [row5] = meters(5, 'authenticating', 'unread', true).slice(4);
  app.job.o.meters([{ ...row5!, hops: null }]);
  // Typed as printed on a meter's label, with colons.
  const printed = eui(5).match(/../g)!.join(':');
  await page.getByLabel('Search meters').fill(printed);
  await page.getByRole('heading', { name: 'Meters (1)' }).waitFor();
  const row = page.getByRole('list', { name: 'Meters' }).getByRole('listitem');
  await row
    .filter({ hasText: `EUI-64 ${eui(5)}` })
    .filter({ hasText: 'Authenticating' })
    .waitFor();
  assert.match(await row.innerText(), /Hops: –/, 'no hops before the route is known');

  app.job.o.meters([{ ...row5!, join: 'joined', hops: 2, linkEtx: 1.5 }]);
  await row.filter({ hasText: 'Joined' }).filter({ hasText: 'Hops: 2' }).waitFor();
  assert.match(await row.innerText(), /Link ETX 1\.5/, 'the link quality to the tool is shown');
  await page.getByLabel('Search meters').fill('');
});

test('a revocation explains itself: what happened and what to do', async () => {
  app.job.o.alert('revoked', 'revoked by supervisor sato: tablet reported lost');
  app.job.o.stopped('revoked by supervisor sato');
  const alert = page.locator('[data-alert="revoked"]');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /This tool has been revoked/);
  assert.match(text, /network key was wiped/);
  assert.match(text, /Call your supervisor/);
  assert.match(text, /tablet reported lost/);
  await page.getByRole('heading', { name: 'Job summary' }).waitFor();
  // Meters are gone from the screen once the job is over.
  await page.getByRole('button', { name: `Open meter ${meterId(1)}` }).waitFor({ state: 'detached' });
  await page.getByText('No meters match.').waitFor();
});
