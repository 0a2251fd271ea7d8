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
  /** A dongle is open and configured (channel, PAN ID, EUI-64). */
  | { readonly attached: true; readonly description: string }
  /** The dongle went away (unplug, stopped answering) or was closed. */
  | { readonly attached: false; readonly reason: string };

export interface FieldRadio extends MeshRadio {
  readonly attached: boolean;
  /** The dongle's EUI-64 once one was attached (it becomes the root's MAC and IPv6 identity). */
  readonly extendedAddress: bigint | undefined;
  /** Registers a listener for attachment changes; returns its removal. */
  onAttachment(listener: (change: RadioAttachment) => void): () => void;
}
