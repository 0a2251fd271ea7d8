/**
 * Everything the medium knows about one node: its radio settings, the links it can be heard on,
 * and the state of its receiver. Fields are plain and mutable because the medium updates them on
 * every frame; nothing outside the medium package touches a RadioNode.
 */
import type { BurstLossConfig } from './burst-loss.ts';
import { GilbertElliottLoss } from './burst-loss.ts';
import type { DutyCycleRules } from './duty-cycle.ts';
import { DutyCycleMeter } from './duty-cycle.ts';
import type { RadioStats } from './stats.ts';
import { createRadioStats } from './stats.ts';
import type { Transmission } from './transmission.ts';
import type { MediumClient, NodeId } from './types.ts';
import { dbmToMw } from './units.ts';

/** Link flags: the receiver can decode the sender (power ≥ its sensitivity). */
export const LINK_AUDIBLE = 1;
/** Link flags: the sender's energy trips the receiver's CCA (power ≥ its CCA threshold). */
export const LINK_CCA = 2;

export interface NodeSettings {
  x: number;
  y: number;
  txPowerDbm: number;
  sensitivityDbm: number;
  ccaThresholdDbm: number;
  channel: number;
  addressFilter: boolean;
  autoAck: boolean;
  receiveAcks: boolean;
  buildAck: ((acknowledged: Uint8Array) => Uint8Array) | undefined;
}

export class RadioNode {
  readonly x: number;
  readonly y: number;
  readonly txPowerDbm: number;
  readonly sensitivityDbm: number;
  readonly ccaThresholdDbm: number;
  readonly addressFilter: boolean;
  readonly autoAck: boolean;
  readonly receiveAcks: boolean;
  readonly buildAck: ((acknowledged: Uint8Array) => Uint8Array) | undefined;
  channel: number;
  rxEnabled = true;
  client: MediumClient | null = null;

  // Outgoing links: the receivers that can hear this node at all (parallel arrays, no objects).
  readonly linkTo: number[] = [];
  /** The receiving nodes themselves (the hot loops skip the id → node lookup). */
  readonly linkNode: RadioNode[] = [];
  readonly linkRxDbm: number[] = [];
  readonly linkRxMw: number[] = [];
  /** ln(1 − bit error rate) at the receiver; see link-quality.ts. */
  readonly linkLnBitOk: number[] = [];
  readonly linkFlags: number[] = [];
  /** LQI the receiver reports for this link (fixed per link: see link-quality.ts). */
  readonly linkLqi: number[] = [];

  // Receiver state, for the node's current channel.
  /** Transmissions on air whose energy is above this node's CCA threshold. */
  ccaBusyCount = 0;
  /** Start time of the latest such transmission, µs (a CCA window that saw it start is busy). */
  lastEnergyStartUs = Number.NEGATIVE_INFINITY;
  /** Transmissions on air at or above sensitivity, and their summed power in mW. */
  audibleCount = 0;
  audibleMw = 0;
  /** The frame the receiver has synchronised to, if any. */
  locked: Transmission | null = null;
  lockedMw = 0;
  lockedRxDbm = 0;
  lockedLnBitOk = 0;
  lockedLqi = 0;
  lockCorrupted = false;
  /** This node's own frame on air, if any. */
  transmitting: Transmission | null = null;

  readonly stats: RadioStats = createRadioStats();
  readonly dutyCycle: DutyCycleMeter;
  readonly burstLoss: GilbertElliottLoss | null;

  constructor(
    readonly id: NodeId,
    settings: NodeSettings,
    dutyRules: DutyCycleRules,
    burst: BurstLossConfig | undefined,
  ) {
    this.x = settings.x;
    this.y = settings.y;
    this.txPowerDbm = settings.txPowerDbm;
    this.sensitivityDbm = settings.sensitivityDbm;
    this.ccaThresholdDbm = settings.ccaThresholdDbm;
    this.channel = settings.channel;
    this.addressFilter = settings.addressFilter;
    this.autoAck = settings.autoAck;
    this.receiveAcks = settings.receiveAcks;
    this.buildAck = settings.buildAck;
    this.dutyCycle = new DutyCycleMeter(dutyRules);
    this.burstLoss = burst ? new GilbertElliottLoss(burst) : null;
  }

  /** The weakest signal this node reacts to at all (decodes or senses). */
  get thresholdDbm(): number {
    return Math.min(this.sensitivityDbm, this.ccaThresholdDbm);
  }

  addLink(to: RadioNode, rxDbm: number, lnBitOk: number, flags: number, lqi: number): void {
    this.linkTo.push(to.id);
    this.linkNode.push(to);
    this.linkRxDbm.push(rxDbm);
    this.linkRxMw.push(dbmToMw(rxDbm));
    this.linkLnBitOk.push(lnBitOk);
    this.linkFlags.push(flags);
    this.linkLqi.push(lqi);
  }

  /** Index of the link to `to` in the outgoing arrays, or −1 (linear; used only off the hot path). */
  linkIndex(to: NodeId): number {
    return this.linkTo.indexOf(to);
  }
}
