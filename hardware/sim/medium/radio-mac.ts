/**
 * The transmit side of one node's radio: unslotted CSMA-CA (IEEE 802.15.4-2015 §6.2.5.1), waiting
 * for the immediate ACK, retransmissions (§6.7.4) and the ARIB STD-T108 duty-cycle check. It is
 * the piece a real 802.15.4 RCP does in firmware, so both the virtual Spinel dongle and the
 * simulated meters use it. Frames are queued and sent one at a time, in order.
 *
 * CSMA-CA, per attempt: NB = 0, BE = macMinBE; wait random(0 … 2^BE − 1) unit backoff periods;
 * CCA for phyCcaDuration; if busy, NB += 1, BE = min(BE + 1, macMaxBE), give up with
 * channel-access-failure once NB > macMaxCsmaBackoffs, else back off again; if clear, turn the
 * radio around (aTurnaroundTime) and transmit. A frame asking for an ACK that gets none within
 * the ACK wait is retried, with a fresh CSMA-CA, up to macMaxFrameRetries times.
 *
 * The unit backoff period is aTurnaroundTime + phyCcaDuration = 1128 µs with the 920 MHz defaults
 * (phy.ts). The ACK wait follows the make-up of macAckWaitDuration — aUnitBackoffPeriod +
 * aTurnaroundTime + the ACK's time on air — = 1128 + 1000 + 1520 = 3648 µs for a 7-octet Imm-Ack.
 *
 * Results come back through a callback, always asynchronously (never from inside `transmit`).
 */
import type { Random } from '../random.ts';
import type { TimerHandle } from '../clock/scheduler.ts';
import type { RadioMedium } from './medium.ts';
import { unitBackoffUs } from './phy.ts';
import type { RadioStats } from './stats.ts';
import type { AirFrame, MediumClient, NodeId, ReceivedFrame } from './types.ts';
import { usToMs } from './units.ts';

export type TransmitStatus =
  | 'sent'
  | 'no-ack'
  | 'channel-access-failure'
  | 'duty-cycle-limited'
  | 'queue-full';

export interface TransmitRequest extends AirFrame {
  /** Overrides macMaxFrameRetries for this frame (Spinel passes it per frame). */
  readonly maxFrameRetries?: number;
  /** Overrides macMaxCsmaBackoffs for this frame. */
  readonly maxCsmaBackoffs?: number;
  /** false: transmit without CSMA-CA (after the turnaround only). Default true. */
  readonly csma?: boolean;
}

export interface TransmitResult {
  readonly status: TransmitStatus;
  /** 'sent' with ackRequest: an ACK came back. */
  readonly acked: boolean;
  /** Times the frame went on air (1 + retransmissions). */
  readonly attempts: number;
  /** Busy CCAs over all attempts. */
  readonly busyCcas: number;
  /** RSSI of the ACK, when there was one. */
  readonly ackRssiDbm?: number;
}

export type TransmitDone = (result: TransmitResult) => void;

export interface MacSettings {
  macMinBe: number;
  macMaxBe: number;
  macMaxCsmaBackoffs: number;
  macMaxFrameRetries: number;
  /** Frames waiting behind the one being sent; more are refused with 'queue-full'. */
  queueCapacity: number;
}

export const MAC_DEFAULTS: Readonly<MacSettings> = Object.freeze({
  macMinBe: 3,
  macMaxBe: 5,
  macMaxCsmaBackoffs: 4,
  macMaxFrameRetries: 3,
  queueCapacity: 32,
});

interface Outgoing {
  request: TransmitRequest;
  done: TransmitDone;
}

type State = 'idle' | 'backoff' | 'cca' | 'turnaround' | 'transmitting' | 'awaiting-ack';

export class RadioMac implements MediumClient {
  /** Receives every frame the radio decodes. */
  onReceive: ((frame: ReceivedFrame) => void) | null = null;

  private readonly settings: MacSettings;
  private readonly random: Random;
  private readonly stats: RadioStats;
  private readonly unitBackoffUs: number;
  private readonly ackWaitUs: number;
  private readonly queue: Outgoing[] = [];

  private state: State = 'idle';
  private current: Outgoing | null = null;
  private nb = 0;
  private be = 0;
  private retries = 0;
  private attempts = 0;
  private busyCcas = 0;
  private ccaStartUs = 0;
  private serial = 0;
  private ackTimer: TimerHandle | null = null;

  constructor(
    private readonly medium: RadioMedium,
    readonly nodeId: NodeId,
    settings: Partial<MacSettings> = {},
    random?: Random,
  ) {
    this.settings = { ...MAC_DEFAULTS, ...settings };
    this.random = random ?? medium.random.fork(`mac:${nodeId}`);
    this.stats = medium.statsOf(nodeId);
    this.unitBackoffUs = unitBackoffUs(medium.phy);
    this.ackWaitUs = this.unitBackoffUs + medium.phy.turnaroundUs + medium.airtimeUs(medium.ackPsduOctets);
    medium.attach(nodeId, this);
  }

  /** Frames queued behind the one in progress. */
  get queueLength(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.current !== null;
  }

  transmit(request: TransmitRequest, done: TransmitDone): void {
    this.stats.transmitRequests++;
    if (this.queue.length >= this.settings.queueCapacity) {
      this.stats.queueFull++;
      this.medium.scheduler.scheduleAfter(0, done, result('queue-full', false, 0, 0));
      return;
    }
    this.queue.push({ request, done });
    if (this.current === null) this.startNext();
  }

  // ---- MediumClient ----------------------------------------------------------------------

  frameReceived(frame: ReceivedFrame): void {
    this.onReceive?.(frame);
  }

  transmissionEnded(serial: number): void {
    if (this.state !== 'transmitting' || serial !== this.serial) return;
    const request = this.current!.request;
    if (!request.ackRequest || request.destination === 'broadcast') {
      this.finish('sent', false);
      return;
    }
    this.state = 'awaiting-ack';
    this.ackTimer = this.medium.scheduler.scheduleAfter(usToMs(this.ackWaitUs), this.ackTimedOut);
  }

  ackReceived(serial: number, rssiDbm: number): void {
    if (this.state !== 'awaiting-ack' || serial !== this.serial) return; // late or stray ACK
    if (this.ackTimer) this.medium.scheduler.cancel(this.ackTimer);
    this.ackTimer = null;
    this.finish('sent', true, rssiDbm);
  }

  // ---- transmit state machine ------------------------------------------------------------

  private startNext(): void {
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    this.retries = 0;
    this.attempts = 0;
    this.busyCcas = 0;
    this.beginAttempt();
  }

  private beginAttempt(): void {
    if (!this.withinDutyCycle()) return;
    this.nb = 0;
    this.be = this.settings.macMinBe;
    if (this.current!.request.csma === false) {
      this.state = 'turnaround';
      this.medium.scheduler.scheduleAfter(usToMs(this.medium.phy.turnaroundUs), this.startTransmission);
    } else {
      this.backOff();
    }
  }

  private backOff(): void {
    this.state = 'backoff';
    const periods = this.random.int(0, (1 << this.be) - 1);
    this.medium.scheduler.scheduleAfter(usToMs(periods * this.unitBackoffUs), this.startCca);
  }

  private readonly startCca = (): void => {
    this.state = 'cca';
    this.ccaStartUs = this.medium.nowUs();
    this.medium.scheduler.scheduleAfter(usToMs(this.medium.phy.ccaDurationUs), this.endCca);
  };

  private readonly endCca = (): void => {
    if (this.medium.isChannelClear(this.nodeId, this.ccaStartUs)) {
      this.state = 'turnaround';
      this.medium.scheduler.scheduleAfter(usToMs(this.medium.phy.turnaroundUs), this.startTransmission);
    } else {
      this.channelBusy();
    }
  };

  private channelBusy(): void {
    this.stats.ccaBusy++;
    this.busyCcas++;
    this.nb++;
    this.be = Math.min(this.be + 1, this.settings.macMaxBe);
    const maxBackoffs = this.current!.request.maxCsmaBackoffs ?? this.settings.macMaxCsmaBackoffs;
    if (this.nb > maxBackoffs) {
      this.stats.channelAccessFailures++;
      this.finish('channel-access-failure', false);
    } else {
      this.backOff();
    }
  }

  private readonly startTransmission = (): void => {
    // The radio may be sending an ACK of its own; it cannot start a second transmission.
    if (this.medium.isTransmitting(this.nodeId)) {
      this.channelBusy();
      return;
    }
    if (!this.withinDutyCycle()) return;
    this.state = 'transmitting';
    this.attempts++;
    this.serial = this.medium.transmit(this.nodeId, this.current!.request);
  };

  private readonly ackTimedOut = (): void => {
    this.ackTimer = null;
    const maxRetries = this.current!.request.maxFrameRetries ?? this.settings.macMaxFrameRetries;
    if (this.retries < maxRetries) {
      this.retries++;
      this.stats.retries++;
      this.beginAttempt();
    } else {
      this.stats.noAck++;
      this.finish('no-ack', false);
    }
  };

  /** ARIB STD-T108: refuse a transmission that would exceed the per-frame or hourly limit. */
  private withinDutyCycle(): boolean {
    const airtime = this.medium.airtimeUs(this.current!.request.psdu.length);
    if (this.medium.dutyCycle(this.nodeId).allows(this.medium.nowUs(), airtime)) return true;
    this.stats.dutyCycleLimited++;
    this.finish('duty-cycle-limited', false);
    return false;
  }

  private finish(status: TransmitStatus, acked: boolean, ackRssiDbm?: number): void {
    const done = this.current!.done;
    const outcome = result(status, acked, this.attempts, this.busyCcas, ackRssiDbm);
    this.current = null;
    this.state = 'idle';
    // Deliver on the scheduler, not from inside a medium callback, and start the next frame now.
    this.medium.scheduler.scheduleAfter(0, done, outcome);
    this.startNext();
  }
}

function result(
  status: TransmitStatus,
  acked: boolean,
  attempts: number,
  busyCcas: number,
  ackRssiDbm?: number,
): TransmitResult {
  return ackRssiDbm === undefined
    ? { status, acked, attempts, busyCcas }
    : { status, acked, attempts, busyCcas, ackRssiDbm };
}
