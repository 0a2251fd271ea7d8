/**
 * The shared 920 MHz channel: who hears whom, at what power, and which frames survive.
 *
 * Model (each choice is explained in the module it lives in):
 * - received power = tx power − log-distance path loss − per-link shadowing (path-loss.ts,
 *   shadowing.ts); links are computed once per node pair when a node is added, and each node keeps
 *   only the receivers that can sense or decode it, so a frame costs O(neighbours), not O(nodes);
 * - a receiver synchronises to the first frame that arrives at or above its sensitivity while it
 *   is idle, listening and not transmitting (half duplex); a frame overlapping the one it is
 *   receiving is lost, and corrupts that one unless its signal-to-interference ratio stays at or
 *   above the capture threshold (interference = summed power of every other audible frame on the
 *   channel); a frame that starts while others are on air is received only if it captures them;
 * - a synchronised frame that survives is decoded with the probability of the 2-FSK bit-error
 *   model at its SNR (link-quality.ts), times the configured extra and burst losses;
 * - CCA (energy detection, CCA mode 1) at a node is busy while any transmission on its channel is
 *   above its CCA threshold, or if one started during the CCA window;
 * - a decoded data frame that asks for an ACK and is addressed to the receiver is acknowledged
 *   aTurnaroundTime after it ends, without CCA (802.15.4-2015 §6.7.4); the ACK is a real frame
 *   on air that can collide like any other.
 * Frames on different channels do not interact (no adjacent-channel interference).
 */
import { Random } from '../random.ts';
import type { Scheduler } from '../clock/scheduler.ts';
import type { BurstLossConfig } from './burst-loss.ts';
import type { DutyCycleMeter, DutyCycleRules } from './duty-cycle.ts';
import { ARIB_T108_SHORT_CARRIER_SENSE } from './duty-cycle.ts';
import {
  bitErrorRate2Fsk,
  DEFAULT_NOISE_BANDWIDTH_HZ,
  frameSuccessProbability,
  lnBitSuccess,
  lqiFor,
  thermalNoiseFloorDbm,
} from './link-quality.ts';
import type { LogDistancePathLoss } from './path-loss.ts';
import { pathLossDb, suburban920MHz } from './path-loss.ts';
import type { SunFskPhy } from './phy.ts';
import { airtimeUs, shrDurationUs, SUN_FSK_920MHZ_100KBPS } from './phy.ts';
import { LINK_AUDIBLE, LINK_CCA, RadioNode } from './radio-node.ts';
import { linkShadowingDb } from './shadowing.ts';
import type { RadioStats } from './stats.ts';
import { addRadioStats, createRadioStats } from './stats.ts';
import type { Transmission } from './transmission.ts';
import { BROADCAST, TransmissionPool } from './transmission.ts';
import type { AirFrame, MediumClient, NodeId, ReceivedFrame } from './types.ts';
import { dbmToMw, msToUs, usToMs } from './units.ts';

export interface NodeDefaults {
  /** 13 dBm = 20 mW, the ARIB STD-T108 limit for specified low-power stations. */
  txPowerDbm: number;
  /** −105 dBm: where the bit-error model gives 10 % PER at 250 octets (link-quality.ts). */
  sensitivityDbm: number;
  /**
   * −95 dBm: 802.15.4 requires the CCA energy-detection threshold to be at most 10 dB above the
   * receiver sensitivity (−105 dBm here). ARIB STD-T108's carrier-sense level of −80 dBm is a
   * ceiling (a station must treat ≥ −80 dBm as busy), so −95 dBm satisfies both. Set −80 to model
   * radios that sense only what the regulation demands (many more hidden terminals).
   */
  ccaThresholdDbm: number;
  channel: number;
}

export interface MediumConfig {
  /** Seed for shadowing and loss draws (and, through `random`, for RadioMac back-offs). */
  seed?: number | string;
  phy?: SunFskPhy;
  pathLoss?: LogDistancePathLoss;
  /** Standard deviation of per-link log-normal shadowing, dB (default 6, suburban). */
  shadowingSigmaDb?: number;
  /** Noise bandwidth for the bit-error model, Hz (default 200 kHz). */
  noiseBandwidthHz?: number;
  /** Receiver noise floor, dBm (default kTB + 6 dB NF over the noise bandwidth ≈ −115 dBm). */
  noiseFloorDbm?: number;
  /** A frame survives overlap if its power is this much above the sum of the others (default 10 dB). */
  captureThresholdDb?: number;
  /** Independent loss applied to every otherwise-decoded frame (e.g. 0.05 for town-200). */
  extraLossRate?: number;
  /** Optional Gilbert–Elliott loss bursts, one chain per receiver. */
  burstLoss?: BurstLossConfig;
  /** PSDU length of an Imm-Ack: 2 frame control + 1 sequence number + 4 FCS = 7 octets. */
  ackPsduOctets?: number;
  dutyCycle?: DutyCycleRules;
  defaults?: Partial<NodeDefaults>;
  /** ACK builder for nodes that give none (see imm-ack.ts); default `ackPsduOctets` zeros. */
  buildAck?: (acknowledged: Uint8Array) => Uint8Array;
}

export interface NodeConfig {
  /** Position in metres. */
  x: number;
  y: number;
  txPowerDbm?: number;
  sensitivityDbm?: number;
  ccaThresholdDbm?: number;
  channel?: number;
  /** Drop decoded unicast frames addressed to other nodes, as a radio's frame filter does (default true). */
  addressFilter?: boolean;
  /** Acknowledge frames that ask for it (default true). */
  autoAck?: boolean;
  /** Also report decoded ACK frames through frameReceived (sniffers; default false). */
  receiveAcks?: boolean;
  /** Builds the ACK PSDU for an acknowledged PSDU; without it the ACK is `ackPsduOctets` zeros. */
  buildAck?: (acknowledged: Uint8Array) => Uint8Array;
}

/** The numbers behind one directed link, for inspection and tests. */
export interface LinkBudget {
  distanceM: number;
  pathLossDb: number;
  shadowingDb: number;
  rssiDbm: number;
  snrDb: number;
  /** Receiver decodes the sender at all (RSSI ≥ its sensitivity). */
  audible: boolean;
  /** Sender trips the receiver's CCA (RSSI ≥ its CCA threshold). */
  senses: boolean;
  /** Probability that an undisturbed frame of `psduOctets` is decoded (before extra losses). */
  successProbability(psduOctets: number): number;
}

interface PendingAck {
  receiver: RadioNode;
  acknowledged: number;
  to: NodeId;
  psdu: Uint8Array;
  channel: number;
}

export class RadioMedium {
  readonly phy: SunFskPhy;
  readonly pathLoss: LogDistancePathLoss;
  readonly shadowingSigmaDb: number;
  readonly noiseBandwidthHz: number;
  readonly noiseFloorDbm: number;
  readonly captureThresholdDb: number;
  /** Changed during a scenario's loss bursts (setExtraLossRate). */
  private lossRate: number;
  readonly ackPsduOctets: number;
  /** Root of every random stream in the field; RadioMac forks its back-off stream from it. */
  readonly random: Random;

  private readonly defaults: NodeDefaults;
  private readonly dutyRules: DutyCycleRules;
  private readonly burstLoss: BurstLossConfig | undefined;
  private readonly captureRatio: number;
  private readonly lossRandom: Random;
  private readonly shadowingSeed: number;
  private readonly shrUs: number;
  private readonly defaultAckPsdu: Uint8Array;
  private defaultBuildAck: ((acknowledged: Uint8Array) => Uint8Array) | undefined;

  private readonly nodes: RadioNode[] = [];
  private readonly onAir: Transmission[] = [];
  private readonly pool = new TransmissionPool();
  private nextSerial = 1;
  private transmissionsStarted = 0;
  // Reused per finished transmission: receivers that decoded it, and at what power.
  private readonly decodedBy: RadioNode[] = [];
  private readonly decodedRxDbm: number[] = [];
  private readonly decodedLqi: number[] = [];

  constructor(
    readonly scheduler: Scheduler,
    config: MediumConfig = {},
  ) {
    this.phy = config.phy ?? SUN_FSK_920MHZ_100KBPS;
    this.pathLoss = config.pathLoss ?? suburban920MHz();
    this.shadowingSigmaDb = config.shadowingSigmaDb ?? 6;
    this.noiseBandwidthHz = config.noiseBandwidthHz ?? DEFAULT_NOISE_BANDWIDTH_HZ;
    this.noiseFloorDbm = config.noiseFloorDbm ?? thermalNoiseFloorDbm(this.noiseBandwidthHz);
    this.captureThresholdDb = config.captureThresholdDb ?? 10;
    this.captureRatio = dbmToMw(this.captureThresholdDb);
    this.lossRate = 0;
    this.setExtraLossRate(config.extraLossRate ?? 0);
    this.burstLoss = config.burstLoss;
    this.ackPsduOctets = config.ackPsduOctets ?? 7;
    this.dutyRules = config.dutyCycle ?? ARIB_T108_SHORT_CARRIER_SENSE;
    this.defaults = {
      txPowerDbm: 13,
      sensitivityDbm: -105,
      ccaThresholdDbm: -95,
      channel: 0,
      ...config.defaults,
    };
    this.random = new Random(config.seed ?? 1);
    this.lossRandom = this.random.fork('medium:loss');
    this.shadowingSeed = this.random.fork('medium:shadowing').nextUint32();
    this.shrUs = shrDurationUs(this.phy);
    this.defaultAckPsdu = new Uint8Array(this.ackPsduOctets);
    this.defaultBuildAck = config.buildAck;
  }

  /** Independent loss applied to every otherwise-decoded frame. */
  get extraLossRate(): number {
    return this.lossRate;
  }

  /**
   * The ACK builder for nodes that have none of their own, from now on (a capture wants real
   * Imm-Acks from a field built without them). Only the ACK's content changes, not its timing.
   */
  setDefaultAckBuilder(build: ((acknowledged: Uint8Array) => Uint8Array) | undefined): void {
    this.defaultBuildAck = build;
  }

  /** Changes the extra loss from now on (a scenario's loss burst starts or ends). */
  setExtraLossRate(rate: number): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`extraLossRate must be in [0, 1], got ${rate}`);
    this.lossRate = rate;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Current time in whole µs. */
  nowUs(): number {
    return msToUs(this.scheduler.now());
  }

  airtimeUs(psduOctets: number): number {
    return airtimeUs(this.phy, psduOctets);
  }

  /**
   * Adds a node and computes its links to every existing node (O(N) per node, O(N²) for a field,
   * once; a 1000-node field builds in well under a second).
   */
  addNode(config: NodeConfig): NodeId {
    const id = this.nodes.length;
    const node = new RadioNode(
      id,
      {
        x: config.x,
        y: config.y,
        txPowerDbm: config.txPowerDbm ?? this.defaults.txPowerDbm,
        sensitivityDbm: config.sensitivityDbm ?? this.defaults.sensitivityDbm,
        ccaThresholdDbm: config.ccaThresholdDbm ?? this.defaults.ccaThresholdDbm,
        channel: config.channel ?? this.defaults.channel,
        addressFilter: config.addressFilter ?? true,
        autoAck: config.autoAck ?? true,
        receiveAcks: config.receiveAcks ?? false,
        buildAck: config.buildAck,
      },
      this.dutyRules,
      this.burstLoss,
    );
    for (const other of this.nodes) {
      const lossDb = this.linkLossDb(node, other);
      this.connect(other, node, lossDb);
      this.connect(node, other, lossDb);
    }
    this.nodes.push(node);
    // Transmissions already on air now list this node as a receiver; count them in.
    this.recountReception(node);
    return id;
  }

  /** Attaches the radio that receives this node's frames and transmit events. */
  attach(id: NodeId, client: MediumClient): void {
    this.node(id).client = client;
  }

  position(id: NodeId): { x: number; y: number } {
    const n = this.node(id);
    return { x: n.x, y: n.y };
  }

  channelOf(id: NodeId): number {
    return this.node(id).channel;
  }

  /** Retunes the node. A frame being received is lost; CCA state is rebuilt for the new channel. */
  setChannel(id: NodeId, channel: number): void {
    const n = this.node(id);
    if (n.channel === channel) return;
    n.channel = channel;
    n.locked = null;
    this.recountReception(n);
  }

  /** Turns the receiver on or off (a frame being received is lost when it goes off). */
  setReceiverEnabled(id: NodeId, enabled: boolean): void {
    const n = this.node(id);
    n.rxEnabled = enabled;
    if (!enabled) n.locked = null;
  }

  isTransmitting(id: NodeId): boolean {
    return this.node(id).transmitting !== null;
  }

  /**
   * CCA result for a window that began at `sinceUs` and ends now: clear unless energy above the
   * node's threshold is on air now or started inside the window, or the node itself is sending.
   */
  isChannelClear(id: NodeId, sinceUs: number): boolean {
    const n = this.node(id);
    return n.transmitting === null && n.ccaBusyCount === 0 && n.lastEnergyStartUs < sinceUs;
  }

  dutyCycle(id: NodeId): DutyCycleMeter {
    return this.node(id).dutyCycle;
  }

  /** Live counters of one node (the RadioMac attached to it updates its MAC counters here). */
  statsOf(id: NodeId): RadioStats {
    return this.node(id).stats;
  }

  /** Sum of every node's counters, plus the number of transmissions the medium carried. */
  totals(): RadioStats & { transmissions: number } {
    const sum = createRadioStats();
    for (const n of this.nodes) addRadioStats(sum, n.stats);
    return { ...sum, transmissions: this.transmissionsStarted };
  }

  /** Ids of the nodes that can decode `id` (RSSI at or above their sensitivity). */
  neighbours(id: NodeId): NodeId[] {
    const n = this.node(id);
    return n.linkTo.filter((_, i) => (n.linkFlags[i]! & LINK_AUDIBLE) !== 0);
  }

  linkBudget(from: NodeId, to: NodeId): LinkBudget {
    const a = this.node(from);
    const b = this.node(to);
    const distanceM = Math.hypot(a.x - b.x, a.y - b.y);
    const pl = pathLossDb(this.pathLoss, distanceM);
    const shadowingDb = linkShadowingDb(this.shadowingSeed, from, to, this.shadowingSigmaDb);
    const rssiDbm = a.txPowerDbm - pl - shadowingDb;
    const snrDb = rssiDbm - this.noiseFloorDbm;
    const ber = bitErrorRate2Fsk(snrDb, this.phy.bitRateBps, this.noiseBandwidthHz);
    const phrOctets = this.phy.phrOctets;
    return {
      distanceM,
      pathLossDb: pl,
      shadowingDb,
      rssiDbm,
      snrDb,
      audible: rssiDbm >= b.sensitivityDbm,
      senses: rssiDbm >= b.ccaThresholdDbm,
      successProbability: (psduOctets) => frameSuccessProbability(ber, 8 * (phrOctets + psduOctets)),
    };
  }

  /**
   * Puts a frame on air now, without CCA (CSMA-CA is the RadioMac's job). Returns the
   * transmission's serial, which `transmissionEnded` and `ackReceived` report back.
   * Throws if the node is already transmitting: a radio has one transmitter.
   */
  transmit(id: NodeId, frame: AirFrame): number {
    const node = this.node(id);
    if (node.transmitting) throw new Error(`node ${id} is already transmitting`);
    const length = frame.psdu.length;
    if (length < 1 || length > this.phy.maxPsduOctets) {
      throw new RangeError(`PSDU of ${length} octets; SUN FSK carries 1..${this.phy.maxPsduOctets}`);
    }
    const destination = frame.destination === 'broadcast' ? BROADCAST : frame.destination;
    return this.startTransmission(node, frame.psdu.slice(), destination, frame.ackRequest, false, 0);
  }

  // ---- frame lifecycle -------------------------------------------------------------------

  private startTransmission(
    sender: RadioNode,
    psdu: Uint8Array,
    destination: number,
    ackRequest: boolean,
    isAck: boolean,
    ackForSerial: number,
  ): number {
    const nowUs = this.nowUs();
    const duration = airtimeUs(this.phy, psdu.length);
    const tx = this.pool.take();
    tx.serial = this.nextSerial++;
    tx.sender = sender;
    tx.channel = sender.channel;
    tx.psdu = psdu;
    tx.destination = destination;
    tx.ackRequest = ackRequest;
    tx.isAck = isAck;
    tx.ackForSerial = ackForSerial;
    tx.startUs = nowUs;
    tx.sfdUs = nowUs + this.shrUs;
    tx.endUs = nowUs + duration;
    tx.activeIndex = this.onAir.length;
    this.onAir.push(tx);
    this.transmissionsStarted++;

    // Half duplex: switching to transmit abandons whatever the receiver was decoding.
    if (sender.locked) {
      if (!sender.locked.isAck) sender.stats.lostHalfDuplex++;
      sender.locked = null;
    }
    sender.transmitting = tx;
    sender.dutyCycle.record(nowUs, duration);
    sender.stats.airtimeUs += duration;
    if (isAck) sender.stats.acksSent++;
    else sender.stats.framesSent++;

    const to = sender.linkNode;
    const flags = sender.linkFlags;
    const rxMw = sender.linkRxMw;
    const channel = tx.channel;
    for (let i = 0; i < to.length; i++) {
      const b = to[i]!;
      if (b.channel !== channel) continue;
      const f = flags[i]!;
      if ((f & LINK_CCA) !== 0) {
        b.ccaBusyCount++;
        b.lastEnergyStartUs = nowUs;
      }
      if ((f & LINK_AUDIBLE) === 0) continue;
      const p = rxMw[i]!;
      b.audibleCount++;
      b.audibleMw += p;
      if (b.transmitting !== null) {
        if (!isAck) b.stats.lostHalfDuplex++;
      } else if (!b.rxEnabled) {
        if (!isAck) b.stats.lostRxOff++;
      } else if (b.locked === null) {
        // Synchronise unless frames already on air drown this one's preamble.
        const othersMw = b.audibleCount === 1 ? 0 : b.audibleMw - p;
        if (othersMw <= 0 || p >= this.captureRatio * othersMw) {
          lockOn(b, tx, i);
        } else if (!isAck) {
          b.stats.lostCollision++;
        }
      } else if (b.locked.startUs === nowUs && p >= this.captureRatio * (b.audibleMw - p)) {
        // Both preambles began in the same microsecond: the receiver syncs on the stronger one.
        if (!b.locked.isAck) b.stats.lostCollision++;
        lockOn(b, tx, i);
      } else {
        // Receiver busy with another frame: this one is lost, and may ruin that one.
        if (!isAck) b.stats.lostCollision++;
        if (b.lockedMw < this.captureRatio * (b.audibleMw - b.lockedMw)) b.lockCorrupted = true;
      }
    }
    this.scheduler.scheduleAt(usToMs(tx.endUs), this.endTransmission, tx);
    return tx.serial;
  }

  private readonly endTransmission = (tx: Transmission): void => {
    const sender = tx.sender;
    const last = this.onAir.pop()!;
    if (last !== tx) {
      this.onAir[tx.activeIndex] = last;
      last.activeIndex = tx.activeIndex;
    }
    sender.transmitting = null;

    const to = sender.linkNode;
    const flags = sender.linkFlags;
    const rxMw = sender.linkRxMw;
    const channel = tx.channel;
    const bits = 8 * (this.phy.phrOctets + tx.psdu.length);
    let decoded = 0;
    for (let i = 0; i < to.length; i++) {
      const b = to[i]!;
      if (b.channel !== channel) continue;
      const f = flags[i]!;
      if ((f & LINK_CCA) !== 0) b.ccaBusyCount--;
      if ((f & LINK_AUDIBLE) === 0) continue;
      b.audibleCount--;
      b.audibleMw = b.audibleCount === 0 ? 0 : b.audibleMw - rxMw[i]!;
      if (b.locked !== tx) continue;
      b.locked = null;
      if (b.lockCorrupted) {
        if (!tx.isAck) b.stats.lostCollision++;
        continue;
      }
      if (!this.survivesNoise(b, bits, tx.isAck)) continue;
      this.decodedBy[decoded] = b;
      this.decodedRxDbm[decoded] = b.lockedRxDbm;
      this.decodedLqi[decoded] = b.lockedLqi;
      decoded++;
    }

    // Callbacks run after the bookkeeping so that they see a consistent medium.
    sender.client?.transmissionEnded(tx.serial);
    for (let k = 0; k < decoded; k++) {
      this.deliver(this.decodedBy[k]!, tx, this.decodedRxDbm[k]!, this.decodedLqi[k]!);
    }
    this.pool.give(tx);
  };

  /** Bit errors at the link's SNR, then the configured extra and burst losses. */
  private survivesNoise(b: RadioNode, bits: number, isAck: boolean): boolean {
    // Most links are far above the noise: their bit error rate underflows to 0 and P(ok) is 1,
    // so neither the exp nor a random draw is needed.
    const ln = b.lockedLnBitOk;
    if (ln !== 0 && this.lossRandom.uniform() >= Math.exp(bits * ln)) {
      if (!isAck) b.stats.lostNoise++;
      return false;
    }
    const injected =
      (this.lossRate > 0 && this.lossRandom.uniform() < this.lossRate) ||
      (b.burstLoss !== null && b.burstLoss.lose(this.lossRandom));
    if (injected) {
      if (!isAck) b.stats.lostInjected++;
      return false;
    }
    return true;
  }

  private deliver(b: RadioNode, tx: Transmission, rssiDbm: number, lqi: number): void {
    if (tx.isAck) {
      if (tx.destination === b.id) {
        b.stats.acksReceived++;
        b.client?.ackReceived(tx.ackForSerial, rssiDbm);
      }
      if (b.receiveAcks) b.client?.frameReceived(this.receivedFrame(tx, rssiDbm, lqi));
      return;
    }
    const forMe = tx.destination === b.id;
    if (b.addressFilter && !forMe && tx.destination !== BROADCAST) {
      b.stats.framesOverheard++;
      return;
    }
    b.stats.framesReceived++;
    if (forMe && tx.ackRequest && b.autoAck) {
      const ack: PendingAck = {
        receiver: b,
        acknowledged: tx.serial,
        to: tx.sender.id,
        psdu: tx.psdu,
        channel: tx.channel,
      };
      this.scheduler.scheduleAt(usToMs(tx.endUs + this.phy.turnaroundUs), this.sendAck, ack);
    }
    b.client?.frameReceived(this.receivedFrame(tx, rssiDbm, lqi));
  }

  private receivedFrame(tx: Transmission, rssiDbm: number, lqi: number): ReceivedFrame {
    return {
      psdu: tx.psdu,
      rssiDbm,
      lqi,
      channel: tx.channel,
      timestampUs: tx.sfdUs,
    };
  }

  /** Imm-Ack, sent aTurnaroundTime after the frame without CCA (§6.7.4). */
  private readonly sendAck = (ack: PendingAck): void => {
    const b = ack.receiver;
    // A radio that has started sending or retuned since cannot send the ACK.
    if (b.transmitting !== null || b.channel !== ack.channel) return;
    const build = b.buildAck ?? this.defaultBuildAck;
    const psdu = build ? build(ack.psdu) : this.defaultAckPsdu;
    this.startTransmission(b, psdu, ack.to, false, true, ack.acknowledged);
  };

  // ---- links -----------------------------------------------------------------------------

  private linkLossDb(a: RadioNode, b: RadioNode): number {
    const d = Math.hypot(a.x - b.x, a.y - b.y);
    return (
      pathLossDb(this.pathLoss, d) + linkShadowingDb(this.shadowingSeed, a.id, b.id, this.shadowingSigmaDb)
    );
  }

  /** Records the link from → to if `to` can sense or decode `from` at all. */
  private connect(from: RadioNode, to: RadioNode, lossDb: number): void {
    const rxDbm = from.txPowerDbm - lossDb;
    if (rxDbm < to.thresholdDbm) return;
    const ber = bitErrorRate2Fsk(rxDbm - this.noiseFloorDbm, this.phy.bitRateBps, this.noiseBandwidthHz);
    const flags =
      (rxDbm >= to.sensitivityDbm ? LINK_AUDIBLE : 0) | (rxDbm >= to.ccaThresholdDbm ? LINK_CCA : 0);
    from.addLink(to, rxDbm, lnBitSuccess(ber), flags, lqiFor(rxDbm, to.sensitivityDbm));
  }

  /** Rebuilds a node's CCA and interference counters from the transmissions on air (off the hot path). */
  private recountReception(n: RadioNode): void {
    n.ccaBusyCount = 0;
    n.audibleCount = 0;
    n.audibleMw = 0;
    n.lastEnergyStartUs = Number.NEGATIVE_INFINITY;
    for (const tx of this.onAir) {
      if (tx.channel !== n.channel || tx.sender === n) continue;
      const i = tx.sender.linkIndex(n.id);
      if (i < 0) continue;
      const f = tx.sender.linkFlags[i]!;
      if ((f & LINK_CCA) !== 0) n.ccaBusyCount++;
      if ((f & LINK_AUDIBLE) !== 0) {
        n.audibleCount++;
        n.audibleMw += tx.sender.linkRxMw[i]!;
      }
    }
  }

  private node(id: NodeId): RadioNode {
    const n = this.nodes[id];
    if (!n) throw new RangeError(`no node ${id} (medium has ${this.nodes.length})`);
    return n;
  }
}

/** Synchronises receiver `b` to `tx`, heard over the sender's outgoing link `i`. */
function lockOn(b: RadioNode, tx: Transmission, i: number): void {
  const sender = tx.sender;
  b.locked = tx;
  b.lockedMw = sender.linkRxMw[i]!;
  b.lockedRxDbm = sender.linkRxDbm[i]!;
  b.lockedLnBitOk = sender.linkLnBitOk[i]!;
  b.lockedLqi = sender.linkLqi[i]!;
  b.lockCorrupted = false;
}
