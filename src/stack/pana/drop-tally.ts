/** Counts dropped inputs by reason: sans-I/O roles do not log, the edge reads and logs these. */
export class PanaDropTally {
  readonly counts = new Map<string, number>();

  drop(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
}
