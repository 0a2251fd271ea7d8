/**
 * RFC 4944 §5.3 reassembly with bounded memory. Sans-I/O: every method takes `now` (ms).
 *
 * Datagrams are keyed by (link-layer source, link-layer destination, datagram_tag); the
 * datagram_size completes the RFC's key: a fragment whose size disagrees with the reassembly in
 * progress discards it (RFC 4944 §5.3) and starts a new one. Fragments hold uncompressed bytes at
 * uncompressed offsets (decompress FRAG1 before adding it).
 */
import { bytesEqual } from '../wire/index.ts';
import { linkAddressKey, type LinkAddress } from './link.ts';

export interface ReassemblyOptions {
  /** Concurrent reassemblies (default 8). */
  maxReassemblies?: number;
  /** Bytes held across all reassemblies, counted as each datagram's full size (default 8 × 1280). */
  maxBytes?: number;
  /** RFC 4944 §5.3: at most 60 s (default 60 000 ms). */
  timeoutMs?: number;
  /** When full: drop the oldest reassembly (default) or refuse the new datagram. */
  whenFull?: 'evict-oldest' | 'refuse';
}

export interface ReassemblyFragment {
  source: LinkAddress;
  destination: LinkAddress;
  size: number;
  tag: number;
  /** Offset in the uncompressed datagram, bytes. */
  offset: number;
  /** Uncompressed bytes. */
  data: Uint8Array;
}

export type DropReason =
  | 'out-of-bounds'
  | 'unaligned'
  | 'overlap-conflict'
  | 'size-mismatch'
  | 'too-large'
  | 'refused-full'
  | 'timeout'
  | 'evicted';

export type ReassemblyResult =
  | { status: 'complete'; datagram: Uint8Array }
  | { status: 'pending' }
  | { status: 'duplicate' }
  /** `reason` names what was discarded: the fragment, or (`overlap-conflict`, `size-mismatch`) the reassembly. */
  | { status: 'dropped'; reason: DropReason };

export type ReassemblyCounters = Record<DropReason | 'completed' | 'duplicates', number>;

interface Entry {
  size: number;
  started: number;
  buffer: Uint8Array;
  /** One flag per 8-byte block. */
  have: Uint8Array;
  received: number;
}

export class ReassemblyBuffer {
  private readonly entries = new Map<string, Entry>();
  private readonly maxReassemblies: number;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly whenFull: 'evict-oldest' | 'refuse';
  private bytes = 0;
  readonly counters: ReassemblyCounters = {
    completed: 0,
    duplicates: 0,
    'out-of-bounds': 0,
    unaligned: 0,
    'overlap-conflict': 0,
    'size-mismatch': 0,
    'too-large': 0,
    'refused-full': 0,
    timeout: 0,
    evicted: 0,
  };

  constructor(options: ReassemblyOptions = {}) {
    this.maxReassemblies = options.maxReassemblies ?? 8;
    this.maxBytes = options.maxBytes ?? 8 * 1280;
    this.timeoutMs = Math.min(options.timeoutMs ?? 60_000, 60_000);
    this.whenFull = options.whenFull ?? 'evict-oldest';
    if (this.maxReassemblies < 1 || this.maxBytes < 1)
      throw new RangeError('reassembly limits must be positive');
  }

  /** Reassemblies in progress. */
  get active(): number {
    return this.entries.size;
  }

  /** Bytes reserved by reassemblies in progress. */
  get bytesInUse(): number {
    return this.bytes;
  }

  /** Drops reassemblies older than the timeout; returns how many. */
  expire(now: number): number {
    let n = 0;
    for (const [key, e] of this.entries) {
      if (now - e.started >= this.timeoutMs) {
        this.remove(key);
        this.counters.timeout++;
        n++;
      }
    }
    return n;
  }

  add(f: ReassemblyFragment, now: number): ReassemblyResult {
    this.expire(now);
    const end = f.offset + f.data.length;
    if (f.offset < 0 || f.offset % 8 !== 0 || f.data.length === 0 || end > f.size)
      return this.drop('out-of-bounds');
    if (end < f.size && f.data.length % 8 !== 0) return this.drop('unaligned'); // only the last may be ragged
    if (f.size > this.maxBytes) return this.drop('too-large');
    const key = `${linkAddressKey(f.source)}>${linkAddressKey(f.destination)}#${f.tag}`;
    let e = this.entries.get(key);
    if (e && e.size !== f.size) {
      this.remove(key);
      this.counters['size-mismatch']++;
      e = undefined;
      // the new fragment starts a fresh reassembly below
    }
    if (!e) {
      if (!this.makeRoom(f.size)) return this.drop('refused-full');
      e = {
        size: f.size,
        started: now,
        buffer: new Uint8Array(f.size),
        have: new Uint8Array(Math.ceil(f.size / 8)),
        received: 0,
      };
      this.entries.set(key, e);
      this.bytes += f.size;
    }
    // Overlap check: already-received blocks must carry the same bytes (RFC 4944 §5.3).
    let fresh = 0;
    for (let b = f.offset / 8; b * 8 < end; b++) {
      if (!e.have[b]) {
        fresh++;
        continue;
      }
      const lo = b * 8;
      const hi = Math.min(lo + 8, end);
      if (!bytesEqual(e.buffer.subarray(lo, hi), f.data.subarray(lo - f.offset, hi - f.offset))) {
        this.remove(key);
        return this.drop('overlap-conflict');
      }
    }
    if (fresh === 0) {
      this.counters.duplicates++;
      return { status: 'duplicate' };
    }
    e.buffer.set(f.data, f.offset);
    for (let b = f.offset / 8; b * 8 < end; b++) {
      if (!e.have[b]) {
        e.have[b] = 1;
        e.received += Math.min(8, e.size - b * 8);
      }
    }
    if (e.received < e.size) return { status: 'pending' };
    this.remove(key);
    this.counters.completed++;
    return { status: 'complete', datagram: e.buffer };
  }

  private drop(reason: DropReason): ReassemblyResult {
    this.counters[reason]++;
    return { status: 'dropped', reason };
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.size;
  }

  private makeRoom(size: number): boolean {
    while (this.entries.size >= this.maxReassemblies || this.bytes + size > this.maxBytes) {
      if (this.whenFull === 'refuse') return false;
      let oldestKey: string | undefined;
      let oldest = Infinity;
      for (const [k, e] of this.entries) {
        if (e.started < oldest) {
          oldest = e.started;
          oldestKey = k;
        }
      }
      if (oldestKey === undefined) return false;
      this.remove(oldestKey);
      this.counters.evicted++;
    }
    return true;
  }
}
