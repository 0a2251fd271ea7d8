/**
 * MLE TLVs: Type (1 byte) ‖ Length (1 byte) ‖ Value. Value layouts follow Wireshark
 * `epan/dissectors/packet-mle.c` (`dissect_mle`) for types 0–8; other types stay `unknown`.
 */
import { ByteReader, ByteWriter } from '../wire/index.ts';
import {
  MLE_LINK_QUALITY_FLAG,
  MLE_NEIGHBOR_FLAG,
  MLE_NETWORK_PARAMETER,
  MLE_TLV_TYPE,
} from './constants.ts';

const CODEC = 'mle';

export interface MleLinkQualityNeighbor {
  incoming: boolean;
  outgoing: boolean;
  priority: boolean;
  /** Inverse delivery ratio byte. */
  idr: number;
  /** Neighbour address, `addressSize` bytes as on air. */
  address: Uint8Array;
}

export type MleTlv =
  /** 2-byte short or 8-byte extended address, as on air (big-endian). */
  | { kind: 'source-address'; address: Uint8Array }
  /** Capability byte (device type, idle receiver, …). */
  | { kind: 'mode'; mode: number }
  /** Seconds, u32. */
  | { kind: 'timeout'; seconds: number }
  | { kind: 'challenge'; challenge: Uint8Array }
  | { kind: 'response'; response: Uint8Array }
  | { kind: 'link-layer-frame-counter'; counter: number }
  | { kind: 'mle-frame-counter'; counter: number }
  | { kind: 'link-quality'; complete: boolean; addressSize: number; neighbors: MleLinkQualityNeighbor[] }
  /**
   * Parameter id ‖ delay (u32, ms) ‖ value: Channel and PAN ID 2 bytes, Permit Join 1 byte,
   * Beacon Payload and unknown ids any length.
   */
  | { kind: 'network-parameter'; parameterId: number; delay: number; value: Uint8Array }
  | { kind: 'unknown'; type: number; value: Uint8Array };

const NEIGHBOR_RESERVED = 0x1f;
const LQ_RESERVED = 0x70;

function fixedParamLength(id: number): number | undefined {
  switch (id) {
    case MLE_NETWORK_PARAMETER.CHANNEL:
    case MLE_NETWORK_PARAMETER.PAN_ID:
      return 2;
    case MLE_NETWORK_PARAMETER.PERMIT_JOIN:
      return 1;
    default:
      return undefined;
  }
}

/** Decodes TLVs until the reader is exhausted. */
export function decodeMleTlvs(r: ByteReader): MleTlv[] {
  const out: MleTlv[] = [];
  while (!r.atEnd) out.push(decodeTlv(r));
  return out;
}

function decodeTlv(outer: ByteReader): MleTlv {
  const at = outer.offset;
  const type = outer.u8('TLV type');
  const length = outer.u8('TLV length');
  const r = outer.sub(length, `TLV ${type} value (${length} bytes)`);
  const fail = (reason: string): never => outer.fail(`TLV ${type}: ${reason}`, at);
  const u32 = (what: string): number => {
    if (length !== 4) fail(`${what} must be 4 bytes, is ${length}`);
    return r.u32be(what);
  };
  switch (type) {
    case MLE_TLV_TYPE.SOURCE_ADDRESS:
      if (length !== 2 && length !== 8) fail(`Source Address must be 2 or 8 bytes, is ${length}`);
      return { kind: 'source-address', address: r.rest() };
    case MLE_TLV_TYPE.MODE:
      if (length !== 1) fail(`Mode must be 1 byte, is ${length}`);
      return { kind: 'mode', mode: r.u8('mode') };
    case MLE_TLV_TYPE.TIMEOUT:
      return { kind: 'timeout', seconds: u32('Timeout') };
    case MLE_TLV_TYPE.CHALLENGE:
      if (length === 0) fail('empty Challenge');
      return { kind: 'challenge', challenge: r.rest() };
    case MLE_TLV_TYPE.RESPONSE:
      if (length === 0) fail('empty Response');
      return { kind: 'response', response: r.rest() };
    case MLE_TLV_TYPE.LINK_LAYER_FRAME_COUNTER:
      return { kind: 'link-layer-frame-counter', counter: u32('Link-layer Frame Counter') };
    case MLE_TLV_TYPE.MLE_FRAME_COUNTER:
      return { kind: 'mle-frame-counter', counter: u32('MLE Frame Counter') };
    case MLE_TLV_TYPE.LINK_QUALITY: {
      const head = r.u8('Link Quality flags');
      if (head & LQ_RESERVED) fail('reserved Link Quality flag bits set');
      const addressSize = (head & MLE_LINK_QUALITY_FLAG.SIZE_MASK) + 1;
      const entry = 2 + addressSize;
      if ((length - 1) % entry !== 0)
        fail(`Link Quality body of ${length - 1} bytes is not a multiple of ${entry}`);
      const neighbors: MleLinkQualityNeighbor[] = [];
      while (!r.atEnd) {
        const f = r.u8('neighbor flags');
        if (f & NEIGHBOR_RESERVED) fail('reserved neighbor flag bits set');
        neighbors.push({
          incoming: (f & MLE_NEIGHBOR_FLAG.INCOMING) !== 0,
          outgoing: (f & MLE_NEIGHBOR_FLAG.OUTGOING) !== 0,
          priority: (f & MLE_NEIGHBOR_FLAG.PRIORITY) !== 0,
          idr: r.u8('IDR'),
          address: r.bytesCopy(addressSize, 'neighbor address'),
        });
      }
      return {
        kind: 'link-quality',
        complete: (head & MLE_LINK_QUALITY_FLAG.COMPLETE) !== 0,
        addressSize,
        neighbors,
      };
    }
    case MLE_TLV_TYPE.NETWORK_PARAMETER: {
      const parameterId = r.u8('parameter id');
      const delay = r.u32be('delay');
      const value = r.rest();
      const want = fixedParamLength(parameterId);
      if (want !== undefined && value.length !== want) {
        fail(`Network Parameter ${parameterId} value must be ${want} bytes, is ${value.length}`);
      }
      return { kind: 'network-parameter', parameterId, delay, value };
    }
    default:
      return { kind: 'unknown', type, value: r.rest() };
  }
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} ${v} is not a u32`);
  return v;
}

function u8(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${what} ${v} is not a u8`);
  return v;
}

function tlvValue(t: MleTlv): { type: number; value: Uint8Array } {
  switch (t.kind) {
    case 'source-address':
      if (t.address.length !== 2 && t.address.length !== 8)
        throw new RangeError('Source Address must be 2 or 8 bytes');
      return { type: MLE_TLV_TYPE.SOURCE_ADDRESS, value: t.address };
    case 'mode':
      return { type: MLE_TLV_TYPE.MODE, value: Uint8Array.of(u8(t.mode, 'mode')) };
    case 'timeout':
      return {
        type: MLE_TLV_TYPE.TIMEOUT,
        value: new ByteWriter(4).u32be(u32(t.seconds, 'timeout')).finish(),
      };
    case 'challenge':
      if (t.challenge.length === 0) throw new RangeError('empty Challenge');
      return { type: MLE_TLV_TYPE.CHALLENGE, value: t.challenge };
    case 'response':
      if (t.response.length === 0) throw new RangeError('empty Response');
      return { type: MLE_TLV_TYPE.RESPONSE, value: t.response };
    case 'link-layer-frame-counter':
      return {
        type: MLE_TLV_TYPE.LINK_LAYER_FRAME_COUNTER,
        value: new ByteWriter(4).u32be(u32(t.counter, 'frame counter')).finish(),
      };
    case 'mle-frame-counter':
      return {
        type: MLE_TLV_TYPE.MLE_FRAME_COUNTER,
        value: new ByteWriter(4).u32be(u32(t.counter, 'frame counter')).finish(),
      };
    case 'link-quality': {
      if (!Number.isInteger(t.addressSize) || t.addressSize < 1 || t.addressSize > 16) {
        throw new RangeError(`Link Quality address size ${t.addressSize} is not 1..16`);
      }
      const w = new ByteWriter(1 + t.neighbors.length * (2 + t.addressSize));
      w.u8((t.complete ? MLE_LINK_QUALITY_FLAG.COMPLETE : 0) | (t.addressSize - 1));
      for (const n of t.neighbors) {
        if (n.address.length !== t.addressSize) throw new RangeError('neighbor address length ≠ addressSize');
        w.u8(
          (n.incoming ? MLE_NEIGHBOR_FLAG.INCOMING : 0) |
            (n.outgoing ? MLE_NEIGHBOR_FLAG.OUTGOING : 0) |
            (n.priority ? MLE_NEIGHBOR_FLAG.PRIORITY : 0),
        )
          .u8(u8(n.idr, 'IDR'))
          .bytes(n.address);
      }
      return { type: MLE_TLV_TYPE.LINK_QUALITY, value: w.finish() };
    }
    case 'network-parameter': {
      const want = fixedParamLength(t.parameterId);
      if (want !== undefined && t.value.length !== want) {
        throw new RangeError(`Network Parameter ${t.parameterId} value must be ${want} bytes`);
      }
      return {
        type: MLE_TLV_TYPE.NETWORK_PARAMETER,
        value: new ByteWriter(5 + t.value.length)
          .u8(u8(t.parameterId, 'parameter id'))
          .u32be(u32(t.delay, 'delay'))
          .bytes(t.value)
          .finish(),
      };
    }
    case 'unknown':
      return { type: u8(t.type, 'TLV type'), value: t.value };
  }
}

export function writeMleTlvs(w: ByteWriter, tlvs: readonly MleTlv[]): void {
  for (const t of tlvs) {
    const { type, value } = tlvValue(t);
    if (value.length > 0xff) throw new RangeError(`TLV ${type} value of ${value.length} bytes exceeds 255`);
    w.u8(type).u8(value.length).bytes(value);
  }
}

export function encodeMleTlvs(tlvs: readonly MleTlv[]): Uint8Array {
  const w = new ByteWriter(64);
  writeMleTlvs(w, tlvs);
  return w.finish();
}

/** Decodes a bare TLV list. */
export function decodeMleTlvList(bytes: Uint8Array): MleTlv[] {
  return decodeMleTlvs(new ByteReader(bytes, CODEC));
}
