/**
 * Counts input dropped at an edge, by kind, and logs the first occurrence of each kind only
 * (DESIGN.md §3.3: bad input is counted, logged once per kind, and dropped). A noisy radio or a
 * hostile peer must not be able to flood the log.
 */
import type { Logger, LogFields } from './logger.ts';

export class DropCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  drop(kind: string, fields: LogFields = {}): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n === 1)
      this.log.warn('dropped input', {
        kind,
        ...fields,
        note: 'further drops of this kind are counted, not logged',
      });
  }

  count(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
