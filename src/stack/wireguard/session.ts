/**
 * Transport keypairs and their rotation (whitepaper §5.4.5–§5.4.6 and §6; rotation as
 * wireguard-go `device/noise-protocol.go` BeginSymmetricSession / ReceivedWithKeypair).
 *
 * A peer holds up to three keypairs:
 * - `current`: used to send, and to receive;
 * - `previous`: receive only, so packets in flight across a rekey still open;
 * - `next`: the responder's fresh keypair, which it may not send with until the initiator has
 *   proven it holds the keys by sending data under it (key confirmation, whitepaper §5.4.5 and
 *   §6.1: "the responder must wait to use the new session until it has received a data packet").
 */
import { REJECT_AFTER_MESSAGES, REJECT_AFTER_TIME } from './constants.ts';
import type { TransportKeys } from './noise-handshake.ts';
import { ReplayWindow } from './replay-window.ts';

export class Keypair {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  /** Our index: receiver index of the packets the peer sends under this keypair. */
  readonly localIndex: number;
  /** The peer's index, written on our packets. */
  readonly remoteIndex: number;
  readonly isInitiator: boolean;
  /** When the keys were derived (ms, injected clock). */
  readonly created: number;
  readonly replay = new ReplayWindow();
  private sendCounter = 0n;

  constructor(keys: TransportKeys, created: number) {
    this.sendKey = keys.sendKey.slice();
    this.receiveKey = keys.receiveKey.slice();
    this.localIndex = keys.localIndex;
    this.remoteIndex = keys.remoteIndex;
    this.isInitiator = keys.isInitiator;
    this.created = created;
  }

  /** The next send counter, or null once REJECT_AFTER_MESSAGES is reached (whitepaper §6.1). */
  takeSendCounter(): bigint | null {
    if (this.sendCounter >= REJECT_AFTER_MESSAGES) return null;
    return this.sendCounter++;
  }

  /** Counters used so far (the next one to be sent). */
  get sent(): bigint {
    return this.sendCounter;
  }

  /** Marks `n` more counters as used (tests reach REKEY_AFTER_MESSAGES this way). */
  skipCounters(n: bigint): void {
    this.sendCounter += n;
  }

  /** Older than REJECT_AFTER_TIME: neither sent nor received with (whitepaper §6.1). */
  isExpired(now: number): boolean {
    return now - this.created >= REJECT_AFTER_TIME;
  }

  /** Usable for sending at `now`: not expired and counters left. */
  canSend(now: number): boolean {
    return !this.isExpired(now) && this.sendCounter < REJECT_AFTER_MESSAGES;
  }

  wipe(): void {
    this.sendKey.fill(0);
    this.receiveKey.fill(0);
    this.replay.reset();
  }
}

export class KeypairSet {
  previous: Keypair | null = null;
  current: Keypair | null = null;
  next: Keypair | null = null;

  /**
   * Installs a freshly derived keypair; returns the keypairs dropped (to remove from the index
   * table and wipe). The initiator starts sending with it at once (it already has key
   * confirmation from the response); the responder parks it as `next`.
   */
  install(keypair: Keypair): Keypair[] {
    const dropped: Keypair[] = [];
    if (keypair.isInitiator) {
      if (this.next !== null) {
        // A parked responder keypair never confirmed: it becomes receive-only as `previous`.
        if (this.previous !== null) dropped.push(this.previous);
        if (this.current !== null) dropped.push(this.current);
        this.previous = this.next;
        this.next = null;
      } else {
        if (this.previous !== null) dropped.push(this.previous);
        this.previous = this.current;
      }
      this.current = keypair;
    } else {
      if (this.next !== null) dropped.push(this.next);
      if (this.previous !== null) dropped.push(this.previous);
      this.next = keypair;
      this.previous = null;
    }
    return dropped;
  }

  /**
   * Called after a packet authenticated under `keypair`. When it is the parked `next`, this is
   * the key confirmation: next becomes current, current becomes previous. Returns whether that
   * happened, and the keypair dropped by it.
   */
  confirm(keypair: Keypair): { confirmed: boolean; dropped: Keypair | null } {
    if (this.next !== keypair) return { confirmed: false, dropped: null };
    const dropped = this.previous;
    this.previous = this.current;
    this.current = keypair;
    this.next = null;
    return { confirmed: true, dropped };
  }

  all(): Keypair[] {
    return [this.previous, this.current, this.next].filter((k): k is Keypair => k !== null);
  }

  /** Forgets every keypair; returns them for wiping. */
  clear(): Keypair[] {
    const all = this.all();
    this.previous = this.current = this.next = null;
    return all;
  }
}
