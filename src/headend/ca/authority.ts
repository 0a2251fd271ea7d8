/**
 * The head-end certificate authority: one ECDSA P-256 root that signs the API server's
 * certificate and the tools' client certificates (see x509.ts for the library choice).
 *
 * - Client certificates: subject CN=<device id>, extendedKeyUsage clientAuth only, keyUsage
 *   digitalSignature (RFC 5280 §4.2.1.3, §4.2.1.12), a random 128-bit serial (serial.ts),
 *   configurable validity. notBefore is set 5 minutes in the past so a tablet whose clock is a
 *   little behind still accepts a fresh certificate.
 * - Revocation: a revoked serial is refused by `identifyClient` from the moment `revoke`
 *   returns (the API checks every request, not only the TLS handshake, so a kept-alive
 *   connection is cut off too). The set is persisted through the CaStore.
 * - Renewal: a new certificate for the same device and a new key, while the old one is valid
 *   (RFC 7030 §4.2.2 re-enrolment: the current certificate authenticates the request).
 */
import { X509Certificate } from 'node:crypto';
import type { Clock, RandomSource } from '../access/index.ts';
import { checkCsr, publicKeySha256 } from './csr.ts';
import { normaliseSerial, randomSerial } from './serial.ts';
import type { CaStore } from './store.ts';
import {
  EC_P256_SHA256,
  generateP256KeyPair,
  OID_KP_CLIENT_AUTH,
  privateKeyFromPem,
  privateKeyToPem,
  x509,
  type CryptoKey,
} from './x509.ts';

const DAY = 86_400_000;
export const DEFAULT_CA_VALIDITY_MS = 10 * 365 * DAY;
export const DEFAULT_CLIENT_VALIDITY_MS = 90 * DAY;
export const DEFAULT_SERVER_VALIDITY_MS = 30 * DAY;
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;
export const DEFAULT_CA_NAME = 'FieldRoot head-end CA';

export interface CertificateAuthorityOptions {
  readonly store: CaStore;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly commonName?: string;
  readonly caValidityMs?: number;
  readonly clientValidityMs?: number;
  readonly serverValidityMs?: number;
}

export interface IssuedCertificateRecord {
  readonly serial: string;
  readonly deviceId: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly publicKeySha256: string;
  readonly certificatePem: string;
  readonly revokedAtMs: number | null;
}

export interface ServerCredentials {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly serial: string;
}

export type ClientRefusal =
  | 'not-issued-by-this-ca'
  | 'unknown-serial'
  | 'revoked'
  | 'expired'
  | 'not-yet-valid'
  | 'not-client-auth';

export type ClientIdentity =
  | { readonly ok: true; readonly deviceId: string; readonly serial: string }
  | { readonly ok: false; readonly reason: ClientRefusal };

export class CertificateAuthority {
  private readonly issued = new Map<string, IssuedCertificateRecord>();
  private readonly caX509: X509Certificate;

  private constructor(
    private readonly options: CertificateAuthorityOptions,
    readonly certificatePem: string,
    private readonly signingKey: CryptoKey,
    private readonly caCert: x509.X509Certificate,
    issued: readonly IssuedCertificateRecord[],
  ) {
    this.caX509 = new X509Certificate(certificatePem);
    for (const record of issued) this.issued.set(record.serial, record);
  }

  /** Loads the CA from the store, creating (and saving) a new root on first use. */
  static async open(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    let material = await options.store.loadKey();
    if (material === undefined) {
      material = await CertificateAuthority.createRoot(options);
      await options.store.saveKey(material);
    }
    const issued = (await options.store.loadRecords('issued')) as IssuedCertificateRecord[];
    return new CertificateAuthority(
      options,
      material.certificatePem,
      await privateKeyFromPem(material.privateKeyPem),
      new x509.X509Certificate(material.certificatePem),
      issued,
    );
  }

  private static async createRoot(options: CertificateAuthorityOptions) {
    const keys = await generateP256KeyPair();
    const nowMs = options.clock();
    const name = `CN=${options.commonName ?? DEFAULT_CA_NAME}`;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(options.random),
      subject: name,
      issuer: name,
      notBefore: new Date(nowMs - CLOCK_SKEW_ALLOWANCE_MS),
      notAfter: new Date(nowMs + (options.caValidityMs ?? DEFAULT_CA_VALIDITY_MS)),
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: EC_P256_SHA256,
      extensions: [
        // RFC 5280 §4.2.1.9: a CA certificate, and no intermediate CAs below it.
        new x509.BasicConstraintsExtension(true, 0, true),
        // RFC 5280 §4.2.1.3: signs certificates (and CRLs, should we publish them).
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { certificatePem: cert.toString('pem'), privateKeyPem: await privateKeyToPem(keys.privateKey) };
  }

  /** A fresh key and certificate for the API server; the key is never stored by the CA. */
  async issueServerCertificate(names: {
    readonly dnsNames: readonly string[];
    readonly ipAddresses: readonly string[];
  }): Promise<ServerCredentials> {
    const keys = await generateP256KeyPair();
    const serial = randomSerial(this.options.random);
    const nowMs = this.options.clock();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${names.dnsNames[0] ?? names.ipAddresses[0] ?? 'fieldroot-headend'}`,
      issuer: this.caCert.subject,
      notBefore: new Date(nowMs - CLOCK_SKEW_ALLOWANCE_MS),
      notAfter: new Date(nowMs + (this.options.serverValidityMs ?? DEFAULT_SERVER_VALIDITY_MS)),
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: EC_P256_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        // RFC 6125 §6.4: clients match the host name against the subjectAltName entries.
        new x509.SubjectAlternativeNameExtension([
          ...names.dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ...names.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(this.caCert),
      ],
    });
    return {
      certificatePem: cert.toString('pem'),
      privateKeyPem: await privateKeyToPem(keys.privateKey),
      serial,
    };
  }

  /**
   * Checks the CSR (csr.ts; throws CsrRefusedError) and issues a client certificate for
   * `deviceId`. The caller decides whether the device may have one (enrolment approval, or
   * renewal authenticated by the current certificate).
   */
  async issueClientCertificate(csrPem: string, deviceId: string): Promise<IssuedCertificateRecord> {
    const accepted = await checkCsr(csrPem, deviceId);
    const nowMs = this.options.clock();
    const serial = randomSerial(this.options.random);
    const notBeforeMs = Math.floor((nowMs - CLOCK_SKEW_ALLOWANCE_MS) / 1000) * 1000;
    const notAfterMs =
      Math.floor((nowMs + (this.options.clientValidityMs ?? DEFAULT_CLIENT_VALIDITY_MS)) / 1000) * 1000;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: accepted.request.subjectName,
      issuer: this.caCert.subject,
      notBefore: new Date(notBeforeMs),
      notAfter: new Date(notAfterMs),
      publicKey: accepted.request.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: EC_P256_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        await x509.AuthorityKeyIdentifierExtension.create(this.caCert),
      ],
    });
    const record: IssuedCertificateRecord = {
      serial,
      deviceId,
      notBeforeMs,
      notAfterMs,
      publicKeySha256: accepted.publicKeySha256,
      certificatePem: cert.toString('pem'),
      revokedAtMs: null,
    };
    this.issued.set(serial, record);
    await this.persist();
    return record;
  }

  /** Renewal: `current` must identify `deviceId` (valid, unrevoked); then as issueClientCertificate. */
  async renew(current: X509Certificate, csrPem: string): Promise<IssuedCertificateRecord> {
    const identity = this.identifyClient(current);
    if (!identity.ok) throw new RangeError(`the current certificate is refused: ${identity.reason}`);
    return this.issueClientCertificate(csrPem, identity.deviceId);
  }

  /** Revokes one certificate; true when it was issued here and not already revoked. */
  async revoke(serial: string): Promise<boolean> {
    const key = normaliseSerial(serial);
    const record = this.issued.get(key);
    if (record === undefined || record.revokedAtMs !== null) return false;
    this.issued.set(key, { ...record, revokedAtMs: this.options.clock() });
    await this.persist();
    return true;
  }

  /** Revokes every unrevoked certificate of the device; the serials revoked. */
  async revokeDevice(deviceId: string): Promise<string[]> {
    const nowMs = this.options.clock();
    const serials: string[] = [];
    for (const record of this.issued.values())
      if (record.deviceId === deviceId && record.revokedAtMs === null) {
        this.issued.set(record.serial, { ...record, revokedAtMs: nowMs });
        serials.push(record.serial);
      }
    if (serials.length > 0) await this.persist();
    return serials;
  }

  isRevoked(cert: X509Certificate | { readonly serialNumber: string }): boolean {
    const revokedAtMs = this.issued.get(normaliseSerial(cert.serialNumber))?.revokedAtMs;
    return revokedAtMs !== undefined && revokedAtMs !== null;
  }

  /** Certificates issued to the device, oldest first. */
  certificatesOf(deviceId: string): IssuedCertificateRecord[] {
    return [...this.issued.values()]
      .filter((r) => r.deviceId === deviceId)
      .sort((a, b) => a.notBeforeMs - b.notBeforeMs);
  }

  /** True when the device holds a certificate that is unrevoked and not expired now. */
  hasValidCertificate(deviceId: string): boolean {
    const nowMs = this.options.clock();
    return this.certificatesOf(deviceId).some((r) => r.revokedAtMs === null && nowMs < r.notAfterMs);
  }

  /**
   * Who a TLS client certificate identifies: signed by this CA, issued here (the serial is on
   * record, with the same public key), unrevoked, inside its validity, clientAuth.
   */
  identifyClient(cert: X509Certificate): ClientIdentity {
    if (!cert.checkIssued(this.caX509) || !cert.verify(this.caX509.publicKey))
      return { ok: false, reason: 'not-issued-by-this-ca' };
    const serial = normaliseSerial(cert.serialNumber);
    const record = this.issued.get(serial);
    if (record === undefined) return { ok: false, reason: 'unknown-serial' };
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    if (publicKeySha256(new Uint8Array(spki).buffer) !== record.publicKeySha256)
      return { ok: false, reason: 'unknown-serial' };
    if (record.revokedAtMs !== null) return { ok: false, reason: 'revoked' };
    const nowMs = this.options.clock();
    if (nowMs < Date.parse(cert.validFrom)) return { ok: false, reason: 'not-yet-valid' };
    if (nowMs >= Date.parse(cert.validTo)) return { ok: false, reason: 'expired' };
    if (!(cert.keyUsage ?? []).includes(OID_KP_CLIENT_AUTH)) return { ok: false, reason: 'not-client-auth' };
    return { ok: true, deviceId: record.deviceId, serial };
  }

  private persist(): Promise<void> {
    return this.options.store.saveRecords('issued', [...this.issued.values()]);
  }
}
