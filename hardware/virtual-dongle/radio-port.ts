/**
 * What the virtual dongle needs from a radio. The RF medium (`hardware/sim/`) implements it for the
 * simulated field; {@link LoopbackRadio} implements it in memory for tests.
 */

export interface RadioRxFrame {
  /** PSDU as received, FCS included. */
  psdu: Uint8Array;
  /** dBm. */
  rssi: number;
  lqi: number;
  channel: number;
  /** Receive timestamp in µs on the radio's clock. */
  timestampUs: number;
}

export interface RadioTxOptions {
  maxCsmaBackoffs: number;
  maxFrameRetries: number;
  csmaCa: boolean;
}

export type RadioTxResult =
  /** On air; `ack` when an ACK was requested and received. */
  | { outcome: 'sent'; ack?: RadioRxFrame; framePending?: boolean }
  /** ACK requested, none came after the retries. */
  | { outcome: 'no-ack' }
  /** CSMA-CA found the channel busy `maxCsmaBackoffs + 1` times. */
  | { outcome: 'channel-busy' }
  /** Not sent (radio reset or switched off meanwhile). */
  | { outcome: 'aborted' };

export interface RadioPort {
  /** Sends `psdu` (FCS bytes included) on `channel`; `done` is called exactly once, later. */
  transmit(
    psdu: Uint8Array,
    channel: number,
    done: (result: RadioTxResult) => void,
    options: RadioTxOptions,
  ): void;
  /** Subscribes to frames the receiver decodes; returns the unsubscribe function. */
  onReceive(listener: (frame: RadioRxFrame) => void): () => void;
  /** Tunes the receiver to `channel`, or switches it off (`null`). */
  setReceiveChannel(channel: number | null): void;
  /**
   * The host set the radio's extended address (MAC_15_4_LADDR, wire order): a radio whose frame
   * filter and auto-ACK depend on it follows. Optional: the loopback radio does not filter.
   */
  setExtendedAddress?(address: Uint8Array): void;
}
