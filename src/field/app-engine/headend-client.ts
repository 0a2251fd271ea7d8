/**
 * The slice of the head-end the app engine needs for the worker's session: sign-in and
 * sign-out. `headendSessions` adapts the tool's HTTPS client (src/field/headend-client, mTLS,
 * contract-checked) to it and classifies failures for the UI.
 */
import type { Role } from '../../contract/app/index.ts';
import { HeadendApiError, type HeadendClient } from '../headend-client/index.ts';

export interface SignedInWorker {
  readonly token: string;
  readonly role: Role;
  readonly expiresAtMs: number;
}

export type HeadendFailure =
  | 'invalid-credentials'
  | 'locked-out'
  | 'headend-unreachable'
  | 'revoked'
  | 'refused';

/** A head-end call that did not succeed, classified for the UI. */
export class HeadendError extends Error {
  override name = 'HeadendError';
  constructor(
    readonly failure: HeadendFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface HeadendSessions {
  signIn(username: string, password: string): Promise<SignedInWorker>;
  signOut(token: string): Promise<void>;
}

/** Turns any error of the head-end client into a `HeadendError`. */
export function classifyHeadendError(err: unknown): HeadendError {
  if (err instanceof HeadendError) return err;
  if (!(err instanceof HeadendApiError)) return new HeadendError('refused', 'unexpected failure');
  if (err.isRevocation) return new HeadendError('revoked', err.message);
  switch (err.code) {
    case 'unreachable':
      return new HeadendError('headend-unreachable', err.message);
    case 'unauthorized':
      return new HeadendError('invalid-credentials', err.message);
    case 'too-many-requests':
      return new HeadendError('locked-out', err.message);
    default:
      return new HeadendError('refused', err.message);
  }
}

export function headendSessions(client: Pick<HeadendClient, 'call'>): HeadendSessions {
  return {
    async signIn(username, password) {
      try {
        const res = await client.call('signIn', { body: { username, password } });
        return { token: res.token, role: res.role, expiresAtMs: res.idleExpiresAtMs };
      } catch (err) {
        throw classifyHeadendError(err);
      }
    },
    async signOut(token) {
      try {
        await client.call('signOut', { token });
      } catch (err) {
        throw classifyHeadendError(err);
      }
    },
  };
}
