/** Why `MeshLink` refused a received frame or a datagram to send, and the counters it keeps. */

export const RECEIVE_DROP_REASONS = [
  /** The FCS did not match (802.15.4-2015 §7.2.10): a damaged frame. */
  'bad-fcs',
  /** The MAC frame or its 6LoWPAN content is malformed (a DecodeError from the codecs). */
  'decode-error',
  /** Another PAN, another destination address, or our own frame echoed back. */
  'not-for-us',
  /** Not a data frame, or a source that is not an extended address. */
  'unsupported-frame',
  /** A security level or key id mode other than the configured ones (802.15.4-2015 §9.2.5). */
  'security-policy',
  /** No key installed under the frame's key index. */
  'no-key',
  /** The key index belongs to a key retired after its grace period. */
  'key-retired',
  /** CCM* authentication failed: wrong key, forged or damaged frame. */
  'mic-failure',
  /** Frame counter not greater than the last one accepted from that neighbour under that key. */
  'replay',
  /** An unsecured datagram that is not join traffic (PANA, MLE) on the link-local scope. */
  'unsecured',
  /** The RFC 4944 reassembly refused the fragment (bounds, overlap, size, memory, timeout). */
  'reassembly',
  /** The reassembled datagram is not a well-formed IPv6 datagram. */
  'ipv6-decode-error',
] as const;

export type ReceiveDropReason = (typeof RECEIVE_DROP_REASONS)[number];

export const SEND_FAILURES = [
  /** No active key (none installed, not activated, or wiped on revocation). */
  'no-key',
  /** The active key's outgoing frame counter cannot cover the frames (802.15.4-2015 §9.2.1). */
  'frame-counter-exhausted',
  /** The datagram is larger than the link MTU. */
  'too-large',
] as const;

export type SendFailure = (typeof SEND_FAILURES)[number];

export interface MeshLinkCounters {
  received: Record<ReceiveDropReason, number> & {
    /** PSDUs handed to `receive`. */
    frames: number;
    /** Fragments stored while a datagram is incomplete. */
    fragmentsPending: number;
    /** Complete datagrams delivered. */
    datagrams: number;
  };
  sent: Record<SendFailure, number> & {
    datagrams: number;
    frames: number;
  };
  /** Anti-replay entries dropped to respect the neighbour bound (each is re-learned, see replay-table.ts). */
  neighboursEvicted: number;
}

export function emptyCounters(): MeshLinkCounters {
  const received = { frames: 0, fragmentsPending: 0, datagrams: 0 } as MeshLinkCounters['received'];
  for (const r of RECEIVE_DROP_REASONS) received[r] = 0;
  const sent = { datagrams: 0, frames: 0 } as MeshLinkCounters['sent'];
  for (const f of SEND_FAILURES) sent[f] = 0;
  return { received, sent, neighboursEvicted: 0 };
}
