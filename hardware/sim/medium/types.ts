/** The shapes the medium exchanges with the radios attached to it. */

/** Nodes are numbered 0, 1, 2, … in the order they are added to the medium. */
export type NodeId = number;

export type Destination = NodeId | 'broadcast';

/**
 * A frame handed to the air. The medium never parses PSDUs; the sender says whether the frame
 * asks for an acknowledgment and whom it is for, which is all the medium needs to model
 * immediate ACKs (802.15.4-2015 §6.7.4) and receive-side address filtering.
 */
export interface AirFrame {
  /** MAC frame including its 4-octet FCS. Copied by the medium when it goes on air. */
  readonly psdu: Uint8Array;
  readonly ackRequest: boolean;
  readonly destination: Destination;
}

/** What a radio reports for every frame it decodes (the fields Spinel and pcapng captures carry). */
export interface ReceivedFrame {
  /** The PSDU as sent. Shared by every receiver of the transmission: treat it as read-only. */
  readonly psdu: Uint8Array;
  readonly rssiDbm: number;
  /** 0..255, see link-quality.ts. */
  readonly lqi: number;
  readonly channel: number;
  /** Scheduler time at the end of the SFD, µs (the reference point radios timestamp). */
  readonly timestampUs: number;
}

/** What the medium calls on the radio attached to a node (a RadioMac, or a test probe). */
export interface MediumClient {
  /** A frame was decoded (data frames, and ACKs too when the node asked for them). */
  frameReceived(frame: ReceivedFrame): void;
  /** This node's transmission `serial` left the antenna. */
  transmissionEnded(serial: number): void;
  /** An ACK for this node's transmission `serial` was decoded. */
  ackReceived(serial: number, rssiDbm: number): void;
}
