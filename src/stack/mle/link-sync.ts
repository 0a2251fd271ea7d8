/**
 * MLE link frame-counter synchronisation (the ZigBee IP / Thread Link Request–Accept exchange),
 * sans-I/O. After a node joins or after a key change it sends a Link Request (Source Address,
 * Challenge, Link-layer Frame Counter) to a neighbour; the neighbour answers Link Accept (Source
 * Address, Response = the challenge, its Link-layer Frame Counter and MLE Frame Counter), or Link
 * Accept And Request with a Challenge of its own when it has no synchronised counter for the
 * requester yet, which the requester answers with a Link Accept. A validated response records the
 * neighbour's next link-layer frame counter in the MAC anti-replay table (`LinkFrameCounters`,
 * implemented by mesh-link's MeshLink), so older frames from it are refused from then on.
 *
 * Security: every message is MLE suite 0 (CCM* under the MLE key, message.ts), level 5 by
 * default, key id mode 2 with the key index also as the 4-byte key source (as Thread does with its
 * key sequence; Wireshark's MLE dissector reads it). Received messages must authenticate, come
 * from a link-local source, carry an MLE frame counter greater than the last accepted from that
 * neighbour under that key (802.15.4-2015 §9.2.5 rules applied to MLE's own counter), and name in
 * their Source Address TLV the MAC source that the nonce used.
 *
 * Trust in counters: a value from a response to our fresh challenge is set as is; the counter in a
 * Link Request (authentic but not proven fresh) may only raise the recorded value.
 *
 * Inputs: received MLE datagrams (UDP payload, IPv6 source/destination, MAC source); outputs: MLE
 * payloads to send over UDP 19788 in unsecured MAC frames (MLE protects itself), and events.
 */
import type { CryptoProvider, SecurityLevel } from '../crypto/provider.ts';
import { eui64ToBytes, isLinkLocalUnicast, linkLocalFromEui64, type Ipv6Packet } from '../ipv6/index.ts';
import { FRAME_COUNTER_MAX, NeighbourFrameCounters } from '../mesh-link/replay-table.ts';
import { ByteWriter, bytesEqual, DecodeError } from '../wire/index.ts';
import { ChallengeTable } from './challenges.ts';
import { MLE_COMMAND, MLE_UDP_PORT } from './constants.ts';
import { decodeMleFrame, openMle, sealMle, type MleMessage } from './message.ts';
import type { MleTlv } from './tlv.ts';

/** What link-sync needs of the MAC layer (MeshLink provides it). */
export interface LinkFrameCounters {
  readonly activeKeyIndex: number | undefined;
  mleKey(index: number): Uint8Array | undefined;
  outgoingFrameCounter(index: number): number | undefined;
  neighbourFrameCounter(eui: bigint, keyIndex: number): number | undefined;
  setNeighbourFrameCounter(eui: bigint, keyIndex: number, nextCounter: number, raiseOnly?: boolean): void;
}

export interface LinkSyncOptions {
  crypto: CryptoProvider;
  link: LinkFrameCounters;
  /** This node's EUI-64. */
  extendedAddress: bigint;
  /** Random bytes for challenges (default crypto.randomBytes). */
  randomBytes?: (n: number) => Uint8Array;
  /** MLE security level (default 5, ENC-MIC-32). */
  securityLevel?: SecurityLevel;
  /** Challenge length in bytes (default 8; Thread uses 8). */
  challengeLength?: number;
  /** First Link Request retransmission wait, doubled each attempt (default 1000 ms). */
  retransmitIntervalMs?: number;
  /** Link Requests per synchronisation, first included (default 3). */
  maxAttempts?: number;
  /** Neighbours tracked (outstanding challenges, MLE counters, synchronised links; default 64). */
  maxNeighbours?: number;
  /** First outgoing MLE frame counter (default 0), e.g. restored from storage. */
  mleFrameCounter?: number;
}

/** A received MLE datagram, after UDP decoding. */
export interface MleDatagram {
  payload: Uint8Array;
  ipv6Source: Uint8Array;
  ipv6Destination: Uint8Array;
  /** MAC source extended address of the frame that carried it (the CCM* nonce input). */
  macSource: bigint;
  /** IPv6 hop limit, checked when given: MLE is link-local, sent with 255. */
  hopLimit?: number;
}

export const LINK_SYNC_DROP_REASONS = [
  'decode-error',
  /** Suite 255: an unsecured MLE message carries nothing link-sync may trust. */
  'unsecured',
  /** Not from a link-local source, or a hop limit other than 255. */
  'not-link-local',
  'no-key',
  'mic-failure',
  /** MLE frame counter not greater than the last accepted from that neighbour under that key. */
  'replay',
  /** The Source Address TLV names another node than the MAC source. */
  'source-mismatch',
  'missing-tlv',
  /** A response without an outstanding (unexpired) challenge for that neighbour. */
  'unexpected-response',
  /** The Response TLV does not match the outstanding challenge. */
  'bad-response',
  'unsupported-command',
  /** An answer could not be sent (no key, or the MLE frame counter is exhausted). */
  'cannot-answer',
] as const;
export type LinkSyncDropReason = (typeof LINK_SYNC_DROP_REASONS)[number];

export interface MleSend {
  kind: 'send';
  command: number;
  /** MAC next hop (the neighbour). */
  linkDestination: bigint;
  ipv6Source: Uint8Array;
  ipv6Destination: Uint8Array;
  /** The MLE datagram: UDP payload for port 19788 → 19788, hop limit 255, unsecured MAC frame. */
  payload: Uint8Array;
}

export type LinkSyncOutput =
  | MleSend
  | {
      kind: 'synchronised';
      neighbour: bigint;
      keyIndex: number;
      /** The neighbour's next link-layer frame counter, now recorded for anti-replay. */
      linkFrameCounter: number;
    }
  | {
      kind: 'sync-failed';
      neighbour: bigint;
      reason: 'no-response' | 'rejected' | 'no-key' | 'mle-counter-exhausted' | 'evicted';
    }
  | { kind: 'dropped'; reason: LinkSyncDropReason; neighbour?: bigint; detail?: string };

export type LinkSyncCounters = Record<LinkSyncDropReason, number> & {
  received: number;
  sent: number;
  synchronised: number;
  failed: number;
};

const KEY_ID_MODE_KEY_SOURCE_4 = 2;

export class LinkSync {
  readonly counters: LinkSyncCounters;
  private readonly crypto: CryptoProvider;
  private readonly link: LinkFrameCounters;
  private readonly own: bigint;
  private readonly ownLinkLocal: Uint8Array;
  private readonly randomBytes: (n: number) => Uint8Array;
  private readonly securityLevel: SecurityLevel;
  private readonly challengeLength: number;
  private readonly challenges: ChallengeTable;
  /** MLE's own anti-replay state: next MLE frame counter per neighbour and key index. */
  private readonly mleCounters: NeighbourFrameCounters;
  /** Neighbours whose link-layer counter was set from a fresh response, per key index (LRU). */
  private readonly synced = new Map<bigint, Set<number>>();
  private readonly maxNeighbours: number;
  private mleFrameCounter: number;

  constructor(options: LinkSyncOptions) {
    this.crypto = options.crypto;
    this.link = options.link;
    this.own = options.extendedAddress;
    this.ownLinkLocal = linkLocalFromEui64(options.extendedAddress);
    this.randomBytes = options.randomBytes ?? ((n) => options.crypto.randomBytes(n));
    this.securityLevel = options.securityLevel ?? 5;
    if (this.securityLevel < 1 || this.securityLevel > 7)
      throw new RangeError('MLE security level must be 1..7');
    this.challengeLength = options.challengeLength ?? 8;
    if (!Number.isInteger(this.challengeLength) || this.challengeLength < 4 || this.challengeLength > 32)
      throw new RangeError('challenge length must be 4..32 bytes');
    this.maxNeighbours = options.maxNeighbours ?? 64;
    this.challenges = new ChallengeTable({
      intervalMs: options.retransmitIntervalMs ?? 1000,
      maxAttempts: options.maxAttempts ?? 3,
      maxOutstanding: this.maxNeighbours,
    });
    this.mleCounters = new NeighbourFrameCounters(this.maxNeighbours);
    this.mleFrameCounter = options.mleFrameCounter ?? 0;
    const counters = { received: 0, sent: 0, synchronised: 0, failed: 0 } as LinkSyncCounters;
    for (const r of LINK_SYNC_DROP_REASONS) counters[r] = 0;
    this.counters = counters;
  }

  /** Next outgoing MLE frame counter. */
  get outgoingMleFrameCounter(): number {
    return this.mleFrameCounter;
  }

  /** True when `neighbour`'s link-layer counter under `keyIndex` was set from a fresh response. */
  isSynchronised(neighbour: bigint, keyIndex: number): boolean {
    // The MAC table may have forgotten the counter since (eviction, key reinstalled).
    return (
      (this.synced.get(neighbour)?.has(keyIndex) ?? false) &&
      this.link.neighbourFrameCounter(neighbour, keyIndex) !== undefined
    );
  }

  /**
   * Forgets MLE counters and synchronised links under `keyIndex`: call it when a new key is
   * installed under that index (the peer's MLE counter may restart with the new key).
   */
  forgetKey(keyIndex: number): void {
    this.mleCounters.forgetKey(keyIndex);
    for (const [neighbour, keys] of this.synced) {
      keys.delete(keyIndex);
      if (keys.size === 0) this.synced.delete(neighbour);
    }
  }

  /** When `poll` next has work (a retransmission or an expiry), or undefined. */
  nextDeadline(): number | undefined {
    return this.challenges.nextDeadline();
  }

  /**
   * Starts a synchronisation with `neighbour` (after joining, or after a key change): a Link Request
   * with a new challenge, replacing any outstanding one for that neighbour.
   */
  requestLink(now: number, neighbour: bigint): LinkSyncOutput[] {
    const out: LinkSyncOutput[] = [];
    const challenge = this.randomBytes(this.challengeLength);
    const send = this.linkRequest(neighbour, challenge);
    if (send.kind !== 'send') return [this.failed(neighbour, send.reason)];
    const evicted = this.challenges.start(neighbour, challenge, 1, now);
    if (evicted !== undefined) out.push(this.failed(evicted, 'evicted'));
    out.push(send);
    return out;
  }

  /** Retransmits due Link Requests and expires challenges that got no answer. */
  poll(now: number): LinkSyncOutput[] {
    const out: LinkSyncOutput[] = [];
    for (const p of this.challenges.due(now)) {
      if (this.challenges.canRetransmit(p)) {
        const send = this.linkRequest(p.neighbour, p.challenge);
        if (send.kind === 'send') {
          this.challenges.retransmitted(p, now);
          out.push(send);
          continue;
        }
        this.challenges.remove(p.neighbour);
        out.push(this.failed(p.neighbour, send.reason));
        continue;
      }
      this.challenges.remove(p.neighbour);
      // A challenge we sent inside a Link Accept And Request expires quietly: the peer retries.
      if (p.attempts >= 1) out.push(this.failed(p.neighbour, 'no-response'));
    }
    return out;
  }

  /** Processes one received MLE datagram. Never throws on bad input. */
  receive(now: number, d: MleDatagram): LinkSyncOutput[] {
    this.counters.received++;
    const neighbour = d.macSource;
    if (!isLinkLocalUnicast(d.ipv6Source) || (d.hopLimit !== undefined && d.hopLimit !== 255)) {
      return [this.drop('not-link-local', neighbour)];
    }
    let message: MleMessage | null;
    let keyIndex: number;
    let frameCounter: number;
    try {
      const frame = decodeMleFrame(d.payload);
      if (!frame.secured) return [this.drop('unsecured', neighbour)];
      const h = frame.auxHeader;
      if (h.keyIndex === undefined) return [this.drop('no-key', neighbour, `key id mode ${h.keyIdMode}`)];
      keyIndex = h.keyIndex;
      frameCounter = h.frameCounter;
      const key = this.link.mleKey(keyIndex);
      if (!key) return [this.drop('no-key', neighbour, `key index ${keyIndex}`)];
      // 802.15.4-2015 §9.2.5 order: counter check, then unsecuring, then the counter update.
      if (this.mleCounters.check(neighbour, keyIndex, frameCounter) !== 'ok') {
        return [this.drop('replay', neighbour, `MLE frame counter ${frameCounter}`)];
      }
      message = openMle(this.crypto, frame, {
        key,
        sourceExtendedAddress: neighbour,
        ipv6Source: d.ipv6Source,
        ipv6Destination: d.ipv6Destination,
      });
    } catch (e) {
      if (e instanceof DecodeError) return [this.drop('decode-error', neighbour, e.message)];
      throw e;
    }
    if (message === null) return [this.drop('mic-failure', neighbour)];
    this.mleCounters.accept(neighbour, keyIndex, frameCounter);
    const source = findTlv(message.tlvs, 'source-address');
    if (source && source.address.length === 8 && !bytesEqual(source.address, eui64ToBytes(neighbour))) {
      return [this.drop('source-mismatch', neighbour)];
    }
    switch (message.command) {
      case MLE_COMMAND.LINK_REQUEST:
        return this.onLinkRequest(now, neighbour, keyIndex, message, d.ipv6Source);
      case MLE_COMMAND.LINK_ACCEPT:
      case MLE_COMMAND.LINK_ACCEPT_AND_REQUEST:
        return this.onLinkAccept(now, neighbour, keyIndex, message, d.ipv6Source);
      case MLE_COMMAND.LINK_REJECT: {
        const p = this.challenges.get(neighbour);
        if (!p || p.attempts === 0) return [this.drop('unexpected-response', neighbour, 'Link Reject')];
        this.challenges.remove(neighbour);
        return [this.failed(neighbour, 'rejected')];
      }
      default:
        return [this.drop('unsupported-command', neighbour, `command ${message.command}`)];
    }
  }

  /** Forgets all state (revocation, or leaving the network). */
  reset(): void {
    this.challenges.clear();
    this.mleCounters.clear();
    this.synced.clear();
  }

  /** Wraps an output into the IPv6 datagram to send: UDP 19788 → 19788, hop limit 255. */
  static packet(send: MleSend): Ipv6Packet {
    return {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 255,
      source: send.ipv6Source,
      destination: send.ipv6Destination,
      upper: {
        kind: 'udp',
        datagram: { sourcePort: MLE_UDP_PORT, destinationPort: MLE_UDP_PORT, payload: send.payload },
      },
    };
  }

  // --- exchanges ------------------------------------------------------------------------------

  private onLinkRequest(
    now: number,
    neighbour: bigint,
    keyIndex: number,
    m: MleMessage,
    replyTo: Uint8Array,
  ): LinkSyncOutput[] {
    const challenge = findTlv(m.tlvs, 'challenge');
    if (!challenge) return [this.drop('missing-tlv', neighbour, 'Link Request without Challenge')];
    const llCounter = findTlv(m.tlvs, 'link-layer-frame-counter');
    // Authentic but not proven fresh (it answers no challenge of ours): it may only raise.
    if (llCounter) this.link.setNeighbourFrameCounter(neighbour, keyIndex, llCounter.counter, true);
    const tlvs: MleTlv[] = [{ kind: 'response', response: challenge.challenge }];
    let command: number = MLE_COMMAND.LINK_ACCEPT;
    let ours: Uint8Array | undefined;
    if (!this.isSynchronised(neighbour, keyIndex)) {
      // One outstanding challenge per neighbour: reuse ours if a request of ours is in flight.
      ours = this.challenges.get(neighbour)?.challenge ?? this.randomBytes(this.challengeLength);
      tlvs.push({ kind: 'challenge', challenge: ours });
      command = MLE_COMMAND.LINK_ACCEPT_AND_REQUEST;
    }
    const send = this.answer(neighbour, keyIndex, command, tlvs, replyTo);
    if (send.kind !== 'send') return [send];
    if (ours && !this.challenges.get(neighbour)) {
      const evicted = this.challenges.start(neighbour, ours, 0, now);
      if (evicted !== undefined) return [this.failed(evicted, 'evicted'), send];
    }
    return [send];
  }

  private onLinkAccept(
    now: number,
    neighbour: bigint,
    keyIndex: number,
    m: MleMessage,
    replyTo: Uint8Array,
  ): LinkSyncOutput[] {
    const pending = this.challenges.get(neighbour);
    if (!pending || this.challenges.expired(pending, now)) {
      return [this.drop('unexpected-response', neighbour)];
    }
    const response = findTlv(m.tlvs, 'response');
    if (!response) return [this.drop('missing-tlv', neighbour, 'Link Accept without Response')];
    if (!this.crypto.timingSafeEqual(response.response, pending.challenge)) {
      // The outstanding challenge stays: a forged answer must not cancel a genuine exchange.
      return [this.drop('bad-response', neighbour)];
    }
    const llCounter = findTlv(m.tlvs, 'link-layer-frame-counter');
    if (!llCounter)
      return [this.drop('missing-tlv', neighbour, 'Link Accept without Link-layer Frame Counter')];
    this.challenges.remove(neighbour);
    this.link.setNeighbourFrameCounter(neighbour, keyIndex, llCounter.counter);
    const mleCounter = findTlv(m.tlvs, 'mle-frame-counter');
    if (mleCounter) this.mleCounters.set(neighbour, keyIndex, mleCounter.counter, true);
    this.markSynchronised(neighbour, keyIndex);
    this.counters.synchronised++;
    const out: LinkSyncOutput[] = [
      { kind: 'synchronised', neighbour, keyIndex, linkFrameCounter: llCounter.counter },
    ];
    if (m.command === MLE_COMMAND.LINK_ACCEPT_AND_REQUEST) {
      const theirs = findTlv(m.tlvs, 'challenge');
      if (!theirs) {
        out.push(this.drop('missing-tlv', neighbour, 'Link Accept And Request without Challenge'));
        return out;
      }
      out.push(
        this.answer(
          neighbour,
          keyIndex,
          MLE_COMMAND.LINK_ACCEPT,
          [{ kind: 'response', response: theirs.challenge }],
          replyTo,
        ),
      );
    }
    return out;
  }

  // --- encoding -------------------------------------------------------------------------------

  private linkRequest(
    neighbour: bigint,
    challenge: Uint8Array,
  ): MleSend | { kind: 'failed'; reason: 'no-key' | 'mle-counter-exhausted' } {
    const keyIndex = this.link.activeKeyIndex;
    const llCounter = keyIndex === undefined ? undefined : this.link.outgoingFrameCounter(keyIndex);
    if (keyIndex === undefined || llCounter === undefined) return { kind: 'failed', reason: 'no-key' };
    const sealed = this.seal(
      keyIndex,
      {
        command: MLE_COMMAND.LINK_REQUEST,
        tlvs: [
          { kind: 'source-address', address: eui64ToBytes(this.own) },
          { kind: 'challenge', challenge },
          { kind: 'link-layer-frame-counter', counter: llCounter },
        ],
      },
      linkLocalFromEui64(neighbour),
    );
    if (typeof sealed === 'string') return { kind: 'failed', reason: sealed };
    return this.sent(MLE_COMMAND.LINK_REQUEST, neighbour, linkLocalFromEui64(neighbour), sealed);
  }

  /** A Link Accept (And Request) under the key the neighbour used, with our counters. */
  private answer(
    neighbour: bigint,
    keyIndex: number,
    command: number,
    tlvs: MleTlv[],
    replyTo: Uint8Array,
  ): MleSend | Extract<LinkSyncOutput, { kind: 'dropped' }> {
    const llCounter = this.link.outgoingFrameCounter(keyIndex);
    if (llCounter === undefined) return this.drop('cannot-answer', neighbour, `no key ${keyIndex}`);
    const message: MleMessage = {
      command,
      tlvs: [
        { kind: 'source-address', address: eui64ToBytes(this.own) },
        ...tlvs,
        { kind: 'link-layer-frame-counter', counter: llCounter },
        // The counter after the one this message itself uses.
        { kind: 'mle-frame-counter', counter: Math.min(this.mleFrameCounter + 1, FRAME_COUNTER_MAX) },
      ],
    };
    const sealed = this.seal(keyIndex, message, replyTo);
    if (typeof sealed === 'string') return this.drop('cannot-answer', neighbour, sealed);
    return this.sent(command, neighbour, replyTo, sealed);
  }

  private seal(
    keyIndex: number,
    message: MleMessage,
    ipv6Destination: Uint8Array,
  ): Uint8Array | 'no-key' | 'mle-counter-exhausted' {
    const key = this.link.mleKey(keyIndex);
    if (!key) return 'no-key';
    // 802.15.4-2015 §9.2.1 applied to MLE's counter: 0xffffffff is never used.
    if (this.mleFrameCounter >= FRAME_COUNTER_MAX) return 'mle-counter-exhausted';
    const frameCounter = this.mleFrameCounter++;
    return sealMle(
      this.crypto,
      message,
      {
        securityLevel: this.securityLevel,
        keyIdMode: KEY_ID_MODE_KEY_SOURCE_4,
        keySource: new ByteWriter(4).u32be(keyIndex).finish(),
        keyIndex,
        frameCounter,
      },
      { key, sourceExtendedAddress: this.own, ipv6Source: this.ownLinkLocal, ipv6Destination },
    );
  }

  private sent(
    command: number,
    neighbour: bigint,
    ipv6Destination: Uint8Array,
    payload: Uint8Array,
  ): MleSend {
    this.counters.sent++;
    return {
      kind: 'send',
      command,
      linkDestination: neighbour,
      ipv6Source: this.ownLinkLocal,
      ipv6Destination,
      payload,
    };
  }

  private markSynchronised(neighbour: bigint, keyIndex: number): void {
    const keys = this.synced.get(neighbour) ?? new Set<number>();
    this.synced.delete(neighbour);
    while (this.synced.size >= this.maxNeighbours) {
      const oldest = this.synced.keys().next();
      if (oldest.done) break;
      this.synced.delete(oldest.value);
    }
    keys.add(keyIndex);
    this.synced.set(neighbour, keys);
  }

  private failed(
    neighbour: bigint,
    reason: Extract<LinkSyncOutput, { kind: 'sync-failed' }>['reason'],
  ): LinkSyncOutput {
    this.counters.failed++;
    return { kind: 'sync-failed', neighbour, reason };
  }

  private drop(
    reason: LinkSyncDropReason,
    neighbour?: bigint,
    detail?: string,
  ): Extract<LinkSyncOutput, { kind: 'dropped' }> {
    this.counters[reason]++;
    return {
      kind: 'dropped',
      reason,
      ...(neighbour !== undefined ? { neighbour } : {}),
      ...(detail !== undefined ? { detail } : {}),
    };
  }
}

function findTlv<K extends MleTlv['kind']>(
  tlvs: readonly MleTlv[],
  kind: K,
): Extract<MleTlv, { kind: K }> | undefined {
  return tlvs.find((t): t is Extract<MleTlv, { kind: K }> => t.kind === kind);
}
