/**
 * Spinel frame: header byte, command id (packed uint), command payload (spinel.h "Frame Format").
 *
 *   header = FLG(2 bits, always 0b10) | IID(2 bits) | TID(4 bits)
 *
 * TID 0 marks frames that expect no correlated response (unsolicited NCP→host updates); a reply
 * carries the IID and TID of the request (spinel.h "Header Format"). The property commands carry a
 * packed property id, then the value (`iD`); PROP_VALUE_GET carries the id only (`i`).
 *
 * Both ends use this module: the host encodes GET/SET and decodes IS/INSERTED/REMOVED; the simulated
 * dongle does the reverse.
 */
import { ByteReader } from '../wire/index.ts';
import {
  SPINEL_CMD,
  SPINEL_HEADER_FLAG,
  SPINEL_HEADER_FLAGS_MASK,
  SPINEL_HEADER_IID_MASK,
  SPINEL_HEADER_IID_MAX,
  SPINEL_HEADER_IID_SHIFT,
  SPINEL_HEADER_TID_MASK,
} from './constants.ts';
import { SPINEL_CODEC, SpinelReader, SpinelWriter } from './datatypes.ts';

export const SPINEL_TID_MAX = SPINEL_HEADER_TID_MASK;

export interface SpinelHeader {
  /** Interface id 0–3. */
  iid: number;
  /** Transaction id 0–15; 0 = unsolicited / no response expected. */
  tid: number;
}

/** Commands whose payload is a property id followed by a value (`iD`). */
export type PropValueCommand =
  | typeof SPINEL_CMD.PROP_VALUE_SET
  | typeof SPINEL_CMD.PROP_VALUE_INSERT
  | typeof SPINEL_CMD.PROP_VALUE_REMOVE
  | typeof SPINEL_CMD.PROP_VALUE_IS
  | typeof SPINEL_CMD.PROP_VALUE_INSERTED
  | typeof SPINEL_CMD.PROP_VALUE_REMOVED;

export interface NoopFrame extends SpinelHeader {
  kind: 'noop';
}

export interface ResetFrame extends SpinelHeader {
  kind: 'reset';
  /** Optional `C` payload: `SPINEL_RESET.PLATFORM` / `STACK` / `BOOTLOADER`; absent = stack reset. */
  resetType?: number;
}

export interface PropGetFrame extends SpinelHeader {
  kind: 'get';
  prop: number;
}

export interface PropValueFrame extends SpinelHeader {
  kind: 'prop';
  command: PropValueCommand;
  prop: number;
  /** Raw value bytes; decode with `properties.ts` / `stream-raw.ts` according to `prop`. */
  value: Uint8Array;
}

/** Any other command (PEEK, MULTI_GET, vendor…), payload kept raw. */
export interface OtherFrame extends SpinelHeader {
  kind: 'other';
  command: number;
  payload: Uint8Array;
}

export type SpinelFrame = NoopFrame | ResetFrame | PropGetFrame | PropValueFrame | OtherFrame;

function isPropValueCommand(command: number): command is PropValueCommand {
  return command >= SPINEL_CMD.PROP_VALUE_SET && command <= SPINEL_CMD.PROP_VALUE_REMOVED;
}

/** Header byte for `iid`/`tid`; RangeError outside 0–3 / 0–15. */
export function spinelHeaderByte(iid: number, tid: number): number {
  if (!Number.isInteger(iid) || iid < 0 || iid > SPINEL_HEADER_IID_MAX)
    throw new RangeError(`IID out of range 0..3: ${iid}`);
  if (!Number.isInteger(tid) || tid < 0 || tid > SPINEL_TID_MAX)
    throw new RangeError(`TID out of range 0..15: ${tid}`);
  return SPINEL_HEADER_FLAG | (iid << SPINEL_HEADER_IID_SHIFT) | tid;
}

/** The TID after `tid`, skipping 0 (spinel.h `SPINEL_GET_NEXT_TID`). */
export function nextTid(tid: number): number {
  return tid >= SPINEL_TID_MAX ? 1 : tid + 1;
}

/** The command id of a frame. */
export function frameCommand(frame: SpinelFrame): number {
  switch (frame.kind) {
    case 'noop':
      return SPINEL_CMD.NOOP;
    case 'reset':
      return SPINEL_CMD.RESET;
    case 'get':
      return SPINEL_CMD.PROP_VALUE_GET;
    case 'prop':
    case 'other':
      return frame.command;
  }
}

export function encodeSpinelFrame(frame: SpinelFrame): Uint8Array {
  const w = new SpinelWriter();
  w.uint8(spinelHeaderByte(frame.iid, frame.tid));
  switch (frame.kind) {
    case 'noop':
      w.packed(SPINEL_CMD.NOOP);
      break;
    case 'reset':
      w.packed(SPINEL_CMD.RESET);
      if (frame.resetType !== undefined) w.uint8(frame.resetType, 'reset type');
      break;
    case 'get':
      w.packed(SPINEL_CMD.PROP_VALUE_GET).packed(frame.prop);
      break;
    case 'prop':
      // The type already says so; this guards callers that build frames from untyped input.
      if (!isPropValueCommand(frame.command as number)) {
        throw new RangeError(`not a property value command: ${String(frame.command as number)}`);
      }
      w.packed(frame.command).packed(frame.prop).data(frame.value);
      break;
    case 'other':
      if (frame.command <= SPINEL_CMD.PROP_VALUE_REMOVED) {
        throw new RangeError(`command ${frame.command} has its own frame kind; use it instead of 'other'`);
      }
      w.packed(frame.command).data(frame.payload);
      break;
  }
  return w.finish();
}

/** Decodes one Spinel frame (the payload of one HDLC frame). Throws DecodeError. */
export function decodeSpinelFrame(bytes: Uint8Array): SpinelFrame {
  const s = new SpinelReader(new ByteReader(bytes, `${SPINEL_CODEC}-frame`));
  if (s.atEnd) s.fail('empty frame');
  const header = s.uint8('header');
  if ((header & SPINEL_HEADER_FLAGS_MASK) !== SPINEL_HEADER_FLAG) {
    // spinel.h: a frame whose FLG bits are not 0b10 "MUST NOT be considered a Spinel frame".
    s.r.fail(
      `not a Spinel frame: header flag bits 0b${(header >> 6).toString(2).padStart(2, '0')}, expected 0b10`,
      0,
    );
  }
  const iid = (header & SPINEL_HEADER_IID_MASK) >> SPINEL_HEADER_IID_SHIFT;
  const tid = header & SPINEL_HEADER_TID_MASK;
  const command = s.packed('command id');
  switch (command) {
    case SPINEL_CMD.NOOP:
      s.end('NOOP (payload must be empty)');
      return { kind: 'noop', iid, tid };
    case SPINEL_CMD.RESET: {
      if (s.atEnd) return { kind: 'reset', iid, tid };
      const resetType = s.uint8('reset type');
      s.end('RESET');
      return { kind: 'reset', iid, tid, resetType };
    }
    case SPINEL_CMD.PROP_VALUE_GET: {
      const prop = s.packed('property id');
      s.end('PROP_VALUE_GET');
      return { kind: 'get', iid, tid, prop };
    }
    default:
      if (isPropValueCommand(command)) {
        const prop = s.packed('property id');
        return { kind: 'prop', iid, tid, command, prop, value: s.data() };
      }
      return { kind: 'other', iid, tid, command, payload: s.data() };
  }
}

export function propGet(tid: number, prop: number, iid = 0): PropGetFrame {
  return { kind: 'get', iid, tid, prop };
}

export function propSet(tid: number, prop: number, value: Uint8Array, iid = 0): PropValueFrame {
  return { kind: 'prop', iid, tid, command: SPINEL_CMD.PROP_VALUE_SET, prop, value };
}

export function propIs(tid: number, prop: number, value: Uint8Array, iid = 0): PropValueFrame {
  return { kind: 'prop', iid, tid, command: SPINEL_CMD.PROP_VALUE_IS, prop, value };
}
