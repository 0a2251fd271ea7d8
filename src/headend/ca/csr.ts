/**
 * Checking a tool's certificate signing request (PKCS #10, RFC 2986) before anything is issued:
 * it parses, its self-signature verifies (proof that the requester holds the private key,
 * RFC 2986 §3), its subject is exactly CN=<device id>, its key is ECDSA P-256 and it is signed
 * with ecdsa-with-SHA256. Extensions the request asks for are
 * ignored: the CA alone decides them. Each refusal has a reason a person can act on.
 */
import { createHash } from 'node:crypto';
import { x509 } from './x509.ts';

export type CsrRefusal =
  | 'malformed'
  | 'bad-signature'
  | 'subject-mismatch'
  | 'key-not-p256'
  | 'signature-algorithm';

export const CSR_REFUSAL_MESSAGES: Readonly<Record<CsrRefusal, string>> = {
  malformed: 'the CSR is not a PEM-encoded PKCS #10 request',
  'bad-signature': "the CSR's signature does not verify with its own public key",
  'subject-mismatch': 'the CSR subject must be exactly CN=<device id>',
  'key-not-p256': 'the CSR key must be ECDSA on curve P-256',
  'signature-algorithm': 'the CSR must be signed with ecdsa-with-SHA256',
};

export class CsrRefusedError extends Error {
  override name = 'CsrRefusedError';
  constructor(readonly reason: CsrRefusal) {
    super(`CSR refused: ${CSR_REFUSAL_MESSAGES[reason]}`);
  }
}

export interface AcceptedCsr {
  readonly request: x509.Pkcs10CertificateRequest;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex. */
  readonly publicKeySha256: string;
}

export function publicKeySha256(spkiDer: ArrayBuffer): string {
  return createHash('sha256').update(new Uint8Array(spkiDer)).digest('hex');
}

function parse(pem: string): x509.Pkcs10CertificateRequest | undefined {
  if (!pem.includes('-----BEGIN CERTIFICATE REQUEST-----')) return undefined;
  try {
    return new x509.Pkcs10CertificateRequest(pem);
  } catch {
    return undefined;
  }
}

/** The accepted request, or throws CsrRefusedError with the first reason it fails. */
export async function checkCsr(pem: string, deviceId: string): Promise<AcceptedCsr> {
  const request = parse(pem);
  if (request === undefined) throw new CsrRefusedError('malformed');
  const keyAlgorithm = request.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (keyAlgorithm.name !== 'ECDSA' || keyAlgorithm.namedCurve !== 'P-256')
    throw new CsrRefusedError('key-not-p256');
  const signatureAlgorithm = request.signatureAlgorithm as { name?: string; hash?: { name?: string } };
  if (signatureAlgorithm.name !== 'ECDSA' || signatureAlgorithm.hash?.name !== 'SHA-256')
    throw new CsrRefusedError('signature-algorithm');
  let verified = false;
  try {
    verified = await request.verify();
  } catch {
    verified = false;
  }
  if (!verified) throw new CsrRefusedError('bad-signature');
  const rdns = request.subjectName.toJSON();
  const only = rdns.length === 1 ? rdns[0] : undefined;
  const cn = only?.CN;
  if (only === undefined || Object.keys(only).length !== 1 || cn?.length !== 1 || cn[0] !== deviceId)
    throw new CsrRefusedError('subject-mismatch');
  return { request, publicKeySha256: publicKeySha256(request.publicKey.rawData) };
}
