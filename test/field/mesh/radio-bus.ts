/**
 * An ideal radio bus on the virtual clock, for engine tests: every frame reaches the nodes linked
 * to its sender 1 ms later (no loss, no collisions); a unicast is 'sent' when its destination is
 * linked to the sender, else 'no-ack'. Every transmission is logged for assertions.
 */
import { VirtualScheduler } from '../../../hardware/sim/clock/index.ts';
import { parseFrame } from '../../../src/stack/ieee802154/index.ts';
import type { MeshRadio, ReceivedFrame, TransmitStatus } from '../../../src/field/mesh/index.ts';

export const AIRTIME_MS = 1;
export const MAX_PSDU = 127;
export const FCS_LENGTH = 2;

export interface Transmission {
  at: number;
  from: bigint;
  to: bigint | 'broadcast';
  psdu: Uint8Array;
  status: TransmitStatus;
}

export class RadioBus {
  readonly clock = new VirtualScheduler();
  readonly log: Transmission[] = [];
  private readonly radios = new Map<bigint, BusRadio>();
  private readonly links = new Set<string>();

  attach(eui: bigint): BusRadio {
    const r = new BusRadio(this, eui);
    this.radios.set(eui, r);
    return r;
  }

  link(a: bigint, b: bigint): void {
    this.links.add(`${a}|${b}`).add(`${b}|${a}`);
  }

  unlink(a: bigint, b: bigint): void {
    this.links.delete(`${a}|${b}`);
    this.links.delete(`${b}|${a}`);
  }

  linked(a: bigint, b: bigint): boolean {
    return this.links.has(`${a}|${b}`);
  }

  /** Delivers a frame to `to` as if received over the air (for replay tests). */
  inject(to: bigint, psdu: Uint8Array): void {
    this.radios.get(to)?.deliver({ psdu: psdu.slice(), rssiDbm: -60, lqi: 200 });
  }

  transmit(from: bigint, psdu: Uint8Array): Promise<TransmitStatus> {
    const { frame } = parseFrame(psdu, { fcsLength: FCS_LENGTH });
    const to = typeof frame.dstAddress === 'bigint' ? frame.dstAddress : 'broadcast';
    const status: TransmitStatus = to === 'broadcast' || this.linked(from, to) ? 'sent' : 'no-ack';
    this.log.push({ at: this.clock.now(), from, to, psdu: psdu.slice(), status });
    return new Promise((resolve) => {
      this.clock.scheduleAfter(AIRTIME_MS, () => {
        for (const [eui, radio] of this.radios) {
          if (eui !== from && this.linked(from, eui))
            radio.deliver({ psdu: psdu.slice(), rssiDbm: -60, lqi: 200 });
        }
        resolve(status);
      });
    });
  }

  /**
   * Runs the virtual clock for `ms`, letting promise continuations (the engine's transmit queue)
   * run between events. Bounded by `maxEvents`.
   */
  async run(ms: number, maxEvents = 200_000): Promise<void> {
    const end = this.clock.now() + ms;
    for (let i = 0; i < maxEvents; i++) {
      await new Promise<void>((r) => setImmediate(r));
      const due = this.clock.nextDueMs();
      if (due === undefined || due > end) {
        this.clock.runUntil(end);
        await new Promise<void>((r) => setImmediate(r));
        return;
      }
      this.clock.step();
    }
    throw new Error(`bus did not reach ${end} ms within ${maxEvents} events`);
  }
}

export class BusRadio implements MeshRadio {
  readonly maxPsdu = MAX_PSDU;
  readonly fcsLength = FCS_LENGTH;
  private readonly listeners = new Set<(f: ReceivedFrame) => void>();

  constructor(
    private readonly bus: RadioBus,
    readonly eui: bigint,
  ) {}

  transmit(psdu: Uint8Array): Promise<TransmitStatus> {
    return this.bus.transmit(this.eui, psdu);
  }

  onFrame(listener: (f: ReceivedFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deliver(f: ReceivedFrame): void {
    for (const l of this.listeners) l(f);
  }
}
