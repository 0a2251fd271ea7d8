/**
 * EAP packet codec (RFC 3748 §4). EAP over PANA carries exactly one packet per EAP-Payload AVP,
 * so the Length field must equal the bytes given (no trailing padding accepted).
 */
import { ByteReader, ByteWriter, DecodeError } from '../wire/index.ts';
import { EAP_CODE, EAP_HEADER_LENGTH, EAP_TYPE } from './constants.ts';

const CODEC = 'eap';

export type EapPacket =
  | {
      code: typeof EAP_CODE.REQUEST | typeof EAP_CODE.RESPONSE;
      identifier: number;
      /** Method type (RFC 3748 §5). */
      type: number;
      /** Everything after the Type byte. */
      typeData: Uint8Array;
    }
  | { code: typeof EAP_CODE.SUCCESS | typeof EAP_CODE.FAILURE; identifier: number };

export function decodeEapPacket(bytes: Uint8Array): EapPacket {
  const r = new ByteReader(bytes, CODEC);
  const code = r.u8('code');
  const identifier = r.u8('identifier');
  const length = r.u16be('length');
  if (length !== bytes.length)
    r.fail(`length field says ${length} but the packet is ${bytes.length} bytes`, 2);
  switch (code) {
    case EAP_CODE.REQUEST:
    case EAP_CODE.RESPONSE: {
      // RFC 3748 §4.1: Request/Response carry a Type.
      if (length < EAP_HEADER_LENGTH + 1) r.fail(`Request/Response of ${length} bytes has no Type`, 2);
      const type = r.u8('type');
      if (type === 0) r.fail('type 0 is reserved', 4);
      const typeData = r.rest();
      return { code, identifier, type, typeData };
    }
    case EAP_CODE.SUCCESS:
    case EAP_CODE.FAILURE:
      // RFC 3748 §4.2: Success/Failure have no data.
      if (length !== EAP_HEADER_LENGTH) r.fail(`Success/Failure must be 4 bytes, is ${length}`, 2);
      return { code, identifier };
    default:
      return r.fail(`unknown code ${code}`, 0);
  }
}

/**
 * decodeEapPacket for what the other side sent: undefined instead of a DecodeError, since every
 * method silently discards and counts a malformed packet (RFC 3748 §7.2).
 */
export function decodeReceivedEapPacket(bytes: Uint8Array): EapPacket | undefined {
  try {
    return decodeEapPacket(bytes);
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

export function encodeEapPacket(p: EapPacket): Uint8Array {
  if (!Number.isInteger(p.identifier) || p.identifier < 0 || p.identifier > 0xff) {
    throw new RangeError(`identifier ${p.identifier} is not a u8`);
  }
  const w = new ByteWriter(64);
  if (p.code === EAP_CODE.SUCCESS || p.code === EAP_CODE.FAILURE) {
    return w.u8(p.code).u8(p.identifier).u16be(EAP_HEADER_LENGTH).finish();
  }
  if (p.code !== EAP_CODE.REQUEST && p.code !== EAP_CODE.RESPONSE)
    throw new RangeError(`code ${String(p.code)}`);
  if (!Number.isInteger(p.type) || p.type < 1 || p.type > 0xff)
    throw new RangeError(`type ${p.type} is not 1..255`);
  const length = EAP_HEADER_LENGTH + 1 + p.typeData.length;
  if (length > 0xffff) throw new RangeError(`EAP packet of ${length} bytes does not fit the length field`);
  return w.u8(p.code).u8(p.identifier).u16be(length).u8(p.type).bytes(p.typeData).finish();
}

/** RFC 3748 §5.1: Identity type data is the identity (UTF-8 by convention, not NUL-terminated). */
export function identityPacket(code: 1 | 2, identifier: number, identity: Uint8Array): EapPacket {
  return { code, identifier, type: EAP_TYPE.IDENTITY, typeData: identity };
}

/** RFC 3748 §5.3.1: the Legacy Nak lists the desired auth types (at least one byte; 0 = none). */
export function decodeNak(typeData: Uint8Array): number[] {
  const r = new ByteReader(typeData, 'eap-nak');
  if (typeData.length === 0) r.fail('Nak without a desired auth type');
  const types: number[] = [];
  while (!r.atEnd) types.push(r.u8('desired auth type'));
  return types;
}

export function encodeNak(desiredTypes: readonly number[]): Uint8Array {
  if (desiredTypes.length === 0) throw new RangeError('Nak needs at least one desired type (0 = none)');
  const w = new ByteWriter(desiredTypes.length);
  for (const t of desiredTypes) {
    if (!Number.isInteger(t) || t < 0 || t > 0xff) throw new RangeError(`desired type ${t} is not a u8`);
    w.u8(t);
  }
  return w.finish();
}
