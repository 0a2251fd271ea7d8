export { systemClock, systemRandom } from './clock.ts';
export type { Clock, RandomSource } from './clock.ts';
export {
  hashPassword,
  verifyPassword,
  needsRehash,
  decodePasswordHash,
  DEFAULT_SCRYPT_PARAMETERS,
  PasswordHashFormatError,
} from './password.ts';
export type { ScryptParameters } from './password.ts';
export { newSecretToken, hashSecretToken, isWellFormedToken, SECRET_TOKEN_BYTES } from './secret-token.ts';
export { FailureThrottle, ACCOUNT_THROTTLE, SOURCE_THROTTLE } from './sign-in-throttle.ts';
export type { ThrottlePolicy } from './sign-in-throttle.ts';
export { SignInError, AccessDeniedError, INVALID_CREDENTIALS_MESSAGE, LOCKED_OUT_MESSAGE } from './errors.ts';
export type { DenialReason } from './errors.ts';
export {
  AccountService,
  normaliseUsername,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_ABSOLUTE_TIMEOUT_MS,
} from './accounts.ts';
export type { AccountServiceDeps, SignedIn, Authenticated } from './accounts.ts';
export { WorkOrderService } from './work-orders.ts';
export type { WorkOrderServiceDeps, NewWorkOrder, WorkOrderMeter, WorkOrderView } from './work-orders.ts';
export { GrantService, METER_ACTIONS, VERIFICATION_KEY_TTL_MS, ACCESS_KEY_MAX_TTL_MS } from './grants.ts';
export type {
  GrantServiceDeps,
  MeterAction,
  Caller,
  AuthorizeRequest,
  Decision,
  IssuedAccessKey,
  IssuedVerificationKey,
} from './grants.ts';
