/**
 * Token bucket for the ICMPv6 errors the engine originates. RFC 4443 §2.4 (f): a node MUST limit
 * the rate of ICMPv6 error messages it originates, and a token bucket is the suggested method.
 */
export interface RateLimit {
  /** Errors that may go out back to back. */
  burst: number;
  /** One more token every `refillMs`. */
  refillMs: number;
}

export const ICMP_ERROR_RATE_DEFAULT: RateLimit = { burst: 10, refillMs: 1000 };

export class TokenBucket {
  private tokens: number;
  private refilledAt: number | undefined;

  constructor(private readonly limit: RateLimit) {
    if (!Number.isInteger(limit.burst) || limit.burst < 0)
      throw new RangeError('burst must be an integer ≥ 0');
    if (!(limit.refillMs > 0)) throw new RangeError('refillMs must be > 0');
    this.tokens = limit.burst;
  }

  take(now: number): boolean {
    if (this.refilledAt === undefined) this.refilledAt = now;
    const refill = Math.floor((now - this.refilledAt) / this.limit.refillMs);
    if (refill > 0) {
      this.tokens = Math.min(this.limit.burst, this.tokens + refill);
      this.refilledAt += refill * this.limit.refillMs;
    }
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
  }
}
