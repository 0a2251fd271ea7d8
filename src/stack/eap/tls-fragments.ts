/**
 * What both EAP-TLS roles do with fragments (RFC 5216 §3.1, unchanged by RFC 9190): send one
 * outgoing TLS message a fragment per round, waiting for the other side's empty acknowledgement
 * between them, and reassemble an incoming one while acknowledging each fragment that has M set.
 */
import { DecodeError } from '../wire/index.ts';
import { EAP_TYPE } from './constants.ts';
import { encodeEapPacket } from './packet.ts';
import { decodeEapTlsTypeData, encodeEapTlsTypeData, fragmentTlsMessage, TlsReassembler } from './tls.ts';
import type { EapTlsFragment } from './tls.ts';

/**
 * Default TLS bytes per fragment: an IPv6 minimum MTU of 1280 (RFC 8200 §5) leaves room for the
 * IPv6 (40), UDP (8), PANA header (16), Nonce/AUTH/EAP-Payload AVPs (< 80), EAP (5), flags and
 * TLS Message Length (5) bytes with margin.
 */
export const DEFAULT_EAP_TLS_FRAGMENT = 1024;

/** An EAP-TLS packet with no flags and no data: the acknowledgement of a fragment (RFC 5216 §3.1). */
export function isAcknowledgement(f: EapTlsFragment): boolean {
  return !f.start && !f.more && f.tlsMessageLength === undefined && f.data.length === 0;
}

export const ACKNOWLEDGEMENT: EapTlsFragment = { start: false, more: false, data: new Uint8Array(0) };

/** One EAP-TLS fragment as a whole EAP Request (server) or Response (peer) packet. */
export function encodeEapTlsPacket(code: 1 | 2, identifier: number, f: EapTlsFragment): Uint8Array {
  return encodeEapPacket({ code, identifier, type: EAP_TYPE.TLS, typeData: encodeEapTlsTypeData(f) });
}

/** Sizes both roles take in their options. */
export interface EapTlsFragmentLimits {
  /** TLS bytes per outgoing fragment (default DEFAULT_EAP_TLS_FRAGMENT). */
  maxDataPerFragment?: number;
  /** Largest incoming TLS message accepted (default 64 KiB, tls.ts). */
  maxMessageLength?: number;
}

export type IncomingFragment =
  | { kind: 'start' }
  | { kind: 'acknowledgement' }
  /** A fragment with M set was taken: acknowledge it. */
  | { kind: 'partial' }
  | { kind: 'message'; message: Uint8Array }
  | { kind: 'refused'; reason: string };

export class EapTlsFragments {
  private outgoing: EapTlsFragment[] = [];
  private readonly reassembler: TlsReassembler;
  /** Mirror of the message being reassembled, to refuse a bad fragment without losing it. */
  private partial: { announced: number | undefined; received: number } | undefined;

  private readonly maxDataPerFragment: number;

  constructor(limits: EapTlsFragmentLimits = {}) {
    this.maxDataPerFragment = limits.maxDataPerFragment ?? DEFAULT_EAP_TLS_FRAGMENT;
    const { maxMessageLength } = limits;
    this.reassembler = new TlsReassembler(maxMessageLength === undefined ? {} : { maxMessageLength });
  }

  /** True while fragments of our last message wait for the other side's acknowledgement. */
  get sending(): boolean {
    return this.outgoing.length > 0;
  }

  /** Queues a TLS message and returns its first fragment (an acknowledgement when empty). */
  send(message: Uint8Array): EapTlsFragment {
    const [first, ...rest] = fragmentTlsMessage(message, { maxDataPerFragment: this.maxDataPerFragment });
    this.outgoing = rest;
    return first!;
  }

  /** The next fragment after an acknowledgement. */
  next(): EapTlsFragment | undefined {
    return this.outgoing.shift();
  }

  /** Classifies one packet's EAP-TLS type data; decoding problems come back as `refused`. */
  take(typeData: Uint8Array): IncomingFragment {
    let f: EapTlsFragment;
    try {
      f = decodeEapTlsTypeData(typeData);
    } catch (e) {
      if (e instanceof DecodeError) return { kind: 'refused', reason: 'malformed EAP-TLS' };
      throw e;
    }
    if (f.start)
      return this.reassembler.busy ? { kind: 'refused', reason: 'Start mid-message' } : { kind: 'start' };
    if (isAcknowledgement(f) && !this.reassembler.busy) return { kind: 'acknowledgement' };
    if (this.sending)
      return { kind: 'refused', reason: 'TLS data while our fragments wait for an acknowledgement' };
    if (this.partial && !this.fits(this.partial, f)) {
      // RFC 3748 §7: an invalid packet is discarded; the genuine next fragment may still come, so
      // the message under reassembly is kept (TlsReassembler would reset on this refusal).
      return { kind: 'refused', reason: 'inconsistent EAP-TLS fragment' };
    }
    try {
      const message = this.reassembler.push(f);
      if (message !== null) {
        this.partial = undefined;
        return { kind: 'message', message };
      }
      this.partial = {
        announced: this.partial?.announced ?? f.tlsMessageLength,
        received: (this.partial?.received ?? 0) + f.data.length,
      };
      return { kind: 'partial' };
    } catch (e) {
      // The reassembler has reset itself; the reason stays generic so the tally keys stay few.
      if (e instanceof DecodeError) {
        this.partial = undefined;
        return { kind: 'refused', reason: 'inconsistent EAP-TLS fragment' };
      }
      throw e;
    }
  }

  /** The reassembler's mid-message rules (tls.ts), checked before it would reset. */
  private fits(partial: { announced: number | undefined; received: number }, f: EapTlsFragment): boolean {
    const { announced, received } = partial;
    if (f.tlsMessageLength !== undefined && f.tlsMessageLength !== announced) return false;
    if (announced === undefined) return true;
    const total = received + f.data.length;
    return f.more ? total <= announced : total === announced;
  }
}
