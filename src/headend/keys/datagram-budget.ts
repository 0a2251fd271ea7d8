/**
 * A per-source datagram budget in front of the PANA agent: at most `max` datagrams per source
 * address per fixed window. PanaPaa already limits PCIs per PaC address (paa.ts pciRateLimit); this
 * bounds the work any one address can cause with any message (forged answers, bad AUTH…), each
 * of which costs a decode and possibly an HMAC. Relays (RFC 6345) aggregate many meters behind
 * one address, so the default is generous; the table is bounded and pruned.
 */
export interface DatagramBudgetPolicy {
  readonly max: number;
  readonly windowMs: number;
}

export const DEFAULT_DATAGRAM_BUDGET: DatagramBudgetPolicy = { max: 200, windowMs: 1_000 };
const MAX_SOURCES = 4096;

export class DatagramBudget {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly policy: DatagramBudgetPolicy = DEFAULT_DATAGRAM_BUDGET) {}

  /** True when the datagram may be processed; false when `source` has spent its budget. */
  admit(source: string, nowMs: number): boolean {
    const w = this.windows.get(source);
    if (w === undefined || nowMs - w.start >= this.policy.windowMs) {
      if (w === undefined && this.windows.size >= MAX_SOURCES) this.prune(nowMs);
      this.windows.set(source, { start: nowMs, count: 1 });
      return true;
    }
    if (w.count >= this.policy.max) return false;
    w.count++;
    return true;
  }

  private prune(nowMs: number): void {
    for (const [k, w] of this.windows) if (nowMs - w.start >= this.policy.windowMs) this.windows.delete(k);
    // Still full (a spread flood): forget the oldest windows rather than grow without bound.
    for (const k of this.windows.keys()) {
      if (this.windows.size < MAX_SOURCES) break;
      this.windows.delete(k);
    }
  }
}
