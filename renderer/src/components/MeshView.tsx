/**
 * The live DODAG on a canvas (one draw call per frame however many nodes), so it stays usable
 * at 1,000 nodes. Link quality is drawn as line style as well as colour: solid for good links
 * (ETX < 2), dashed for fair, dotted for poor. Tapping a node opens its meter.
 */
import { useEffect, useMemo, useRef, type MouseEvent } from 'react';
import type { MeshNodeView } from '../../../src/contract/app/index.ts';
import { openMeter, useApp } from '../store.ts';
import { useStrings } from '../use-strings.ts';
import { layoutMesh, type PlacedNode } from './mesh-layout.ts';

const SIZE = 560;

function dash(etx: number | null): number[] {
  if (etx === null || etx < 2) return [];
  return etx < 4 ? [8, 4] : [2, 4];
}

export function MeshView() {
  const t = useStrings();
  const nodes = useApp((s) => s.mesh.nodes);
  const theme = useApp((s) => s.settings.theme);
  const canvas = useRef<HTMLCanvasElement>(null);
  const present = useMemo(() => nodes.filter((n): n is MeshNodeView => n !== undefined), [nodes]);
  const placed = useMemo(() => layoutMesh(present, SIZE, SIZE), [present]);
  const maxHops = present.reduce((m, n) => Math.max(m, n.hops), 0);

  useEffect(() => {
    // Drawn on the next frame: the theme attribute is set by the App's effect, which runs after
    // this child's, and the colours are read from it.
    const frame = requestAnimationFrame(() => draw());
    return () => cancelAnimationFrame(frame);
  }, [placed, theme]);

  const draw = () => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (c === null || ctx === null || ctx === undefined) return;
    const style = getComputedStyle(c);
    const fg = style.getPropertyValue('--fg').trim() || '#000';
    const accent = style.getPropertyValue('--accent').trim() || '#0050b3';
    ctx.clearRect(0, 0, SIZE, SIZE);
    const at = new Map<string, PlacedNode>(placed.map((p) => [p.node.eui64, p]));
    ctx.lineWidth = theme === 'high-contrast' ? 2 : 1;
    ctx.strokeStyle = fg;
    for (const p of placed) {
      const parent = p.node.parent === null ? undefined : at.get(p.node.parent);
      if (parent === undefined) continue;
      ctx.setLineDash(dash(p.node.linkEtx));
      ctx.beginPath();
      ctx.moveTo(parent.x, parent.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    const label = placed.length <= 60;
    ctx.font = '12px sans-serif';
    for (const p of placed) {
      const r = p.node.state === 'root' ? 9 : 5;
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      // Shape as well as colour: joined nodes filled, others hollow.
      if (p.node.state === 'joined' || p.node.state === 'root') {
        ctx.fillStyle = p.node.state === 'root' ? fg : accent;
        ctx.fill();
      } else {
        ctx.fillStyle = fg;
        ctx.stroke();
      }
      if (label && p.node.meterId !== null) {
        ctx.fillStyle = fg;
        // Right of the node, or left of it near the right edge so the label stays on the canvas.
        const text = `${p.node.meterId} (${String(p.node.hops)})`;
        const w = ctx.measureText(text).width;
        ctx.fillText(text, p.x + 7 + w > SIZE ? p.x - 7 - w : p.x + 7, p.y - 7);
      }
    }
  };

  const onClick = (e: MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = ((e.clientX - rect.left) * SIZE) / rect.width;
    const y = ((e.clientY - rect.top) * SIZE) / rect.height;
    let best: PlacedNode | null = null;
    let bestD = 24 * 24; // a glove-sized hit radius
    for (const p of placed) {
      const d = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (d < bestD && p.node.meterId !== null) {
        best = p;
        bestD = d;
      }
    }
    if (best !== null && best.node.meterId !== null) openMeter(best.node.meterId);
  };

  return (
    <section className="card" aria-labelledby="mesh-title">
      <h2 id="mesh-title">
        {t.mesh} — {t.meshNodes(present.length)}, {t.hops} ≤ {maxHops}
      </h2>
      {present.length === 0 ? (
        <p>{t.meshEmpty}</p>
      ) : (
        <>
          <canvas
            ref={canvas}
            width={SIZE}
            height={SIZE}
            className="mesh-canvas"
            role="img"
            aria-label={`${t.mesh}: ${t.meshNodes(present.length)}, ${t.hops} ≤ ${String(maxHops)}`}
            onClick={onClick}
          />
          <p className="legend">
            {t.linkQuality}: ── &lt; 2 · ╌╌ 2–4 · ┈┈ ≥ 4 · ● {t.meshLegendJoined} · ○ {t.meshLegendNotJoined}
          </p>
        </>
      )}
    </section>
  );
}
