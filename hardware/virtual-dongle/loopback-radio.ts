/**
 * An in-memory {@link RadioPort} for tests: transmit outcomes are scripted, received frames are
 * injected, and two loopback radios can be linked so one hears what the other sends on its channel.
 */
import type { DriverClock, TimerId } from '../spinel/clock.ts';
import { realClock } from '../spinel/clock.ts';
import type { RadioPort, RadioRxFrame, RadioTxOptions, RadioTxResult } from './radio-port.ts';

export interface LoopbackRadioOptions {
  clock?: DriverClock;
  /** Time a transmit takes before `done`; 0 (default) completes on the next microtask. */
  airtimeMs?: number;
  /** RSSI/LQI given to frames a linked peer hears. */
  rssi?: number;
  lqi?: number;
}

export interface SentFrame {
  psdu: Uint8Array;
  channel: number;
  options: RadioTxOptions;
}

export class LoopbackRadio implements RadioPort {
  readonly sent: SentFrame[] = [];
  receiveChannel: number | null = null;
  peer: LoopbackRadio | undefined;
  private readonly clock: DriverClock;
  private readonly airtimeMs: number;
  private readonly rssi: number;
  private readonly lqi: number;
  private readonly listeners = new Set<(frame: RadioRxFrame) => void>();
  private readonly outcomes: RadioTxResult[] = [];
  private held: (() => void)[] | undefined;
  private readonly timers = new Set<TimerId>();

  constructor(options: LoopbackRadioOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.airtimeMs = options.airtimeMs ?? 0;
    this.rssi = options.rssi ?? -60;
    this.lqi = options.lqi ?? 200;
  }

  /** Links two radios both ways. */
  static pair(a: LoopbackRadio, b: LoopbackRadio): void {
    a.peer = b;
    b.peer = a;
  }

  /** The outcome of the next transmit (FIFO); without one, transmits are 'sent' without ACK. */
  queueOutcome(...results: RadioTxResult[]): void {
    this.outcomes.push(...results);
  }

  /** Holds transmit completions until {@link release} (to observe queueing). */
  hold(): void {
    this.held ??= [];
  }

  /** Completes held transmits, in order, and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const f of held) f();
  }

  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  transmit(
    psdu: Uint8Array,
    channel: number,
    done: (result: RadioTxResult) => void,
    options: RadioTxOptions,
  ): void {
    const frame = { psdu: psdu.slice(), channel, options };
    this.sent.push(frame);
    const result = this.outcomes.shift() ?? { outcome: 'sent' };
    const complete = (): void => {
      if (result.outcome === 'sent')
        this.peer?.hear(frame.psdu, channel, this.rssi, this.lqi, this.clock.now());
      done(result);
    };
    const later = (): void => {
      if (this.held) this.held.push(complete);
      else complete();
    };
    if (this.airtimeMs <= 0) {
      queueMicrotask(later);
    } else {
      const t = this.clock.setTimeout(() => {
        this.timers.delete(t);
        later();
      }, this.airtimeMs);
      this.timers.add(t);
    }
  }

  onReceive(listener: (frame: RadioRxFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setReceiveChannel(channel: number | null): void {
    this.receiveChannel = channel;
  }

  /** Delivers a frame to the receiver as if heard on air (dropped if the receiver is off or elsewhere). */
  inject(frame: RadioRxFrame): boolean {
    if (this.receiveChannel !== frame.channel) return false;
    for (const l of [...this.listeners]) l({ ...frame, psdu: frame.psdu.slice() });
    return true;
  }

  private hear(psdu: Uint8Array, channel: number, rssi: number, lqi: number, nowMs: number): void {
    this.inject({ psdu, channel, rssi, lqi, timestampUs: Math.round(nowMs * 1000) });
  }

  /** Cancels pending airtime timers. */
  dispose(): void {
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    this.listeners.clear();
  }
}
