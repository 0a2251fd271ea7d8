/**
 * The virtual dongle's radio when it sits in a simulated field: a {@link RadioPort} over the
 * RadioMac at the tablet's node of the RF medium. Frames the host transmits go through CSMA-CA,
 * collisions, ACKs and the duty-cycle check like any meter's; frames the tablet's receiver decodes
 * come back up with their RSSI, LQI and channel. The RadioMac is what a real RCP does in firmware.
 *
 * The medium addresses radios by node number while the host speaks 802.15.4: the destination and
 * the ACK request are read from the PSDU's MAC header, and the extended addresses the host gives
 * the dongle are entered in the field's EUI directory so that meters can address the tablet by
 * them (a real radio's address filter and auto-ACK follow MAC_15_4_LADDR the same way).
 */
import type { Scheduler } from '../clock/scheduler.ts';
import {
  RadioMac,
  lqiFor,
  type MacSettings,
  type NodeId,
  type ReceivedFrame,
  type TransmitResult,
} from '../medium/index.ts';
import type { RadioMedium } from '../medium/medium.ts';
import type {
  RadioPort,
  RadioRxFrame,
  RadioTxOptions,
  RadioTxResult,
} from '../../virtual-dongle/radio-port.ts';
import {
  ADDRESSING_MODE,
  BROADCAST_SHORT_ADDRESS,
  CODEC,
  decodeFrameControl,
  panIdPresence,
} from '../../../src/stack/ieee802154/index.ts';
import { ByteReader } from '../../../src/stack/wire/index.ts';

/** The parts of a SimulatedField the tablet's radio needs. */
export interface TabletSite {
  readonly medium: RadioMedium;
  readonly directory: Map<bigint, NodeId>;
  readonly tabletNodeId: NodeId;
}

export interface TabletRadioOptions {
  mac?: Partial<MacSettings>;
  /** Receiver sensitivity for the LQI of ACKs, dBm (default −105, the medium's default). */
  sensitivityDbm?: number;
  /** Builds the ACK PSDU reported with a transmit-done (the medium's ACK builder). */
  buildAck?: (acknowledged: Uint8Array) => Uint8Array;
}

/** A node number no radio has: a unicast to an address nobody owns is heard by nobody's filter. */
const NOBODY: NodeId = -2;

export interface AirAddressing {
  ackRequest: boolean;
  destination: NodeId | 'broadcast';
}

/**
 * Whom a PSDU is for, from its MAC header (802.15.4-2015 §7.2.1): broadcast for short address
 * 0xffff or no destination, the directory's node for a known extended address, nobody otherwise.
 * A header that does not decode still goes on air (a radio does not parse what it sends), with
 * the ACK request bit as set and no addressee.
 */
export function airAddressing(psdu: Uint8Array, directory: ReadonlyMap<bigint, NodeId>): AirAddressing {
  const r = new ByteReader(psdu, CODEC);
  try {
    const fc = decodeFrameControl(r);
    if (!fc.sequenceNumberSuppression) r.u8('sequence number');
    const pans = panIdPresence(fc.frameVersion, fc.dstAddrMode, fc.srcAddrMode, fc.panIdCompression);
    if (pans?.dst) r.u16le('destination PAN ID');
    let destination: NodeId | 'broadcast' = 'broadcast';
    if (fc.dstAddrMode === ADDRESSING_MODE.SHORT) {
      if (r.u16le('destination short address') !== BROADCAST_SHORT_ADDRESS) destination = NOBODY;
    } else if (fc.dstAddrMode === ADDRESSING_MODE.EXTENDED) {
      destination = directory.get(r.u64le('destination extended address')) ?? NOBODY;
    }
    return { ackRequest: fc.ackRequest && destination !== 'broadcast', destination };
  } catch {
    // Frame control bit 5 is the ACK request (§7.2.2.4).
    return { ackRequest: ((psdu[0] ?? 0) & 0x20) !== 0, destination: NOBODY };
  }
}

export class TabletRadio implements RadioPort {
  readonly mac: RadioMac;
  /** Called whenever the tablet's radio changes channel (a sniffer beside it follows). */
  onChannel: ((channel: number) => void) | null = null;
  private readonly listeners = new Set<(frame: RadioRxFrame) => void>();
  private readonly sensitivityDbm: number;
  private readonly buildAck: ((acknowledged: Uint8Array) => Uint8Array) | undefined;

  constructor(
    private readonly site: TabletSite,
    private readonly scheduler: Scheduler,
    options: TabletRadioOptions = {},
  ) {
    this.mac = new RadioMac(site.medium, site.tabletNodeId, options.mac);
    this.mac.onReceive = (f) => this.received(f);
    this.sensitivityDbm = options.sensitivityDbm ?? -105;
    this.buildAck = options.buildAck;
    // Off until the host enables the PHY.
    site.medium.setReceiverEnabled(site.tabletNodeId, false);
  }

  get nodeId(): NodeId {
    return this.site.tabletNodeId;
  }

  transmit(
    psdu: Uint8Array,
    channel: number,
    done: (result: RadioTxResult) => void,
    options: RadioTxOptions,
  ): void {
    this.tune(channel);
    const { ackRequest, destination } = airAddressing(psdu, this.site.directory);
    const sent = psdu.slice();
    this.mac.transmit(
      {
        psdu: sent,
        ackRequest,
        destination,
        maxFrameRetries: options.maxFrameRetries,
        maxCsmaBackoffs: options.maxCsmaBackoffs,
        csma: options.csmaCa,
      },
      (r) => done(this.txResult(r, sent, channel)),
    );
  }

  onReceive(listener: (frame: RadioRxFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setReceiveChannel(channel: number | null): void {
    if (channel !== null) this.tune(channel);
    this.site.medium.setReceiverEnabled(this.nodeId, channel !== null);
  }

  private tune(channel: number): void {
    if (this.site.medium.channelOf(this.nodeId) === channel) return;
    this.site.medium.setChannel(this.nodeId, channel);
    this.onChannel?.(channel);
  }

  setExtendedAddress(address: Uint8Array): void {
    if (address.length !== 8) return;
    let eui = 0n;
    for (const b of address) eui = (eui << 8n) | BigInt(b);
    // Earlier addresses stay in the directory: meters may still address the tablet by them.
    this.site.directory.set(eui, this.nodeId);
  }

  private txResult(r: TransmitResult, psdu: Uint8Array, channel: number): RadioTxResult {
    switch (r.status) {
      case 'sent': {
        if (!r.acked || r.ackRssiDbm === undefined) return { outcome: 'sent' };
        const rssi = r.ackRssiDbm;
        return {
          outcome: 'sent',
          ack: {
            psdu: this.buildAck ? this.buildAck(psdu) : new Uint8Array(0),
            rssi,
            lqi: lqiFor(rssi, this.sensitivityDbm),
            channel,
            timestampUs: Math.round(this.scheduler.now() * 1000),
          },
        };
      }
      case 'no-ack':
        return { outcome: 'no-ack' };
      case 'channel-access-failure':
        return { outcome: 'channel-busy' };
      // ARIB STD-T108 forbids the transmission: Spinel has no status for it, and to the host it
      // is a frame that could not get the channel, like a CCA failure (it may retry later).
      case 'duty-cycle-limited':
        return { outcome: 'channel-busy' };
      case 'queue-full':
        return { outcome: 'aborted' };
    }
  }

  private received(f: ReceivedFrame): void {
    if (this.listeners.size === 0) return;
    const frame: RadioRxFrame = {
      psdu: f.psdu,
      rssi: f.rssiDbm,
      lqi: f.lqi,
      channel: f.channel,
      timestampUs: f.timestampUs,
    };
    for (const l of [...this.listeners]) l(frame);
  }
}
