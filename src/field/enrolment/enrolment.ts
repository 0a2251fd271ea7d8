/**
 * Enrolment from the tool (issue #4 §4): the tool creates its device key and a CSR, uploads it
 * (/v1/devices/enrol, no client certificate yet), shows the key fingerprint for the supervisor to
 * compare, and collects the certificate once a supervisor approved it. The key goes to the vault
 * before the CSR leaves the tool and stays there; the certificate is stored only when its public
 * key is the one in the vault, so a swapped certificate is never used.
 *
 * Renewal policy: a certificate is renewed once two thirds of its validity have passed (30 days
 * before expiry for the CA's 90-day default), at the start of a job or whenever `renewIfDue` is
 * called. Renewal uses a new key (RFC 7030 §4.2.2 re-enrolment, authenticated by the current
 * certificate); the new key and certificate replace the old ones in the vault only after the
 * head-end has issued the new certificate, so a failed renewal leaves a working tool.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type { HeadendClient } from '../headend-client/index.ts';
import type { SecretBytes } from '../../log/index.ts';
import type { CredentialVault } from '../vault/index.ts';
import { VAULT_ENTRY, readSecret, readText, writeText } from '../vault/index.ts';
import { certificateKeySha256, certificateValidity, createDeviceKey, pkcs8ToPem } from './device-key.ts';

/** Renew when this fraction of the validity period has passed. */
export const RENEW_AFTER_FRACTION = 2 / 3;

export class EnrolmentError extends Error {
  override name = 'EnrolmentError';
}

export type EnrolmentProgress =
  | { readonly state: 'pending'; readonly publicKeySha256: string }
  | { readonly state: 'rejected' }
  | { readonly state: 'issued'; readonly notAfterMs: number };

export interface StoredDeviceCredentials {
  readonly deviceId: string;
  readonly certificatePem: string;
  readonly caCertificatePem: string;
  /** PEM of the device key; wipe it when done. */
  readonly privateKeyPem: SecretBytes;
  readonly notAfterMs: number;
}

/** Starts enrolment: a new key into the vault, the CSR to the head-end. */
export async function requestEnrolment(
  vault: CredentialVault,
  client: HeadendClient,
  deviceId: string,
): Promise<EnrolmentProgress> {
  const key = await createDeviceKey(deviceId);
  try {
    await vault.write(VAULT_ENTRY.DEVICE_PRIVATE_KEY, key.pkcs8.expose());
  } finally {
    key.pkcs8.wipe();
  }
  await vault.erase(VAULT_ENTRY.DEVICE_CERTIFICATE);
  const answer = await client.call('enrolDevice', { body: { deviceId, csrPem: key.csrPem } });
  if (answer.publicKeySha256 !== key.publicKeySha256)
    throw new EnrolmentError('the head-end recorded a different key fingerprint than the one sent');
  return { state: 'pending', publicKeySha256: key.publicKeySha256 };
}

/** Asks whether the supervisor decided; stores the certificate once issued. */
export async function collectCertificate(
  vault: CredentialVault,
  client: HeadendClient,
  deviceId: string,
): Promise<EnrolmentProgress> {
  const answer = await client.call('deviceCertificate', { params: { id: deviceId } });
  if (answer.state === 'rejected') return { state: 'rejected' };
  const key = await readSecret(vault, VAULT_ENTRY.DEVICE_PRIVATE_KEY);
  if (key === null) throw new EnrolmentError('no device key in the vault: enrol again');
  try {
    const fingerprint = publicKeyOf(key);
    if (answer.state === 'pending') return { state: 'pending', publicKeySha256: fingerprint };
    if (certificateKeySha256(answer.certificatePem) !== fingerprint)
      throw new EnrolmentError('the issued certificate is not for the key in the vault');
    await writeText(vault, VAULT_ENTRY.DEVICE_CERTIFICATE, answer.certificatePem);
    await writeText(vault, VAULT_ENTRY.CA_CERTIFICATE, answer.caCertificatePem);
    return { state: 'issued', notAfterMs: answer.notAfterMs };
  } finally {
    key.wipe();
  }
}

/** The enrolled credentials from the vault, or null before enrolment completed. */
export async function loadDeviceCredentials(
  vault: CredentialVault,
  deviceId: string,
): Promise<StoredDeviceCredentials | null> {
  const certificatePem = await readText(vault, VAULT_ENTRY.DEVICE_CERTIFICATE);
  const caCertificatePem = await readText(vault, VAULT_ENTRY.CA_CERTIFICATE);
  const key = await readSecret(vault, VAULT_ENTRY.DEVICE_PRIVATE_KEY);
  if (certificatePem === null || caCertificatePem === null || key === null) {
    key?.wipe();
    return null;
  }
  try {
    return {
      deviceId,
      certificatePem,
      caCertificatePem,
      privateKeyPem: pkcs8ToPem(key),
      notAfterMs: certificateValidity(certificatePem).notAfterMs,
    };
  } finally {
    key.wipe();
  }
}

/** Whether the certificate is in the last third of its validity (or past it). */
export function renewalDue(certificatePem: string, nowMs: number): boolean {
  const { notBeforeMs, notAfterMs } = certificateValidity(certificatePem);
  return nowMs >= notBeforeMs + (notAfterMs - notBeforeMs) * RENEW_AFTER_FRACTION;
}

/**
 * Renews when due, through a client that authenticates with the current certificate. Resolves
 * true when a new certificate (and key) replaced the old ones.
 */
export async function renewIfDue(
  vault: CredentialVault,
  client: HeadendClient,
  deviceId: string,
  nowMs: number,
): Promise<boolean> {
  const current = await readText(vault, VAULT_ENTRY.DEVICE_CERTIFICATE);
  if (current === null) throw new EnrolmentError('not enrolled');
  if (!renewalDue(current, nowMs)) return false;
  const key = await createDeviceKey(deviceId);
  try {
    const issued = await client.call('renewDevice', {
      params: { id: deviceId },
      body: { csrPem: key.csrPem },
    });
    if (certificateKeySha256(issued.certificatePem) !== key.publicKeySha256)
      throw new EnrolmentError('the renewed certificate is not for the new key');
    await vault.write(VAULT_ENTRY.DEVICE_PRIVATE_KEY, key.pkcs8.expose());
    await writeText(vault, VAULT_ENTRY.DEVICE_CERTIFICATE, issued.certificatePem);
    await writeText(vault, VAULT_ENTRY.CA_CERTIFICATE, issued.caCertificatePem);
    return true;
  } finally {
    key.pkcs8.wipe();
  }
}

function publicKeyOf(pkcs8: SecretBytes): string {
  const priv = createPrivateKey({ key: Buffer.from(pkcs8.expose()), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(spki).digest('hex');
}
