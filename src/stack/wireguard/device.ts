/**
 * A WireGuard device, sans-I/O (DESIGN.md §3.1): one static key, a set of peers with their
 * allowed IPs, and the protocol of the whitepaper — handshakes (§5.4), transport (§5.4.6),
 * cryptokey routing (§2–§4), cookies under load (§5.3, §5.4.7), timers (§6) and roaming (§2.1).
 * Behaviour follows wireguard-go `device/` (send.go, receive.go, timers.go, noise-protocol.go)
 * where the whitepaper leaves a choice; each such place says so.
 *
 * Inputs: `receive(now, datagram, from)`, `send(now, peer, ipPacket)`, `tick(now)`, each with
 * the injected clock in milliseconds. Each returns a `DeviceOutput`: datagrams for the UDP edge
 * to send to endpoints, decrypted inner packets with the peer they came from, and events.
 * `nextDeadline()` says when `tick` must run next. Randomness (ephemeral keys, indices, jitter,
 * cookie secret and nonces) comes from the injected `random`.
 *
 * Bad input never throws: it is dropped, and counted in `counters` under its reason.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { CryptoError } from '../crypto/provider.ts';
import { DecodeError } from '../wire/index.ts';
import { AllowedIps } from './allowed-ips.ts';
import {
  COOKIE_NONCE_LENGTH,
  HANDSHAKE_INITIATION_RATE,
  KEEPALIVE_TIMEOUT,
  KEY_LENGTH,
  MESSAGE_TYPE,
  REJECT_AFTER_MESSAGES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME,
  REKEY_TIMEOUT,
  REKEY_TIMEOUT_JITTER_MAX,
} from './constants.ts';
import type { MacKeys } from './cookie.ts';
import {
  createCookieReply,
  deriveMacKeys,
  mac1Of,
  makeCookie,
  openCookieReply,
  verifyMac1,
  verifyMac2,
} from './cookie.ts';
import { CookieSecret } from './cookie-state.ts';
import type { EndpointAdapter } from './endpoint.ts';
import { DEFAULT_UNDER_LOAD_THRESHOLD, EndpointRateLimiter, LoadDetector } from './handshake-limiter.ts';
import { parseInnerPacket } from './inner-packet.ts';
import type { IpPrefix } from './ip-prefix.ts';
import {
  decodeCookieReply,
  decodeHandshakeInitiation,
  decodeHandshakeResponse,
  decodeTransportData,
  encodeCookieReply,
  peekMessageType,
} from './messages.ts';
import type { StaticKeyPair, TransportKeys } from './noise-handshake.ts';
import {
  consumeInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  wipeHandshake,
} from './noise-handshake.ts';
import type { PeerConfig } from './peer.ts';
import { DEFAULT_MAX_STAGED_PACKETS, WireguardPeer } from './peer.ts';
import { Keypair } from './session.ts';
import { isStrictlyAfter, nextTimestamp, tai64nFromUnixMillis } from './tai64n.ts';
import { MAX_TIMER_HANDSHAKES } from './timers.ts';
import type { PeerTimerName } from './timers.ts';
import { createTransportMessage, openTransportMessage } from './transport.ts';

/** Why a datagram or packet was dropped (keys of `WireguardDevice.counters`). */
export const DROP_REASONS = [
  /** Wrong size, unknown type, reserved bytes set: the codec refused it. */
  'malformed',
  /** Handshake message whose mac1 is not for our static key. */
  'bad-mac1',
  /** Under load and no valid mac2: answered with a cookie reply, not processed. */
  'mac2-required',
  /** Under load and over the per-source handshake rate. */
  'rate-limited',
  /** Initiation from a static key that is not a configured peer. */
  'unknown-peer',
  /** Handshake message that did not decrypt or authenticate. */
  'handshake-failed',
  /** Initiation whose TAI64N timestamp is not after the last one accepted (whitepaper §5.1). */
  'replayed-initiation',
  /** Initiation less than HANDSHAKE_INITIATION_RATE after the previous one from the peer. */
  'initiation-flood',
  /** Response, cookie reply or transport message for an index we do not hold. */
  'unknown-receiver-index',
  /** Cookie reply that does not open or answers nothing outstanding. */
  'bad-cookie-reply',
  /** Transport message under a keypair older than REJECT_AFTER_TIME. */
  'expired-keypair',
  /** Transport message whose tag does not verify. */
  'decrypt-failed',
  /** Transport counter seen before, behind the window, or past REJECT_AFTER_MESSAGES. */
  'replayed-packet',
  /** Decrypted plaintext that is not an IPv4/IPv6 packet. */
  'bad-inner-packet',
  /** Inner source address not routed to the peer that sent it (cryptokey routing). */
  'disallowed-source',
  /** Oldest queued packet dropped because the per-peer queue was full. */
  'queue-overflow',
  /** Queued packets dropped when a handshake gave up or keys were zeroed. */
  'queue-flushed',
  /** A datagram for a peer with no known endpoint. */
  'no-endpoint',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface DeviceOptions<E> {
  readonly crypto: CryptoProvider;
  /** Our static private key, 32 bytes. The device keeps a copy; wipe it with `close()`. */
  readonly privateKey: Uint8Array;
  /** Cryptographically secure random bytes (simulations may inject a seeded source). */
  readonly random: (n: number) => Uint8Array;
  readonly endpoints: EndpointAdapter<E>;
  /**
   * Unix time in ms at injected time `now`, for the TAI64N timestamp of initiations (whitepaper
   * §5.1: it must grow across restarts, so give real time in the app). Default: `now` itself.
   */
  readonly wallClock?: (now: number) => number;
  /** Handshake messages per second above which mac2 is required (see handshake-limiter.ts). */
  readonly underLoadThreshold?: number;
  /** Packets queued per peer while there is no session. */
  readonly maxStagedPackets?: number;
  /** Padding never grows a plaintext beyond this (whitepaper §5.4.6; the tunnel MTU). */
  readonly mtu?: number;
  /**
   * Told the static public key of an initiation from no configured peer (counted 'unknown-peer'),
   * e.g. so a gateway can tell a revoked tool's retries apart. Public keys only; nothing is answered.
   */
  readonly onUnknownPeer?: (remoteStatic: Uint8Array, from: E) => void;
}

export interface OutgoingDatagram<E> {
  readonly endpoint: E;
  readonly bytes: Uint8Array;
  /** The peer it is for; null for a cookie reply to a sender not yet authenticated. */
  readonly peer: WireguardPeer<E> | null;
}

export interface ReceivedPacket<E> {
  readonly peer: WireguardPeer<E>;
  /** The inner IP packet without padding. */
  readonly packet: Uint8Array;
  readonly family: 4 | 6;
}

export type WireguardEvent<E> =
  | { readonly type: 'handshake-initiated'; readonly peer: WireguardPeer<E>; readonly retry: boolean }
  | {
      readonly type: 'handshake-complete';
      readonly peer: WireguardPeer<E>;
      readonly role: 'initiator' | 'responder';
    }
  | { readonly type: 'cookie-received'; readonly peer: WireguardPeer<E> }
  /** The current keypair passed REJECT_AFTER_TIME with no successor: no data flows until a handshake. */
  | { readonly type: 'session-expired'; readonly peer: WireguardPeer<E> }
  /** The handshake gave up after REKEY_ATTEMPT_TIME (whitepaper §6.4); queued packets were dropped. */
  | {
      readonly type: 'peer-unreachable';
      readonly peer: WireguardPeer<E>;
      readonly initiationsSent: number;
      readonly droppedPackets: number;
    }
  /** 3 × REJECT_AFTER_TIME without a new session: every key of the peer erased (whitepaper §6.3). */
  | { readonly type: 'keys-zeroed'; readonly peer: WireguardPeer<E> }
  /** Roaming: an authenticated packet came from a new endpoint (whitepaper §2.1). */
  | { readonly type: 'endpoint-changed'; readonly peer: WireguardPeer<E>; readonly endpoint: E };

export interface DeviceOutput<E> {
  readonly datagrams: OutgoingDatagram<E>[];
  readonly packets: ReceivedPacket<E>[];
  readonly events: WireguardEvent<E>[];
}

interface IndexEntry<E> {
  readonly peer: WireguardPeer<E>;
  /** null: the index of an initiation in flight. */
  readonly keypair: Keypair | null;
}

const MAX_INDEX_TRIES = 64;

export class WireguardDevice<E> {
  readonly counters: Record<DropReason, number>;
  private readonly crypto: CryptoProvider;
  private readonly staticKey: StaticKeyPair;
  private readonly ownMacKeys: MacKeys;
  private readonly random: (n: number) => Uint8Array;
  private readonly endpoints: EndpointAdapter<E>;
  private readonly wallClock: (now: number) => number;
  private readonly maxStaged: number;
  private readonly mtu: number | undefined;
  private readonly onUnknownPeer: ((remoteStatic: Uint8Array, from: E) => void) | undefined;
  private readonly peerList: WireguardPeer<E>[] = [];
  private readonly peerMacKeys = new Map<WireguardPeer<E>, MacKeys>();
  private readonly allowedIps = new AllowedIps<WireguardPeer<E>>();
  private readonly indices = new Map<number, IndexEntry<E>>();
  private readonly cookieSecret: CookieSecret;
  private readonly load: LoadDetector;
  private readonly limiter = new EndpointRateLimiter();
  private out: DeviceOutput<E> = emptyOutput();

  constructor(options: DeviceOptions<E>) {
    if (options.privateKey.length !== KEY_LENGTH) throw new RangeError('private key must be 32 bytes');
    this.crypto = options.crypto;
    const privateKey = options.privateKey.slice();
    this.staticKey = { privateKey, publicKey: this.crypto.x25519PublicKey(privateKey) };
    this.ownMacKeys = deriveMacKeys(this.crypto, this.staticKey.publicKey);
    this.random = options.random;
    this.endpoints = options.endpoints;
    this.wallClock = options.wallClock ?? ((now) => now);
    this.maxStaged = options.maxStagedPackets ?? DEFAULT_MAX_STAGED_PACKETS;
    this.mtu = options.mtu;
    this.onUnknownPeer = options.onUnknownPeer;
    this.cookieSecret = new CookieSecret(this.random);
    this.load = new LoadDetector(options.underLoadThreshold ?? DEFAULT_UNDER_LOAD_THRESHOLD);
    this.counters = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  }

  get publicKey(): Uint8Array {
    return this.staticKey.publicKey.slice();
  }

  // --- configuration ---

  addPeer(config: PeerConfig<E>): WireguardPeer<E> {
    const peer = new WireguardPeer<E>(config, this.maxStaged);
    if (this.crypto.timingSafeEqual(peer.publicKey, this.staticKey.publicKey)) {
      throw new RangeError('a peer cannot have our own public key');
    }
    if (this.peerByPublicKey(peer.publicKey) !== null) throw new RangeError('peer already configured');
    try {
      // A low-order public key would make every handshake's DH all-zero (whitepaper §5.4.2).
      this.crypto.x25519(this.staticKey.privateKey, peer.publicKey).fill(0);
    } catch (e) {
      if (e instanceof CryptoError) throw new RangeError('peer public key is a low-order point');
      throw e;
    }
    this.peerList.push(peer);
    this.peerMacKeys.set(peer, deriveMacKeys(this.crypto, peer.publicKey));
    for (const prefix of config.allowedIps ?? []) this.allowedIps.insert(prefix, peer);
    return peer;
  }

  removePeer(peer: WireguardPeer<E>): void {
    const i = this.peerList.indexOf(peer);
    if (i < 0) return;
    this.zeroPeer(peer);
    peer.timers.clear();
    this.allowedIps.removePeer(peer);
    this.peerMacKeys.delete(peer);
    this.peerList.splice(i, 1);
  }

  get peers(): readonly WireguardPeer<E>[] {
    return this.peerList;
  }

  peerByPublicKey(publicKey: Uint8Array): WireguardPeer<E> | null {
    return this.peerList.find((p) => this.crypto.timingSafeEqual(p.publicKey, publicKey)) ?? null;
  }

  /** Outbound cryptokey routing: the peer for a destination address (4 or 16 bytes), or null. */
  routeFor(destination: Uint8Array): WireguardPeer<E> | null {
    return this.allowedIps.lookup(destination);
  }

  allowedIpsOf(peer: WireguardPeer<E>): IpPrefix[] {
    return this.allowedIps.prefixesOf(peer);
  }

  /** Erases every key the device holds. The device is unusable afterwards. */
  close(): void {
    for (const peer of [...this.peerList]) this.removePeer(peer);
    this.staticKey.privateKey.fill(0);
  }

  // --- inputs ---

  /** Sends an IP packet to `peer`, queueing it until a session exists (whitepaper §6.2). */
  send(now: number, peer: WireguardPeer<E>, ipPacket: Uint8Array): DeviceOutput<E> {
    this.requirePeer(peer);
    if (ipPacket.length === 0) throw new RangeError('an empty packet is a keepalive, not data');
    return this.run(() => {
      this.count('queue-overflow', peer.stage(ipPacket));
      this.sendStaged(now, peer);
    });
  }

  /**
   * Sends a keepalive now (starting a handshake when there is no session). wg(8) does this when a
   * persistent keepalive is configured on a running interface, so a peer behind NAT opens the
   * tunnel at once: the edge calls it after `addPeer` for such peers.
   */
  keepalive(now: number, peer: WireguardPeer<E>): DeviceOutput<E> {
    this.requirePeer(peer);
    return this.run(() => this.sendKeepalive(now, peer));
  }

  /** A datagram from the UDP socket, with the endpoint it came from. */
  receive(now: number, datagram: Uint8Array, from: E): DeviceOutput<E> {
    return this.run(() => {
      try {
        switch (peekMessageType(datagram)) {
          case MESSAGE_TYPE.HANDSHAKE_INITIATION:
            return this.receiveInitiation(now, datagram, from);
          case MESSAGE_TYPE.HANDSHAKE_RESPONSE:
            return this.receiveResponse(now, datagram, from);
          case MESSAGE_TYPE.COOKIE_REPLY:
            return this.receiveCookieReply(now, datagram);
          case MESSAGE_TYPE.TRANSPORT_DATA:
            return this.receiveTransport(now, datagram, from);
        }
      } catch (e) {
        if (e instanceof DecodeError) return this.count('malformed');
        // A low-order ephemeral key from the network (whitepaper §5.4.2: DH must not be zero).
        if (e instanceof CryptoError) return this.count('handshake-failed');
        throw e;
      }
    });
  }

  /** Runs the timers due at `now`. */
  tick(now: number): DeviceOutput<E> {
    return this.run(() => {
      for (const peer of [...this.peerList]) {
        for (const name of peer.timers.takeDue(now)) this.expire(now, peer, name);
        const current = peer.keypairs.current;
        if (current !== null && current.isExpired(now) && peer.expiredNotified !== current) {
          peer.expiredNotified = current;
          this.out.events.push({ type: 'session-expired', peer });
        }
      }
    });
  }

  /** When `tick` must next run (ms, injected clock), or null when nothing is pending. */
  nextDeadline(): number | null {
    let best: number | null = null;
    const consider = (at: number | null): void => {
      if (at !== null && (best === null || at < best)) best = at;
    };
    for (const peer of this.peerList) {
      consider(peer.timers.next());
      const current = peer.keypairs.current;
      if (current !== null && peer.expiredNotified !== current) consider(current.created + REJECT_AFTER_TIME);
    }
    return best;
  }

  // --- receive path ---

  /**
   * mac1, then under load mac2 and the per-source rate (whitepaper §5.3; wireguard-go
   * receive.go RoutineHandshake). False when the message must not be processed further.
   */
  private admitHandshake(now: number, bytes: Uint8Array, senderIndex: number, from: E): boolean {
    if (!verifyMac1(this.crypto, this.ownMacKeys.mac1Key, bytes)) {
      this.count('bad-mac1');
      return false;
    }
    if (!this.load.record(now)) return true;
    const cookie = makeCookie(this.crypto, this.cookieSecret.current(now), this.endpoints.cookieBytes(from));
    if (!verifyMac2(this.crypto, cookie, bytes)) {
      // Whitepaper §5.4.7: reply with a cookie, keep no state.
      const reply = createCookieReply(this.crypto, this.ownMacKeys.cookieKey, {
        receiverIndex: senderIndex,
        nonce: this.random(COOKIE_NONCE_LENGTH),
        cookie,
        answeredMac1: mac1Of(bytes),
      });
      this.out.datagrams.push({ endpoint: from, bytes: encodeCookieReply(reply), peer: null });
      this.count('mac2-required');
      return false;
    }
    if (!this.limiter.allow(now, this.endpoints.sourceKey(from))) {
      this.count('rate-limited');
      return false;
    }
    return true;
  }

  private receiveInitiation(now: number, bytes: Uint8Array, from: E): void {
    const msg = decodeHandshakeInitiation(bytes);
    if (!this.admitHandshake(now, bytes, msg.senderIndex, from)) return;
    const consumed = consumeInitiation(this.crypto, {
      localStatic: this.staticKey,
      bytes,
      mac1Key: this.ownMacKeys.mac1Key,
    });
    if (!consumed.ok) return this.count('handshake-failed');
    const peer = this.peerByPublicKey(consumed.remoteStatic);
    if (peer === null) {
      wipeHandshake(consumed.state);
      this.onUnknownPeer?.(consumed.remoteStatic.slice(), from);
      return this.count('unknown-peer');
    }
    // Whitepaper §5.1: a replayed initiation carries an old timestamp; wireguard-go
    // ConsumeMessageInitiation also refuses initiations closer than HANDSHAKE_INITIATION_RATE.
    if (!isStrictlyAfter(consumed.timestamp, peer.lastReceivedTimestamp)) {
      wipeHandshake(consumed.state);
      return this.count('replayed-initiation');
    }
    if (now - peer.lastInitiationConsumed <= HANDSHAKE_INITIATION_RATE) {
      wipeHandshake(consumed.state);
      return this.count('initiation-flood');
    }
    peer.lastReceivedTimestamp = consumed.timestamp;
    peer.lastInitiationConsumed = now;
    peer.timers.anyAuthenticatedPacketTraversal(now);
    peer.timers.anyAuthenticatedPacketReceived();
    this.updateEndpoint(peer, from);

    const localIndex = this.allocateIndex();
    const ephemeralPrivate = this.random(KEY_LENGTH);
    const response = createResponse(this.crypto, consumed.state, {
      ephemeralPrivate,
      senderIndex: localIndex,
      cookie: peer.cookieJar.cookieFor(now),
      ...(peer.presharedKey !== null ? { presharedKey: peer.presharedKey } : {}),
    });
    wipeHandshake(consumed.state);
    ephemeralPrivate.fill(0);
    if (!response.ok) return this.count('handshake-failed');
    // wireguard-go SendHandshakeResponse: counts as a handshake sent for the REKEY_TIMEOUT spacing.
    peer.lastSentHandshake = now;
    peer.cookieJar.sentHandshake(mac1Of(response.bytes));
    this.installKeypair(now, peer, response.keys);
    peer.timers.anyAuthenticatedPacketTraversal(now);
    peer.timers.anyAuthenticatedPacketSent();
    this.emit(peer, response.bytes);
  }

  private receiveResponse(now: number, bytes: Uint8Array, from: E): void {
    const msg = decodeHandshakeResponse(bytes);
    if (!this.admitHandshake(now, bytes, msg.senderIndex, from)) return;
    const entry = this.indices.get(msg.receiverIndex);
    const handshake = entry?.peer.handshake;
    if (entry === undefined || entry.keypair !== null || handshake?.localIndex !== msg.receiverIndex) {
      return this.count('unknown-receiver-index');
    }
    const peer = entry.peer;
    const done = consumeResponse(this.crypto, handshake, { bytes, mac1Key: this.ownMacKeys.mac1Key });
    if (!done.ok) return this.count('handshake-failed');
    this.indices.delete(handshake.localIndex);
    wipeHandshake(handshake);
    peer.handshake = null;
    peer.timers.anyAuthenticatedPacketTraversal(now);
    peer.timers.anyAuthenticatedPacketReceived();
    this.updateEndpoint(peer, from);
    this.installKeypair(now, peer, done.keys);
    peer.timers.handshakeComplete();
    peer.stats.lastHandshake = now;
    this.out.events.push({ type: 'handshake-complete', peer, role: 'initiator' });
    // wireguard-go receive.go: the initiator confirms the keys at once with data or a keepalive.
    this.sendKeepalive(now, peer);
  }

  private receiveCookieReply(now: number, bytes: Uint8Array): void {
    const msg = decodeCookieReply(bytes);
    const entry = this.indices.get(msg.receiverIndex);
    if (entry === undefined) return this.count('unknown-receiver-index');
    const peer = entry.peer;
    const pending = peer.cookieJar.pendingMac1();
    const macKeys = this.peerMacKeys.get(peer);
    if (pending === null || macKeys === undefined) return this.count('bad-cookie-reply');
    const cookie = openCookieReply(this.crypto, macKeys.cookieKey, msg, pending);
    if (cookie === null) return this.count('bad-cookie-reply');
    // Whitepaper §5.4.7: the initiator does not resend at once; the retransmit timer will, with mac2.
    peer.cookieJar.store(now, cookie);
    this.out.events.push({ type: 'cookie-received', peer });
  }

  private receiveTransport(now: number, bytes: Uint8Array, from: E): void {
    const msg = decodeTransportData(bytes);
    const entry = this.indices.get(msg.receiverIndex);
    if (entry === undefined || entry.keypair === null) return this.count('unknown-receiver-index');
    const { peer, keypair } = entry;
    // Whitepaper §6.1: nothing is received under keys older than REJECT_AFTER_TIME.
    if (keypair.isExpired(now)) return this.count('expired-keypair');
    if (msg.counter >= REJECT_AFTER_MESSAGES) return this.count('replayed-packet');
    const plaintext = openTransportMessage(this.crypto, keypair.receiveKey, msg);
    if (plaintext === null) return this.count('decrypt-failed');
    // RFC 6479 §2: the window moves only for authenticated packets.
    if (!keypair.replay.accept(msg.counter)) return this.count('replayed-packet');

    this.updateEndpoint(peer, from);
    const confirmation = peer.keypairs.confirm(keypair);
    if (confirmation.confirmed) {
      if (confirmation.dropped !== null) this.forgetKeypair(confirmation.dropped);
      peer.timers.handshakeComplete();
      peer.stats.lastHandshake = now;
      this.out.events.push({ type: 'handshake-complete', peer, role: 'responder' });
      this.sendStaged(now, peer);
    }
    this.keepKeyFreshReceiving(now, peer);
    peer.timers.anyAuthenticatedPacketTraversal(now);
    peer.timers.anyAuthenticatedPacketReceived();
    peer.stats.rxBytes += bytes.length;
    if (plaintext.length === 0) return; // a keepalive (whitepaper §6.5)
    peer.timers.dataReceived(now);

    const inner = parseInnerPacket(plaintext);
    if (inner === null) return this.count('bad-inner-packet');
    // Whitepaper §4 (cryptokey routing): the source must route back to the sending peer.
    if (this.allowedIps.lookup(inner.source) !== peer) return this.count('disallowed-source');
    this.out.packets.push({ peer, packet: inner.packet.slice(), family: inner.family });
  }

  // --- send path ---

  /** wireguard-go SendStagedPackets: encrypt the queue with `current`, or start a handshake. */
  private sendStaged(now: number, peer: WireguardPeer<E>): void {
    const keypair = peer.keypairs.current;
    if (keypair === null || !keypair.canSend(now)) {
      this.sendInitiation(now, peer, false);
      return;
    }
    const packets = peer.takeStaged();
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i]!;
      const counter = keypair.takeSendCounter();
      if (counter === null) {
        peer.unstage(packets.slice(i));
        this.sendInitiation(now, peer, false);
        return;
      }
      peer.timers.anyAuthenticatedPacketTraversal(now);
      const bytes = createTransportMessage(this.crypto, {
        key: keypair.sendKey,
        receiverIndex: keypair.remoteIndex,
        counter,
        packet,
        ...(this.mtu !== undefined ? { mtu: this.mtu } : {}),
      });
      if (this.emit(peer, bytes)) peer.stats.txBytes += bytes.length;
      if (packet.length > 0) peer.timers.dataSent(now, this.jitter());
      peer.timers.anyAuthenticatedPacketSent();
    }
    this.keepKeyFreshSending(now, peer, keypair);
  }

  /** Whitepaper §6.2: rekey after REKEY_AFTER_MESSAGES, or REKEY_AFTER_TIME for the initiator. */
  private keepKeyFreshSending(now: number, peer: WireguardPeer<E>, keypair: Keypair): void {
    if (
      keypair.sent > REKEY_AFTER_MESSAGES ||
      (keypair.isInitiator && now - keypair.created > REKEY_AFTER_TIME)
    ) {
      this.sendInitiation(now, peer, false);
    }
  }

  /**
   * Whitepaper §6.2: an initiator receiving under a keypair REJECT_AFTER_TIME − KEEPALIVE_TIMEOUT
   * − REKEY_TIMEOUT old starts a handshake, once, so a receive-only peer still rekeys in time.
   */
  private keepKeyFreshReceiving(now: number, peer: WireguardPeer<E>): void {
    if (peer.timers.sentLastMinuteHandshake) return;
    const current = peer.keypairs.current;
    if (
      current !== null &&
      current.isInitiator &&
      now - current.created > REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT
    ) {
      peer.timers.sentLastMinuteHandshake = true;
      this.sendInitiation(now, peer, false);
    }
  }

  private sendKeepalive(now: number, peer: WireguardPeer<E>): void {
    if (peer.stagedCount === 0) peer.stage(new Uint8Array(0));
    this.sendStaged(now, peer);
  }

  /** wireguard-go SendHandshakeInitiation: at most one per REKEY_TIMEOUT (whitepaper §6.4). */
  private sendInitiation(now: number, peer: WireguardPeer<E>, isRetry: boolean): void {
    if (!isRetry) peer.timers.handshakeAttempts = 0;
    if (now - peer.lastSentHandshake < REKEY_TIMEOUT) return;
    peer.lastSentHandshake = now;
    this.dropHandshake(peer);
    const localIndex = this.allocateIndex();
    const timestamp = nextTimestamp(
      tai64nFromUnixMillis(Math.max(0, Math.floor(this.wallClock(now)))),
      peer.lastSentTimestamp,
    );
    peer.lastSentTimestamp = timestamp;
    const initiation = createInitiation(this.crypto, {
      localStatic: this.staticKey,
      remoteStatic: peer.publicKey,
      ephemeralPrivate: this.random(KEY_LENGTH),
      timestamp,
      senderIndex: localIndex,
      cookie: peer.cookieJar.cookieFor(now),
      ...(peer.presharedKey !== null ? { presharedKey: peer.presharedKey } : {}),
    });
    peer.handshake = initiation.state;
    this.indices.set(localIndex, { peer, keypair: null });
    peer.cookieJar.sentHandshake(initiation.state.mac1);
    peer.timers.anyAuthenticatedPacketTraversal(now);
    peer.timers.anyAuthenticatedPacketSent();
    if (this.emit(peer, initiation.bytes)) peer.stats.handshakesSent++;
    peer.timers.handshakeInitiated(now, this.jitter());
    this.out.events.push({ type: 'handshake-initiated', peer, retry: isRetry });
  }

  // --- timers ---

  private expire(now: number, peer: WireguardPeer<E>, name: PeerTimerName): void {
    switch (name) {
      case 'retransmitHandshake':
        if (peer.timers.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
          // Whitepaper §6.4: give up after REKEY_ATTEMPT_TIME; drop what waited for the session.
          peer.timers.del('sendKeepalive');
          const dropped = peer.flushStaged();
          this.count('queue-flushed', dropped);
          this.dropHandshake(peer);
          peer.timers.armZeroKeysIfIdle(now);
          this.out.events.push({
            type: 'peer-unreachable',
            peer,
            initiationsSent: peer.timers.handshakeAttempts + 1,
            droppedPackets: dropped,
          });
        } else {
          peer.timers.handshakeAttempts++;
          this.sendInitiation(now, peer, true);
        }
        return;
      case 'sendKeepalive':
        this.sendKeepalive(now, peer);
        if (peer.timers.needAnotherKeepalive) {
          peer.timers.needAnotherKeepalive = false;
          peer.timers.mod('sendKeepalive', now + KEEPALIVE_TIMEOUT);
        }
        return;
      case 'newHandshake':
        this.sendInitiation(now, peer, false);
        return;
      case 'zeroKeyMaterial':
        this.zeroPeer(peer);
        this.out.events.push({ type: 'keys-zeroed', peer });
        return;
      case 'persistentKeepalive':
        if (peer.persistentKeepalive > 0) this.sendKeepalive(now, peer);
        return;
    }
  }

  // --- state helpers ---

  /** Installs the keys of a finished handshake (the source arrays are wiped: the keypair has copies). */
  private installKeypair(now: number, peer: WireguardPeer<E>, keys: TransportKeys): void {
    const keypair = new Keypair(keys, now);
    keys.sendKey.fill(0);
    keys.receiveKey.fill(0);
    this.indices.set(keypair.localIndex, { peer, keypair });
    for (const dropped of peer.keypairs.install(keypair)) this.forgetKeypair(dropped);
    peer.timers.sessionDerived(now);
  }

  private forgetKeypair(keypair: Keypair): void {
    if (this.indices.get(keypair.localIndex)?.keypair === keypair) this.indices.delete(keypair.localIndex);
    keypair.wipe();
  }

  private dropHandshake(peer: WireguardPeer<E>): void {
    const h = peer.handshake;
    if (h === null) return;
    const entry = this.indices.get(h.localIndex);
    if (entry !== undefined && entry.keypair === null && entry.peer === peer)
      this.indices.delete(h.localIndex);
    wipeHandshake(h);
    peer.handshake = null;
  }

  /** wireguard-go ZeroAndFlushAll: keys, handshake and queue. */
  private zeroPeer(peer: WireguardPeer<E>): void {
    for (const keypair of peer.keypairs.clear()) this.forgetKeypair(keypair);
    this.dropHandshake(peer);
    peer.cookieJar.clear();
    this.count('queue-flushed', peer.flushStaged());
  }

  private updateEndpoint(peer: WireguardPeer<E>, from: E): void {
    if (peer.endpoint !== null && this.endpoints.same(peer.endpoint, from)) return;
    peer.endpoint = from;
    this.out.events.push({ type: 'endpoint-changed', peer, endpoint: from });
  }

  /** Queues a datagram for the peer's endpoint; false (counted) when it has none. */
  private emit(peer: WireguardPeer<E>, bytes: Uint8Array): boolean {
    if (peer.endpoint === null) {
      this.count('no-endpoint');
      return false;
    }
    this.out.datagrams.push({ endpoint: peer.endpoint, bytes, peer });
    return true;
  }

  /** A random unused local index (wireguard-go indextable.go NewIndexForHandshake). */
  private allocateIndex(): number {
    for (let i = 0; i < MAX_INDEX_TRIES; i++) {
      const b = this.random(4);
      const index = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
      if (!this.indices.has(index)) return index;
    }
    throw new Error('random source keeps returning used indices');
  }

  /** 0..REKEY_TIMEOUT_JITTER_MAX ms (whitepaper §6.1). */
  private jitter(): number {
    const b = this.random(2);
    return ((b[0]! << 8) | b[1]!) % (REKEY_TIMEOUT_JITTER_MAX + 1);
  }

  private count(reason: DropReason, n = 1): void {
    this.counters[reason] += n;
  }

  private requirePeer(peer: WireguardPeer<E>): void {
    if (!this.peerList.includes(peer)) throw new RangeError('peer is not configured on this device');
  }

  private run(body: () => void): DeviceOutput<E> {
    this.out = emptyOutput();
    body();
    const result = this.out;
    this.out = emptyOutput();
    return result;
  }
}

function emptyOutput<E>(): DeviceOutput<E> {
  return { datagrams: [], packets: [], events: [] };
}
