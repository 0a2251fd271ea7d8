/**
 * RFC 5191 §5.1 sequence rules for requests received: the next request carries the last received
 * sequence number plus one; a request with the last one is a retransmission, answered with the
 * cached answer; anything else is dropped.
 */

export type RequestVerdict = 'new' | 'duplicate' | 'out-of-window';

export class ReceivedRequests {
  private last: number | undefined;
  private answer: Uint8Array | undefined;

  /** The first request of the session (PAR-S at the PaC): any sequence number starts the window. */
  classify(sequence: number): RequestVerdict {
    if (this.last === undefined) return 'new';
    if (sequence === this.last) return 'duplicate';
    if (sequence === (this.last + 1) >>> 0) return 'new';
    return 'out-of-window';
  }

  /** Records the answer sent to request `sequence`. */
  answered(sequence: number, answer: Uint8Array): void {
    this.last = sequence;
    this.answer = answer;
  }

  /** Records that request `sequence` was accepted but the answer follows later (none cached). */
  accepted(sequence: number): void {
    this.last = sequence;
    this.answer = undefined;
  }

  get cachedAnswer(): Uint8Array | undefined {
    return this.answer;
  }
}

/** Sequence numbers of requests sent: random start (RFC 5191 §5.1), +1 per new request. */
export class SentRequests {
  private next: number;

  constructor(initial: number) {
    this.next = initial >>> 0;
  }

  take(): number {
    const s = this.next;
    this.next = (this.next + 1) >>> 0;
    return s;
  }
}
