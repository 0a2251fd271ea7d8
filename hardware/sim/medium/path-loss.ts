/**
 * Log-distance path loss (T. Rappaport, "Wireless Communications", 2nd ed., §4.9.1):
 *
 *   PL(d) = PL(d0) + 10 · n · log10(d / d0),   d0 = 1 m
 *
 * PL(d0) is the free-space (Friis) loss at 1 m: 20 · log10(4π · d0 · f / c). At 920 MHz that is
 * 20 · log10(4π · 920e6 / 299 792 458) = 31.72 dB. The exponent n = 3.5 is a suburban figure for
 * meters mounted about 1.5 m above ground among houses (measurements at 900 MHz suburban report
 * 3 to 4); with 13 dBm out and −105 dBm sensitivity it gives a median range near 290 m, in line
 * with what 920 MHz meter meshes report. Shadowing is added per link (shadowing.ts).
 */

export const SPEED_OF_LIGHT_M_PER_S = 299_792_458;

export interface LogDistancePathLoss {
  /** PL(d0), dB. */
  readonly referenceLossDb: number;
  /** Path-loss exponent n. */
  readonly exponent: number;
  /** d0, m; distances below it are treated as d0 (the model does not hold in the near field). */
  readonly referenceDistanceM: number;
}

/** Friis free-space path loss, dB. */
export function freeSpaceLossDb(distanceM: number, frequencyHz: number): number {
  return 20 * Math.log10((4 * Math.PI * distanceM * frequencyHz) / SPEED_OF_LIGHT_M_PER_S);
}

export function suburban920MHz(exponent = 3.5, frequencyHz = 920e6): LogDistancePathLoss {
  return Object.freeze({
    referenceLossDb: freeSpaceLossDb(1, frequencyHz),
    exponent,
    referenceDistanceM: 1,
  });
}

export function pathLossDb(model: LogDistancePathLoss, distanceM: number): number {
  const d = distanceM > model.referenceDistanceM ? distanceM : model.referenceDistanceM;
  return model.referenceLossDb + 10 * model.exponent * Math.log10(d / model.referenceDistanceM);
}
