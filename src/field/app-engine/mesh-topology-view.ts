/**
 * Folds the mesh root's event stream into the flat node list the app's mesh view pages through
 * (`MeshNodeView`): the tool as root, every node the root heard of, its preferred parent (from
 * the DAO that gave it a route), hops by following parents, ETX to the parent when the parent is
 * the root (the only links the root measures itself).
 */
import type { MeshNodeView } from '../../contract/app/index.ts';
import type { MeshRootEvent } from '../mesh/events.ts';

interface NodeEntry {
  state: MeshNodeView['state'];
  parent: bigint | null;
  etx: number | null;
}

/** RFC 4291 §2.5.1 / appendix A: the interface identifier is the EUI-64 with the U/L bit flipped. */
const UNIVERSAL_LOCAL_BIT = 0x02n << 56n;
/** Hop counts stop here (the view's limit); a longer chain is a loop being repaired. */
const MAX_HOPS = 255;

function euiOfAddress(address: Uint8Array): bigint {
  let iid = 0n;
  for (let i = 8; i < 16; i++) iid = (iid << 8n) | BigInt(address[i] ?? 0);
  return iid ^ UNIVERSAL_LOCAL_BIT;
}

export function euiText(eui: bigint): string {
  return eui.toString(16).padStart(16, '0');
}

export class MeshTopologyView {
  private readonly nodes = new Map<bigint, NodeEntry>();

  constructor(
    private readonly rootEui: bigint,
    private readonly meterOf: (eui: bigint) => string | null,
  ) {}

  /** Applies one mesh root event; true when the view changed. */
  apply(event: MeshRootEvent): boolean {
    switch (event.kind) {
      case 'join-state': {
        // A node first heard of is a change even in the entry's initial state ('joining').
        const isNew = !this.nodes.has(event.eui);
        const entry = this.entry(event.eui);
        const state: MeshNodeView['state'] =
          event.state.state === 'detached' ? 'lost' : event.state.routed ? 'joined' : 'joining';
        if (!isNew && entry.state === state) return false;
        entry.state = state;
        return true;
      }
      case 'node-joined-dodag': {
        const entry = this.entry(event.eui);
        entry.state = 'joined';
        entry.parent = event.parent === undefined ? this.rootEui : euiOfAddress(event.parent);
        if (entry.parent === event.eui) entry.parent = this.rootEui;
        return true;
      }
      case 'node-left': {
        const entry = this.entry(event.eui);
        entry.state = 'lost';
        return true;
      }
      case 'link-quality': {
        if (event.etx === undefined) return false;
        const entry = this.entry(event.eui);
        if (entry.parent !== null && entry.parent !== this.rootEui) return false;
        entry.etx = Math.min(1024, Math.max(1, event.etx));
        return true;
      }
      default:
        return false;
    }
  }

  hopsOf(eui: bigint): number | null {
    let hops = 0;
    let at: bigint | null = eui;
    while (at !== null && at !== this.rootEui) {
      const next: bigint | null = this.nodes.get(at)?.parent ?? null;
      if (next === null || hops >= MAX_HOPS) return null;
      hops++;
      at = next;
    }
    return at === this.rootEui ? hops : null;
  }

  /** Root first, then every node in EUI-64 order. */
  list(): MeshNodeView[] {
    const root: MeshNodeView = {
      eui64: euiText(this.rootEui),
      meterId: null,
      parent: null,
      hops: 0,
      linkEtx: null,
      state: 'root',
    };
    const rest = [...this.nodes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([eui, n]): MeshNodeView => {
        const hops = this.hopsOf(eui);
        return {
          eui64: euiText(eui),
          meterId: this.meterOf(eui),
          parent: n.parent === null ? null : euiText(n.parent),
          // A node with no known chain to the root is drawn one hop out until its DAO arrives.
          hops: hops ?? 1,
          linkEtx: n.parent === this.rootEui ? n.etx : null,
          state: n.state,
        };
      });
    return [root, ...rest];
  }

  private entry(eui: bigint): NodeEntry {
    let entry = this.nodes.get(eui);
    if (entry === undefined) {
      entry = { state: 'joining', parent: null, etx: null };
      this.nodes.set(eui, entry);
    }
    return entry;
  }
}
