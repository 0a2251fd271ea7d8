/**
 * FieldRoot's demand-response properties: user-defined EPCs of class 0x0288 (the APPENDIX leaves
 * 0xF0–0xFF to each implementer). DESIGN.md §4: "DR switch and load-limit commands use the
 * class's user-defined EPCs". This is the project's own assignment, not a standard:
 *
 *  - 0xF0 DR_SWITCH_STATE (Set/Get, 1 byte): 0x41 = supply connected, 0x42 = supply
 *    disconnected (the 0x41/0x42 yes/no style of the APPENDIX). Set with SetC so the AMR/DR server
 *    gets a Set_Res or SetC_SNA.
 *  - 0xF1 DR_LOAD_LIMIT (Set/Get, 4 bytes unsigned, W): the contracted load limit;
 *    0x00000000 = no limit; 1..0xFFFFFFFD a limit in watts; 0xFFFFFFFE/0xFFFFFFFF refused.
 *
 * Other vendors' meters use 0xF0–0xFF for their own purposes, so the AMR/DR server must only send
 * these to meters known (by manufacturer code, EPC 0x8A, and the Set property map 0x9E) to
 * implement FieldRoot's assignment.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';

const CODEC = 'fieldroot-dr';

export const FIELDROOT_DR_EPC = {
  DR_SWITCH_STATE: 0xf0,
  DR_LOAD_LIMIT: 0xf1,
} as const;

export const DR_SWITCH = { CONNECTED: 0x41, DISCONNECTED: 0x42 } as const;

export type DrSwitchState = 'connected' | 'disconnected';

export function decodeDrSwitchState(edt: Uint8Array): DrSwitchState {
  const r = new ByteReader(edt, CODEC);
  if (edt.length !== 1) r.fail(`switch state: EDT is ${edt.length} bytes, must be 1`);
  const v = r.u8();
  if (v === DR_SWITCH.CONNECTED) return 'connected';
  if (v === DR_SWITCH.DISCONNECTED) return 'disconnected';
  return r.fail(`switch state 0x${v.toString(16)} is neither 0x41 nor 0x42`, 0);
}

export function encodeDrSwitchState(s: DrSwitchState): Uint8Array {
  return Uint8Array.of(s === 'connected' ? DR_SWITCH.CONNECTED : DR_SWITCH.DISCONNECTED);
}

export const DR_LOAD_LIMIT_MAX = 0xfffffffd;

/** Load limit in W, or null for "no limit" (0). */
export function decodeDrLoadLimit(edt: Uint8Array): number | null {
  const r = new ByteReader(edt, CODEC);
  if (edt.length !== 4) r.fail(`load limit: EDT is ${edt.length} bytes, must be 4`);
  const v = r.u32be();
  if (v > DR_LOAD_LIMIT_MAX) r.fail(`load limit 0x${v.toString(16)} is reserved`, 0);
  return v === 0 ? null : v;
}

export function encodeDrLoadLimit(watts: number | null): Uint8Array {
  if (watts !== null && (!Number.isInteger(watts) || watts < 1 || watts > DR_LOAD_LIMIT_MAX)) {
    throw new RangeError(`load limit must be 1..${DR_LOAD_LIMIT_MAX} W or null, got ${watts}`);
  }
  return new ByteWriter(4).u32be(watts ?? 0).finish();
}
