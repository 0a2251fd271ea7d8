/**
 * The node profile object 0x0EF001 of a simulated meter node (ECHONET Lite Specification Part II
 * §6.11.1, node profile class). Properties:
 *   0x80 operation status 0x30 (announced)     0x82 version information: Lite 1.13, format 1
 *   0x83 identification number: 0xFE, manufacturer code (3 B), 13 B unique (EUI-64 ‖ 5 zero bytes)
 *   0x8A manufacturer code                     0xD3 number of self-node instances (3 B)
 *   0xD4 number of self-node classes (2 B, the node profile class included)
 *   0xD5 instance list notification (announcement only, not readable)
 *   0xD6 self-node instance list S             0xD7 self-node class list S
 */
import { EOJ, eojClass } from '../../../src/stack/echonet/index.ts';
import { EchonetObjectModel } from './object-model.ts';
import type { PropertySpec } from './object-model.ts';

export const NODE_PROFILE_EPC = {
  OPERATING_STATUS: 0x80,
  VERSION_INFORMATION: 0x82,
  IDENTIFICATION_NUMBER: 0x83,
  MANUFACTURER_CODE: 0x8a,
  NUMBER_OF_SELF_NODE_INSTANCES: 0xd3,
  NUMBER_OF_SELF_NODE_CLASSES: 0xd4,
  INSTANCE_LIST_NOTIFICATION: 0xd5,
  SELF_NODE_INSTANCE_LIST_S: 0xd6,
  SELF_NODE_CLASS_LIST_S: 0xd7,
} as const;

/** 0x82 of the node profile: major 1, minor 13 (Ver.1.13), specified message format only. */
const VERSION_1_13_FORMAT1 = Uint8Array.of(0x01, 0x0d, 0x01, 0x00);
/** First byte of 0x83: lower-layer communication ID field "0xFE" = manufacturer-defined ID. */
const ID_PREFIX_MANUFACTURER = 0xfe;

export interface NodeProfileConfig {
  readonly makerCode: number;
  /** EUI-64 of the node, 8 bytes. */
  readonly eui64: Uint8Array;
  /** The device objects of the node (not the node profile itself). */
  readonly instances: readonly number[];
}

function eojBytes(eoj: number): number[] {
  return [(eoj >>> 16) & 0xff, (eoj >>> 8) & 0xff, eoj & 0xff];
}

/** Count ‖ EOJs: the EDT of 0xD5 and 0xD6. */
export function instanceListEdt(instances: readonly number[]): Uint8Array {
  return Uint8Array.from([instances.length, ...instances.flatMap(eojBytes)]);
}

export function nodeProfileObject(config: NodeProfileConfig): EchonetObjectModel {
  if (config.eui64.length !== 8) throw new RangeError('EUI-64 must be 8 bytes');
  const maker = eojBytes(config.makerCode);
  const classes = [...new Set(config.instances.map(eojClass))];
  const id = Uint8Array.from([ID_PREFIX_MANUFACTURER, ...maker, ...config.eui64, 0, 0, 0, 0, 0]);
  const instances = instanceListEdt(config.instances);
  const n = config.instances.length;
  const p = new Map<number, PropertySpec>([
    [NODE_PROFILE_EPC.OPERATING_STATUS, { get: () => Uint8Array.of(0x30), announce: true }],
    [NODE_PROFILE_EPC.VERSION_INFORMATION, { get: () => VERSION_1_13_FORMAT1 }],
    [NODE_PROFILE_EPC.IDENTIFICATION_NUMBER, { get: () => id }],
    [NODE_PROFILE_EPC.MANUFACTURER_CODE, { get: () => Uint8Array.from(maker) }],
    [
      NODE_PROFILE_EPC.NUMBER_OF_SELF_NODE_INSTANCES,
      { get: () => Uint8Array.of(n >> 16, (n >> 8) & 0xff, n & 0xff) },
    ],
    [NODE_PROFILE_EPC.NUMBER_OF_SELF_NODE_CLASSES, { get: () => Uint8Array.of(0, classes.length + 1) }],
    [NODE_PROFILE_EPC.INSTANCE_LIST_NOTIFICATION, { announce: true }],
    [NODE_PROFILE_EPC.SELF_NODE_INSTANCE_LIST_S, { get: () => instances }],
    [
      NODE_PROFILE_EPC.SELF_NODE_CLASS_LIST_S,
      { get: () => Uint8Array.from([classes.length, ...classes.flatMap((c) => [c >> 8, c & 0xff])]) },
    ],
  ]);
  return new EchonetObjectModel(EOJ.NODE_PROFILE, p);
}
