/**
 * The X.509 library of the head-end CA, set up in one place.
 *
 * Choice: @peculiar/x509 over node-forge (named in DESIGN.md §4). The tool's device key is
 * ECDSA P-256, and node-forge's PKI (certificates, PKCS #10 requests) handles RSA keys only: it
 * can neither parse a CSR carrying an EC public key nor sign with ECDSA. @peculiar/x509 builds
 * and parses certificates and PKCS #10 requests for ECDSA P-256 and signs and verifies through
 * WebCrypto, which Node provides (`node:crypto` webcrypto), so the CA, the server and the client
 * certificates are all ECDSA P-256 with SHA-256. Its dependency injection container (tsyringe)
 * needs the `reflect-metadata` polyfill loaded first. Certificates are cross-checked with
 * `node:crypto`'s X509Certificate, which TLS uses too. Nothing outside src/headend/ca imports
 * the library.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** ECDSA over P-256 with SHA-256: ecdsa-with-SHA256 (RFC 5758 §3.2), secp256r1 (RFC 5480 §2.1.1.1). */
export const EC_P256_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** id-ecPublicKey (RFC 5480 §2.1.1) and secp256r1 (RFC 5480 §2.1.1.1). */
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_SECP256R1 = '1.2.840.10045.3.1.7';
/** ecdsa-with-SHA256 (RFC 5758 §3.2). */
export const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** id-kp-clientAuth / id-kp-serverAuth (RFC 5280 §4.2.1.12). */
export const OID_KP_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const OID_KP_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

export function generateP256KeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256_SHA256, true, ['sign', 'verify']);
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export function privateKeyFromPem(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, EC_P256_SHA256, false, ['sign']);
}
