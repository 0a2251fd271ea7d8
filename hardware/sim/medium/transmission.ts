/**
 * A frame on the air. Instances are pooled: a busy field starts tens of thousands per simulated
 * second and only a handful are on air at once, so reusing them keeps the hot path allocation-free.
 */
import type { RadioNode } from './radio-node.ts';

/** Destination value meaning "broadcast" inside the medium. */
export const BROADCAST = -1;

export class Transmission {
  serial = 0;
  sender!: RadioNode;
  channel = 0;
  psdu: Uint8Array = EMPTY;
  /** Node id, or BROADCAST. */
  destination = BROADCAST;
  ackRequest = false;
  isAck = false;
  /** For an ACK: the serial of the frame it acknowledges. */
  ackForSerial = 0;
  startUs = 0;
  sfdUs = 0;
  endUs = 0;
  /** Position in the medium's list of transmissions on air (for O(1) removal). */
  activeIndex = -1;
}

const EMPTY = new Uint8Array(0);

export class TransmissionPool {
  private readonly free: Transmission[] = [];

  take(): Transmission {
    return this.free.pop() ?? new Transmission();
  }

  give(tx: Transmission): void {
    tx.psdu = EMPTY;
    tx.activeIndex = -1;
    this.free.push(tx);
  }
}
