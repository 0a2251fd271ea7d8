/** Enrolment of the tool's device certificate, from the tool's side (issue #4 §4). */
export {
  collectCertificate,
  EnrolmentError,
  loadDeviceCredentials,
  renewalDue,
  renewIfDue,
  requestEnrolment,
  RENEW_AFTER_FRACTION,
} from './enrolment.ts';
export type { EnrolmentProgress, StoredDeviceCredentials } from './enrolment.ts';
export { createDeviceKey, certificateKeySha256, certificateValidity, pkcs8ToPem } from './device-key.ts';
export type { DeviceKey } from './device-key.ts';
