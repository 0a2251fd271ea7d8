/**
 * Request retransmission (RFC 5191 §9, which takes RFC 3315 §14's algorithm):
 *   RT(1) = IRT + RAND·IRT;  RT(n+1) = 2·RT(n) + RAND·RT(n);  if RT > MRT: RT = MRT + RAND·MRT;
 * RAND uniform in [−0.1, +0.1]; give up after MRC retransmissions (0 = never).
 *
 * RFC 5191's defaults (PCI_IRT 1 s, REQ_IRT 1 s, REQ_MRT 30 s, REQ_MRC 10) assume a LAN. On a
 * multi-hop 100 kbps 802.15.4g mesh a PAR carrying a 70-byte EAP-PSK message plus PRY framing is
 * fragmented into 2–3 frames per hop; with CSMA back-offs, link-layer retries and 6 hops a round
 * trip of 1–3 s is normal, so a 1 s IRT would retransmit almost every request and load the mesh
 * during a mass join. We start at 4 s (a round trip over ~6 hops with margin), cap at 60 s, and
 * keep RFC 5191's REQ_MRC of 10 (≈ 4+8+16+32+7·60 s ≈ 8 min of silence before giving up): with
 * 30 % loss per message a request/answer pair gets through 49 % of the time, and 11 tries fail
 * only 0.06 % of the time (6 tries would fail 1.8 %, seen as stuck joins in simulation).
 */
export interface RetransmissionParams {
  /** Initial retransmission time, ms. */
  irt: number;
  /** Maximum retransmission time, ms. */
  mrt: number;
  /** Maximum retransmission count; 0 retransmits for ever (RFC 3315 §14). */
  mrc: number;
}

/** PCI on the mesh: a meter keeps looking for its PAA (RFC 5191 §9 PCI_MRC = 0), up to 2 min apart. */
export const PANA_MESH_PCI_RETRANSMISSION: RetransmissionParams = { irt: 4_000, mrt: 120_000, mrc: 0 };

/** Every other request (PAR, PNR, PTR) on the mesh. */
export const PANA_MESH_REQ_RETRANSMISSION: RetransmissionParams = { irt: 4_000, mrt: 60_000, mrc: 10 };

/** RFC 5191 §9 defaults, for LAN peers (the tool's own session over the VPN). */
export const PANA_RFC5191_REQ_RETRANSMISSION: RetransmissionParams = { irt: 1_000, mrt: 30_000, mrc: 10 };
export const PANA_RFC5191_PCI_RETRANSMISSION: RetransmissionParams = { irt: 1_000, mrt: 120_000, mrc: 0 };

/** A uniform number in [0, 1) from injected random bytes. */
export type RandomUnit = () => number;

/** RAND ∈ [−0.1, 0.1] (RFC 3315 §14). */
function jitter(rand: RandomUnit): number {
  return rand() * 0.2 - 0.1;
}

/** The next timeout: `prev` undefined for the first transmission. */
export function nextRetransmissionTimeout(
  prev: number | undefined,
  p: RetransmissionParams,
  rand: RandomUnit,
): number {
  let rt = prev === undefined ? p.irt + jitter(rand) * p.irt : 2 * prev + jitter(rand) * prev;
  if (p.mrt > 0 && rt > p.mrt) rt = p.mrt + jitter(rand) * p.mrt;
  return rt;
}

/** One outstanding request: what to send again and when. */
export class Retransmitter {
  private rt: number | undefined;
  private count = 0;
  private due: number | undefined;
  private message: { bytes: Uint8Array; meta: unknown } | undefined;

  constructor(
    private readonly params: RetransmissionParams,
    private readonly rand: RandomUnit,
  ) {}

  /** Arms the timer for a request just sent at `now`. */
  start(now: number, bytes: Uint8Array, meta?: unknown): void {
    this.rt = nextRetransmissionTimeout(undefined, this.params, this.rand);
    this.count = 0;
    this.due = now + this.rt;
    this.message = { bytes, meta };
  }

  stop(): void {
    this.rt = undefined;
    this.due = undefined;
    this.message = undefined;
    this.count = 0;
  }

  get active(): boolean {
    return this.message !== undefined;
  }

  get deadline(): number | undefined {
    return this.due;
  }

  get retransmissions(): number {
    return this.count;
  }

  /**
   * At or after the deadline: the bytes to send again, or `give-up` once MRC retransmissions went
   * unanswered, or `idle` when nothing is due.
   */
  poll(now: number): { action: 'resend'; bytes: Uint8Array; meta: unknown } | { action: 'give-up' | 'idle' } {
    if (this.due === undefined || this.message === undefined || now < this.due) return { action: 'idle' };
    if (this.params.mrc > 0 && this.count >= this.params.mrc) {
      this.stop();
      return { action: 'give-up' };
    }
    this.count++;
    this.rt = nextRetransmissionTimeout(this.rt, this.params, this.rand);
    this.due = now + this.rt;
    return { action: 'resend', bytes: this.message.bytes, meta: this.message.meta };
  }
}

/** Turns injected random bytes into a uniform number in [0, 1). */
export function randomUnitFrom(random: (n: number) => Uint8Array): RandomUnit {
  return () => {
    const b = random(4);
    return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) / 4294967296;
  };
}

/**
 * How long an authentication may stay silent before either end gives up, ms: longer than a whole
 * REQ retransmission series (≈ 8 min above), so that the retransmissions decide first.
 */
export const PANA_MESH_AUTHENTICATION_TIMEOUT = 600_000;
