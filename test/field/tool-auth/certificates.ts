// Certificates for the EAP-TLS tests, made by the real head-end CA (src/headend/ca): the key
// server's, tools' (via the enrolment CSR path), and those of a second, foreign CA.
import { X509Certificate } from 'node:crypto';
import { CertificateAuthority, memoryCaStore } from '../../../src/headend/ca/index.ts';
import { x509 } from '../../../src/headend/ca/x509.ts';
import { csrFor, newToolKey } from '../../headend/api/fixtures/tool.ts';
import { random } from '../../headend/keys/fixtures.ts';

export const KEY_SERVER_NAME = 'keyserver.fieldroot';

export interface ToolCredentials {
  readonly deviceId: string;
  readonly certificate: string;
  readonly privateKey: string;
  readonly serial: string;
}

export interface TestPki {
  readonly ca: CertificateAuthority;
  readonly server: { certificate: string; privateKey: string };
  issueTool(deviceId: string): Promise<ToolCredentials>;
}

export async function openTestPki(clock: () => number = Date.now, commonName?: string): Promise<TestPki> {
  const ca = await CertificateAuthority.open({
    store: memoryCaStore(),
    clock,
    random,
    ...(commonName === undefined ? {} : { commonName }),
  });
  const server = await ca.issueServerCertificate({ dnsNames: [KEY_SERVER_NAME], ipAddresses: [] });
  return {
    ca,
    server: { certificate: server.certificatePem, privateKey: server.privateKeyPem },
    async issueTool(deviceId) {
      const key = await newToolKey();
      const issued = await ca.issueClientCertificate(await csrFor(deviceId, key), deviceId);
      return {
        deviceId,
        certificate: issued.certificatePem,
        privateKey: key.privateKeyPem,
        serial: issued.serial,
      };
    },
  };
}

/** The certificate with one bit of its signature flipped: still parses, no longer verifies. */
export function tamperCertificate(pem: string): string {
  const der = new Uint8Array(x509.PemConverter.decodeFirst(pem));
  der[der.length - 3]! ^= 0x01;
  const out = x509.PemConverter.encode(der.buffer, 'CERTIFICATE');
  new X509Certificate(out); // must still parse, or the test would prove something else
  return out;
}
