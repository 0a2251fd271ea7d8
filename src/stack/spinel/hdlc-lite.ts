/**
 * HDLC-lite framing used by Spinel over a UART (OpenThread `src/lib/hdlc/hdlc.cpp`):
 *
 *   0x7E | escaped(payload ‖ FCS-16 LSB first) | 0x7E
 *
 * - Flag 0x7E; escape 0x7D followed by the byte XOR 0x20. Escaped bytes: 0x7E, 0x7D, 0x11 (XON),
 *   0x13 (XOFF), 0xF8 (hdlc.cpp `HdlcByteNeedsEscape`). The FCS bytes are escaped like any other.
 * - FCS-16 is the X.25 / PPP CRC (RFC 1662 §C.2): reflected polynomial 0x8408, initial value 0xFFFF,
 *   complemented, sent least significant byte first. Running the CRC over payload ‖ FCS yields the
 *   "good FCS" residue 0xF0B8 (hdlc.cpp `kGoodFcs`, RFC 1662 `PPPGOODFCS16`).
 *
 * The decoder is a streaming state machine fed arbitrary chunks. It never throws on line input: bad
 * FCS, runt, oversize and aborted frames are counted in `stats` (and reported to `onError` if
 * given) and dropped, and it resynchronises at the next flag.
 */

export const HDLC_FLAG = 0x7e;
export const HDLC_ESCAPE = 0x7d;
export const HDLC_ESCAPE_XOR = 0x20;
export const HDLC_XON = 0x11;
export const HDLC_XOFF = 0x13;
export const HDLC_SPECIAL = 0xf8;
export const HDLC_FCS_INIT = 0xffff;
export const HDLC_FCS_GOOD = 0xf0b8;
export const HDLC_FCS_SIZE = 2;

/**
 * Default largest decoded frame (Spinel frame, FCS excluded) the decoder accepts. OpenThread's own
 * `SPINEL_FRAME_MAX_SIZE` is 1300; an 802.15.4g SUN PHY allows a 2047-byte PSDU, which with the
 * Spinel header and STREAM_RAW metadata needs a little over 2 KiB, so the default leaves room for it.
 */
export const HDLC_DEFAULT_MAX_FRAME_LENGTH = 4096;

const FCS_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    table[i] = c;
  }
  return table;
})();

/** One FCS-16 step. */
export function fcs16Update(fcs: number, byte: number): number {
  return (fcs >>> 8) ^ FCS_TABLE[(fcs ^ byte) & 0xff]!;
}

/** Running FCS-16 (not complemented) over `data`, starting from `fcs`. */
export function fcs16(data: Uint8Array, fcs = HDLC_FCS_INIT): number {
  let f = fcs;
  for (const b of data) f = fcs16Update(f, b);
  return f;
}

function needsEscape(b: number): boolean {
  return b === HDLC_FLAG || b === HDLC_ESCAPE || b === HDLC_XON || b === HDLC_XOFF || b === HDLC_SPECIAL;
}

/** Frames one payload: leading flag, escaped payload and FCS, closing flag. */
export function hdlcEncode(payload: Uint8Array): Uint8Array {
  const fcs = fcs16(payload) ^ 0xffff;
  const out = new Uint8Array(2 * (payload.length + HDLC_FCS_SIZE) + 2);
  let n = 0;
  out[n++] = HDLC_FLAG;
  const put = (b: number): void => {
    if (needsEscape(b)) {
      out[n++] = HDLC_ESCAPE;
      out[n++] = b ^ HDLC_ESCAPE_XOR;
    } else {
      out[n++] = b;
    }
  };
  for (const b of payload) put(b);
  put(fcs & 0xff);
  put(fcs >>> 8);
  out[n++] = HDLC_FLAG;
  return out.slice(0, n);
}

/** What went wrong with a dropped frame. */
export type HdlcErrorKind =
  /** FCS residue was not 0xF0B8. */
  | 'bad-fcs'
  /** Fewer than the two FCS bytes between flags (hdlc.cpp reports OT_ERROR_PARSE too). */
  | 'runt'
  /** Longer than `maxFrameLength`; the rest up to the next flag is discarded. */
  | 'oversize'
  /** 0x7D immediately followed by 0x7E: the frame is aborted and the flag opens the next one. */
  | 'aborted';

export interface HdlcDecoderStats {
  /** Frames delivered with a good FCS. */
  frames: number;
  badFcs: number;
  runts: number;
  oversize: number;
  aborted: number;
  /** Bytes thrown away while not synchronised (before the first flag, after an oversize frame). */
  discardedBytes: number;
}

export interface HdlcDecoderOptions {
  /** Largest decoded frame accepted, FCS excluded. Default {@link HDLC_DEFAULT_MAX_FRAME_LENGTH}. */
  maxFrameLength?: number;
  /** Called once per dropped frame, e.g. to log once per kind. Must not throw. */
  onError?: (kind: HdlcErrorKind) => void;
}

/** Decoder states, as in hdlc.cpp: waiting for a flag, inside a frame, after an escape byte. */
const NO_SYNC = 0;
const SYNC = 1;
const ESCAPED = 2;
type State = typeof NO_SYNC | typeof SYNC | typeof ESCAPED;

/**
 * Streaming HDLC-lite decoder. `push(chunk)` returns the frames completed by that chunk (FCS
 * removed, each a fresh copy). Empty frames (back-to-back flags) are ignored, as in hdlc.cpp.
 *
 * One deliberate difference from hdlc.cpp: a flag always delimits, even right after an escape
 * byte (hdlc.cpp would XOR it into the frame). That way a stray 0x7D at the end of line noise
 * cannot swallow the opening flag of the next good frame.
 */
export class HdlcDecoder {
  readonly maxFrameLength: number;
  readonly stats: HdlcDecoderStats = {
    frames: 0,
    badFcs: 0,
    runts: 0,
    oversize: 0,
    aborted: 0,
    discardedBytes: 0,
  };
  private readonly onError: ((kind: HdlcErrorKind) => void) | undefined;
  private readonly buf: Uint8Array;
  private len = 0;
  private fcs = HDLC_FCS_INIT;
  private state: State = NO_SYNC;

  constructor(options: HdlcDecoderOptions = {}) {
    const max = options.maxFrameLength ?? HDLC_DEFAULT_MAX_FRAME_LENGTH;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`maxFrameLength must be a positive integer: ${max}`);
    this.maxFrameLength = max;
    this.onError = options.onError;
    this.buf = new Uint8Array(max + HDLC_FCS_SIZE);
  }

  /** Forgets any partial frame and waits for the next flag (e.g. after reopening the port). */
  reset(): void {
    this.state = NO_SYNC;
    this.startFrame();
  }

  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const byte of chunk) {
      if (byte === HDLC_FLAG) {
        if (this.state === ESCAPED) this.drop('aborted');
        else if (this.state === SYNC) this.endFrame(out);
        this.state = SYNC;
        this.startFrame();
        continue;
      }
      switch (this.state) {
        case NO_SYNC:
          this.stats.discardedBytes++;
          break;
        case SYNC:
          if (byte === HDLC_ESCAPE) this.state = ESCAPED;
          else this.append(byte);
          break;
        case ESCAPED:
          this.state = SYNC;
          this.append(byte ^ HDLC_ESCAPE_XOR);
          break;
      }
    }
    return out;
  }

  private startFrame(): void {
    this.len = 0;
    this.fcs = HDLC_FCS_INIT;
  }

  private append(byte: number): void {
    if (this.len >= this.buf.length) {
      this.drop('oversize');
      this.state = NO_SYNC;
      this.startFrame();
      this.stats.discardedBytes++;
      return;
    }
    this.buf[this.len++] = byte;
    this.fcs = fcs16Update(this.fcs, byte);
  }

  private endFrame(out: Uint8Array[]): void {
    if (this.len === 0) return;
    if (this.len < HDLC_FCS_SIZE) this.drop('runt');
    else if (this.fcs !== HDLC_FCS_GOOD) this.drop('bad-fcs');
    else {
      this.stats.frames++;
      out.push(this.buf.slice(0, this.len - HDLC_FCS_SIZE));
    }
  }

  private drop(kind: HdlcErrorKind): void {
    switch (kind) {
      case 'bad-fcs':
        this.stats.badFcs++;
        break;
      case 'runt':
        this.stats.runts++;
        break;
      case 'oversize':
        this.stats.oversize++;
        break;
      case 'aborted':
        this.stats.aborted++;
        break;
    }
    this.onError?.(kind);
  }
}
