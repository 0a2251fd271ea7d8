/**
 * Anti-replay window for transport counters (whitepaper §5.4.6: "a sliding window to track
 * received message counters"), built as RFC 6479 §2 describes: a ring of bitmap blocks, the
 * window sliding a whole block at a time, so no bit shifting. Sizes as the Linux module and
 * wireguard-go `device/replay.go` choose them: 128 blocks of 64 bits, one block kept as slack,
 * giving REPLAY_WINDOW = (128 − 1) × 64 = 8128 counters.
 *
 * Each 64-bit block is held as two 32-bit words so the hot path avoids bigint bit operations.
 */
import { REJECT_AFTER_MESSAGES, REPLAY_WINDOW } from './constants.ts';

const BLOCK_BITS_LOG = 6n;
const RING_BLOCKS = 128;
const RING_MASK = BigInt(RING_BLOCKS - 1);
const WINDOW = BigInt(REPLAY_WINDOW);

export class ReplayWindow {
  /** RING_BLOCKS blocks × 2 words. */
  private readonly ring = new Uint32Array(RING_BLOCKS * 2);
  /** Highest counter accepted so far (0 before any, as RFC 6479's initial state). */
  private last = 0n;

  /**
   * True, and the counter is recorded, when `counter` was not seen before and is not older than
   * the window; false for a replay, a counter behind the window, or one at or past
   * REJECT_AFTER_MESSAGES (whitepaper §6.1: such counters are never valid). Call only after the
   * packet authenticated, or a forger could move the window (RFC 6479 §2).
   */
  accept(counter: bigint): boolean {
    if (counter < 0n || counter >= REJECT_AFTER_MESSAGES) return false;
    const block = counter >> BLOCK_BITS_LOG;
    if (counter > this.last) {
      // Slide forward: clear the blocks between the old top block and the new one.
      const top = this.last >> BLOCK_BITS_LOG;
      let clear = block - top;
      if (clear > BigInt(RING_BLOCKS)) clear = BigInt(RING_BLOCKS);
      for (let i = top + 1n; clear > 0n; i++, clear--) {
        const idx = Number(i & RING_MASK) * 2;
        this.ring[idx] = 0;
        this.ring[idx + 1] = 0;
      }
      this.last = counter;
    } else if (this.last - counter > WINDOW) {
      return false;
    }
    const word = Number(block & RING_MASK) * 2 + (Number(counter & 63n) >= 32 ? 1 : 0);
    const bit = 1 << Number(counter & 31n);
    const old = this.ring[word]!;
    if ((old & bit) !== 0) return false;
    this.ring[word] = old | bit;
    return true;
  }

  /** The highest counter accepted so far. */
  get highest(): bigint {
    return this.last;
  }

  reset(): void {
    this.ring.fill(0);
    this.last = 0n;
  }
}
