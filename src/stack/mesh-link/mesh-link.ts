/**
 * The 6LoWPAN / IEEE 802.15.4 adaptation layer of one node (the tool's dongle side or a simulated
 * meter). Sans-I/O: `send` turns an IPv6 datagram into PSDUs for the radio, `receive` turns a PSDU
 * from the radio into a datagram or a counted drop. Time (`now`, ms) and randomness are injected.
 *
 * - MAC: data frames, frame version 2006, extended source address, PAN ID compression, unicast to
 *   an extended address with the ack request set, broadcast to 0xffff (802.15.4-2015 §7.2, §7.3.2).
 *   PSDUs carry their FCS (2 or 4 octets, §7.2.10): computed on transmit — a Spinel radio
 *   overwrites it, the simulated medium checks it — and verified on receive.
 * - Security: level 5 (ENC-MIC-32) by default with key id mode 1 (§9.4.2), key per index
 *   (key-store.ts), incoming frame security with per-neighbour anti-replay (replay-table.ts).
 * - 6LoWPAN: RFC 6282 IPHC with the mesh prefix as context 0, RFC 4944 §5.3 fragmentation when
 *   the compressed datagram does not fit the MAC payload, and bounded reassembly.
 * - Unsecured frames: only PANA and MLE join traffic (join-traffic.ts). Secured and unsecured
 *   fragments are reassembled apart, so an unsecured fragment can neither disturb nor complete a
 *   secured datagram.
 */
import type { CryptoProvider, SecurityLevel } from '../crypto/provider.ts';
import {
  BROADCAST_SHORT_ADDRESS,
  checkFcs,
  encodeMacHeader,
  FRAME_TYPE,
  FRAME_VERSION,
  KEY_ID_MODE,
  MIC_LENGTH,
  parseFrame,
  secureFrame,
  unsecureFrame,
  A_MAX_PHY_PACKET_SIZE,
  A_MAX_SUN_PHY_PACKET_SIZE,
  encodeFrame,
  type MacFrame,
} from '../ieee802154/index.ts';
import { decodePacket, IPV6_MIN_MTU, type Ipv6Packet } from '../ipv6/index.ts';
import {
  compressIphc,
  contextTable,
  fragment,
  linkAddressFromMac,
  receiveLowpanFrame,
  ReassemblyBuffer,
  type ContextTable,
  type ReassemblyOptions,
} from '../sixlowpan/index.ts';
import { DecodeError } from '../wire/index.ts';
import { emptyCounters, type MeshLinkCounters, type ReceiveDropReason, type SendFailure } from './drops.ts';
import { isUnsecuredJoinTraffic } from './join-traffic.ts';
import { LinkKeyStore, type InstallKeyOptions, type KeyInfo } from './key-store.ts';
import { NeighbourFrameCounters } from './replay-table.ts';

export const BROADCAST = 'broadcast';
export type LinkDestination = bigint | typeof BROADCAST;

export interface MeshLinkOptions {
  crypto: CryptoProvider;
  /** This node's EUI-64 (as printed, big-endian). */
  extendedAddress: bigint;
  panId: number;
  /** The mesh /64 prefix: 6LoWPAN context 0 (RFC 6282 §3.1.2). */
  meshPrefix: Uint8Array;
  /** Largest PSDU the radio takes, FCS included: 127 (legacy PHYs) up to 2047 (SUN PHY). */
  maxPsdu: number;
  /** FCS octets in every PSDU: 2, or 4 for the SUN PHY (802.15.4-2015 §7.2.10). */
  fcsLength: 2 | 4;
  /** MAC security level for transmitted frames and required of received ones (default 5, ENC-MIC-32). */
  securityLevel?: SecurityLevel;
  /** How long a replaced transmit key is still accepted (default 60 000 ms). */
  keyRetirementGraceMs?: number;
  /** Neighbours held in the anti-replay table (default 128); see replay-table.ts for the risk. */
  maxNeighbours?: number;
  /** Link MTU (default and minimum 1280, RFC 4944 §4; at most 2047, the datagram_size field). */
  mtu?: number;
  reassembly?: ReassemblyOptions;
  /** Random bytes for the first MAC sequence number and datagram tag (default crypto.randomBytes). */
  randomBytes?: (n: number) => Uint8Array;
}

export interface SendOptions {
  /** MAC security (default true). Unsecured only for PANA/MLE join traffic. */
  secure?: boolean;
}

export type SendResult =
  | {
      ok: true;
      /** PSDUs to hand to the radio in order, FCS included. */
      psdus: Uint8Array[];
      /** Key index and first frame counter used (secured frames). */
      keyIndex?: number;
      firstFrameCounter?: number;
    }
  | { ok: false; reason: SendFailure };

export interface LinkMetadata {
  /** MAC source (extended address) of the frame that completed the datagram. */
  source: bigint;
  destination: LinkDestination;
  secured: boolean;
  keyIndex?: number;
  frameCounter?: number;
  rssi: number;
  lqi: number;
}

export interface RadioInfo {
  rssi: number;
  lqi: number;
}

export type ReceiveResult =
  | { kind: 'datagram'; bytes: Uint8Array; packet: Ipv6Packet; link: LinkMetadata }
  /** A fragment was stored (or was a duplicate); the datagram is not complete yet. */
  | { kind: 'pending' }
  | {
      kind: 'dropped';
      reason: ReceiveDropReason;
      /** For log readers: the decoder's message, the reassembly reason... */
      detail?: string;
      /** MAC source, when the frame got far enough to know it. */
      source?: bigint;
    };

const SEQUENCE_MODULO = 0x100;
const TAG_MODULO = 0x10000;

export class MeshLink {
  readonly extendedAddress: bigint;
  readonly panId: number;
  readonly maxPsdu: number;
  readonly fcsLength: 2 | 4;
  readonly securityLevel: SecurityLevel;
  readonly mtu: number;
  readonly counters: MeshLinkCounters = emptyCounters();

  private readonly crypto: CryptoProvider;
  private readonly contexts: ContextTable;
  private readonly keys: LinkKeyStore;
  private readonly replay: NeighbourFrameCounters;
  private readonly reassemblyOptions: ReassemblyOptions;
  private securedReassembly: ReassemblyBuffer;
  private unsecuredReassembly: ReassemblyBuffer;
  private sequence: number;
  private tag: number;

  constructor(options: MeshLinkOptions) {
    const {
      crypto,
      extendedAddress,
      panId,
      meshPrefix,
      maxPsdu,
      fcsLength,
      securityLevel = 5,
      keyRetirementGraceMs = 60_000,
      maxNeighbours = 128,
      mtu = IPV6_MIN_MTU,
    } = options;
    if (extendedAddress < 0n || extendedAddress > 0xffff_ffff_ffff_ffffn)
      throw new RangeError('extended address is not a u64');
    // The broadcast PAN 0xffff is not a PAN a node belongs to (802.15.4-2015 §6.3.2).
    if (!Number.isInteger(panId) || panId < 0 || panId >= 0xffff)
      throw new RangeError(`PAN ID ${panId} is not 0..0xfffe`);
    if (!Number.isInteger(maxPsdu) || maxPsdu < A_MAX_PHY_PACKET_SIZE || maxPsdu > A_MAX_SUN_PHY_PACKET_SIZE)
      throw new RangeError(`max PSDU ${maxPsdu} is not 127..2047`);
    if (fcsLength !== 2 && fcsLength !== 4) throw new RangeError('FCS length must be 2 or 4');
    if (!Number.isInteger(securityLevel) || securityLevel < 1 || securityLevel > 7)
      throw new RangeError(`security level ${securityLevel} is not 1..7`);
    if (!Number.isInteger(mtu) || mtu < IPV6_MIN_MTU || mtu > 2047)
      throw new RangeError(`MTU ${mtu} is not 1280..2047`);
    if (meshPrefix.length !== 16) throw new RangeError('mesh prefix must be a 16-byte IPv6 address');
    this.crypto = crypto;
    this.extendedAddress = extendedAddress;
    this.panId = panId;
    this.maxPsdu = maxPsdu;
    this.fcsLength = fcsLength;
    this.securityLevel = securityLevel;
    this.mtu = mtu;
    this.contexts = contextTable(meshPrefix, 64);
    this.keys = new LinkKeyStore(crypto, keyRetirementGraceMs);
    this.replay = new NeighbourFrameCounters(maxNeighbours);
    this.reassemblyOptions = options.reassembly ?? {};
    this.securedReassembly = new ReassemblyBuffer(this.reassemblyOptions);
    this.unsecuredReassembly = new ReassemblyBuffer(this.reassemblyOptions);
    const seed = (options.randomBytes ?? ((n: number) => crypto.randomBytes(n)))(3);
    this.sequence = (seed[0] ?? 0) % SEQUENCE_MODULO;
    this.tag = (((seed[1] ?? 0) << 8) | (seed[2] ?? 0)) % TAG_MODULO;
  }

  // --- keys -----------------------------------------------------------------------------------

  /**
   * Installs a network key under `index` and derives its MAC and MLE keys. Replacing a key under
   * the same index restarts that index's counters (its anti-replay entries are forgotten).
   */
  installNetworkKey(
    index: number,
    networkKey: Uint8Array,
    now: number,
    options: InstallKeyOptions = {},
  ): void {
    this.keys.install(index, networkKey, now, options);
    this.replay.forgetKey(index);
  }

  /** Switches the transmit key; the previous one is accepted on receive for the grace period. */
  activate(index: number, now: number): void {
    this.keys.activate(index, now);
  }

  /** Zero-fills every key and forgets the counters (revocation): no secured send or receive after. */
  wipeKeys(): void {
    this.keys.wipe();
    this.replay.clear();
    // Partially reassembled plaintext goes with the keys.
    this.securedReassembly = new ReassemblyBuffer(this.reassemblyOptions);
  }

  get activeKeyIndex(): number | undefined {
    return this.keys.active;
  }

  keyInfo(): KeyInfo[] {
    return this.keys.list();
  }

  /** The MLE key under `index` (MLE signs with it). The store's own buffer: do not retain it. */
  mleKey(index: number): Uint8Array | undefined {
    return this.keys.mleKey(index);
  }

  /** This node's next outgoing MAC frame counter under `index` (the MLE Link-layer Frame Counter TLV). */
  outgoingFrameCounter(index: number): number | undefined {
    return this.keys.outgoingFrameCounter(index);
  }

  /** The next frame counter accepted from `eui` under `keyIndex`, or undefined when unknown. */
  neighbourFrameCounter(eui: bigint, keyIndex: number): number | undefined {
    return this.replay.next(eui, keyIndex);
  }

  /**
   * Records the next frame counter accepted from `eui` under `keyIndex` (MLE synchronisation).
   * `raiseOnly`: keep a higher value already recorded (for authentic values not proven fresh).
   */
  setNeighbourFrameCounter(eui: bigint, keyIndex: number, nextCounter: number, raiseOnly = false): void {
    this.replay.set(eui, keyIndex, nextCounter, raiseOnly);
    this.counters.neighboursEvicted = this.replay.evictions;
  }

  /** Retires keys past their grace period and drops stale reassemblies. Also done on send/receive. */
  expire(now: number): void {
    for (const index of this.keys.expire(now)) this.replay.forgetKey(index);
    this.securedReassembly.expire(now);
    this.unsecuredReassembly.expire(now);
  }

  // --- transmit -------------------------------------------------------------------------------

  /**
   * Frames `ipv6Packet` (a complete IPv6 datagram as bytes) for `nextHop`: IPHC, fragments when
   * needed, one MAC frame each. A secured datagram takes all its frame counters at once or is
   * refused whole. A malformed datagram throws RangeError (the caller built it).
   */
  send(now: number, ipv6Packet: Uint8Array, nextHop: LinkDestination, options: SendOptions = {}): SendResult {
    this.expire(now);
    const secure = options.secure ?? true;
    if (ipv6Packet.length > this.mtu) return this.sendFailed('too-large');
    const broadcast = nextHop === BROADCAST;
    const lowpan = compressIphc(ipv6Packet, {
      source: linkAddressFromMac(this.extendedAddress),
      destination: linkAddressFromMac(broadcast ? BROADCAST_SHORT_ADDRESS : nextHop),
      contexts: this.contexts,
    });
    const template: MacFrame = {
      frameType: FRAME_TYPE.DATA,
      frameVersion: FRAME_VERSION.IEEE_802_15_4_2006,
      framePending: false,
      // 802.15.4-2015 §6.7.4.1: no acknowledgment for broadcast frames.
      ackRequest: !broadcast,
      sequenceNumber: 0,
      dstPanId: this.panId,
      dstAddress: broadcast ? BROADCAST_SHORT_ADDRESS : nextHop,
      srcAddress: this.extendedAddress,
      ...(secure
        ? {
            auxSecurityHeader: {
              securityLevel: this.securityLevel,
              keyIdMode: KEY_ID_MODE.KEY_INDEX,
              keyIndex: 1,
              frameCounter: 0,
            },
          }
        : {}),
      payload: new Uint8Array(0),
    };
    const overhead =
      encodeMacHeader(template).length + (secure ? MIC_LENGTH[this.securityLevel]! : 0) + this.fcsLength;
    const maxPayload = this.maxPsdu - overhead;
    const tag = this.tag;
    const payloads = lowpan.length <= maxPayload ? [lowpan] : fragment(lowpan, tag, maxPayload);
    if (payloads.length > 1) this.tag = (this.tag + 1) % TAG_MODULO;

    let key: { index: number; macKey: Uint8Array; first: number } | undefined;
    if (secure) {
      const reserved = this.keys.reserveCounters(payloads.length);
      if (reserved === 'no-key') return this.sendFailed('no-key');
      if (reserved === 'exhausted') return this.sendFailed('frame-counter-exhausted');
      key = reserved;
    }
    const psdus = payloads.map((payload, i) => {
      const frame: MacFrame = { ...template, sequenceNumber: this.nextSequence(), payload };
      if (!key) return encodeFrame(frame, { fcsLength: this.fcsLength });
      frame.auxSecurityHeader = {
        securityLevel: this.securityLevel,
        keyIdMode: KEY_ID_MODE.KEY_INDEX,
        keyIndex: key.index,
        frameCounter: key.first + i,
      };
      return secureFrame(this.crypto, key.macKey, frame, this.extendedAddress, { fcsLength: this.fcsLength });
    });
    this.counters.sent.datagrams++;
    this.counters.sent.frames += psdus.length;
    return key ? { ok: true, psdus, keyIndex: key.index, firstFrameCounter: key.first } : { ok: true, psdus };
  }

  private nextSequence(): number {
    const s = this.sequence;
    this.sequence = (this.sequence + 1) % SEQUENCE_MODULO;
    return s;
  }

  private sendFailed(reason: SendFailure): SendResult {
    this.counters.sent[reason]++;
    return { ok: false, reason };
  }

  // --- receive --------------------------------------------------------------------------------

  /** Processes one PSDU (FCS included) from the radio. Never throws on bad input: it returns drops. */
  receive(now: number, psdu: Uint8Array, radio: RadioInfo): ReceiveResult {
    this.counters.received.frames++;
    this.expire(now);
    try {
      return this.receiveFrame(now, psdu, radio);
    } catch (e) {
      if (e instanceof DecodeError) return this.drop('decode-error', e.message);
      throw e;
    }
  }

  private receiveFrame(now: number, psdu: Uint8Array, radio: RadioInfo): ReceiveResult {
    if (psdu.length > this.maxPsdu)
      return this.drop('decode-error', `PSDU of ${psdu.length} bytes exceeds ${this.maxPsdu}`);
    if (!checkFcs(psdu, this.fcsLength)) return this.drop('bad-fcs');
    const { frame } = parseFrame(psdu, { fcsLength: this.fcsLength });
    if (frame.frameType !== FRAME_TYPE.DATA)
      return this.drop('unsupported-frame', `frame type ${frame.frameType}`);
    const source = frame.srcAddress;
    if (typeof source !== 'bigint')
      return this.drop('unsupported-frame', 'source is not an extended address');
    if (!this.addressedToUs(frame) || source === this.extendedAddress)
      return this.drop('not-for-us', undefined, source);
    const destination: LinkDestination =
      frame.dstAddress === BROADCAST_SHORT_ADDRESS ? BROADCAST : this.extendedAddress;

    const h = frame.auxSecurityHeader;
    let payload = frame.payload;
    if (h) {
      // 802.15.4-2015 §9.2.5: security level and key identifier policy, then the key lookup.
      if (
        h.securityLevel !== this.securityLevel ||
        h.keyIdMode !== KEY_ID_MODE.KEY_INDEX ||
        h.keyIndex === undefined
      ) {
        return this.drop('security-policy', `level ${h.securityLevel}, key id mode ${h.keyIdMode}`, source);
      }
      const keyIndex = h.keyIndex;
      const macKey = this.keys.macKey(keyIndex);
      if (!macKey)
        return this.drop(
          this.keys.isRetired(keyIndex) ? 'key-retired' : 'no-key',
          `key index ${keyIndex}`,
          source,
        );
      // 802.15.4-2015 §9.2.5: the counter check comes before unsecuring; the update after it.
      const check = this.replay.check(source, keyIndex, h.frameCounter);
      if (check !== 'ok') {
        return this.drop('replay', `frame counter ${h.frameCounter} under key ${keyIndex}`, source);
      }
      const opened = unsecureFrame(this.crypto, () => macKey, psdu, { fcsLength: this.fcsLength });
      if (!opened.ok) return this.drop('mic-failure', opened.failure, source);
      this.replay.accept(source, keyIndex, h.frameCounter);
      this.counters.neighboursEvicted = this.replay.evictions;
      payload = opened.frame.payload;
    }
    const buffer = h ? this.securedReassembly : this.unsecuredReassembly;
    const result = receiveLowpanFrame(
      payload,
      {
        source: linkAddressFromMac(source),
        destination: linkAddressFromMac(destination === BROADCAST ? BROADCAST_SHORT_ADDRESS : destination),
        contexts: this.contexts,
      },
      buffer,
      now,
    );
    if (result.status === 'pending' || result.status === 'duplicate') {
      this.counters.received.fragmentsPending++;
      return { kind: 'pending' };
    }
    if (result.status === 'dropped') return this.drop('reassembly', result.reason, source);
    let packet: Ipv6Packet;
    try {
      packet = decodePacket(result.datagram);
    } catch (e) {
      if (e instanceof DecodeError) return this.drop('ipv6-decode-error', e.message, source);
      throw e;
    }
    if (!h && !isUnsecuredJoinTraffic(packet)) return this.drop('unsecured', undefined, source);
    this.counters.received.datagrams++;
    const link: LinkMetadata = {
      source,
      destination,
      secured: h !== undefined,
      rssi: radio.rssi,
      lqi: radio.lqi,
      ...(h ? { keyIndex: h.keyIndex, frameCounter: h.frameCounter } : {}),
    };
    return { kind: 'datagram', bytes: result.datagram, packet, link };
  }

  private addressedToUs(frame: MacFrame): boolean {
    // With PAN ID compression the source PAN is the destination PAN (802.15.4-2015 §7.2.1.5).
    if (frame.dstPanId !== this.panId) return false;
    if (frame.srcPanId !== undefined && frame.srcPanId !== this.panId) return false;
    return frame.dstAddress === this.extendedAddress || frame.dstAddress === BROADCAST_SHORT_ADDRESS;
  }

  private drop(reason: ReceiveDropReason, detail?: string, source?: bigint): ReceiveResult {
    this.counters.received[reason]++;
    return {
      kind: 'dropped',
      reason,
      ...(detail !== undefined ? { detail } : {}),
      ...(source !== undefined ? { source } : {}),
    };
  }
}
