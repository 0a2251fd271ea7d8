/** Counters kept per node; the medium fills the radio ones, the RadioMac the MAC ones. */

export interface RadioStats {
  /** Data frames put on air (each attempt, retries included). */
  framesSent: number;
  /** ACK frames put on air. */
  acksSent: number;
  /** Time on air of everything this node sent, µs. */
  airtimeUs: number;
  /** Data frames decoded and handed to the node (after address filtering). */
  framesReceived: number;
  /** Data frames decoded but addressed to another node (dropped by the address filter). */
  framesOverheard: number;
  /** ACKs decoded by the node they were meant for. */
  acksReceived: number;
  /** Audible data frames lost because they overlapped another frame (no capture). */
  lostCollision: number;
  /** Audible data frames lost to bit errors (SNR). */
  lostNoise: number;
  /** Audible data frames lost to the configured extra loss or loss bursts. */
  lostInjected: number;
  /** Audible data frames missed because the node was transmitting (half duplex). */
  lostHalfDuplex: number;
  /** Audible data frames missed because the receiver was off. */
  lostRxOff: number;
  /** Frames handed to the RadioMac. */
  transmitRequests: number;
  /** Retransmissions after a missing ACK. */
  retries: number;
  /** Frames given up after macMaxFrameRetries retransmissions. */
  noAck: number;
  /** Frames given up after macMaxCsmaBackoffs busy CCAs. */
  channelAccessFailures: number;
  /** CCAs that found the channel busy. */
  ccaBusy: number;
  /** Frames refused because the duty-cycle budget was spent. */
  dutyCycleLimited: number;
  /** Frames refused because the transmit queue was full. */
  queueFull: number;
}

export function createRadioStats(): RadioStats {
  return {
    framesSent: 0,
    acksSent: 0,
    airtimeUs: 0,
    framesReceived: 0,
    framesOverheard: 0,
    acksReceived: 0,
    lostCollision: 0,
    lostNoise: 0,
    lostInjected: 0,
    lostHalfDuplex: 0,
    lostRxOff: 0,
    transmitRequests: 0,
    retries: 0,
    noAck: 0,
    channelAccessFailures: 0,
    ccaBusy: 0,
    dutyCycleLimited: 0,
    queueFull: 0,
  };
}

/** Adds every counter of `from` into `into`. */
export function addRadioStats(into: RadioStats, from: Readonly<RadioStats>): RadioStats {
  for (const key of Object.keys(into) as (keyof RadioStats)[]) into[key] += from[key];
  return into;
}
