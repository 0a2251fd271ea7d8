/**
 * Plausibility checks on a fresh register reading against the previous stored one. A reading
 * that fails is not stored; it becomes a read exception with the reason (issue #5 item 2). The
 * one legitimate decrease is a rollover past 10^D7 − 1 (APPENDIX 0x0288, EPC 0xD7 "number of
 * effective digits"): it is stored, and also reported as a 'register-rollover' exception so that
 * billing sees it rather than trusting a silent wrap.
 *
 * Energy is compared exactly in 0.1 Wh units (energyTenthWattHours) and against time in ms, so
 * no float rounding decides whether a reading is kept.
 */
import { energyTenthWattHours, rolloverModulus } from '../../stack/echonet/index.ts';
import type { UnitExponent } from '../../stack/echonet/index.ts';
import type { ReadExceptionReason, RegisterValue } from '../storage/index.ts';

export interface PlausibilityPolicy {
  /**
   * Largest believable power, W, both for E7 and for the average implied by the energy since
   * the last read. Japanese low-voltage supply covers contracts under 50 kW; 100 kW leaves room
   * for a CT meter's coefficient and short peaks.
   */
  readonly maxPowerW: number;
}

export const DEFAULT_PLAUSIBILITY: PlausibilityPolicy = { maxPowerW: 100_000 };

export interface PreviousReading {
  readonly readAtMs: number;
  readonly registers: readonly RegisterValue[];
}

export interface Finding {
  readonly reason: ReadExceptionReason;
  readonly detail: string;
  /** True when the reading must not be stored. */
  readonly blocksStore: boolean;
}

const HOUR_MS = 3_600_000n;

function tenthWh(v: RegisterValue, raw: number): bigint {
  return energyTenthWattHours(raw, v.coefficient, v.unitExponent as UnitExponent);
}

/** Findings for one register value against the previous reading (empty when all is well). */
export function checkRegister(
  current: RegisterValue,
  readAtMs: number,
  previous: PreviousReading | null,
  policy: PlausibilityPolicy = DEFAULT_PLAUSIBILITY,
): Finding[] {
  const modulus = rolloverModulus(current.digits);
  if (current.raw >= modulus)
    return [
      {
        reason: 'out-of-range',
        detail: `${current.register} register ${current.raw} has more than ${current.digits} digits (D7)`,
        blocksStore: true,
      },
    ];
  const before = previous?.registers.find((r) => r.register === current.register);
  if (previous === null || before === undefined) return [];
  if (
    before.coefficient !== current.coefficient ||
    before.unitExponent !== current.unitExponent ||
    before.digits !== current.digits
  )
    return []; // a re-configured meter starts a new series; nothing to compare with
  const elapsedMs = BigInt(Math.max(0, readAtMs - previous.readAtMs));
  const maxTenthWh = (BigInt(Math.round(policy.maxPowerW)) * 10n * elapsedMs) / HOUR_MS;
  if (current.raw >= before.raw) {
    const delta = tenthWh(current, current.raw - before.raw);
    if (delta > maxTenthWh)
      return [
        {
          reason: 'implausible-power',
          detail: `${current.register} register rose ${current.raw - before.raw} counts in ${elapsedMs} ms, above ${policy.maxPowerW} W on average`,
          blocksStore: true,
        },
      ];
    return [];
  }
  const wrapped = current.raw + modulus - before.raw;
  if (tenthWh(current, wrapped) <= maxTenthWh)
    return [
      {
        reason: 'register-rollover',
        detail: `${current.register} register rolled over 10^${current.digits}: ${before.raw} → ${current.raw}`,
        blocksStore: false,
      },
    ];
  return [
    {
      reason: 'register-backwards',
      detail: `${current.register} register went from ${before.raw} back to ${current.raw}, not a plausible rollover of 10^${current.digits}`,
      blocksStore: true,
    },
  ];
}

/** Finding for an instantaneous power reading (E7), W. */
export function checkPower(powerW: number, policy: PlausibilityPolicy = DEFAULT_PLAUSIBILITY): Finding[] {
  if (Math.abs(powerW) <= policy.maxPowerW) return [];
  return [
    {
      reason: 'implausible-power',
      detail: `instantaneous power ${powerW} W beyond ±${policy.maxPowerW} W`,
      blocksStore: true,
    },
  ];
}
