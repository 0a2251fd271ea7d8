/**
 * Radial layout of the DODAG: the root in the centre, each hop count on its own ring, and each
 * subtree given an angular wedge proportional to its size so branches do not cross. O(n), so
 * 1,000 nodes lay out in well under a frame.
 */
import type { MeshNodeView } from '../../../src/contract/app/index.ts';

export interface PlacedNode {
  readonly node: MeshNodeView;
  readonly x: number;
  readonly y: number;
}

export function layoutMesh(nodes: readonly MeshNodeView[], width: number, height: number): PlacedNode[] {
  const children = new Map<string | null, MeshNodeView[]>();
  const known = new Set(nodes.map((n) => n.eui64));
  for (const n of nodes) {
    // A node whose parent is not (yet) in the list hangs off the root so it stays visible.
    const parent = n.parent !== null && known.has(n.parent) ? n.parent : n.state === 'root' ? null : 'orphan';
    const list = children.get(parent) ?? [];
    list.push(n);
    children.set(parent, list);
  }
  const roots = children.get(null) ?? [];
  const orphans = children.get('orphan') ?? [];
  const size = new Map<string, number>();
  const sizeOf = (n: MeshNodeView, depth: number): number => {
    if (depth > 255) return 1; // a loop in a bad report; the contract bounds hops to 255
    const s = 1 + (children.get(n.eui64) ?? []).reduce((acc, c) => acc + sizeOf(c, depth + 1), 0);
    size.set(n.eui64, s);
    return s;
  };
  const top = [...roots, ...orphans];
  for (const r of top) sizeOf(r, 0);
  const maxHops = Math.max(1, ...nodes.map((n) => n.hops));
  const cx = width / 2;
  const cy = height / 2;
  const ring = (Math.min(width, height) / 2 - 24) / maxHops;
  const placed: PlacedNode[] = [];
  const visited = new Set<string>();
  const place = (n: MeshNodeView, from: number, to: number) => {
    if (visited.has(n.eui64)) return;
    visited.add(n.eui64);
    const angle = (from + to) / 2;
    const r = n.hops * ring;
    placed.push({ node: n, x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) });
    const kids = children.get(n.eui64) ?? [];
    const total = kids.reduce((acc, c) => acc + (size.get(c.eui64) ?? 1), 0);
    let at = from;
    for (const c of kids) {
      const span = ((to - from) * (size.get(c.eui64) ?? 1)) / Math.max(1, total);
      place(c, at, at + span);
      at += span;
    }
  };
  const all = top.reduce((acc, r) => acc + (size.get(r.eui64) ?? 1), 0);
  let at = 0;
  for (const r of top) {
    const span = (2 * Math.PI * (size.get(r.eui64) ?? 1)) / Math.max(1, all);
    place(r, at, at + span);
    at += span;
  }
  return placed;
}
