// fast-check generators for PANA messages and AVPs (every AVP kind, PRY with a nested message).
import fc from 'fast-check';
import {
  encodePanaMessage,
  PANA_AVP_CODE,
  PANA_FLAG,
  PANA_MESSAGE_TYPE,
  ZIGBEE_VENDOR_ID,
} from '../../../src/stack/pana/index.ts';
import type { PanaAvp, PanaMessage, PanaMessageType } from '../../../src/stack/pana/index.ts';

const u32 = fc.nat({ max: 0xffffffff });
const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: min, maxLength: max });
const KNOWN_CODES = new Set<number>(Object.values(PANA_AVP_CODE));

/** AVPs allowed in any non-relay message (no PaC-Information / Relayed-Message). */
export const plainAvp: fc.Arbitrary<PanaAvp> = fc.oneof(
  bytes(1, 32).map((value): PanaAvp => ({ kind: 'auth', value })),
  bytes(4, 80).map((eap): PanaAvp => ({ kind: 'eap-payload', eap })),
  u32.map((algorithm): PanaAvp => ({ kind: 'integrity-algorithm', algorithm })),
  u32.map((keyId): PanaAvp => ({ kind: 'key-id', keyId })),
  bytes(8, 40).map((nonce): PanaAvp => ({ kind: 'nonce', nonce })),
  u32.map((algorithm): PanaAvp => ({ kind: 'prf-algorithm', algorithm })),
  u32.map((resultCode): PanaAvp => ({ kind: 'result-code', resultCode })),
  u32.map((seconds): PanaAvp => ({ kind: 'session-lifetime', seconds })),
  u32.map((cause): PanaAvp => ({ kind: 'termination-cause', cause })),
  bytes(1, 48).map((encrypted): PanaAvp => ({ kind: 'encr-encap', encrypted })),
  u32.map((algorithm): PanaAvp => ({ kind: 'encryption-algorithm', algorithm })),
  fc
    .record({ key: bytes(16, 16), keyIndex: fc.nat({ max: 255 }), authCounter: fc.nat({ max: 255 }) })
    .map((w): PanaAvp => ({ kind: 'zigbee-key-wrap', ...w })),
  bytes(2, 2).map((value): PanaAvp => ({ kind: 'zigbee-key-request', value })),
  fc
    .record({ code: fc.nat({ max: 0xffff }).filter((c) => !KNOWN_CODES.has(c)), value: bytes(0, 20) })
    .map((u): PanaAvp => ({ kind: 'unknown', ...u })),
  fc
    .record({
      code: fc.nat({ max: 0xffff }),
      vendorId: u32.filter((v) => v !== ZIGBEE_VENDOR_ID),
      value: bytes(0, 20),
    })
    .map((u): PanaAvp => ({ kind: 'unknown', ...u })),
);

const flagsFor = (type: PanaMessageType): fc.Arbitrary<number> => {
  const R = PANA_FLAG.REQUEST;
  switch (type) {
    case PANA_MESSAGE_TYPE.PCI:
    case PANA_MESSAGE_TYPE.RELAY:
      return fc.constant(0);
    case PANA_MESSAGE_TYPE.AUTH:
      return fc
        .subarray([R, PANA_FLAG.START, PANA_FLAG.COMPLETE, PANA_FLAG.IP_RECONFIGURATION])
        .map((a) => a.reduce((x, y) => x | y, 0));
    case PANA_MESSAGE_TYPE.NOTIFICATION:
      return fc.subarray([R, PANA_FLAG.REAUTH, PANA_FLAG.PING]).map((a) => a.reduce((x, y) => x | y, 0));
    default:
      return fc.constantFrom(0, R);
  }
};

/** Any non-relay message. */
export const plainMessage: fc.Arbitrary<PanaMessage> = fc
  .constantFrom<PanaMessageType>(
    PANA_MESSAGE_TYPE.PCI,
    PANA_MESSAGE_TYPE.AUTH,
    PANA_MESSAGE_TYPE.TERMINATION,
    PANA_MESSAGE_TYPE.NOTIFICATION,
  )
  .chain((type) =>
    fc.record({
      type: fc.constant(type),
      flags: flagsFor(type),
      sessionId: type === PANA_MESSAGE_TYPE.PCI ? fc.constant(0) : u32,
      sequence: type === PANA_MESSAGE_TYPE.PCI ? fc.constant(0) : u32,
      avps: fc.array(plainAvp, { maxLength: 6 }),
    }),
  )
  .map((m) => ({ ...m })); // fc.record builds null-prototype objects; the decoder builds plain ones

/** A PRY carrying one of the above (RFC 6345 §3), AVPs in either order plus extras. */
export const relayMessage: fc.Arbitrary<PanaMessage> = fc
  .record({
    inner: plainMessage,
    address: bytes(16, 16),
    port: fc.nat({ max: 0xffff }),
    extras: fc.array(plainAvp, { maxLength: 2 }),
    swap: fc.boolean(),
  })
  .map(({ inner, address, port, extras, swap }) => {
    const pac: PanaAvp = { kind: 'pac-information', address, port };
    const rel: PanaAvp = { kind: 'relayed-message', bytes: encodePanaMessage(inner), message: inner };
    return {
      type: PANA_MESSAGE_TYPE.RELAY,
      flags: 0,
      sessionId: 0,
      sequence: 0,
      avps: [...(swap ? [rel, pac] : [pac, rel]), ...extras],
    };
  });

export const anyMessage = fc.oneof(plainMessage, relayMessage);
