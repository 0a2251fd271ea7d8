/** fast-check generators of valid 802.15.4 frames over all versions, types and addressing modes. */
import fc from 'fast-check';
import type {
  AuxSecurityHeader,
  HeaderIe,
  MacAddress,
  MacFrame,
} from '../../../src/stack/ieee802154/index.ts';
import { MIC_LENGTH, panIdPresence } from '../../../src/stack/ieee802154/index.ts';

const modeOf = (a: MacAddress | undefined): 0 | 2 | 3 =>
  a === undefined ? 0 : typeof a === 'bigint' ? 3 : 2;

const addressArb: fc.Arbitrary<MacAddress | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.nat({ max: 0xffff }),
  fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
);

const headerIeArb: fc.Arbitrary<HeaderIe> = fc
  .tuple(
    fc.nat({ max: 0xff }).filter((id) => id !== 0x7e && id !== 0x7f),
    fc.uint8Array({ maxLength: 20 }),
  )
  .map(([elementId, content]) => ({ elementId, content }));

/** A 2003/2006 beacon payload: superframe spec, GTS fields, pending addresses, beacon payload. */
const legacyBeaconPayloadArb = fc
  .record({
    superframe: fc.uint8Array({ minLength: 2, maxLength: 2 }),
    gtsCount: fc.nat({ max: 2 }),
    gtsPermit: fc.boolean(),
    shortCount: fc.nat({ max: 2 }),
    extCount: fc.nat({ max: 1 }),
    filler: fc.uint8Array({ minLength: 40, maxLength: 40 }),
    rest: fc.uint8Array({ maxLength: 16 }),
  })
  .map(({ superframe, gtsCount, gtsPermit, shortCount, extCount, filler, rest }) => {
    const parts: number[] = [...superframe, gtsCount | (gtsPermit ? 0x80 : 0)];
    if (gtsCount > 0) parts.push(...filler.subarray(0, 1 + 3 * gtsCount));
    parts.push(shortCount | (extCount << 4));
    parts.push(...filler.subarray(0, 2 * shortCount + 8 * extCount));
    return new Uint8Array([...parts, ...rest]);
  });

const securityArb = fc.record({
  securityLevel: fc.constantFrom(1, 2, 3, 4, 5, 6, 7 as const),
  keyIdMode: fc.constantFrom(0, 1, 2, 3 as const),
  frameCounter: fc.nat({ max: 0xffffffff }),
  keyIndex: fc.nat({ max: 0xff }),
  keySource: fc.uint8Array({ minLength: 8, maxLength: 8 }),
});

export interface FrameArbOptions {
  /** Only frames with an auxiliary security header whose level and counter can be used by secureFrame. */
  secured?: boolean;
}

/**
 * Valid frames. For secured frames the payload is the plaintext payload *sized as on air*, so the
 * arbitrary produces frames that also round-trip through encodeFrame/decodeFrame when `secured`
 * is not set (payload long enough for the MIC).
 */
export function macFrameArb(options: FrameArbOptions = {}): fc.Arbitrary<MacFrame> {
  return fc
    .record({
      frameVersion: fc.constantFrom(0, 1, 2 as const),
      frameType: fc.constantFrom(0, 1, 2, 3 as const),
      framePending: fc.boolean(),
      ackRequest: fc.boolean(),
      seq: fc.nat({ max: 0xff }),
      suppressSeq: fc.boolean(),
      dst: addressArb,
      src: addressArb,
      compression: fc.boolean(),
      dstPan: fc.nat({ max: 0xffff }),
      srcPan: fc.nat({ max: 0xffff }),
      security: options.secured ? securityArb : fc.option(securityArb, { nil: undefined, freq: 2 }),
      ies: fc.option(fc.array(headerIeArb, { maxLength: 3 }), { nil: undefined }),
      termination: fc.constantFrom(0x7e, 0x7f, undefined),
      payload: fc.uint8Array({ maxLength: 40 }),
      beaconPayload: legacyBeaconPayloadArb,
    })
    .map((g) => {
      const legacy = g.frameVersion < 2;
      let dst = g.dst;
      let src = g.src;
      let security = g.security;
      let payload = g.payload;
      if (legacy && g.frameType === 2) {
        // 2003/2006 immediate acknowledgment: FC and sequence number only.
        dst = undefined;
        src = undefined;
        security = undefined;
        payload = new Uint8Array(0);
      }
      if (legacy && g.frameType === 0) {
        dst = undefined;
        src ??= 0x1234;
        payload = g.beaconPayload;
      }
      if (legacy && g.frameType === 3 && payload.length === 0) payload = new Uint8Array([0x04]);
      if (g.frameVersion === 0) security = undefined;
      let compression = g.compression;
      let pans = panIdPresence(g.frameVersion, modeOf(dst), modeOf(src), compression);
      if (!pans) {
        compression = false;
        pans = panIdPresence(g.frameVersion, modeOf(dst), modeOf(src), compression)!;
      }
      const frame: MacFrame = {
        frameType: g.frameType,
        frameVersion: g.frameVersion,
        framePending: g.framePending,
        ackRequest: g.ackRequest,
        payload,
      };
      if (legacy || !g.suppressSeq) frame.sequenceNumber = g.seq;
      if (pans.dst) frame.dstPanId = g.dstPan;
      if (dst !== undefined) frame.dstAddress = dst;
      if (pans.src) frame.srcPanId = g.srcPan;
      if (src !== undefined) frame.srcAddress = src;
      let micLength = 0;
      if (security) {
        const h: AuxSecurityHeader = {
          securityLevel: security.securityLevel,
          keyIdMode: security.keyIdMode,
          frameCounter: security.frameCounter,
        };
        if (security.keyIdMode >= 1) h.keyIndex = security.keyIndex;
        if (security.keyIdMode === 2) h.keySource = security.keySource.slice(0, 4);
        if (security.keyIdMode === 3) h.keySource = security.keySource;
        frame.auxSecurityHeader = h;
        micLength = MIC_LENGTH[h.securityLevel]!;
      }
      if (!options.secured && micLength > 0) {
        // As decoded, a secured frame's payload ends with the MIC.
        const p = new Uint8Array(frame.payload.length + micLength);
        p.set(frame.payload);
        frame.payload = p;
      }
      if (!legacy && g.ies) {
        const ies = [...g.ies];
        // Without a termination IE the header IEs run to the MIC, so nothing but the MIC may follow.
        const mustTerminate = options.secured ? frame.payload.length > 0 : frame.payload.length > micLength;
        const t = g.termination ?? (mustTerminate ? 0x7f : undefined);
        if (t !== undefined) ies.push({ elementId: t, content: new Uint8Array(0) });
        frame.headerIes = ies;
      }
      return frame;
    })
    .filter((f) => !options.secured || f.auxSecurityHeader !== undefined);
}
