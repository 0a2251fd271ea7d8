/**
 * DODAG-wide parameters as the DODAG Configuration option carries them (RFC 6550 §6.7.6), and
 * the Prefix Information option with the sender's address (§6.7.10, R flag).
 */
import type { Ipv6Address } from '../ipv6/index.ts';
import { DEFAULT_PATH_CONTROL_SIZE, FIELD_DODAG_DEFAULTS, RPL_OPTION_TYPE } from './constants.ts';
import type { RplOption } from './options.ts';

export interface DodagParameters {
  dioIntervalMin: number;
  dioIntervalDoublings: number;
  dioRedundancyConstant: number;
  minHopRankIncrease: number;
  maxRankIncrease: number;
  objectiveCodePoint: number;
  defaultLifetime: number;
  lifetimeUnit: number;
}

export type DodagConfigurationOption = Extract<
  RplOption,
  { type: typeof RPL_OPTION_TYPE.DODAG_CONFIGURATION }
>;
export type PrefixInformationOption = Extract<RplOption, { type: typeof RPL_OPTION_TYPE.PREFIX_INFORMATION }>;

/** The 100 kbps field profile (constants.ts FIELD_DODAG_DEFAULTS) without its MOP. */
export function fieldDodagParameters(): DodagParameters {
  const { mop: _mop, ...p } = FIELD_DODAG_DEFAULTS;
  return { ...p };
}

export function dodagConfigurationOption(p: DodagParameters): DodagConfigurationOption {
  return {
    type: RPL_OPTION_TYPE.DODAG_CONFIGURATION,
    flags: 0,
    authenticationEnabled: false,
    pathControlSize: DEFAULT_PATH_CONTROL_SIZE,
    ...p,
  };
}

export function dodagParametersFrom(o: DodagConfigurationOption): DodagParameters {
  return {
    dioIntervalMin: o.dioIntervalMin,
    dioIntervalDoublings: o.dioIntervalDoublings,
    dioRedundancyConstant: o.dioRedundancyConstant,
    minHopRankIncrease: o.minHopRankIncrease,
    maxRankIncrease: o.maxRankIncrease,
    objectiveCodePoint: o.objectiveCodePoint,
    defaultLifetime: o.defaultLifetime,
    lifetimeUnit: o.lifetimeUnit,
  };
}

/**
 * PIO advertising the mesh prefix with the sender's whole global address (R flag, RFC 6550
 * §6.7.10), so children learn the address to name as their DAO parent. A = 1: nodes form
 * their address from the prefix; L = 0: the mesh is not one link.
 */
export function prefixInformationOption(
  ownAddress: Ipv6Address,
  prefixLength: number,
  validLifetime: number,
  preferredLifetime: number,
): PrefixInformationOption {
  return {
    type: RPL_OPTION_TYPE.PREFIX_INFORMATION,
    prefixLength,
    onLink: false,
    autonomous: true,
    routerAddress: true,
    validLifetime,
    preferredLifetime,
    prefix: ownAddress.slice(),
  };
}

export function findOption<T extends RplOption['type']>(
  options: readonly RplOption[],
  type: T,
): Extract<RplOption, { type: T }> | undefined {
  return options.find((o) => o.type === type) as Extract<RplOption, { type: T }> | undefined;
}
