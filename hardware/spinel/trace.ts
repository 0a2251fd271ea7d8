/**
 * Serial trace: every byte to and from the dongle, with a timestamp, as JSON lines.
 *
 *   {"trace":"fieldroot-spinel","version":1,"start":"2025-…Z"}      header
 *   {"t":12.5,"dir":"out","hex":"7e8101…7e"}                         one chunk per line
 *
 * `t` is milliseconds since the trace started (driver clock). What crosses this link is Spinel
 * control traffic and 802.15.4 frames as they are on air: FieldRoot secures frames on the host
 * (DESIGN.md §4), so payloads are already encrypted and the driver never sends a key to the dongle.
 * As a guard, an outgoing frame that sets a key property (`SPINEL_PROP_RCP_MAC_KEY`, 0x800 in
 * spinel.h) is replaced by a `redacted` record and never written.
 *
 * `ReplayLink` plays a recorded trace back as the dongle side: it checks the driver writes the same
 * bytes it wrote when recording and answers with the recorded input in the same order.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { HdlcDecoder, decodeSpinelFrame } from '../../src/stack/spinel/index.ts';
import { fromHex, toHex } from '../../src/stack/wire/index.ts';
import type { DriverClock } from './clock.ts';
import { realClock } from './clock.ts';
import type { SerialLink, SerialLinkEvents } from './serial-link.ts';
import { BaseSerialLink } from './serial-link.ts';

/** spinel.h `SPINEL_PROP_RCP_MAC_KEY` (`SPINEL_PROP_RCP_EXT__BEGIN` + 0) and its neighbours that carry keys. */
export const KEY_PROPERTIES: readonly number[] = [0x800];

export type TraceDirection = 'in' | 'out';

export interface TraceRecord {
  t: number;
  dir: TraceDirection;
  hex?: string;
  /** Set instead of `hex` when the chunk was withheld from the trace. */
  redacted?: string;
}

export interface TraceSink {
  write(record: TraceRecord): void;
  close(): Promise<void>;
}

/** Appends records to a file (created with mode 0600, truncated). */
export function createTraceFileSink(path: string, now: Date = new Date()): TraceSink {
  const stream: WriteStream = createWriteStream(path, { flags: 'w', mode: 0o600 });
  stream.write(JSON.stringify({ trace: 'fieldroot-spinel', version: 1, start: now.toISOString() }) + '\n');
  return {
    write: (record) => {
      stream.write(JSON.stringify(record) + '\n');
    },
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}

/** Keeps records in memory (tests). */
export function createMemoryTraceSink(): TraceSink & { records: TraceRecord[] } {
  const records: TraceRecord[] = [];
  return { records, write: (r) => records.push(r), close: () => Promise.resolve() };
}

/** Reads a trace file written by {@link createTraceFileSink}. Throws on a malformed line. */
export function readTraceFile(path: string): TraceRecord[] {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const out: TraceRecord[] = [];
  lines.forEach((line, i) => {
    const v = JSON.parse(line) as Partial<TraceRecord> & { trace?: string };
    if (i === 0 && v.trace === 'fieldroot-spinel') return;
    if (typeof v.t !== 'number' || (v.dir !== 'in' && v.dir !== 'out'))
      throw new Error(`trace line ${i + 1}: expected {t, dir, hex}`);
    out.push({
      t: v.t,
      dir: v.dir,
      ...(v.hex !== undefined ? { hex: v.hex } : {}),
      ...(v.redacted ? { redacted: v.redacted } : {}),
    });
  });
  return out;
}

/** Wraps `inner` so every chunk in and out is recorded in `sink`. */
export class TracingLink implements SerialLink {
  private readonly start: number;
  private readonly outDecoder = new HdlcDecoder();

  constructor(
    private readonly inner: SerialLink,
    private readonly sink: TraceSink,
    private readonly clock: DriverClock = realClock,
  ) {
    this.start = clock.now();
    inner.on('data', (chunk) => this.record('in', chunk));
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get description(): string {
    return this.inner.description;
  }

  write(bytes: Uint8Array): void {
    this.record('out', bytes);
    this.inner.write(bytes);
  }

  on<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): void {
    this.inner.on(event, listener);
  }

  off<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): void {
    this.inner.off(event, listener);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  private record(dir: TraceDirection, bytes: Uint8Array): void {
    const t = Math.round((this.clock.now() - this.start) * 1000) / 1000;
    if (dir === 'out') {
      const keyProp = this.keyPropertyIn(bytes);
      if (keyProp !== undefined) {
        this.sink.write({
          t,
          dir,
          redacted: `frame setting property 0x${keyProp.toString(16)} (${bytes.length} bytes)`,
        });
        return;
      }
    }
    this.sink.write({ t, dir, hex: toHex(bytes) });
  }

  private keyPropertyIn(bytes: Uint8Array): number | undefined {
    for (const payload of this.outDecoder.push(bytes)) {
      try {
        const f = decodeSpinelFrame(payload);
        if (f.kind === 'prop' && KEY_PROPERTIES.includes(f.prop)) return f.prop;
      } catch {
        // Not a Spinel frame: nothing to redact.
      }
    }
    return undefined;
  }
}

export interface ReplayDivergence {
  /** Offset in the recorded outgoing byte stream where the driver's bytes differ. */
  offset: number;
  expected: string;
  actual: string;
}

/**
 * The dongle side of a recorded session. Input recorded after N outgoing bytes is delivered once the
 * driver has written those N bytes (identically); a difference stops the replay and is reported in
 * `divergence`, and the link closes with an error.
 */
export class ReplayLink extends BaseSerialLink {
  readonly description = 'replay';
  divergence: ReplayDivergence | undefined;
  private readonly expectedOut: Uint8Array;
  private readonly inputs: { afterOut: number; bytes: Uint8Array }[] = [];
  private matched = 0;
  private nextInput = 0;

  constructor(records: readonly TraceRecord[]) {
    super();
    const out: number[] = [];
    for (const r of records) {
      if (r.hex === undefined) throw new Error('cannot replay a trace with redacted records');
      const bytes = fromHex(r.hex);
      if (r.dir === 'out') out.push(...bytes);
      else this.inputs.push({ afterOut: out.length, bytes });
    }
    this.expectedOut = Uint8Array.from(out);
  }

  /** Delivers the input recorded before the driver's first write (e.g. nothing, or boot noise). */
  begin(): void {
    this.deliverDue();
  }

  /** True when every recorded byte was matched and delivered. */
  get finished(): boolean {
    return this.matched === this.expectedOut.length && this.nextInput === this.inputs.length;
  }

  write(bytes: Uint8Array): void {
    if (!this.isOpen) throw new Error('replay: write on a closed link');
    for (let i = 0; i < bytes.length; i++) {
      const want = this.expectedOut[this.matched];
      if (want !== bytes[i]) {
        this.divergence = {
          offset: this.matched,
          expected: toHex(this.expectedOut.subarray(this.matched, this.matched + 16)),
          actual: toHex(bytes.subarray(i, i + 16)),
        };
        this.emitClose(new Error(`replay diverged at outgoing byte ${this.matched}`));
        return;
      }
      this.matched++;
    }
    this.deliverDue();
  }

  close(): Promise<void> {
    this.emitClose();
    return Promise.resolve();
  }

  private deliverDue(): void {
    while (this.nextInput < this.inputs.length && this.inputs[this.nextInput]!.afterOut <= this.matched) {
      const { bytes } = this.inputs[this.nextInput++]!;
      queueMicrotask(() => this.emitData(bytes));
    }
  }
}

/** Builds a {@link ReplayLink} from a trace file or records. */
export function replayTrace(source: string | readonly TraceRecord[]): ReplayLink {
  return new ReplayLink(typeof source === 'string' ? readTraceFile(source) : source);
}
