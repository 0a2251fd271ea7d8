/**
 * How far a meter's radio reaches in a scenario, and the hop count of every meter from the
 * tablet over links that work at the median path loss with a fade margin. Used to generate
 * scenarios with a given depth and to check shipped ones ("up to 4 hops", "up to 8 hops"): the
 * simulated medium adds shadowing per link, so real runs differ a little, in both directions.
 */
import { pathLossDb, suburban920MHz } from '../medium/index.ts';
import type { Scenario } from './schema.ts';

/** Fade margin for "a link that works": shadowing σ is 6 dB, 3 dB keeps most such links usable. */
export const DEFAULT_FADE_MARGIN_DB = 3;

export function reachMetres(radio: Scenario['radio'], fadeMarginDb = DEFAULT_FADE_MARGIN_DB): number {
  const model = suburban920MHz(radio.pathLossExponent);
  const budget = radio.txPowerDbm - radio.sensitivityDbm - fadeMarginDb;
  // Invert PL(d) = PL0 + 10·n·log10(d): d = 10^((budget − PL0) / (10·n)).
  const d = 10 ** ((budget - model.referenceLossDb) / (10 * model.exponent));
  if (pathLossDb(model, d) > budget + 1e-6) throw new Error('path-loss inversion is inconsistent');
  return d;
}

/** Hop count of each meter from the tablet (breadth-first over working links); Infinity if cut off. */
export function hopCounts(
  scenario: Pick<Scenario, 'radio' | 'tablet' | 'meters'>,
  fadeMarginDb?: number,
): number[] {
  const reach = reachMetres(scenario.radio, fadeMarginDb);
  const points = [scenario.tablet.position, ...scenario.meters.map((m) => m.position)];
  const hops = new Array<number>(points.length).fill(Infinity);
  hops[0] = 0;
  let frontier = [0];
  // Bounded: each round settles at least one more node or ends.
  for (let round = 1; frontier.length > 0 && round <= points.length; round++) {
    const next: number[] = [];
    for (const i of frontier) {
      const a = points[i]!;
      for (let j = 1; j < points.length; j++) {
        if (hops[j] !== Infinity) continue;
        const b = points[j]!;
        if (Math.hypot(a.x - b.x, a.y - b.y) <= reach) {
          hops[j] = round;
          next.push(j);
        }
      }
    }
    frontier = next;
  }
  return hops.slice(1);
}
