import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CA_FOLDER,
  CA_KEY_FILE,
  CertificateAuthority,
  CsrRefusedError,
  fileCaStore,
  memoryCaStore,
  type CaStore,
  type CsrRefusal,
} from '../../../src/headend/ca/index.ts';
import { seededRandom } from '../access/fixtures/harness.ts';
import { csrFor, newToolKey, rsaCsrFor, tamperSignature } from '../api/fixtures/tool.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openCa(store: CaStore, clock = () => T0, clientValidityMs?: number) {
  return CertificateAuthority.open({
    store,
    clock,
    random: seededRandom('ca'),
    ...(clientValidityMs === undefined ? {} : { clientValidityMs }),
  });
}

async function refusal(p: Promise<unknown>): Promise<CsrRefusal> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CsrRefusedError) return err.reason;
    throw err;
  }
  assert.fail('expected the CSR to be refused');
}

test('the CA root is created once, kept with a 0600 key file, and reopened unchanged', async (t) => {
  const dir = tempDir(t);
  const ca = await openCa(fileCaStore(dir));
  const root = new X509Certificate(ca.certificatePem);
  assert.ok(root.ca, 'the root is a CA certificate');
  assert.ok(root.verify(root.publicKey), 'the root is self-signed');
  assert.equal(root.publicKey.asymmetricKeyType, 'ec');
  assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(statSync(join(dir, CA_FOLDER, CA_KEY_FILE)).mode & 0o777, 0o600);
  const again = await openCa(fileCaStore(dir));
  assert.equal(again.certificatePem, ca.certificatePem);
});

test('a client certificate: CN = device id, clientAuth only, random 128-bit serial, the configured validity', async () => {
  const ca = await openCa(memoryCaStore(), () => T0, 30 * DAY);
  const key = await newToolKey();
  const issued = await ca.issueClientCertificate(await csrFor('tool-aiko', key), 'tool-aiko');
  const cert = new X509Certificate(issued.certificatePem);
  assert.equal(cert.subject, 'CN=tool-aiko');
  assert.ok(cert.verify(new X509Certificate(ca.certificatePem).publicKey), 'signed by the CA');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(cert.ca, false);
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(issued.serial, /^[4-7][0-9a-f]{31}$/);
  assert.equal(cert.serialNumber.toLowerCase(), issued.serial);
  assert.equal(Date.parse(cert.validTo) - T0, 30 * DAY);
  const second = await ca.issueClientCertificate(await csrFor('tool-aiko', key), 'tool-aiko');
  assert.notEqual(second.serial, issued.serial);
});

test('CSRs are refused with a reason: broken signature, wrong subject, RSA key, not a CSR', async () => {
  const ca = await openCa(memoryCaStore());
  const key = await newToolKey();
  assert.equal(
    await refusal(ca.issueClientCertificate(tamperSignature(await csrFor('tool-a', key)), 'tool-a')),
    'bad-signature',
  );
  assert.equal(
    await refusal(ca.issueClientCertificate(await csrFor('tool-b', key), 'tool-a')),
    'subject-mismatch',
  );
  assert.equal(await refusal(ca.issueClientCertificate(await rsaCsrFor('tool-a'), 'tool-a')), 'key-not-p256');
  assert.equal(
    await refusal(ca.issueClientCertificate('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n', 'tool-a')),
    'malformed',
  );
  assert.equal(ca.certificatesOf('tool-a').length, 0);
});

test('revocation is immediate, persisted, and identifyClient refuses the certificate', async (t) => {
  const dir = tempDir(t);
  const ca = await openCa(fileCaStore(dir), () => Date.now());
  const issued = await ca.issueClientCertificate(await csrFor('tool-r', await newToolKey()), 'tool-r');
  const cert = new X509Certificate(issued.certificatePem);
  assert.deepEqual(ca.identifyClient(cert), { ok: true, deviceId: 'tool-r', serial: issued.serial });
  assert.equal(ca.isRevoked(cert), false);
  assert.equal(await ca.revoke(issued.serial.toUpperCase()), true);
  assert.equal(await ca.revoke(issued.serial), false, 'a second revocation changes nothing');
  assert.equal(ca.isRevoked(cert), true);
  assert.deepEqual(ca.identifyClient(cert), { ok: false, reason: 'revoked' });
  const reopened = await openCa(fileCaStore(dir), () => Date.now());
  assert.equal(reopened.isRevoked(cert), true);
});

test('identifyClient refuses a certificate from another CA and an expired one', async () => {
  let now = Date.now();
  const ours = await openCa(memoryCaStore(), () => now, DAY);
  const theirs = await openCa(memoryCaStore(), () => now);
  const key = await newToolKey();
  const foreign = await theirs.issueClientCertificate(await csrFor('tool-f', key), 'tool-f');
  assert.deepEqual(ours.identifyClient(new X509Certificate(foreign.certificatePem)), {
    ok: false,
    reason: 'not-issued-by-this-ca',
  });
  const mine = await ours.issueClientCertificate(await csrFor('tool-f', key), 'tool-f');
  now += 2 * DAY;
  assert.deepEqual(ours.identifyClient(new X509Certificate(mine.certificatePem)), {
    ok: false,
    reason: 'expired',
  });
  assert.equal(ours.hasValidCertificate('tool-f'), false);
});

test('renewal issues a new certificate for a new key while the current one is valid', async () => {
  const ca = await openCa(memoryCaStore(), () => Date.now());
  const first = await ca.issueClientCertificate(await csrFor('tool-n', await newToolKey()), 'tool-n');
  const renewed = await ca.renew(
    new X509Certificate(first.certificatePem),
    await csrFor('tool-n', await newToolKey()),
  );
  assert.equal(renewed.deviceId, 'tool-n');
  assert.notEqual(renewed.publicKeySha256, first.publicKeySha256);
  assert.equal(ca.certificatesOf('tool-n').length, 2);
  await ca.revokeDevice('tool-n');
  await assert.rejects(
    ca.renew(new X509Certificate(renewed.certificatePem), await csrFor('tool-n', await newToolKey())),
    /revoked/,
  );
});

test('the server certificate names 127.0.0.1 and localhost and is for serverAuth', async () => {
  const ca = await openCa(memoryCaStore());
  const server = await ca.issueServerCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const cert = new X509Certificate(server.certificatePem);
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(cert.checkHost('localhost'), 'localhost');
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.ok(cert.checkIssued(new X509Certificate(ca.certificatePem)), 'issued by the CA');
});
