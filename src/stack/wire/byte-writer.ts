/** Growable byte buffer for encoders. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16be(v: number): this {
    this.reserve(2);
    this.view.setUint16(this.len, v, false);
    this.len += 2;
    return this;
  }

  u16le(v: number): this {
    this.reserve(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
    return this;
  }

  u32be(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.len, v >>> 0, false);
    this.len += 4;
    return this;
  }

  u32le(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
    return this;
  }

  i32be(v: number): this {
    this.reserve(4);
    this.view.setInt32(this.len, v, false);
    this.len += 4;
    return this;
  }

  u64le(v: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.len, v, true);
    this.len += 8;
    return this;
  }

  u64be(v: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.len, v, false);
    this.len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  zeros(n: number): this {
    this.reserve(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** Overwrites a big-endian u16 already written, e.g. a length known only at the end. */
  patchU16be(at: number, v: number): this {
    this.view.setUint16(at, v, false);
    return this;
  }

  patchU32le(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
