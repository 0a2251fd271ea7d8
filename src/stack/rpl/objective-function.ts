/**
 * Objective functions: OF0 (RFC 6552) and MRHOF with ETX (RFC 6719). Both turn a candidate
 * parent's advertised Rank and the ETX of the link to it into the Rank the node would take
 * through that parent; MRHOF adds hysteresis for parent switches.
 *
 * ETX is carried as a plain number (1.0 = perfect link). RFC 6551 §4.3.2 encodes ETX × 128,
 * which is the link metric unit MRHOF's constants use.
 */
import { INFINITE_RANK, OCP } from './constants.ts';

// RFC 6552 §6 (OF0 constants and their limits).
export const OF0_DEFAULT_STEP_OF_RANK = 3;
export const OF0_MINIMUM_STEP_OF_RANK = 1;
export const OF0_MAXIMUM_STEP_OF_RANK = 9;
export const OF0_DEFAULT_RANK_STRETCH = 0;
export const OF0_MAXIMUM_RANK_STRETCH = 5;
export const OF0_DEFAULT_RANK_FACTOR = 1;
export const OF0_MAXIMUM_RANK_FACTOR = 4;

// RFC 6719 §5 (MRHOF constants, ETX in RFC 6551 units of 1/128).
export const MRHOF_MAX_LINK_METRIC = 512;
export const MRHOF_MAX_PATH_COST = 32768;
export const MRHOF_PARENT_SWITCH_THRESHOLD = 192;
export const MRHOF_PARENT_SET_SIZE = 3;
/** RFC 6551 §4.3.2: ETX is encoded × 128. */
export const ETX_DIVISOR = 128;

/** floor(Rank / MinHopRankIncrease) (RFC 6550 §3.5.1). */
export function dagRank(rank: number, minHopRankIncrease: number): number {
  return Math.floor(rank / minHopRankIncrease);
}

export interface ObjectiveFunction {
  readonly ocp: number;
  /**
   * The Rank this node would advertise through a parent of Rank `parentRank` over a link of
   * `etx`, or INFINITE_RANK when that parent is not usable (link too poor, rank overflow).
   */
  rankVia(parentRank: number, etx: number): number;
  /**
   * The cost used to compare candidates: lower is better. For these two functions it equals the
   * candidate Rank (MRHOF without a metric container uses the Rank as the path cost, RFC 6719 §3.3).
   */
  pathCost(parentRank: number, etx: number): number;
  /** Whether to leave `currentCost` for `candidateCost` (hysteresis). */
  shouldSwitch(currentCost: number, candidateCost: number): boolean;
}

function clampRank(r: number): number {
  return r >= INFINITE_RANK ? INFINITE_RANK : Math.round(r);
}

/**
 * OF0 (RFC 6552 §4.1): R(N) = R(P) + rank_increase, rank_increase = (Rf × Sp + Sr) × MinHopRankIncrease.
 * Step of rank Sp from ETX is this project's mapping: Sp = round(2 × ETX + 1), so a perfect link
 * gives the RFC default 3, clamped to [MINIMUM_STEP_OF_RANK, MAXIMUM_STEP_OF_RANK].
 */
export function createOf0(
  minHopRankIncrease: number,
  rankFactor = OF0_DEFAULT_RANK_FACTOR,
  stretch = 0,
): ObjectiveFunction {
  const stepOfRank = (etx: number): number =>
    Math.min(OF0_MAXIMUM_STEP_OF_RANK, Math.max(OF0_MINIMUM_STEP_OF_RANK, Math.round(2 * etx + 1)));
  const rankVia = (parentRank: number, etx: number): number => {
    if (parentRank >= INFINITE_RANK || !Number.isFinite(etx)) return INFINITE_RANK;
    return clampRank(parentRank + (rankFactor * stepOfRank(etx) + stretch) * minHopRankIncrease);
  };
  return {
    ocp: OCP.OF0,
    rankVia,
    pathCost: rankVia,
    // RFC 6552 §4.2.1: keep the current parent unless another gives a strictly lower rank.
    shouldSwitch: (current, candidate) => candidate < current,
  };
}

/**
 * MRHOF with the ETX metric and no metric container (RFC 6719 §3.1, §3.3):
 * path cost via a neighbour = its advertised Rank + ETX × 128; links with a metric above
 * MAX_LINK_METRIC are not used; the node's Rank is the path cost, but at least
 * parentRank + MinHopRankIncrease so DAGRank strictly increases (RFC 6550 §8.2.1).
 */
export function createMrhof(minHopRankIncrease: number): ObjectiveFunction {
  const linkMetric = (etx: number): number => Math.round(etx * ETX_DIVISOR);
  const pathCost = (parentRank: number, etx: number): number => {
    if (parentRank >= INFINITE_RANK || !Number.isFinite(etx)) return MRHOF_MAX_PATH_COST;
    const m = linkMetric(etx);
    if (m > MRHOF_MAX_LINK_METRIC) return MRHOF_MAX_PATH_COST; // RFC 6719 §3.1
    return Math.min(MRHOF_MAX_PATH_COST, parentRank + m);
  };
  return {
    ocp: OCP.MRHOF,
    pathCost,
    rankVia: (parentRank, etx) => {
      const cost = pathCost(parentRank, etx);
      if (cost >= MRHOF_MAX_PATH_COST) return INFINITE_RANK;
      return clampRank(Math.max(cost, parentRank + minHopRankIncrease));
    },
    // RFC 6719 §3.2: switch only when the new path is cheaper by PARENT_SWITCH_THRESHOLD.
    shouldSwitch: (current, candidate) => candidate + MRHOF_PARENT_SWITCH_THRESHOLD < current,
  };
}

/** The objective function for an OCP, or undefined when this node does not implement it. */
export function objectiveFunctionFor(ocp: number, minHopRankIncrease: number): ObjectiveFunction | undefined {
  if (ocp === OCP.OF0) return createOf0(minHopRankIncrease);
  if (ocp === OCP.MRHOF) return createMrhof(minHopRankIncrease);
  return undefined;
}
