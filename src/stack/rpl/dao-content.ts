/**
 * Reading and building the Target/Transit groups of a DAO (RFC 6550 §6.4.3, §9.4): one or more
 * RPL Target options followed by one or more Transit Information options that apply to all of
 * those Targets.
 */
import type { Ipv6Address } from '../ipv6/index.ts';
import { RPL_OPTION_TYPE } from './constants.ts';
import type { RplOption } from './options.ts';

export type TargetOption = Extract<RplOption, { type: typeof RPL_OPTION_TYPE.RPL_TARGET }>;
export type TransitOption = Extract<RplOption, { type: typeof RPL_OPTION_TYPE.TRANSIT_INFORMATION }>;

export interface DaoGroup {
  targets: TargetOption[];
  transits: TransitOption[];
}

/** Groups a DAO's options; Targets without a following Transit form a group with no transit. */
export function daoGroups(options: readonly RplOption[]): DaoGroup[] {
  const groups: DaoGroup[] = [];
  let current: DaoGroup | undefined;
  for (const o of options) {
    if (o.type === RPL_OPTION_TYPE.RPL_TARGET) {
      if (!current || current.transits.length > 0) {
        current = { targets: [], transits: [] };
        groups.push(current);
      }
      current.targets.push(o);
    } else if (o.type === RPL_OPTION_TYPE.TRANSIT_INFORMATION && current) {
      current.transits.push(o);
    }
  }
  return groups;
}

/** Path Lifetime 0xFF means infinity (RFC 6550 §6.7.8). */
export const PATH_LIFETIME_INFINITE = 0xff;

/**
 * Absolute expiry (ms) of a path: Path Lifetime × Lifetime Unit seconds from `now`
 * (RFC 6550 §6.7.6, §6.7.8); Infinity for 0xFF. A Path Lifetime of 0 is a No-Path (§6.4.3).
 */
export function pathExpiry(now: number, pathLifetime: number, lifetimeUnit: number): number {
  if (pathLifetime === PATH_LIFETIME_INFINITE) return Infinity;
  return now + pathLifetime * lifetimeUnit * 1000;
}

export function targetOption(address: Ipv6Address, prefixLength = 128): TargetOption {
  return { type: RPL_OPTION_TYPE.RPL_TARGET, prefixLength, prefix: address };
}

export function transitOption(
  pathSequence: number,
  pathLifetime: number,
  parentAddress: Ipv6Address | undefined,
): TransitOption {
  const t: TransitOption = {
    type: RPL_OPTION_TYPE.TRANSIT_INFORMATION,
    external: false,
    pathControl: 0,
    pathSequence,
    pathLifetime,
  };
  if (parentAddress) t.parentAddress = parentAddress;
  return t;
}
