/**
 * One node's link between its MeshLink (6LoWPAN / 802.15.4 framing and security, sans-I/O) and its
 * simulated radio (RadioMac on the RadioMedium): datagrams out as PSDUs, PSDUs in as datagrams.
 *
 * The medium addresses radios by NodeId, the MAC by EUI-64: the field's `EuiDirectory` maps one to
 * the other (what a real radio's address filter does by itself). The MeshLink can be swapped (a
 * meter rebuilds its link when it learns the mesh prefix, and on every power-up); `powerOff` stops
 * reception and silences the outcome callbacks of frames queued before.
 */
import type { Scheduler } from '../clock/scheduler.ts';
import type { NodeId, RadioMac, ReceivedFrame, TransmitResult, TransmitStatus } from '../medium/index.ts';
import type { RadioMedium } from '../medium/medium.ts';
import { encodePacket, type Ipv6Packet } from '../../../src/stack/ipv6/index.ts';
import {
  BROADCAST,
  type LinkDestination,
  type MeshLink,
  type ReceiveResult,
  type SendFailure,
} from '../../../src/stack/mesh-link/index.ts';

/** EUI-64 → the medium's node number, shared by every node of a field. */
export type EuiDirectory = Map<bigint, NodeId>;

export type Datagram = Extract<ReceiveResult, { kind: 'datagram' }>;

/** Outcome of one datagram on the link, frame by frame (fragments are frames of their own). */
export interface LinkOutcome {
  /** Per frame: the MAC's verdict, acknowledged, and the times it went on air (retries included). */
  frames: { status: TransmitStatus; acked: boolean; transmissions: number }[];
}

export type PortSendFailure = SendFailure | 'unknown-neighbour' | 'no-link' | 'powered-off';

export class RadioPort {
  /** The adaptation layer in use; undefined while the node has none (powered off). */
  link: MeshLink | undefined;
  /** Every complete datagram the link accepts. */
  onDatagram: ((now: number, d: Datagram) => void) | null = null;
  /** Every frame the link drops (counted by the MeshLink too), for traces. */
  onDrop: ((now: number, r: Extract<ReceiveResult, { kind: 'dropped' }>) => void) | null = null;
  private generation = 0;
  private powered = true;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly medium: RadioMedium,
    private readonly mac: RadioMac,
    private readonly directory: EuiDirectory,
  ) {
    mac.onReceive = (frame) => this.received(frame);
  }

  get nodeId(): NodeId {
    return this.mac.nodeId;
  }

  powerOff(): void {
    this.powered = false;
    this.generation++;
    this.link = undefined;
    this.medium.setReceiverEnabled(this.mac.nodeId, false);
  }

  powerOn(link: MeshLink): void {
    this.powered = true;
    this.generation++;
    this.link = link;
    this.medium.setReceiverEnabled(this.mac.nodeId, true);
  }

  /**
   * Frames and queues `packet` for `nextHop`. `done` (optional) gets the link outcome later, on the
   * scheduler. Returns the reason when nothing could be sent.
   */
  send(
    packet: Ipv6Packet,
    nextHop: LinkDestination,
    secure: boolean,
    done?: (outcome: LinkOutcome) => void,
  ): PortSendFailure | undefined {
    if (!this.powered) return 'powered-off';
    const link = this.link;
    if (!link) return 'no-link';
    let destination: NodeId | 'broadcast' = 'broadcast';
    if (nextHop !== BROADCAST) {
      const id = this.directory.get(nextHop);
      if (id === undefined) return 'unknown-neighbour';
      destination = id;
    }
    const framed = link.send(this.scheduler.now(), encodePacket(packet), nextHop, { secure });
    if (!framed.ok) return framed.reason;
    const generation = this.generation;
    let pending = framed.psdus.length;
    const frames: LinkOutcome['frames'] = [];
    const ackRequest = destination !== 'broadcast';
    for (const psdu of framed.psdus) {
      this.mac.transmit({ psdu, ackRequest, destination }, (r: TransmitResult) => {
        frames.push({ status: r.status, acked: r.acked, transmissions: r.attempts });
        if (--pending === 0 && done && generation === this.generation) done({ frames });
      });
    }
    return undefined;
  }

  private received(frame: ReceivedFrame): void {
    const link = this.link;
    if (!this.powered || !link) return;
    const now = this.scheduler.now();
    const r = link.receive(now, frame.psdu, { rssi: frame.rssiDbm, lqi: frame.lqi });
    if (r.kind === 'datagram') this.onDatagram?.(now, r);
    else if (r.kind === 'dropped') this.onDrop?.(now, r);
  }
}
