/**
 * What the mesh-root engine needs of the 802.15.4 radio (the Spinel dongle driver, or the
 * simulated medium's virtual dongle). The radio sends and receives whole PSDUs, FCS included
 * (the engine computes the FCS; a Spinel RCP overwrites it). Queueing transmissions — one in
 * flight at a time — is the radio's business; the engine still sends the frames of one datagram
 * in order, awaiting each.
 */

/** Outcome of one transmission, as the dongle reports it (Spinel LAST_STATUS, NO_ACK = 17...). */
export type TransmitStatus = 'sent' | 'no-ack' | 'channel-access-failure' | 'error';

export const TRANSMIT_STATUSES: readonly TransmitStatus[] = [
  'sent',
  'no-ack',
  'channel-access-failure',
  'error',
];

export interface TransmitOptions {
  /** The MAC header's ack request bit is set: the radio waits for (and retries without) an ACK. */
  ackRequest: boolean;
}

export interface ReceivedFrame {
  /** The PSDU as received, FCS included. */
  psdu: Uint8Array;
  rssiDbm: number;
  lqi: number;
}

export interface MeshRadio {
  transmit(psdu: Uint8Array, options: TransmitOptions): Promise<TransmitStatus>;
  /**
   * The same with a completion callback, for radios driven by a discrete-event clock: a virtual
   * scheduler runs its events back to back without letting promise continuations in between, so
   * the next frame could not start until the run loop yields. When present the engine uses it.
   */
  transmitWithCallback?(
    psdu: Uint8Array,
    options: TransmitOptions,
    done: (status: TransmitStatus) => void,
  ): void;
  /** Registers a listener for received frames; returns its removal. */
  onFrame(listener: (frame: ReceivedFrame) => void): () => void;
  /** Largest PSDU the radio takes, FCS included (127 for O-QPSK, up to 2047 for SUN PHYs). */
  readonly maxPsdu: number;
  /** FCS octets in every PSDU: 2, or 4 on the SUN PHY (802.15.4-2015 §7.2.10). */
  readonly fcsLength: 2 | 4;
}
