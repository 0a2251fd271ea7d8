/**
 * Accounts, sign-in and sessions.
 *
 * Sessions: the client holds an opaque token (secret-token.ts); the server stores its SHA-256.
 * A session ends after `idleTimeoutMs` without use or `absoluteTimeoutMs` after sign-in,
 * whichever is first (OWASP Session Management Cheat Sheet, "Session Expiration").
 */
import type {
  AccountRecord,
  AccountRepository,
  AuditRepository,
  Role,
  SessionRecord,
  SessionRepository,
} from '../storage/repositories.ts';
import type { Clock, RandomSource } from './clock.ts';
import { SignInError } from './errors.ts';
import {
  DEFAULT_SCRYPT_PARAMETERS,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptParameters,
} from './password.ts';
import {
  ACCOUNT_THROTTLE,
  FailureThrottle,
  SOURCE_THROTTLE,
  type ThrottlePolicy,
} from './sign-in-throttle.ts';
import { hashSecretToken, isWellFormedToken, newSecretToken } from './secret-token.ts';

const MINUTE = 60_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * MINUTE;
export const DEFAULT_ABSOLUTE_TIMEOUT_MS = 12 * 60 * MINUTE;
const MIN_PASSWORD_LENGTH = 12;
const ACCOUNT_ID_BYTES = 12;

export interface AccountServiceDeps {
  readonly accounts: AccountRepository;
  readonly sessions: SessionRepository;
  readonly audit: AuditRepository;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly idleTimeoutMs?: number;
  readonly absoluteTimeoutMs?: number;
  readonly accountThrottle?: ThrottlePolicy;
  readonly sourceThrottle?: ThrottlePolicy;
  readonly scrypt?: ScryptParameters;
}

export interface SignedIn {
  /** The session token, handed to the client once and never stored. */
  readonly token: string;
  readonly account: AccountRecord;
  readonly idleExpiresAtMs: number;
  readonly absoluteExpiresAtMs: number;
}

export interface Authenticated {
  readonly account: AccountRecord;
  readonly session: SessionRecord;
}

/** Sign-in names are compared case-insensitively and without surrounding blanks. */
export function normaliseUsername(username: string): string {
  return username.normalize('NFC').trim().toLowerCase();
}

export class AccountService {
  private readonly accountThrottle: FailureThrottle;
  private readonly sourceThrottle: FailureThrottle;
  private readonly idleTimeoutMs: number;
  private readonly absoluteTimeoutMs: number;
  private readonly scrypt: ScryptParameters;
  /** A hash verified for unknown names, so they cost the same time as known ones. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly deps: AccountServiceDeps) {
    this.accountThrottle = new FailureThrottle(deps.accountThrottle ?? ACCOUNT_THROTTLE);
    this.sourceThrottle = new FailureThrottle(deps.sourceThrottle ?? SOURCE_THROTTLE);
    this.idleTimeoutMs = deps.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.absoluteTimeoutMs = deps.absoluteTimeoutMs ?? DEFAULT_ABSOLUTE_TIMEOUT_MS;
    this.scrypt = deps.scrypt ?? DEFAULT_SCRYPT_PARAMETERS;
  }

  async createAccount(
    username: string,
    password: string,
    role: Role,
    createdBy: string | null,
  ): Promise<AccountRecord> {
    const name = normaliseUsername(username);
    if (name === '') throw new RangeError('username must not be empty');
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new RangeError(`password must be at least ${String(MIN_PASSWORD_LENGTH)} characters`);
    const account: AccountRecord = {
      id: `acct-${Buffer.from(this.deps.random(ACCOUNT_ID_BYTES)).toString('base64url')}`,
      username: name,
      role,
      passwordHash: await hashPassword(password, this.deps.random, this.scrypt),
      disabled: false,
      createdAtMs: this.deps.clock(),
    };
    await this.deps.accounts.insert(account);
    await this.deps.audit.append({
      atMs: account.createdAtMs,
      actor: createdBy,
      action: 'account.create',
      outcome: 'done',
      subject: account.id,
      reason: null,
      detail: { username: name, role },
    });
    return account;
  }

  /**
   * Signs in; throws SignInError with the same code and message for an unknown name, a wrong
   * password and a disabled account, and 'locked-out' (for known and unknown names alike) once
   * the name or the source address has failed too often.
   */
  async signIn(username: string, password: string, source: string): Promise<SignedIn> {
    const name = normaliseUsername(username);
    const accountKey = `account:${name}`;
    const sourceKey = `source:${source}`;
    const startMs = this.deps.clock();
    const wait = Math.max(
      this.accountThrottle.lockedFor(accountKey, startMs),
      this.sourceThrottle.lockedFor(sourceKey, startMs),
    );
    if (wait > 0) {
      await this.auditSignIn(startMs, name, source, 'denied', 'locked-out');
      throw new SignInError('locked-out', wait);
    }
    const account = await this.deps.accounts.findByUsername(name);
    const ok = await verifyPassword(password, account?.passwordHash ?? (await this.decoyHash()));
    const nowMs = this.deps.clock();
    if (account === undefined || !ok || account.disabled) {
      this.accountThrottle.recordFailure(accountKey, nowMs);
      this.sourceThrottle.recordFailure(sourceKey, nowMs);
      await this.auditSignIn(nowMs, name, source, 'denied', 'invalid-credentials');
      throw new SignInError('invalid-credentials');
    }
    this.accountThrottle.clear(accountKey);
    if (needsRehash(account.passwordHash, this.scrypt))
      await this.deps.accounts.setPasswordHash(
        account.id,
        await hashPassword(password, this.deps.random, this.scrypt),
      );
    const token = newSecretToken(this.deps.random);
    await this.deps.sessions.insert({
      tokenHash: hashSecretToken(token),
      accountId: account.id,
      source,
      createdAtMs: nowMs,
      lastSeenMs: nowMs,
      endedAtMs: null,
    });
    await this.auditSignIn(nowMs, name, source, 'allowed', null, account.id);
    return {
      token,
      account,
      idleExpiresAtMs: nowMs + this.idleTimeoutMs,
      absoluteExpiresAtMs: nowMs + this.absoluteTimeoutMs,
    };
  }

  /** The account behind a live session token (and the session is marked used); else undefined. */
  async authenticate(token: string): Promise<Authenticated | undefined> {
    if (!isWellFormedToken(token)) return undefined;
    const tokenHash = hashSecretToken(token);
    const session = await this.deps.sessions.find(tokenHash);
    if (session === undefined || session.endedAtMs !== null) return undefined;
    const nowMs = this.deps.clock();
    if (
      nowMs - session.lastSeenMs >= this.idleTimeoutMs ||
      nowMs - session.createdAtMs >= this.absoluteTimeoutMs
    ) {
      await this.deps.sessions.end(tokenHash, nowMs);
      return undefined;
    }
    const account = await this.deps.accounts.findById(session.accountId);
    if (account === undefined || account.disabled) return undefined;
    await this.deps.sessions.touch(tokenHash, nowMs);
    return { account, session: { ...session, lastSeenMs: nowMs } };
  }

  /** An account's user name (to show who authorised something); undefined for an unknown id. */
  async username(id: string): Promise<string | undefined> {
    return (await this.deps.accounts.findById(id))?.username;
  }

  /** Ends the session; true when a live session was ended. */
  async signOut(token: string): Promise<boolean> {
    if (!isWellFormedToken(token)) return false;
    return this.deps.sessions.end(hashSecretToken(token), this.deps.clock());
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= hashPassword('decoy password for unknown names', this.deps.random, this.scrypt);
    return this.decoy;
  }

  private async auditSignIn(
    atMs: number,
    name: string,
    source: string,
    outcome: 'allowed' | 'denied',
    reason: string | null,
    actor: string | null = null,
  ): Promise<void> {
    await this.deps.audit.append({
      atMs,
      actor,
      action: 'sign-in',
      outcome,
      subject: name,
      reason,
      detail: { source },
    });
  }
}
