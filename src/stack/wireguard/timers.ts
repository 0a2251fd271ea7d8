/**
 * The per-peer timer state machine of whitepaper §6 ("Timers & Stateless UX"), as the Linux
 * module and wireguard-go `device/timers.go` arrange it: five timers, armed and cancelled by
 * hooks the device calls on protocol events. Sans-I/O: a timer is a deadline (ms, injected
 * clock) or null; the device asks `due(now)` which ones expired and runs their actions.
 *
 * Jitter (whitepaper §6.1: REKEY_TIMEOUT "plus some jitter") is drawn by the caller from the
 * injected random source and passed in.
 */
import {
  KEEPALIVE_TIMEOUT,
  REJECT_AFTER_TIME,
  REKEY_ATTEMPT_TIME,
  REKEY_TIMEOUT,
  ZERO_KEYS_AFTER,
} from './constants.ts';

/**
 * Retransmissions of an initiation before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT, as
 * wireguard-go `MaxTimerHandshakes` (whitepaper §6.4: "after REKEY_ATTEMPT_TIME … give up").
 */
export const MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME / REKEY_TIMEOUT;

export type PeerTimerName =
  /** Resend the initiation (REKEY_TIMEOUT + jitter after each one sent; whitepaper §6.4). */
  | 'retransmitHandshake'
  /** Passive keepalive: KEEPALIVE_TIMEOUT after data received with nothing sent (§6.5). */
  | 'sendKeepalive'
  /** Data sent and nothing heard for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT: new handshake (§6.5). */
  | 'newHandshake'
  /** 3 × REJECT_AFTER_TIME without a new session: erase all keys (§6.3). */
  | 'zeroKeyMaterial'
  /** Persistent keepalive interval after any authenticated packet (§6.5, wg(8)). */
  | 'persistentKeepalive';

export const PEER_TIMER_NAMES: readonly PeerTimerName[] = [
  'retransmitHandshake',
  'sendKeepalive',
  'newHandshake',
  'zeroKeyMaterial',
  'persistentKeepalive',
];

export class PeerTimers {
  private readonly deadlines = new Map<PeerTimerName, number>();
  /** Initiations retransmitted in the current attempt (wireguard-go `handshakeAttempts`). */
  handshakeAttempts = 0;
  /** A handshake was started because the current keypair is about to expire on receive (§6.2). */
  sentLastMinuteHandshake = false;
  /** Data arrived while the passive keepalive was already pending: send one more after it. */
  needAnotherKeepalive = false;

  /** Seconds; 0 disables (wg(8) PersistentKeepalive). */
  constructor(public persistentKeepaliveSeconds = 0) {}

  isPending(name: PeerTimerName): boolean {
    return this.deadlines.has(name);
  }

  deadline(name: PeerTimerName): number | null {
    return this.deadlines.get(name) ?? null;
  }

  mod(name: PeerTimerName, at: number): void {
    this.deadlines.set(name, at);
  }

  del(name: PeerTimerName): void {
    this.deadlines.delete(name);
  }

  /** Earliest armed deadline, or null. */
  next(): number | null {
    let best: number | null = null;
    for (const at of this.deadlines.values()) if (best === null || at < best) best = at;
    return best;
  }

  /** Removes and returns the timers expired at `now`, earliest first. */
  takeDue(now: number): PeerTimerName[] {
    const due = [...this.deadlines.entries()].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [name] of due) this.deadlines.delete(name);
    return due.map(([name]) => name);
  }

  clear(): void {
    this.deadlines.clear();
  }

  // --- hooks (names after wireguard-go timers.go) ---

  /** After an authenticated data packet (not a keepalive) was sent. */
  dataSent(now: number, jitter: number): void {
    if (!this.isPending('newHandshake'))
      this.mod('newHandshake', now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter);
  }

  /** After an authenticated data packet (not a keepalive) was received. */
  dataReceived(now: number): void {
    if (!this.isPending('sendKeepalive')) this.mod('sendKeepalive', now + KEEPALIVE_TIMEOUT);
    else this.needAnotherKeepalive = true;
  }

  /** After any authenticated packet was sent: it served as a keepalive. */
  anyAuthenticatedPacketSent(): void {
    this.del('sendKeepalive');
  }

  /** After any authenticated packet was received: the peer is alive. */
  anyAuthenticatedPacketReceived(): void {
    this.del('newHandshake');
  }

  /** After an initiation was sent. */
  handshakeInitiated(now: number, jitter: number): void {
    this.mod('retransmitHandshake', now + REKEY_TIMEOUT + jitter);
  }

  /** After a response was consumed (initiator) or the first data under a new keypair arrived (responder). */
  handshakeComplete(): void {
    this.del('retransmitHandshake');
    this.handshakeAttempts = 0;
    this.sentLastMinuteHandshake = false;
  }

  /** After new session keys were derived (either role). */
  sessionDerived(now: number): void {
    this.mod('zeroKeyMaterial', now + ZERO_KEYS_AFTER);
  }

  /** Before an authenticated packet is sent, or after one is received. */
  anyAuthenticatedPacketTraversal(now: number): void {
    if (this.persistentKeepaliveSeconds > 0) {
      this.mod('persistentKeepalive', now + this.persistentKeepaliveSeconds * 1000);
    }
  }

  /** Giving up a handshake: arm the zeroing of leftovers unless already armed. */
  armZeroKeysIfIdle(now: number): void {
    if (!this.isPending('zeroKeyMaterial')) this.mod('zeroKeyMaterial', now + REJECT_AFTER_TIME * 3);
  }
}
