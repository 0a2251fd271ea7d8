/**
 * A sniffer beside the tablet: a receive-only node of the medium at the tablet's position with no
 * address filter, which reports every frame it decodes — data frames for anyone, ACKs, and the
 * tablet's own transmissions (a sniffer is a second radio, so it hears the tablet). This is what a
 * worker would capture with a USB sniffer next to the tablet; `fieldroot sim --pcap` writes it.
 *
 * It never transmits, so it changes nobody's CCA or collisions; it does draw from the medium's
 * loss stream for its own receptions, so a run with a sniffer is reproducible but not
 * frame-for-frame identical to a run without one.
 */
import type { MediumClient, NodeId, ReceivedFrame } from '../medium/index.ts';
import type { RadioMedium } from '../medium/medium.ts';

export class TabletSniffer implements MediumClient {
  readonly nodeId: NodeId;
  /** Frames decoded, ACKs included. */
  frames = 0;

  constructor(
    private readonly medium: RadioMedium,
    position: { x: number; y: number },
    channel: number,
    private readonly onFrame: (frame: ReceivedFrame) => void,
    /** Report ACKs too; leave them out where the medium has no ACK builder (they are zeros). */
    acks = true,
  ) {
    this.nodeId = medium.addNode({
      x: position.x,
      y: position.y,
      channel,
      addressFilter: false,
      autoAck: false,
      receiveAcks: acks,
    });
    medium.attach(this.nodeId, this);
  }

  /** Follows the tablet to another channel. */
  tune(channel: number): void {
    this.medium.setChannel(this.nodeId, channel);
  }

  frameReceived(frame: ReceivedFrame): void {
    this.frames++;
    this.onFrame(frame);
  }

  transmissionEnded(): void {
    // Never transmits.
  }

  ackReceived(): void {
    // Never transmits, so no ACK is for it.
  }
}
