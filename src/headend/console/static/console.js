/* global document, fetch, window, FormData */
// The supervisor console: plain DOM, no framework, no inline script (the CSP forbids it).
// The session token lives in this module's memory only: a reload signs the supervisor out.
// Every value from the server is written with textContent, never parsed as HTML.

const state = { token: null, account: null, timer: null, confirming: null };
const REFRESH_MS = 5000;

const $ = (id) => document.getElementById(id);

function showMessage(text, kind = 'error') {
  const el = $('message');
  el.textContent = text;
  el.className = kind === 'info' ? 'info' : '';
  el.hidden = text === '';
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (state.token !== null) headers.authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(data?.error?.message ?? `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

const time = (ms) =>
  ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fillTable(tableId, emptyId, rows, build) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren(...rows.map(build));
  if (emptyId) $(emptyId).hidden = rows.length > 0;
}

/** Online/offline as a word and a shape, never colour alone. */
function statusCell(online) {
  return cell(online ? '▲ Online' : '■ Offline', `status ${online ? 'online' : 'offline'}`);
}

function jobRow(job) {
  const tr = document.createElement('tr');
  tr.dataset.tool = job.deviceId;
  tr.append(
    cell(job.deviceId),
    statusCell(job.online),
    cell(job.jobId),
    cell(job.workerId),
    cell(job.state === 'active' ? '● Active' : `○ Ended${job.endReason ? ` (${job.endReason})` : ''}`),
    cell(job.meshPrefix),
  );
  const action = document.createElement('td');
  if (job.state === 'active') {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'danger';
    b.textContent = `Revoke ${job.deviceId}`;
    b.addEventListener('click', () => void revokeTool(job.deviceId));
    action.append(b);
  }
  tr.append(action);
  return tr;
}

async function revokeTool(deviceId) {
  if (!window.confirm(`Revoke tool ${deviceId}? It stops at once and needs re-enrolment.`)) return;
  try {
    await api('POST', `/v1/devices/${encodeURIComponent(deviceId)}/revoke`);
    showMessage(`Tool ${deviceId} revoked.`, 'info');
    await refresh();
  } catch (e) {
    showMessage(`Revoking ${deviceId} failed: ${e.message}`);
  }
}

function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (className) b.className = className;
  b.addEventListener('click', onClick);
  return b;
}

/** Enrolment states as a word and a symbol, never colour alone. */
const DEVICE_STATE = {
  pending: '◌ Pending approval',
  issued: '✔ Issued',
  rejected: '✖ Rejected',
  revoked: '⊘ Revoked',
};
const ORDER_STATE = {
  assigned: '○ Assigned',
  active: '● Active',
  completed: '✔ Completed',
  cancelled: '✖ Cancelled',
};
const GRANT_STATE = {
  pending: '◌ Pending approval',
  approved: '◐ Approved (key not yet used)',
  exchanged: '✔ Exchanged',
  expired: '⌛ Expired',
  revoked: '⊘ Revoked',
};

async function decideEnrolment(deviceId, decision) {
  try {
    const result = await api('POST', `/v1/devices/${encodeURIComponent(deviceId)}/${decision}`);
    showMessage(
      decision === 'reject'
        ? `Enrolment of ${deviceId} rejected.`
        : `Tool ${deviceId} approved (certificate ${result.serial}).`,
      'info',
    );
    await refresh();
  } catch (e) {
    showMessage(`${decision === 'reject' ? 'Rejecting' : 'Approving'} ${deviceId} failed: ${e.message}`);
  }
}

/** Revoking from a row takes two clicks: the row's button turns into Confirm / Cancel. */
function askRevoke(td, deviceId) {
  const confirm = button(`Confirm revoke ${deviceId}`, 'danger', () => void revokeConfirmed(deviceId));
  const cancel = button('Cancel', 'secondary', () => {
    state.confirming = null;
    void refresh();
  });
  const note = document.createElement('span');
  note.textContent = 'It stops at once and needs re-enrolment. ';
  td.replaceChildren(note, confirm, cancel);
  state.confirming = deviceId;
}

function deviceRow(d) {
  const tr = document.createElement('tr');
  tr.dataset.tool = d.deviceId;
  const online = d.online === null ? cell('— No active job') : statusCell(d.online);
  tr.append(
    cell(d.deviceId),
    cell(DEVICE_STATE[d.state] ?? d.state, 'state'),
    cell(d.publicKeySha256.slice(0, 16) + '…'),
    cell(time(d.certificateNotAfterMs)),
    online,
  );
  const action = document.createElement('td');
  if (d.state === 'pending')
    action.append(
      button(`Approve ${d.deviceId}`, '', () => void decideEnrolment(d.deviceId, 'approve')),
      button(`Reject ${d.deviceId}`, 'secondary', () => void decideEnrolment(d.deviceId, 'reject')),
    );
  else if (d.state === 'issued')
    action.append(button(`Revoke ${d.deviceId}`, 'danger', () => askRevoke(action, d.deviceId)));
  if (state.confirming === d.deviceId && d.state === 'issued') askRevoke(action, d.deviceId);
  tr.append(action);
  return tr;
}

function orderRow(o) {
  const tr = document.createElement('tr');
  tr.dataset.order = o.id;
  tr.append(
    cell(o.id),
    cell(o.workerId),
    cell(o.toolId),
    cell(String(o.meterCount)),
    cell(`${time(o.windowStartMs)} – ${time(o.windowEndMs)}`),
    cell(ORDER_STATE[o.state] ?? o.state, 'state'),
  );
  return tr;
}

function grantRow(g) {
  const tr = document.createElement('tr');
  tr.dataset.grant = g.id;
  tr.append(
    cell(g.id),
    cell(g.workOrderId),
    cell(g.workerId),
    cell(g.toolId),
    cell(GRANT_STATE[g.state] ?? g.state, 'state'),
    cell(time(g.expiresAtMs)),
  );
  const action = document.createElement('td');
  if (g.state === 'pending')
    action.append(
      button(
        `Approve grant ${g.id}`,
        '',
        () =>
          void approveGrant(g.id).catch((e) => showMessage(`Approving grant ${g.id} failed: ${e.message}`)),
      ),
    );
  tr.append(action);
  return tr;
}

async function revokeConfirmed(deviceId) {
  state.confirming = null;
  try {
    await api('POST', `/v1/devices/${encodeURIComponent(deviceId)}/revoke`);
    showMessage(`Tool ${deviceId} revoked.`, 'info');
    await refresh();
  } catch (e) {
    showMessage(`Revoking ${deviceId} failed: ${e.message}`);
  }
}

async function refresh() {
  if (state.token === null) return;
  const [devices, orders, grants] = await Promise.allSettled([
    api('GET', '/v1/console/devices?limit=200'),
    api('GET', '/v1/console/work-orders?limit=200'),
    api('GET', '/v1/console/grants?limit=200'),
  ]);
  if (state.token === null) return;
  if (devices.status === 'fulfilled') fillTable('devices', 'devices-empty', devices.value.devices, deviceRow);
  if (orders.status === 'fulfilled')
    fillTable('work-orders', 'work-orders-empty', orders.value.workOrders, orderRow);
  if (grants.status === 'fulfilled') fillTable('grants', 'grants-empty', grants.value.grants, grantRow);
  const [jobs, exceptions, auths, audit] = await Promise.allSettled([
    api('GET', '/v1/jobs'),
    api('GET', '/v1/console/read-exceptions?limit=100'),
    api('GET', '/v1/console/dr-authorisations?limit=50'),
    api('GET', '/v1/console/audit?limit=200'),
  ]);
  if (jobs.status === 'fulfilled') fillTable('jobs', 'jobs-empty', jobs.value.jobs, jobRow);
  else fillTable('jobs', 'jobs-empty', [], jobRow);
  if (exceptions.status === 'fulfilled')
    fillTable('exceptions', 'exceptions-empty', exceptions.value.exceptions, (e) => {
      const tr = document.createElement('tr');
      tr.append(cell(time(e.atMs)), cell(e.meterId), cell(`⚠ ${e.reason}`), cell(e.detail ?? ''));
      return tr;
    });
  if (auths.status === 'fulfilled')
    fillTable('authorisations', null, auths.value.authorisations, (a) => {
      const tr = document.createElement('tr');
      const what = a.action === 'load-limit' ? `load-limit ${a.loadLimitW} W` : a.action;
      tr.append(
        cell(time(a.issuedAtMs)),
        cell(a.meterId),
        cell(what),
        cell(a.id),
        cell(a.usedAtMs === null ? 'Not used' : `Used ${time(a.usedAtMs)} by ${a.usedBy}`),
      );
      return tr;
    });
  if (audit.status === 'fulfilled') {
    const dr = audit.value.entries.filter((e) => e.action.startsWith('dr.') && e.action !== 'dr.authorise');
    fillTable('dr-audit', 'dr-audit-empty', dr, (e) => {
      const tr = document.createElement('tr');
      const denied = e.outcome === 'denied';
      tr.append(
        cell(time(e.atMs)),
        cell(e.action.slice(3)),
        cell(e.subject ?? ''),
        cell(e.detail?.toolId ?? e.actor ?? ''),
        cell(e.detail?.workerId ?? ''),
        cell(denied ? `✖ Refused: ${e.reason}` : `✔ ${e.reason}`, `status ${denied ? 'denied' : ''}`),
      );
      return tr;
    });
  }
}

function signedIn(account) {
  state.account = account;
  $('who').textContent = `Signed in as ${account.username} (${account.role})`;
  $('sign-in-section').hidden = true;
  $('signed-in').hidden = false;
  $('sign-out').hidden = false;
  state.timer = window.setInterval(() => void refresh(), REFRESH_MS);
  void refresh();
}

function signedOut() {
  state.token = null;
  state.account = null;
  if (state.timer !== null) window.clearInterval(state.timer);
  state.timer = null;
  $('who').textContent = 'Not signed in';
  $('sign-in-section').hidden = false;
  $('signed-in').hidden = true;
  $('sign-out').hidden = true;
}

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function onSubmit(id, handler) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    const submitter = event.submitter;
    void handler(event.target, submitter?.value ?? '').catch((e) => showMessage(e.message));
  });
}

onSubmit('sign-in', async (form) => {
  const { username, password } = formValues(form);
  try {
    const session = await api('POST', '/v1/session', { username, password });
    if (session.role === 'field-worker') {
      state.token = session.token;
      await api('DELETE', '/v1/session').catch(() => undefined);
      state.token = null;
      showMessage('This console is for supervisors; field workers use the tool.');
      return;
    }
    state.token = session.token;
    form.reset();
    showMessage('');
    signedIn({ username, role: session.role });
  } catch (e) {
    showMessage(`Sign-in failed: ${e.message}`);
  }
});

$('sign-out').addEventListener('click', () => {
  void api('DELETE', '/v1/session')
    .catch(() => undefined)
    .then(signedOut);
});

onSubmit('enrolment', async (form, decision) => {
  const { deviceId } = formValues(form);
  if (decision === 'revoke') return revokeTool(deviceId);
  const path = `/v1/devices/${encodeURIComponent(deviceId)}/${decision === 'reject' ? 'reject' : 'approve'}`;
  const result = await api('POST', path);
  showMessage(
    decision === 'reject'
      ? `Enrolment of ${deviceId} rejected.`
      : `Tool ${deviceId} approved (certificate ${result.serial}).`,
    'info',
  );
});

onSubmit('work-order', async (form) => {
  const v = formValues(form);
  const now = Date.now();
  const order = await api('POST', '/v1/work-orders', {
    workerId: v.workerId,
    toolId: v.toolId,
    meterIds: String(v.meterIds)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    windowStartMs: now,
    windowEndMs: now + Number(v.hours) * 3_600_000,
  });
  const li = document.createElement('li');
  li.textContent = `Work order ${order.id}: ${order.meters.length} meter(s) for ${order.workerId} with ${order.toolId}, until ${time(order.windowEndMs)} (${order.state})`;
  $('orders-created').append(li);
  showMessage(`Work order ${order.id} assigned.`, 'info');
});

onSubmit('grant', async (form) => {
  const { grantId } = formValues(form);
  await approveGrant(grantId);
});

async function approveGrant(grantId) {
  const issued = await api('POST', `/v1/grants/${encodeURIComponent(grantId)}/approve`);
  const p = $('verification-key');
  p.replaceChildren(
    'Verification key for the worker (shown once, valid until ',
    time(issued.expiresAtMs),
    '): ',
  );
  const code = document.createElement('code');
  code.textContent = issued.verificationKey;
  p.append(code);
  p.hidden = false;
  await refresh();
}

onSubmit('dr-authorise', async (form) => {
  const v = formValues(form);
  const body = { action: v.action };
  if (v.action === 'load-limit') body.loadLimitW = Number(v.loadLimitW);
  const a = await api('POST', `/v1/meters/${encodeURIComponent(v.meterId)}/dr-authorisations`, body);
  showMessage(
    `Authorised ${a.action} of ${a.meterId}: authorisation ${a.id}, until ${time(a.expiresAtMs)}.`,
    'info',
  );
  await refresh();
});
