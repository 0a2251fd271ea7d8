/**
 * The engine's typed event stream, for the UI (through src/contract, later) and the job log.
 * Topology is published as deltas (`topology` events) and read in pages; never as a growing blob.
 */
import type { Ipv6Address } from '../../stack/ipv6/index.ts';
import type { TopologyEvent } from '../../stack/rpl/index.ts';
import type { MeshRootCounters } from './counters.ts';
import type { NodeJoinState } from './join-state.ts';

export type MeshRootEvent =
  /** A node's first downward route (its DAO reached the root). */
  | { kind: 'node-joined-dodag'; address: Ipv6Address; eui: bigint; parent?: Ipv6Address }
  /** A node's route is gone: No-Path DAO or lifetime expiry (RFC 6550 §6.7.8, §9.2). */
  | { kind: 'node-left'; address: Ipv6Address; eui: bigint; reason: 'no-path' | 'expired' }
  /**
   * A neighbour of the root: ETX from the radio's transmit results (rpl/link-estimator.ts) and the
   * last received RSSI/LQI. Published when the rounded ETX changes or the neighbour is new.
   */
  | { kind: 'link-quality'; eui: bigint; etx?: number; rssiDbm?: number; lqi?: number }
  | TopologyEvent
  /** The merged join state of a node changed (join-state.ts). */
  | { kind: 'join-state'; eui: bigint; address: Ipv6Address; state: NodeJoinState }
  /** MLE synchronised (or failed to synchronise) frame counters with a neighbour. */
  | { kind: 'link-sync'; eui: bigint; keyIndex?: number; ok: boolean; reason?: string }
  /** A counters snapshot; published at most once per `countersIntervalMs`, and only when changed. */
  | { kind: 'counters'; counters: MeshRootCounters }
  /** Keys wiped, timers stopped, relaying stopped. */
  | { kind: 'wiped' };
