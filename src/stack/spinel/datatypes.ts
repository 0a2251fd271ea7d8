/**
 * Readers and writers for the Spinel data-packing letters (spinel.h "Data Packing" / "Primitive
 * Types"). All multi-byte values are little-endian except `E` (EUI-64, big-endian byte string).
 *
 *   b bool (0x00/0x01 only)   C uint8   c int8   S uint16   s int16   L uint32   l int32
 *   X uint64 (bigint)         i packed uint       E EUI-64 (8 bytes)
 *   d uint16 length + bytes   D rest of the buffer   U zero-terminated UTF-8
 *   t(...) uint16 length + struct contents
 *
 * Decoders throw only DecodeError (via ByteReader); encoders throw RangeError for values the
 * format cannot carry.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import { readPackedUint, writePackedUint } from './packed-uint.ts';

export const SPINEL_CODEC = 'spinel';

export const EUI64_LENGTH = 8;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkInt(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} out of range ${min}..${max}: ${value}`);
  }
}

/** Typed reader over a Spinel-packed buffer. */
export class SpinelReader {
  constructor(readonly r: ByteReader) {}

  static of(bytes: Uint8Array, codec = SPINEL_CODEC): SpinelReader {
    return new SpinelReader(new ByteReader(bytes, codec));
  }

  get remaining(): number {
    return this.r.remaining;
  }

  get atEnd(): boolean {
    return this.r.atEnd;
  }

  fail(reason: string): never {
    return this.r.fail(reason);
  }

  /** `b` — spinel.h: "Encoded in 8-bits as either 0x00 or 0x01. All other values are illegal." */
  bool(what = 'bool'): boolean {
    const at = this.r.offset;
    const b = this.r.u8(what);
    if (b > 1) this.r.fail(`${what} must be 0x00 or 0x01, got 0x${b.toString(16)}`, at);
    return b === 1;
  }

  /** `C` */
  uint8(what = 'uint8'): number {
    return this.r.u8(what);
  }

  /** `c` */
  int8(what = 'int8'): number {
    return (this.r.u8(what) << 24) >> 24;
  }

  /** `S` */
  uint16(what = 'uint16'): number {
    return this.r.u16le(what);
  }

  /** `s` */
  int16(what = 'int16'): number {
    return (this.r.u16le(what) << 16) >> 16;
  }

  /** `L` */
  uint32(what = 'uint32'): number {
    return this.r.u32le(what);
  }

  /** `l` */
  int32(what = 'int32'): number {
    return this.r.u32le(what) | 0;
  }

  /** `X` */
  uint64(what = 'uint64'): bigint {
    return this.r.u64le(what);
  }

  /** `i` */
  packed(what = 'packed uint'): number {
    return readPackedUint(this.r, what);
  }

  /** `E` — the 8 bytes in wire (big-endian) order. */
  eui64(what = 'EUI-64'): Uint8Array {
    return this.r.bytesCopy(EUI64_LENGTH, what);
  }

  /** `d` */
  dataWithLen(what = 'data'): Uint8Array {
    const len = this.r.u16le(`${what} length`);
    return this.r.bytesCopy(len, what);
  }

  /** `D` — everything that is left. */
  data(): Uint8Array {
    return this.r.rest();
  }

  /** `U` — refuses a missing terminator and invalid UTF-8 (spinel.c validates UTF-8 too). */
  utf8(what = 'string'): string {
    const bytes = this.r.bytes;
    const start = this.r.offset;
    let nul = start;
    while (nul < bytes.length && bytes[nul] !== 0) nul++;
    if (nul >= bytes.length) this.r.fail(`unterminated ${what}: no zero byte`, start);
    const body = this.r.bytesView(nul - start, what);
    this.r.skip(1, `${what} terminator`);
    try {
      return utf8Decoder.decode(body);
    } catch {
      return this.r.fail(`${what} is not valid UTF-8`, start);
    }
  }

  /**
   * `t(...)` — reads the uint16 length and hands `body` a reader confined to the struct. Bytes the
   * body leaves unread are skipped: spinel.h ("Structured Data", compatibility guideline) lets newer
   * peers append fields at the end of a struct, and OpenThread's decoder (`CloseStruct`) skips them.
   */
  struct<T>(what: string, body: (s: SpinelReader) => T): T {
    const len = this.r.u16le(`${what} length`);
    const inner = new SpinelReader(this.r.sub(len, what));
    return body(inner);
  }

  /** Refuses trailing bytes after the last field of a format with a known end. */
  end(what = 'value'): void {
    this.r.end(what);
  }
}

/** Typed writer producing Spinel-packed bytes. */
export class SpinelWriter {
  constructor(readonly w: ByteWriter = new ByteWriter()) {}

  get length(): number {
    return this.w.length;
  }

  bool(v: boolean): this {
    this.w.u8(v ? 1 : 0);
    return this;
  }

  uint8(v: number, what = 'uint8'): this {
    checkInt(v, 0, 0xff, what);
    this.w.u8(v);
    return this;
  }

  int8(v: number, what = 'int8'): this {
    checkInt(v, -0x80, 0x7f, what);
    this.w.u8(v & 0xff);
    return this;
  }

  uint16(v: number, what = 'uint16'): this {
    checkInt(v, 0, 0xffff, what);
    this.w.u16le(v);
    return this;
  }

  int16(v: number, what = 'int16'): this {
    checkInt(v, -0x8000, 0x7fff, what);
    this.w.u16le(v & 0xffff);
    return this;
  }

  uint32(v: number, what = 'uint32'): this {
    checkInt(v, 0, 0xffff_ffff, what);
    this.w.u32le(v);
    return this;
  }

  int32(v: number, what = 'int32'): this {
    checkInt(v, -0x8000_0000, 0x7fff_ffff, what);
    this.w.u32le(v >>> 0);
    return this;
  }

  uint64(v: bigint, what = 'uint64'): this {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`${what} out of range: ${v}`);
    this.w.u64le(v);
    return this;
  }

  packed(v: number): this {
    writePackedUint(this.w, v);
    return this;
  }

  eui64(v: Uint8Array, what = 'EUI-64'): this {
    if (v.length !== EUI64_LENGTH)
      throw new RangeError(`${what} must be ${EUI64_LENGTH} bytes, got ${v.length}`);
    this.w.bytes(v);
    return this;
  }

  dataWithLen(v: Uint8Array, what = 'data'): this {
    if (v.length > 0xffff) throw new RangeError(`${what} longer than 65535 bytes: ${v.length}`);
    this.w.u16le(v.length);
    this.w.bytes(v);
    return this;
  }

  data(v: Uint8Array): this {
    this.w.bytes(v);
    return this;
  }

  utf8(v: string, what = 'string'): this {
    if (v.includes('\0')) throw new RangeError(`${what} contains a NUL character`);
    if (LONE_SURROGATE.test(v))
      throw new RangeError(`${what} contains a lone surrogate (not UTF-8 encodable)`);
    this.w.bytes(utf8Encoder.encode(v));
    this.w.u8(0);
    return this;
  }

  struct(body: (s: SpinelWriter) => void, what = 'struct'): this {
    const inner = new SpinelWriter();
    body(inner);
    return this.dataWithLen(inner.finish(), what);
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}
