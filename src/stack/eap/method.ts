/**
 * What an EAP method looks like to the lower layer (PANA): a sans-I/O state machine fed whole EAP
 * packets, answering with at most one EAP packet per input, and ending in success (with the
 * exported keys, RFC 3748 §7.10) or failure. EAP-PSK (psk-peer.ts, psk-server.ts) implements it;
 * EAP-TLS plugs in behind the same interfaces.
 *
 * Asynchronous methods (EAP-TLS, whose TLS engine lives at the edge and answers later) return a
 * step with `pending` instead of an answer; when the edge learns that the engine has settled it
 * asks the lower layer to resume (PanaPac.resumeEap, PanaPaa.resumeEap), which calls `resume()`
 * and carries on with the step it returns exactly as if `receive()` had returned it.
 *
 * Retransmission is not the method's business: over PANA the lower layer is reliable (RFC 5191 §5.1
 * retransmits PANA requests and replays cached answers), so the authenticator never retransmits an
 * EAP Request itself (RFC 3748 §4.3 lets the lower layer take that role).
 */

/** Injected randomness: `n` cryptographically random bytes (the edge passes crypto.randomBytes). */
export type RandomBytes = (n: number) => Uint8Array;

/** Keying material a method exports on success (RFC 3748 §7.10: MSK ≥ 64 bytes, EMSK ≥ 64 bytes). */
export interface EapKeys {
  msk: Uint8Array;
  emsk: Uint8Array;
}

export type EapOutcome = { result: 'success'; keys: EapKeys } | { result: 'failure'; reason: string };

/** The result of feeding one packet to a method. */
export interface EapStep {
  /** EAP packet to send to the other side, if any. */
  send?: Uint8Array;
  /** Set once the method has reached its end. */
  outcome?: EapOutcome;
  /** The input was silently discarded (RFC 3748 §4.1, §7.2): why, for the drop counter. */
  discarded?: string;
  /**
   * The input was accepted and the answer comes later: the lower layer keeps the request it is
   * answering and calls `resume()` when the edge says the method is ready.
   */
  pending?: true;
}

/** The peer (supplicant) side: the meter or the tool. */
export interface EapPeerMethod {
  /** IANA method type (47 EAP-PSK, 13 EAP-TLS). */
  readonly type: number;
  /** Feeds a received EAP Request, Success or Failure packet (whole packet bytes). */
  receive(packet: Uint8Array): EapStep;
  /** After a `pending` step: the step now ready, or undefined while the method is still busy. */
  resume?(): EapStep | undefined;
  /** Releases what the method holds (an edge TLS engine); the lower layer calls it when done. */
  dispose?(): void;
  /** Packets discarded so far, by reason. */
  readonly discards: ReadonlyMap<string, number>;
}

/** The server (authenticator with integrated server) side: the key server. */
export interface EapServerMethod {
  readonly type: number;
  /** Produces the first EAP Request. */
  start(): EapStep;
  /** Feeds a received EAP Response (whole packet bytes). */
  receive(packet: Uint8Array): EapStep;
  /** After a `pending` step: the step now ready, or undefined while the method is still busy. */
  resume?(): EapStep | undefined;
  /** Releases what the method holds (an edge TLS engine); the lower layer calls it when done. */
  dispose?(): void;
  /** The peer's identity once the method has learned it (ID_P for EAP-PSK), for events. */
  readonly peerId: Uint8Array | undefined;
  readonly discards: ReadonlyMap<string, number>;
}

/** Counts discards by reason; shared by the methods of this folder. */
export class DiscardTally {
  readonly counts = new Map<string, number>();

  /** Records a silent discard and returns the step that reports it. */
  discard(reason: string): EapStep {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    return { discarded: reason };
  }
}
