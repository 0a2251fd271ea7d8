/**
 * The sans-I/O interface both RPL roles share: `handle(now, input)` → `RplOutput`.
 * Time is in milliseconds on the caller's clock; addresses are 16-byte IPv6 addresses.
 */
import type { Ipv6Address } from '../ipv6/index.ts';
import type { RplMessage } from './messages.ts';

/** What the link layer knows about the frame that carried a received message. */
export interface LinkInfo {
  /** The neighbour's link-layer address (EUI-64), when known. */
  address?: bigint;
  rssi?: number;
  lqi?: number;
}

export type RplInput =
  /** An RPL control message received from `source` (link-local for DIO/DIS/storing DAO). */
  | {
      kind: 'message';
      source: Ipv6Address;
      destination: Ipv6Address;
      message: RplMessage;
      link?: LinkInfo;
    }
  /** One of the timers the role asked for has fired (stale expiries are harmless). */
  | { kind: 'timer'; id: RplTimerId }
  /**
   * The outcome of a unicast link-layer transmission to `neighbour` (its link-local address):
   * acknowledged or not, after `transmissions` attempts (feeds the ETX estimate).
   */
  | { kind: 'link-tx'; neighbour: Ipv6Address; acked: boolean; transmissions: number }
  /** The link layer declares `neighbour` unreachable (e.g. an MLE link timed out). */
  | { kind: 'neighbour-lost'; neighbour: Ipv6Address };

export type RplTimerId = 'trickle' | 'dis' | 'dao' | 'dao-retransmit' | 'expiry' | 'repair';

export interface RplSend {
  /** IPv6 destination: a unicast address or ALL_RPL_NODES (ff02::1a). */
  destination: Ipv6Address;
  /**
   * Link-local address of the neighbour to hand the packet to when `destination` is not a
   * neighbour (a DAO to the root in non-storing mode goes through the preferred parent).
   */
  nextHop?: Ipv6Address;
  message: RplMessage;
}

export interface RplTimer {
  id: RplTimerId;
  /** Absolute time (ms). */
  at: number;
}

export interface RplOutput<E> {
  send: RplSend[];
  /**
   * The complete set of armed timers after this call: arm each (replacing an earlier arming of
   * the same id) and cancel any id not listed.
   */
  timers: RplTimer[];
  events: E[];
}
