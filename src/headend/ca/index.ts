export {
  CertificateAuthority,
  DEFAULT_CA_NAME,
  DEFAULT_CA_VALIDITY_MS,
  DEFAULT_CLIENT_VALIDITY_MS,
  DEFAULT_SERVER_VALIDITY_MS,
  CLOCK_SKEW_ALLOWANCE_MS,
} from './authority.ts';
export type {
  CertificateAuthorityOptions,
  ClientIdentity,
  ClientRefusal,
  IssuedCertificateRecord,
  ServerCredentials,
} from './authority.ts';
export { checkCsr, CsrRefusedError, CSR_REFUSAL_MESSAGES, publicKeySha256 } from './csr.ts';
export type { AcceptedCsr, CsrRefusal } from './csr.ts';
export { EnrolmentService, EnrolmentConflictError, EnrolmentNotFoundError } from './enrolment.ts';
export type { EnrolmentRecord, EnrolmentServiceDeps, EnrolmentState } from './enrolment.ts';
export { randomSerial, normaliseSerial, SERIAL_BYTES } from './serial.ts';
export { fileCaStore, memoryCaStore, CA_FOLDER, CA_KEY_FILE, CA_CERT_FILE } from './store.ts';
export type { CaStore, CaKeyMaterial, CaRecordKind } from './store.ts';
export { generateP256KeyPair, privateKeyToPem } from './x509.ts';
