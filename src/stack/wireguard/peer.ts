/**
 * Per-peer state of a WireGuard device (whitepaper §3 "Cryptokey routing", §5.4, §6): the peer's
 * identity and configuration, its keypairs, the handshake in flight, the responder's replay
 * and flood state, the cookie jar, the queue of packets waiting for a session, its timers and
 * statistics. The device drives it; this module holds no protocol logic beyond the queue.
 */
import { KEY_LENGTH } from './constants.ts';
import { CookieJar } from './cookie-state.ts';
import type { IpPrefix } from './ip-prefix.ts';
import type { InitiatorHandshake } from './noise-handshake.ts';
import { KeypairSet } from './session.ts';
import type { Keypair } from './session.ts';
import type { Tai64n } from './tai64n.ts';
import { PeerTimers } from './timers.ts';

/** Packets kept per peer while no session exists (wireguard-go `MaxStagedPackets` = 128). */
export const DEFAULT_MAX_STAGED_PACKETS = 128;

export interface PeerConfig<E> {
  /** The peer's static public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** Optional psk (whitepaper §5.2), 32 bytes; absent means the all-zero key. */
  readonly presharedKey?: Uint8Array | null;
  readonly allowedIps?: readonly IpPrefix[];
  /** Where to send; learnt from authenticated packets when absent (whitepaper §2.1). */
  readonly endpoint?: E | null;
  /** Seconds, 0 or absent disables (wg(8) persistent-keepalive, 1..65535). */
  readonly persistentKeepalive?: number;
}

export interface PeerStats {
  rxBytes: number;
  txBytes: number;
  /** Time of the last completed handshake (ms, injected clock), or null. */
  lastHandshake: number | null;
  handshakesSent: number;
}

export class WireguardPeer<E> {
  readonly publicKey: Uint8Array;
  readonly presharedKey: Uint8Array | null;
  endpoint: E | null;
  readonly keypairs = new KeypairSet();
  readonly timers: PeerTimers;
  readonly cookieJar = new CookieJar();
  readonly stats: PeerStats = { rxBytes: 0, txBytes: 0, lastHandshake: null, handshakesSent: 0 };

  /** Initiation in flight, kept until its response or the next initiation. */
  handshake: InitiatorHandshake | null = null;
  /** Responder: greatest timestamp accepted from this peer (whitepaper §5.1 replay defence). */
  lastReceivedTimestamp: Tai64n | null = null;
  /** Responder: when the last initiation from this peer was consumed (flood defence). */
  lastInitiationConsumed = -Infinity;
  /** Initiator: when the last initiation was sent (at most one per REKEY_TIMEOUT). */
  lastSentHandshake = -Infinity;
  /** Initiator: last timestamp sent, so the next one is strictly later. */
  lastSentTimestamp: Tai64n | null = null;
  /** The `current` keypair for which a session-expired event was already emitted. */
  expiredNotified: Keypair | null = null;

  private readonly staged: Uint8Array[] = [];

  constructor(
    config: PeerConfig<E>,
    readonly maxStagedPackets = DEFAULT_MAX_STAGED_PACKETS,
  ) {
    if (config.publicKey.length !== KEY_LENGTH) throw new RangeError('peer public key must be 32 bytes');
    if (
      config.presharedKey !== undefined &&
      config.presharedKey !== null &&
      config.presharedKey.length !== KEY_LENGTH
    ) {
      throw new RangeError('preshared key must be 32 bytes');
    }
    const keepalive = config.persistentKeepalive ?? 0;
    if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) {
      throw new RangeError('persistent keepalive must be 0..65535 seconds');
    }
    this.publicKey = config.publicKey.slice();
    this.presharedKey = config.presharedKey?.slice() ?? null;
    this.endpoint = config.endpoint ?? null;
    this.timers = new PeerTimers(keepalive);
  }

  get persistentKeepalive(): number {
    return this.timers.persistentKeepaliveSeconds;
  }

  /** Queues a packet until a session exists; returns how many old packets were dropped for it. */
  stage(packet: Uint8Array): number {
    this.staged.push(packet.slice());
    let dropped = 0;
    // wireguard-go drops the oldest staged packet when the queue is full.
    while (this.staged.length > this.maxStagedPackets) {
      this.staged.shift();
      dropped++;
    }
    return dropped;
  }

  get stagedCount(): number {
    return this.staged.length;
  }

  takeStaged(): Uint8Array[] {
    return this.staged.splice(0);
  }

  /** Puts packets back at the head of the queue (a send that found no usable keypair). */
  unstage(packets: Uint8Array[]): void {
    this.staged.unshift(...packets);
    while (this.staged.length > this.maxStagedPackets) this.staged.shift();
  }

  /** Drops every queued packet; returns how many. */
  flushStaged(): number {
    return this.staged.splice(0).length;
  }
}
