/**
 * Outstanding MLE challenges, one per neighbour (a new request to a neighbour replaces the old
 * one), with the Link Request retransmission schedule: attempt n is followed by a wait of
 * intervalMs · 2^(n−1); after the last attempt's wait the challenge expires and a response to it is
 * no longer accepted (challenge freshness). Bounded: the oldest challenge is dropped when full.
 */

export interface PendingChallenge {
  neighbour: bigint;
  challenge: Uint8Array;
  /** Link Requests sent so far (0 for the challenge of a Link Accept And Request). */
  attempts: number;
  /** When to retransmit, or when the challenge expires when attempts are exhausted. */
  deadline: number;
}

export interface ChallengeSchedule {
  intervalMs: number;
  maxAttempts: number;
  maxOutstanding: number;
}

export class ChallengeTable {
  private readonly pending = new Map<bigint, PendingChallenge>();

  constructor(private readonly schedule: ChallengeSchedule) {
    if (!(schedule.intervalMs > 0)) throw new RangeError('retransmission interval must be > 0 ms');
    if (!Number.isInteger(schedule.maxAttempts) || schedule.maxAttempts < 1)
      throw new RangeError('max attempts must be ≥ 1');
    if (!Number.isInteger(schedule.maxOutstanding) || schedule.maxOutstanding < 1)
      throw new RangeError('max outstanding challenges must be ≥ 1');
  }

  get(neighbour: bigint): PendingChallenge | undefined {
    return this.pending.get(neighbour);
  }

  /**
   * Starts (or restarts) a challenge for `neighbour`; returns the neighbour dropped to make room,
   * if any. `attempts` is 1 for a Link Request just sent, 0 for a challenge inside an answer.
   */
  start(neighbour: bigint, challenge: Uint8Array, attempts: number, now: number): bigint | undefined {
    let evicted: bigint | undefined;
    if (!this.pending.delete(neighbour) && this.pending.size >= this.schedule.maxOutstanding) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) {
        evicted = oldest.value;
        this.pending.delete(oldest.value);
      }
    }
    this.pending.set(neighbour, { neighbour, challenge, attempts, deadline: now + this.wait(attempts) });
    return evicted;
  }

  /** Records one more Link Request sent for the challenge. */
  retransmitted(p: PendingChallenge, now: number): void {
    p.attempts++;
    p.deadline = now + this.wait(p.attempts);
  }

  /** True once the last wait has passed: a response no longer counts (even before `due` reaps it). */
  expired(p: PendingChallenge, now: number): boolean {
    return now >= p.deadline && !this.canRetransmit(p);
  }

  canRetransmit(p: PendingChallenge): boolean {
    return p.attempts >= 1 && p.attempts < this.schedule.maxAttempts;
  }

  /** Challenges whose deadline has come, oldest first. */
  due(now: number): PendingChallenge[] {
    return [...this.pending.values()].filter((p) => now >= p.deadline);
  }

  remove(neighbour: bigint): void {
    this.pending.delete(neighbour);
  }

  clear(): void {
    this.pending.clear();
  }

  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const p of this.pending.values()) if (next === undefined || p.deadline < next) next = p.deadline;
    return next;
  }

  private wait(attempts: number): number {
    // A challenge carried in a Link Accept And Request waits as long as a first Link Request.
    return this.schedule.intervalMs * 2 ** Math.max(0, attempts - 1);
  }
}
