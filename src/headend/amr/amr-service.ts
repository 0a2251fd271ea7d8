/**
 * The AMR/DR server: registry + reading engine + demand response over one transaction layer,
 * with the outcomes stored through the reading repository (one ingest batch per meter read: the
 * reading and its exceptions land together or not at all).
 *
 * Time: `clock` gives epoch ms; the transaction timers run when `poll(now)` is called. In real
 * time `start()` polls on an interval; on a virtual clock the simulator calls `poll` itself.
 */
import type { AmrRepository, AuditRepository, MeterRepository, ReadingRepository } from '../storage/index.ts';
import { DemandResponseService } from './demand-response.ts';
import { ReadingEngine } from './reading-engine.ts';
import type { ReadOutcome, ReadingEngineOptions } from './reading-engine.ts';
import { MeterRegistry } from './registry.ts';
import type { JoinedMeter, MeterJoinSource, ServingResolver } from './registry.ts';
import { EchonetTransactions } from './transactions.ts';
import type { EchonetDatagramPort, RetryPolicy } from './transactions.ts';

export interface AmrServiceOptions {
  readonly meters: MeterRepository;
  readonly readings: ReadingRepository;
  readonly audit: AuditRepository;
  readonly amr: AmrRepository;
  /** Where ECHONET payloads go (gateway-port.ts in production, an in-memory field in tests). */
  readonly port: EchonetDatagramPort;
  readonly servingOf: ServingResolver;
  readonly clock: () => number;
  readonly random: (length: number) => Uint8Array;
  readonly retry?: RetryPolicy;
  readonly engine?: Omit<ReadingEngineOptions, 'transactions' | 'clock'>;
  readonly drManufacturers?: readonly number[];
  /** Read meters when they join through a tool (default true). */
  readonly readOnJoin?: boolean;
  /**
   * A read that timed out (the meter joined, but its answers were lost on the way) is tried again
   * while the meter stays joined: after `afterMs`, doubling each time, at most `times` times.
   * Without it a lost read waits for the meter's next join, which can be hours. Default: none.
   */
  readonly reread?: ReadRetry;
}

export interface ReadRetry {
  readonly afterMs: number;
  readonly times: number;
}

/** After 1 min, then 2 min: a mesh that lost a whole read (three attempts) has usually settled. */
export const DEFAULT_REREAD: ReadRetry = { afterMs: 60_000, times: 2 };

export type ReadListener = (outcome: ReadOutcome) => void;

export interface AmrStats {
  readsStarted: number;
  readsStored: number;
  readsFailed: number;
  ingestErrors: number;
  /** Reads started again after a timed-out one (`reread`). */
  rereads: number;
}

export class AmrService {
  readonly transactions: EchonetTransactions;
  readonly engine: ReadingEngine;
  readonly registry: MeterRegistry;
  readonly demandResponse: DemandResponseService;
  readonly stats: AmrStats = { readsStarted: 0, readsStored: 0, readsFailed: 0, ingestErrors: 0, rereads: 0 };
  /** Meters whose read timed out: when to read again, and how many re-reads that will be. */
  private readonly rereadDue = new Map<string, { atMs: number; attempt: number }>();
  private readonly listeners: ReadListener[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly o: AmrServiceOptions) {
    this.transactions = new EchonetTransactions(o.port, o.retry);
    this.engine = new ReadingEngine({ ...o.engine, transactions: this.transactions, clock: o.clock });
    this.registry = new MeterRegistry({ meters: o.meters, audit: o.audit, servingOf: o.servingOf });
    this.demandResponse = new DemandResponseService({
      amr: o.amr,
      audit: o.audit,
      registry: this.registry,
      transactions: this.transactions,
      clock: o.clock,
      random: o.random,
      ...(o.drManufacturers !== undefined ? { drManufacturers: o.drManufacturers } : {}),
    });
    if (o.readOnJoin !== false)
      this.registry.onJoined((m) => {
        if (m.serving.via === 'tool') void this.readMeter(m);
      });
  }

  /** Subscribes to the key server's meter-joined / meter-left events. */
  attachKeyServer(source: MeterJoinSource): () => void {
    return this.registry.attach(source);
  }

  onRead(listener: ReadListener): void {
    this.listeners.push(listener);
  }

  /** An ECHONET payload from a meter (UDP 3610). */
  receive(address: string, payload: Uint8Array): void {
    this.transactions.receive(address, payload);
  }

  poll(now: number): void {
    this.transactions.poll(now);
    for (const [meterId, due] of this.rereadDue) {
      if (due.atMs > now) continue;
      this.rereadDue.delete(meterId);
      const meter = this.registry.current(meterId);
      if (meter === undefined || meter.serving.via !== 'tool') continue; // left meanwhile
      this.stats.rereads++;
      void this.readMeter(meter, due.attempt);
    }
  }

  /** Reads a joined meter now and stores the outcome. Never rejects. */
  readMeter(meter: JoinedMeter, attempt = 0): Promise<ReadOutcome | undefined> {
    // A fresh read (a join) replaces any re-read still waiting.
    if (attempt === 0) this.rereadDue.delete(meter.meterId);
    const run = this.readAndStore(meter, attempt);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  /** Resolves when the registry and every started read are done (tests, shutdown). */
  async idle(): Promise<void> {
    await this.registry.settled();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Real time: polls the transaction timers every `intervalMs`. */
  start(intervalMs = 250): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.poll(this.o.clock()), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async readAndStore(meter: JoinedMeter, attempt: number): Promise<ReadOutcome | undefined> {
    this.stats.readsStarted++;
    try {
      const previous = (await this.o.amr.latestReading(meter.meterId)) ?? null;
      const outcome = await this.engine.read({
        meterId: meter.meterId,
        address: meter.address,
        toolId: meter.serving.id,
        previous,
      });
      await this.o.readings.ingest({
        batchId: `read:${meter.meterId}:${String(outcome.atMs)}`,
        receivedAtMs: this.o.clock(),
        readings: outcome.reading === null ? [] : [outcome.reading],
        exceptions: outcome.exceptions,
      });
      if (outcome.reading === null) this.stats.readsFailed++;
      else this.stats.readsStored++;
      const retry = this.o.reread;
      if (
        retry !== undefined &&
        attempt < retry.times &&
        outcome.reading === null &&
        outcome.exceptions.some((e) => e.reason === 'timeout')
      )
        this.rereadDue.set(meter.meterId, {
          atMs: this.o.clock() + retry.afterMs * 2 ** attempt,
          attempt: attempt + 1,
        });
      for (const l of this.listeners) l(outcome);
      return outcome;
    } catch {
      // A storage failure: the outcome is not stored; counted, and the next join reads again.
      this.stats.ingestErrors++;
      return undefined;
    }
  }
}
