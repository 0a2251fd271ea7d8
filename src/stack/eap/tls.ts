/**
 * EAP-TLS framing (RFC 5216 §3.1; unchanged for TLS 1.3 by RFC 9190): flags, the optional TLS
 * Message Length, fragmentation of the TLS record stream and a bounded reassembler, plus the key
 * derivation as a function of a TLS exporter.
 */
import { ByteReader, ByteWriter, DecodeError, concatBytes } from '../wire/index.ts';
import { EAP_TYPE } from './constants.ts';

const CODEC = 'eap-tls';

/** RFC 5216 §3.1 flags. */
export const EAP_TLS_FLAG = {
  /** L: the 4-byte TLS Message Length follows. */
  LENGTH_INCLUDED: 0x80,
  /** M: more fragments follow. */
  MORE_FRAGMENTS: 0x40,
  /** S: EAP-TLS Start (server → peer, no data). */
  START: 0x20,
} as const;
const FLAGS_RESERVED = 0x1f;

/** One EAP-TLS packet's type data (after the EAP Type byte). */
export interface EapTlsFragment {
  start: boolean;
  more: boolean;
  /** Present iff the L flag is set: total length of the TLS message being fragmented. */
  tlsMessageLength?: number;
  data: Uint8Array;
}

export function decodeEapTlsTypeData(typeData: Uint8Array, base = 0): EapTlsFragment {
  const r = new ByteReader(typeData, CODEC, base);
  const flags = r.u8('flags');
  if (flags & FLAGS_RESERVED) r.fail(`reserved flag bits 0x${(flags & FLAGS_RESERVED).toString(16)} set`, 0);
  const start = (flags & EAP_TLS_FLAG.START) !== 0;
  const more = (flags & EAP_TLS_FLAG.MORE_FRAGMENTS) !== 0;
  const f: EapTlsFragment = { start, more, data: new Uint8Array(0) };
  if (flags & EAP_TLS_FLAG.LENGTH_INCLUDED) f.tlsMessageLength = r.u32be('TLS Message Length');
  f.data = r.rest();
  if (start && (more || f.tlsMessageLength !== undefined || f.data.length > 0)) {
    // RFC 5216 §3.1/§2.1.1: the Start packet carries no TLS data.
    r.fail('EAP-TLS Start with L, M or data', 0);
  }
  if (f.tlsMessageLength !== undefined && f.data.length > f.tlsMessageLength) {
    r.fail(`fragment of ${f.data.length} bytes is longer than the announced ${f.tlsMessageLength}`, 1);
  }
  return f;
}

export function encodeEapTlsTypeData(f: EapTlsFragment): Uint8Array {
  let flags = 0;
  if (f.start) flags |= EAP_TLS_FLAG.START;
  if (f.more) flags |= EAP_TLS_FLAG.MORE_FRAGMENTS;
  const w = new ByteWriter(8 + f.data.length);
  if (f.tlsMessageLength !== undefined) {
    const n = f.tlsMessageLength;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`TLS Message Length ${n}`);
    flags |= EAP_TLS_FLAG.LENGTH_INCLUDED;
    w.u8(flags).u32be(n);
  } else {
    w.u8(flags);
  }
  return w.bytes(f.data).finish();
}

/** The EAP Type to put in front of encodeEapTlsTypeData. */
export const EAP_TLS_TYPE = EAP_TYPE.TLS;

export interface FragmentOptions {
  /** Largest number of TLS bytes per fragment (the EAP/PANA MTU minus EAP 5, flags 1 and length 4 bytes). */
  maxDataPerFragment: number;
  /** Also send the TLS Message Length on an unfragmented message (RFC 5216 allows it; default false). */
  lengthOnSingle?: boolean;
}

/**
 * Splits one outgoing TLS message (the TLS records of one flight) into EAP-TLS fragments:
 * L and the total length on the first fragment of a fragmented message, M on all but the last
 * (RFC 5216 §3.1). An empty message yields one empty fragment (an acknowledgement).
 */
export function fragmentTlsMessage(data: Uint8Array, options: FragmentOptions): EapTlsFragment[] {
  const max = options.maxDataPerFragment;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxDataPerFragment ${max} must be ≥ 1`);
  if (data.length > 0xffffffff) throw new RangeError('TLS message longer than the 32-bit length field');
  if (data.length <= max) {
    const single: EapTlsFragment = { start: false, more: false, data: data.slice() };
    if (options.lengthOnSingle && data.length > 0) single.tlsMessageLength = data.length;
    return [single];
  }
  const out: EapTlsFragment[] = [];
  for (let at = 0; at < data.length; at += max) {
    const end = Math.min(at + max, data.length);
    const f: EapTlsFragment = { start: false, more: end < data.length, data: data.slice(at, end) };
    if (at === 0) f.tlsMessageLength = data.length;
    out.push(f);
  }
  return out;
}

export interface TlsReassemblerOptions {
  /** Hard limit on one reassembled TLS message (default 64 KiB). */
  maxMessageLength?: number;
}

export const DEFAULT_MAX_TLS_MESSAGE_LENGTH = 64 * 1024;

/**
 * Reassembles incoming EAP-TLS fragments into a TLS message, refusing (DecodeError, state reset)
 * a first fragment of a multi-fragment message without L, an announced length over the limit, a
 * later L that disagrees with the first, more data than announced, and a last fragment that
 * leaves the message short. The caller acknowledges each fragment with M set (RFC 5216 §3.1).
 */
export class TlsReassembler {
  private readonly max: number;
  private parts: Uint8Array[] = [];
  private received = 0;
  private announced: number | undefined;
  private inProgress = false;

  constructor(options: TlsReassemblerOptions = {}) {
    this.max = options.maxMessageLength ?? DEFAULT_MAX_TLS_MESSAGE_LENGTH;
    if (!Number.isInteger(this.max) || this.max < 1) throw new RangeError(`maxMessageLength ${this.max}`);
  }

  /** True between the first fragment of a fragmented message and its last. */
  get busy(): boolean {
    return this.inProgress;
  }

  reset(): void {
    this.parts = [];
    this.received = 0;
    this.announced = undefined;
    this.inProgress = false;
  }

  private refuse(reason: string): never {
    const at = this.received;
    this.reset();
    throw new DecodeError(CODEC, reason, at);
  }

  /** Feeds one fragment; returns the whole message when the last fragment arrives, else null. */
  push(f: EapTlsFragment): Uint8Array | null {
    if (f.start) this.refuse('EAP-TLS Start inside a TLS message');
    if (!this.inProgress) {
      if (f.tlsMessageLength === undefined && f.more) {
        this.refuse('first fragment of a fragmented message without the L flag (RFC 5216 §3.1)');
      }
      if (f.tlsMessageLength !== undefined) {
        if (f.tlsMessageLength > this.max) {
          this.refuse(`announced TLS message length ${f.tlsMessageLength} exceeds the limit ${this.max}`);
        }
        this.announced = f.tlsMessageLength;
      }
      this.inProgress = true;
    } else if (f.tlsMessageLength !== undefined && f.tlsMessageLength !== this.announced) {
      this.refuse(`TLS Message Length changed from ${this.announced} to ${f.tlsMessageLength} mid-message`);
    }
    const limit = this.announced ?? this.max;
    if (this.received + f.data.length > limit) {
      this.refuse(
        this.announced === undefined
          ? `TLS message exceeds the limit ${this.max}`
          : `fragments carry more than the announced ${this.announced} bytes`,
      );
    }
    this.parts.push(f.data.slice());
    this.received += f.data.length;
    if (f.more) return null;
    if (this.announced !== undefined && this.received !== this.announced) {
      this.refuse(
        `last fragment leaves the message at ${this.received} of the announced ${this.announced} bytes`,
      );
    }
    const out = concatBytes(...this.parts);
    this.reset();
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Keying material

/**
 * A TLS exporter (RFC 5705 / RFC 8446 §7.5), e.g. Node's
 * `(label, length, context) => tlsSocket.exportKeyingMaterial(length, label, context)`.
 * `context` undefined means "no context" (which differs from an empty context in TLS 1.2).
 */
export type TlsExporter = (label: string, length: number, context?: Uint8Array) => Uint8Array;

/** RFC 9190 §2.3 label (TLS 1.3). */
export const EAP_TLS13_KEY_LABEL = 'EXPORTER_EAP_TLS_Key_Material';
/** RFC 9190 §2.3 Method-Id label (TLS 1.3). */
export const EAP_TLS13_METHOD_ID_LABEL = 'EXPORTER_EAP_TLS_Method-Id';
/** RFC 5216 §2.3 PRF label (TLS 1.2). */
export const EAP_TLS12_KEY_LABEL = 'client EAP encryption';

/**
 * MSK and EMSK (64 bytes each) for EAP-TLS.
 *
 * - TLS 1.3 (RFC 9190 §2.3): Key_Material = TLS-Exporter("EXPORTER_EAP_TLS_Key_Material",
 *   context = Type-Code 0x0D, 128); MSK = [0:64], EMSK = [64:128].
 * - TLS 1.2 (RFC 5216 §2.3): Key_Material = TLS-PRF-128(master_secret, "client EAP encryption",
 *   client.random ‖ server.random). This is exactly the RFC 5705 exporter called *without* a
 *   context, so the same callback serves (Node: `exportKeyingMaterial(128, label)`).
 */
export function deriveEapTlsKeys(
  exporter: TlsExporter,
  tlsVersion: '1.2' | '1.3',
): { msk: Uint8Array; emsk: Uint8Array } {
  const km =
    tlsVersion === '1.3'
      ? exporter(EAP_TLS13_KEY_LABEL, 128, Uint8Array.of(EAP_TYPE.TLS))
      : exporter(EAP_TLS12_KEY_LABEL, 128);
  if (km.length !== 128) throw new RangeError(`exporter returned ${km.length} bytes, expected 128`);
  return { msk: km.slice(0, 64), emsk: km.slice(64, 128) };
}
