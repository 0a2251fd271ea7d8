/**
 * Sign-in rate limiting (OWASP Authentication Cheat Sheet, "Protect against automated
 * attacks"): failures are counted per account name and per source address in a sliding window;
 * reaching the limit locks that key out for a lockout period. Keys for unknown names are
 * counted exactly like real ones, so lockout does not reveal which names exist.
 *
 * State is in memory, bounded by `maxKeys` (the stalest keys are forgotten first): enough for
 * one head-end instance. Several instances behind a load balancer would need it in shared
 * storage (open point).
 */
export interface ThrottlePolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
}

const MINUTE = 60_000;
export const ACCOUNT_THROTTLE: ThrottlePolicy = {
  maxFailures: 5,
  windowMs: 15 * MINUTE,
  lockoutMs: 15 * MINUTE,
};
/** Looser per address: several workers may sign in from one depot NAT address. */
export const SOURCE_THROTTLE: ThrottlePolicy = {
  maxFailures: 20,
  windowMs: 15 * MINUTE,
  lockoutMs: 15 * MINUTE,
};
const DEFAULT_MAX_KEYS = 10_000;

interface KeyState {
  failures: number[];
  lockedUntilMs: number;
}

export class FailureThrottle {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it is not locked. */
  lockedFor(key: string, nowMs: number): number {
    const s = this.keys.get(key);
    return s === undefined ? 0 : Math.max(0, s.lockedUntilMs - nowMs);
  }

  recordFailure(key: string, nowMs: number): void {
    const s = this.keys.get(key) ?? { failures: [], lockedUntilMs: 0 };
    this.keys.delete(key); // re-insert at the end: Map order is then least recently failed first
    s.failures = s.failures.filter((t) => nowMs - t < this.policy.windowMs);
    s.failures.push(nowMs);
    if (s.failures.length >= this.policy.maxFailures) {
      s.lockedUntilMs = nowMs + this.policy.lockoutMs;
      s.failures = [];
    }
    this.keys.set(key, s);
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next();
      if (oldest.done === true) break;
      this.keys.delete(oldest.value);
    }
  }

  /** A successful sign-in clears the account's failures (not the source's). */
  clear(key: string): void {
    this.keys.delete(key);
  }
}
