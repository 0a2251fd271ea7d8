/**
 * The radio the field engine drives: the mesh root's `MeshRadio` (src/field/mesh/radio.ts) that
 * stays the same object while the dongle behind it is unplugged and plugged back. The Spinel
 * adapter (hardware/spinel/mesh-radio.ts) has this shape; tests give in-memory radios.
 *
 * While no dongle is attached, transmissions complete with 'error' at once (the mesh root counts
 * them and its protocols retry on their own timers), and nothing is received.
 */
import type { MeshRadio } from '../mesh/radio.ts';

export type RadioAttachment =
  /** A dongle is open and configured (channel, PAN ID, EUI-64); `firmware` as it reports it. */
  | { readonly attached: true; readonly description: string; readonly firmware?: string }
  /** The dongle went away (unplug, stopped answering) or was closed. */
  | { readonly attached: false; readonly reason: string };

/** Where the mesh runs: the job's meters' channel and PAN ID (the contract's JobRadio). */
export interface RadioTuning {
  readonly channel: number;
  readonly panId: number;
}

export interface FieldRadio extends MeshRadio {
  /**
   * Tunes the dongle to `tuning`: at once when one is attached, else each dongle that attaches
   * is configured with it. Rejects when the attached dongle refuses it (a channel it lacks).
   */
  tune(tuning: RadioTuning): Promise<void>;
  readonly attached: boolean;
  /** The dongle's EUI-64 once one was attached (it becomes the root's MAC and IPv6 identity). */
  readonly extendedAddress: bigint | undefined;
  /** Registers a listener for attachment changes; returns its removal. */
  onAttachment(listener: (change: RadioAttachment) => void): () => void;
}
