/**
 * Network keys of one node, by key index (802.15.4 key id mode 1), with the link keys derived from
 * each (ZigBee IP: HMAC-SHA256(networkKey, "ZigBeeIP") → MLE key ‖ MAC key, mle/link-keys.ts), a
 * per-key outgoing frame counter (802.15.4-2015 §9.2.1: the counter belongs to the key's security
 * material), activation of the transmit key, and retirement of the previous key after a grace
 * period so frames already in flight under it are still accepted for a while.
 *
 * Key material is zero-filled when a key is retired, replaced, or wiped. Sans-I/O: time is given.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { deriveLinkKeys } from '../mle/link-keys.ts';
import { FRAME_COUNTER_MAX } from './replay-table.ts';

export type KeyState = 'pending' | 'active' | 'retiring';

interface KeyEntry {
  index: number;
  macKey: Uint8Array;
  mleKey: Uint8Array;
  /** Next outgoing frame counter under this key. */
  outgoing: number;
  state: KeyState;
  installedAt: number;
  retireAt?: number;
}

export interface KeyInfo {
  index: number;
  state: KeyState;
  outgoingFrameCounter: number;
  installedAt: number;
  retireAt?: number;
}

export interface InstallKeyOptions {
  /** First outgoing frame counter (default 0), e.g. restored from storage. */
  outgoingFrameCounter?: number;
}

function checkIndex(index: number): void {
  // Key id mode 1 carries a 1-octet Key Index (802.15.4-2015 §9.4.4.2). ZigBee IP and Thread never
  // use 0 (Thread: (key sequence mod 128) + 1), so 0 is refused as a likely programming error.
  if (!Number.isInteger(index) || index < 1 || index > 0xff) {
    throw new RangeError(`key index ${index} is not 1..255`);
  }
}

export class LinkKeyStore {
  private readonly keys = new Map<number, KeyEntry>();
  private readonly retired = new Set<number>();
  private activeIndex: number | undefined;

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly graceMs: number,
  ) {
    if (!(graceMs >= 0)) throw new RangeError('key retirement grace period must be ≥ 0 ms');
  }

  /** Installs (or replaces) the key under `index`; returns true when an older key was replaced. */
  install(index: number, networkKey: Uint8Array, now: number, options: InstallKeyOptions = {}): boolean {
    checkIndex(index);
    const outgoing = options.outgoingFrameCounter ?? 0;
    if (!Number.isInteger(outgoing) || outgoing < 0 || outgoing > FRAME_COUNTER_MAX) {
      throw new RangeError(`outgoing frame counter ${outgoing} is not a u32`);
    }
    const { macKey, mleKey } = deriveLinkKeys(this.crypto, networkKey);
    const old = this.keys.get(index);
    if (old) wipe(old);
    const state: KeyState = old?.state === 'active' ? 'active' : 'pending';
    this.keys.set(index, { index, macKey, mleKey, outgoing, state, installedAt: now });
    this.retired.delete(index);
    return old !== undefined;
  }

  /**
   * Makes `index` the transmit key. The previous active key starts retiring: it is still accepted on
   * receive until `now + graceMs`, then wiped. Throws RangeError when `index` is not installed.
   */
  activate(index: number, now: number): void {
    checkIndex(index);
    const entry = this.keys.get(index);
    if (!entry) throw new RangeError(`key index ${index} is not installed`);
    if (this.activeIndex === index) return;
    const previous = this.activeIndex === undefined ? undefined : this.keys.get(this.activeIndex);
    if (previous) {
      previous.state = 'retiring';
      previous.retireAt = now + this.graceMs;
    }
    entry.state = 'active';
    delete entry.retireAt;
    this.activeIndex = index;
  }

  /** Retires keys whose grace period has ended; returns their indices. */
  expire(now: number): number[] {
    const gone: number[] = [];
    for (const [index, entry] of this.keys) {
      if (entry.state === 'retiring' && entry.retireAt !== undefined && now >= entry.retireAt) {
        wipe(entry);
        this.keys.delete(index);
        this.retired.add(index);
        gone.push(index);
      }
    }
    return gone;
  }

  /** Zero-fills and forgets every key (revocation). Nothing can be sent or received secured after. */
  wipe(): void {
    for (const entry of this.keys.values()) wipe(entry);
    this.keys.clear();
    this.retired.clear();
    this.activeIndex = undefined;
  }

  get active(): number | undefined {
    return this.activeIndex;
  }

  /** Receive-side lookup: any installed key (pending, active or retiring within its grace period). */
  macKey(index: number): Uint8Array | undefined {
    return this.keys.get(index)?.macKey;
  }

  /** The MLE key under `index` (the store's own buffer: do not retain it, it is wiped in place). */
  mleKey(index: number): Uint8Array | undefined {
    return this.keys.get(index)?.mleKey;
  }

  isRetired(index: number): boolean {
    return this.retired.has(index);
  }

  outgoingFrameCounter(index: number): number | undefined {
    return this.keys.get(index)?.outgoing;
  }

  /**
   * Reserves `count` consecutive outgoing counters of the active key; returns the first, or
   * undefined when the key would reach 0xffffffff (802.15.4-2015 §9.2.1: COUNTER_ERROR).
   */
  reserveCounters(
    count: number,
  ): { index: number; macKey: Uint8Array; first: number } | 'no-key' | 'exhausted' {
    const entry = this.activeIndex === undefined ? undefined : this.keys.get(this.activeIndex);
    if (!entry) return 'no-key';
    if (entry.outgoing + count > FRAME_COUNTER_MAX) return 'exhausted';
    const first = entry.outgoing;
    entry.outgoing += count;
    return { index: entry.index, macKey: entry.macKey, first };
  }

  list(): KeyInfo[] {
    return [...this.keys.values()].map((e) => ({
      index: e.index,
      state: e.state,
      outgoingFrameCounter: e.outgoing,
      installedAt: e.installedAt,
      ...(e.retireAt !== undefined ? { retireAt: e.retireAt } : {}),
    }));
  }
}

function wipe(entry: KeyEntry): void {
  entry.macKey.fill(0);
  entry.mleKey.fill(0);
}
