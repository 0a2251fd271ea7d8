/**
 * ECHONET Lite request/response transactions of the AMR/DR server, sans-I/O: TID allocation,
 * matching of replies, timeouts and retransmission with exponential backoff. Time comes in as
 * `now` arguments; the edge calls `poll(now)` at `nextDeadline()` and hands every UDP 3610
 * payload from a meter to `receive`.
 *
 * Matching (ECHONET Lite Part II §3.2.2: a response echoes the request's TID; §3.2.4: a response
 * swaps SEOJ and DEOJ): a reply is taken only when it comes from the address the request went
 * to, carries a pending TID, comes from the object asked and is addressed to the controller,
 * is a response service of the request's family, and lists exactly the requested EPCs in order.
 * Anything else is counted by kind and dropped, and the request keeps waiting: a stray or forged
 * datagram cannot end a read early, only the meter's own answer or the timeout can.
 *
 * A retransmission reuses the TID, so a late answer to an earlier attempt still completes the
 * request (on a multi-hop mesh a reply often arrives just after the timer fired).
 */
import { EOJ, ESV, decodeFrame, encodeFrame } from '../../stack/echonet/index.ts';
import type { EchonetFrame, EchonetProperty, Esv } from '../../stack/echonet/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';

/** Sends one ECHONET Lite payload to UDP 3610 of an IPv6 address (canonical text). */
export interface EchonetDatagramPort {
  send(address: string, payload: Uint8Array): void;
}

export interface RetryPolicy {
  /** First response timeout. Multi-hop 920 MHz meshes answer in seconds, not milliseconds. */
  readonly responseTimeoutMs: number;
  /** Retransmissions after the first attempt. */
  readonly retries: number;
  /** Each retransmission waits this many times longer than the previous attempt. */
  readonly backoffFactor: number;
}

/**
 * Defaults for a mesh of up to ~8 hops at 100 kb/s with CSMA and link retries: a round trip is
 * typically under 2 s, a congested one under 8 s; 10 s, then 20 s, then 40 s gives a slow path
 * three chances within about a minute and stops flooding a radio that is not answering.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { responseTimeoutMs: 10_000, retries: 2, backoffFactor: 2 };

/** Why a reply was dropped (counted per kind). */
export type ReplyDropKind =
  | 'malformed'
  | 'unknown-tid'
  | 'wrong-address'
  | 'wrong-object'
  | 'wrong-service'
  | 'property-mismatch';

export type TransactionResult =
  | { readonly kind: 'reply'; readonly frame: EchonetFrame; readonly attempts: number }
  | {
      readonly kind: 'timeout';
      readonly attempts: number;
      /** The last reply dropped for this request, if any (e.g. a truncated one). */
      readonly lastDrop: ReplyDropKind | null;
    };

export interface TransactionRequest {
  /** Meter's IPv6 address, canonical text. */
  readonly address: string;
  readonly deoj: number;
  readonly esv: typeof ESV.Get | typeof ESV.SetC | typeof ESV.SetGet;
  readonly properties: readonly EchonetProperty[];
  /** SetGet only: the Get list. */
  readonly getProperties?: readonly EchonetProperty[];
}

interface Pending {
  readonly request: TransactionRequest;
  readonly tid: number;
  readonly payload: Uint8Array;
  attempts: number;
  deadline: number;
  timeoutMs: number;
  lastDrop: ReplyDropKind | null;
  readonly resolve: (r: TransactionResult) => void;
}

const RESPONSES: Readonly<Record<number, readonly Esv[]>> = {
  [ESV.Get]: [ESV.Get_Res, ESV.Get_SNA],
  [ESV.SetC]: [ESV.Set_Res, ESV.SetC_SNA],
  [ESV.SetGet]: [ESV.SetGet_Res, ESV.SetGet_SNA],
};

function sameEpcs(a: readonly EchonetProperty[], b: readonly EchonetProperty[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((p, i) => p.epc === b[i]!.epc);
}

export class EchonetTransactions {
  readonly drops = new Map<ReplyDropKind, number>();
  private readonly pending = new Map<number, Pending>();
  private nextTid = 1;
  private sent = 0;
  private retransmitted = 0;

  constructor(
    private readonly port: EchonetDatagramPort,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {
    if (!(policy.responseTimeoutMs > 0) || !(policy.backoffFactor >= 1) || !(policy.retries >= 0))
      throw new RangeError('retry policy needs a positive timeout, backoff ≥ 1 and retries ≥ 0');
  }

  /** Sends a request now; the promise settles on the matching reply or after the last timeout. */
  request(now: number, request: TransactionRequest): Promise<TransactionResult> {
    const tid = this.takeTid();
    const frame: EchonetFrame = {
      tid,
      seoj: EOJ.CONTROLLER,
      deoj: request.deoj,
      esv: request.esv,
      properties: request.properties,
      ...(request.esv === ESV.SetGet ? { getProperties: request.getProperties ?? [] } : {}),
    };
    const payload = encodeFrame(frame);
    return new Promise((resolve) => {
      const p: Pending = {
        request,
        tid,
        payload,
        attempts: 1,
        timeoutMs: this.policy.responseTimeoutMs,
        deadline: now + this.policy.responseTimeoutMs,
        lastDrop: null,
        resolve,
      };
      this.pending.set(tid, p);
      this.sent++;
      this.port.send(request.address, payload);
    });
  }

  /** A UDP 3610 payload from `address`. Never throws. */
  receive(address: string, payload: Uint8Array): void {
    let frame: EchonetFrame;
    try {
      frame = decodeFrame(payload);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.drop('malformed');
      return;
    }
    const p = this.pending.get(frame.tid);
    if (p === undefined) return this.drop('unknown-tid');
    if (p.request.address !== address) return this.drop('wrong-address', p);
    if (frame.seoj !== p.request.deoj || frame.deoj !== EOJ.CONTROLLER) return this.drop('wrong-object', p);
    if (!(RESPONSES[p.request.esv] ?? []).includes(frame.esv)) return this.drop('wrong-service', p);
    const listsMatch =
      sameEpcs(p.request.properties, frame.properties) &&
      (p.request.esv !== ESV.SetGet || sameEpcs(p.request.getProperties ?? [], frame.getProperties));
    if (!listsMatch) return this.drop('property-mismatch', p);
    this.pending.delete(p.tid);
    p.resolve({ kind: 'reply', frame, attempts: p.attempts });
  }

  /** When `poll` next has work, or null when nothing is pending. */
  earliestDeadline(): number | null {
    let best: number | null = null;
    for (const p of this.pending.values()) if (best === null || p.deadline < best) best = p.deadline;
    return best;
  }

  /** Retransmits or gives up every request whose deadline is at or before `now`. */
  poll(now: number): void {
    for (const p of [...this.pending.values()]) {
      if (p.deadline > now) continue;
      if (p.attempts > this.policy.retries) {
        this.pending.delete(p.tid);
        p.resolve({ kind: 'timeout', attempts: p.attempts, lastDrop: p.lastDrop });
        continue;
      }
      p.attempts++;
      p.timeoutMs *= this.policy.backoffFactor;
      p.deadline = now + p.timeoutMs;
      this.retransmitted++;
      this.port.send(p.request.address, p.payload);
    }
  }

  get outstanding(): number {
    return this.pending.size;
  }

  stats(): { sent: number; retransmitted: number; drops: Record<string, number> } {
    return { sent: this.sent, retransmitted: this.retransmitted, drops: Object.fromEntries(this.drops) };
  }

  private drop(kind: ReplyDropKind, p?: Pending): void {
    this.drops.set(kind, (this.drops.get(kind) ?? 0) + 1);
    if (p !== undefined) p.lastDrop = kind;
  }

  /** TIDs are u16 (Part II §3.2.2); skips those still pending so two requests never share one. */
  private takeTid(): number {
    if (this.pending.size >= 0xffff) throw new RangeError('every TID is in use');
    for (;;) {
      const tid = this.nextTid;
      this.nextTid = (this.nextTid + 1) & 0xffff;
      if (!this.pending.has(tid)) return tid;
    }
  }
}
