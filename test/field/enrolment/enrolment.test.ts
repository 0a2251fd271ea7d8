/**
 * Enrolment from the tool against the real head-end API (HTTPS on 127.0.0.1): key and CSR into
 * the vault and to the head-end, supervisor approval, certificate collection, renewal policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadendApiError, HeadendClient } from '../../../src/field/headend-client/index.ts';
import {
  certificateKeySha256,
  collectCertificate,
  EnrolmentError,
  loadDeviceCredentials,
  renewalDue,
  renewIfDue,
  requestEnrolment,
} from '../../../src/field/enrolment/index.ts';
import { MemoryVault, VAULT_ENTRY, readText } from '../../../src/field/vault/index.ts';
import { startApi, type ApiHarness } from '../../headend/api/fixtures/server.ts';

const DEVICE = 'tablet-0007';
const DAY = 86_400_000;

async function setUp(t: { after: (fn: () => Promise<void>) => void }) {
  const h: ApiHarness = await startApi('enrolment');
  t.after(() => h.close());
  await h.accounts.createAccount('sato', 'supervisor-pass-1', 'supervisor', null);
  const url = `https://127.0.0.1:${String((h.server.app.server.address() as { port: number }).port)}`;
  const anonymous = new HeadendClient({ baseUrl: url, caCertificatePem: h.ca.certificatePem });
  t.after(() => Promise.resolve(anonymous.close()));
  const token = (
    await anonymous.call('signIn', { body: { username: 'sato', password: 'supervisor-pass-1' } })
  ).token;
  return { h, url, anonymous, token, vault: new MemoryVault() };
}

test('the tool enrols: key stays in the vault, the supervisor approves, the certificate is for that key', async (t) => {
  const { h, anonymous, token, vault } = await setUp(t);
  const pending = await requestEnrolment(vault, anonymous, DEVICE);
  assert.equal(pending.state, 'pending');
  assert.ok(
    (await vault.read(VAULT_ENTRY.DEVICE_PRIVATE_KEY)) !== null,
    'the device key is in the vault before the certificate exists',
  );
  assert.deepEqual(
    await collectCertificate(vault, anonymous, DEVICE),
    pending,
    'still pending before approval',
  );
  await anonymous.call('approveDevice', { token, params: { id: DEVICE } });
  const issued = await collectCertificate(vault, anonymous, DEVICE);
  assert.equal(issued.state, 'issued');
  const cert = await readText(vault, VAULT_ENTRY.DEVICE_CERTIFICATE);
  assert.ok(cert !== null, 'the certificate was stored');
  if (pending.state === 'pending') assert.equal(certificateKeySha256(cert), pending.publicKeySha256);
  assert.equal(await readText(vault, VAULT_ENTRY.CA_CERTIFICATE), h.ca.certificatePem);
  const creds = await loadDeviceCredentials(vault, DEVICE);
  assert.ok(creds !== null, 'credentials load from the vault');
  assert.ok(!h.logLines.join('\n').includes('PRIVATE KEY'), 'no key material in the head-end log');
});

test('a rejected enrolment is reported; a certificate for another key is refused and not stored', async (t) => {
  const { anonymous, token, vault } = await setUp(t);
  await requestEnrolment(vault, anonymous, DEVICE);
  await anonymous.call('rejectDevice', { token, params: { id: DEVICE } });
  assert.deepEqual(await collectCertificate(vault, anonymous, DEVICE), { state: 'rejected' });

  const other = 'tablet-0008';
  await requestEnrolment(vault, anonymous, other);
  await anonymous.call('approveDevice', { token, params: { id: other } });
  // The vault's key changed since the CSR left (another enrolment on the same tablet): the issued
  // certificate no longer matches it and must not be used.
  const replacement = new MemoryVault();
  await requestEnrolment(replacement, anonymous, 'tablet-0010');
  await vault.write(
    VAULT_ENTRY.DEVICE_PRIVATE_KEY,
    (await replacement.read(VAULT_ENTRY.DEVICE_PRIVATE_KEY))!,
  );
  await assert.rejects(collectCertificate(vault, anonymous, other), EnrolmentError);
  assert.equal(await vault.read(VAULT_ENTRY.DEVICE_CERTIFICATE), null, 'nothing stored');
});

test('a tampered CSR is refused by the head-end with a reason', async (t) => {
  const { anonymous } = await setUp(t);
  const err = await anonymous
    .call('enrolDevice', {
      body: {
        deviceId: DEVICE,
        csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
      },
    })
    .then(
      () => null,
      (e: unknown) => e,
    );
  assert.ok(err instanceof HeadendApiError, 'refused');
  assert.equal(err.code, 'bad-request');
  assert.equal(err.reason, 'malformed');
});

test('renewal: not before two thirds of the validity; then a new key and certificate replace the old', async (t) => {
  const { h, url, anonymous, token, vault } = await setUp(t);
  await requestEnrolment(vault, anonymous, DEVICE);
  await anonymous.call('approveDevice', { token, params: { id: DEVICE } });
  await collectCertificate(vault, anonymous, DEVICE);
  const creds = (await loadDeviceCredentials(vault, DEVICE))!;
  const oldCert = creds.certificatePem;
  const issuedAt = h.now;
  assert.equal(renewalDue(oldCert, issuedAt + 50 * DAY), false);
  assert.equal(renewalDue(oldCert, issuedAt + 61 * DAY), true);

  const device = new HeadendClient({ baseUrl: url, caCertificatePem: creds.caCertificatePem, device: creds });
  t.after(() => Promise.resolve(device.close()));
  assert.equal(await renewIfDue(vault, device, DEVICE, issuedAt + 10 * DAY), false);
  assert.equal(await readText(vault, VAULT_ENTRY.DEVICE_CERTIFICATE), oldCert, 'not due: unchanged');
  assert.equal(await renewIfDue(vault, device, DEVICE, issuedAt + 61 * DAY), true);
  const renewed = await loadDeviceCredentials(vault, DEVICE);
  assert.ok(renewed !== null && renewed.certificatePem !== oldCert, 'a new certificate is in the vault');
  assert.notEqual(
    certificateKeySha256(renewed.certificatePem),
    certificateKeySha256(oldCert),
    'for a new key',
  );
});
