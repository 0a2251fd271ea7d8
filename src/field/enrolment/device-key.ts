/**
 * The tool's device key and its certificate signing request (issue #4 §4). ECDSA P-256 with
 * ecdsa-with-SHA256, the only kind the head-end CA accepts (src/headend/ca/csr.ts).
 *
 * Library: @peculiar/x509 over WebCrypto, as at the head-end. The issue names node-forge, but
 * node-forge cannot create or verify ECDSA P-256 keys and signatures (it does RSA and Ed25519
 * only), so session 1 chose @peculiar/x509 for the CA; the tool keeps the same library.
 */
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { SecretBytes } from '../../log/index.ts';

const EC_P256_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface DeviceKey {
  /** PKCS #8 DER: what the vault keeps. */
  readonly pkcs8: SecretBytes;
  /** PKCS #10 request, PEM, subject CN=<deviceId>. */
  readonly csrPem: string;
  /** SHA-256 of the SubjectPublicKeyInfo, hex: the tool shows it, the supervisor compares it. */
  readonly publicKeySha256: string;
}

/** Creates a new key pair and a CSR for `deviceId`. */
export async function createDeviceKey(deviceId: string): Promise<DeviceKey> {
  const keys = await webcrypto.subtle.generateKey(EC_P256_SHA256, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [deviceId] }],
    keys,
    signingAlgorithm: EC_P256_SHA256,
  });
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const spki = new Uint8Array(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const key = new SecretBytes(pkcs8, 'device private key');
  pkcs8.fill(0);
  return {
    pkcs8: key,
    csrPem: csr.toString('pem'),
    publicKeySha256: createHash('sha256').update(spki).digest('hex'),
  };
}

/** PEM text of a PKCS #8 key, as bytes that can be wiped (TLS takes PEM). */
export function pkcs8ToPem(pkcs8: SecretBytes): SecretBytes {
  const b64 = Buffer.from(pkcs8.expose()).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  const text = `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return new SecretBytes(new TextEncoder().encode(text), 'device private key (PEM)');
}

/** SHA-256 (hex) of a certificate's SubjectPublicKeyInfo. */
export function certificateKeySha256(certificatePem: string): string {
  const cert = new x509.X509Certificate(certificatePem);
  return createHash('sha256').update(new Uint8Array(cert.publicKey.rawData)).digest('hex');
}

/** A certificate's validity, Unix ms. */
export function certificateValidity(certificatePem: string): { notBeforeMs: number; notAfterMs: number } {
  const cert = new x509.X509Certificate(certificatePem);
  return { notBeforeMs: cert.notBefore.getTime(), notAfterMs: cert.notAfter.getTime() };
}
