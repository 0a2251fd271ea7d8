import { DecodeError } from './decode-error.ts';

/**
 * Bounds-checked cursor over a byte array. Every read that would run past the end throws a
 * DecodeError naming the codec and offset, never a RangeError, so decoders built on it are
 * strict by construction.
 */
export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly codec: string,
    /** Offset of `bytes[0]` in the outer message, so nested decoders report absolute offsets. */
    readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  fail(reason: string, at = this.pos): never {
    throw new DecodeError(this.codec, reason, this.base + at);
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      this.fail(`truncated ${what}: need ${n} bytes, have ${this.remaining}`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16be(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, false);
    this.pos += 2;
    return v;
  }

  u16le(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32be(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }

  u32le(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32be(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, false);
    this.pos += 4;
    return v;
  }

  u64le(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  u64be(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, false);
    this.pos += 8;
    return v;
  }

  /** A copy of the next `n` bytes (copies, so callers may keep it after the input buffer is reused). */
  bytesCopy(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A view of the next `n` bytes without copying. */
  bytesView(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  rest(): Uint8Array {
    return this.bytesCopy(this.remaining, 'rest');
  }

  skip(n: number, what = 'padding'): void {
    this.need(n, what);
    this.pos += n;
  }

  /** Throws unless every byte has been consumed: trailing garbage is bad input too. */
  end(what = 'message'): void {
    if (!this.atEnd) this.fail(`${this.remaining} trailing bytes after ${what}`);
  }

  /** A reader over the next `n` bytes that reports offsets in this reader's frame. */
  sub(n: number, what: string): ByteReader {
    this.need(n, what);
    const r = new ByteReader(this.bytes.subarray(this.pos, this.pos + n), this.codec, this.base + this.pos);
    this.pos += n;
    return r;
  }
}
