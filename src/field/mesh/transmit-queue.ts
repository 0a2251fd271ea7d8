/**
 * Hands PSDUs to the radio, the frames of one datagram in order (a fragment lost ends that
 * datagram: RFC 4944 reassembly cannot complete without it), and reports each unicast
 * datagram's outcome for the link estimate. Bounded: a full queue refuses new datagrams.
 */
import type { MeshRadio, TransmitStatus } from './radio.ts';

export interface QueuedDatagram {
  psdus: Uint8Array[];
  ackRequest: boolean;
  /** The MAC destination when unicast (for the link estimate). */
  neighbour?: bigint;
}

export interface TransmitReport {
  datagram: QueuedDatagram;
  /** Status of the last frame tried ('sent' when all went). */
  status: TransmitStatus;
  /** Status of every frame tried. */
  statuses: TransmitStatus[];
}

export class TransmitQueue {
  private readonly queue: QueuedDatagram[] = [];
  private busy = false;
  private stopped = false;

  constructor(
    private readonly radio: MeshRadio,
    private readonly limit: number,
    private readonly report: (r: TransmitReport) => void,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('transmit queue limit must be ≥ 1');
  }

  get length(): number {
    return this.queue.length;
  }

  /** False when the queue is full or stopped. */
  enqueue(d: QueuedDatagram): boolean {
    if (this.stopped || this.queue.length >= this.limit) return false;
    this.queue.push(d);
    if (this.busy) return true;
    if (this.radio.transmitWithCallback) this.next();
    else void this.pump();
    return true;
  }

  /** Drops everything queued; frames already handed to the radio cannot be recalled. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  /** The callback path (radio.ts transmitWithCallback): one datagram, frame after frame. */
  private next(): void {
    const d = this.queue.shift();
    if (!d || this.stopped) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const statuses: TransmitStatus[] = [];
    const frame = (i: number): void => {
      const psdu = d.psdus[i];
      if (psdu === undefined || this.stopped) return this.finish(d, statuses);
      let called = false;
      const done = (status: TransmitStatus): void => {
        if (called) return;
        called = true;
        statuses.push(status);
        if (status !== 'sent') this.finish(d, statuses);
        else frame(i + 1);
      };
      try {
        this.radio.transmitWithCallback!(psdu, { ackRequest: d.ackRequest }, done);
      } catch {
        done('error'); // a driver failure must not stop the queue
      }
    };
    frame(0);
  }

  private finish(d: QueuedDatagram, statuses: TransmitStatus[]): void {
    if (this.stopped && statuses.length === 0) {
      this.busy = false;
      return;
    }
    this.report({ datagram: d, status: statuses[statuses.length - 1] ?? 'error', statuses });
    this.next();
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      for (let d = this.queue.shift(); d && !this.stopped; d = this.queue.shift()) {
        const statuses: TransmitStatus[] = [];
        for (const psdu of d.psdus) {
          if (this.stopped) return;
          let status: TransmitStatus;
          try {
            status = await this.radio.transmit(psdu, { ackRequest: d.ackRequest });
          } catch {
            status = 'error'; // a driver failure must not stop the queue
          }
          statuses.push(status);
          if (status !== 'sent') break;
        }
        this.report({ datagram: d, status: statuses[statuses.length - 1] ?? 'error', statuses });
      }
    } finally {
      this.busy = false;
    }
  }
}
