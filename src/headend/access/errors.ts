/** Errors the access services throw; each carries a stable code the API maps to a status. */

/** The one message for an unknown name, a wrong password and a disabled account. */
export const INVALID_CREDENTIALS_MESSAGE = 'invalid username or password';
export const LOCKED_OUT_MESSAGE = 'too many failed sign-ins; try again later';

export class SignInError extends Error {
  override name = 'SignInError';
  constructor(
    readonly code: 'invalid-credentials' | 'locked-out',
    /** For 'locked-out': when the caller may try again (a Retry-After value). */
    readonly retryAfterMs = 0,
  ) {
    super(code === 'invalid-credentials' ? INVALID_CREDENTIALS_MESSAGE : LOCKED_OUT_MESSAGE);
  }
}

/** Why a request was refused (the 403 equivalents); each is written to the audit log. */
export type DenialReason =
  | 'unknown-key'
  | 'expired'
  | 'revoked'
  | 'not-approved'
  | 'verification-key-reused'
  | 'wrong-worker'
  | 'wrong-tool'
  | 'meter-not-in-work-order'
  | 'work-order-inactive'
  | 'outside-window'
  | 'action-not-permitted'
  | 'forbidden-role'
  | 'not-found';

export class AccessDeniedError extends Error {
  override name = 'AccessDeniedError';
  constructor(readonly reason: DenialReason) {
    super(`access denied: ${reason}`);
  }
}
