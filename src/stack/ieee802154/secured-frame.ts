/**
 * Frame security with CCM* (802.15.4-2015 §9.2, §9.3; 802.15.4-2006 §7.5.8.2, §7.6.3).
 *
 * On air a secured frame is MHR (incl. auxiliary security header and header IEs) ‖ open payload
 * ‖ private payload (encrypted at levels 4–7) ‖ MIC (‖ FCS). CCM* inputs (2015 §9.3.5, 2006 §7.6.3.4):
 * - levels 1–3 (MIC only): a = MHR ‖ open ‖ private, m = empty;
 * - levels 4–7: a = MHR ‖ open, m = private payload.
 * The open payload is empty for frame version 2 and for data frames; see `openPayloadLength`.
 * Anti-replay (frame counter checks) is the caller's job (the mesh layer).
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { ByteReader } from '../wire/index.ts';
import { CODEC, isEncrypting, MIC_LENGTH } from './constants.ts';
import type { FcsLength } from './fcs.ts';
import { appendFcs } from './fcs.ts';
import { concatBytes } from '../wire/index.ts';
import type { MacFrame } from './frame.ts';
import { encodeMacHeader, openPayloadLength, parseFrame } from './frame.ts';
import { ccmStarNonce } from './security-header.ts';

export interface SecureFrameOptions {
  /** FCS octets to append: 0 (none), 2, or 4 (SUN PHY). */
  fcsLength?: FcsLength;
}

/**
 * Secures `frame` and returns the bytes as transmitted. `frame.auxSecurityHeader` gives level,
 * key id mode, key index/source and frame counter; `frame.payload` is the plaintext MAC payload.
 * `sourceExtendedAddress` is the originator's extended address for the nonce (§9.3.2.2), needed
 * even when the MHR carries a short source address. Throws RangeError on unsupported settings.
 */
export function secureFrame(
  crypto: CryptoProvider,
  key: Uint8Array,
  frame: MacFrame,
  sourceExtendedAddress: bigint,
  options: SecureFrameOptions = {},
): Uint8Array {
  const h = frame.auxSecurityHeader;
  if (!h) throw new RangeError('secureFrame needs an auxiliary security header');
  // 802.15.4-2015 §9.2.1: security level 0 means an unsecured frame (Security Enabled = 0).
  if (h.securityLevel === 0) throw new RangeError('security level 0 is not a secured frame');
  if (h.frameCounterSuppression || h.asnInNonce) {
    // §9.3.2.2: with frame counter suppression the TSCH ASN replaces the counter in the nonce.
    throw new RangeError('TSCH nonces (frame counter suppression / ASN in nonce) are not supported');
  }
  if (key.length !== 16) throw new RangeError('an 802.15.4 key is 16 bytes');
  const header = encodeMacHeader(frame);
  const plain = frame.payload;
  const open = openPayloadLength(
    frame.frameType,
    frame.frameVersion,
    new ByteReader(plain, CODEC),
    plain.length,
  );
  const nonce = ccmStarNonce(sourceExtendedAddress, h.frameCounter, h.securityLevel);
  const openPart = plain.subarray(0, open);
  const privatePart = plain.subarray(open);
  let secured: Uint8Array;
  if (isEncrypting(h.securityLevel)) {
    secured = crypto.ccmStarSeal(key, nonce, h.securityLevel, concatBytes(header, openPart), privatePart);
  } else {
    const mic = crypto.ccmStarSeal(
      key,
      nonce,
      h.securityLevel,
      concatBytes(header, plain),
      new Uint8Array(0),
    );
    secured = concatBytes(privatePart, mic);
  }
  return appendFcs(concatBytes(header, openPart, secured), options.fcsLength ?? 0);
}

/** Why a well-formed secured frame was not accepted. None of these is a DecodeError. */
export type UnsecureFailure =
  /** The MIC did not verify: wrong key, wrong nonce (source address / counter) or a tampered frame. */
  | 'authentication-failed'
  /** The key lookup found no key for this frame. */
  | 'no-key'
  /** The originator's extended address (nonce input) is unknown: short source address not resolved. */
  | 'no-source-address'
  /** Security level 0 with Security Enabled, or a TSCH nonce (frame counter suppression / ASN). */
  | 'unsupported-security';

export type UnsecureResult =
  | { ok: true; secured: boolean; frame: MacFrame }
  | { ok: false; failure: UnsecureFailure; frame: MacFrame };

export interface UnsecureFrameOptions {
  /** FCS octets at the end of `bytes`, verified and stripped: 0 (none), 2, or 4. */
  fcsLength?: FcsLength;
  /** Resolves the originator's extended address when the MHR carries a short source address (or none). */
  sourceExtendedAddress?: (frame: MacFrame) => bigint | undefined;
}

/** Key lookup by the frame's addressing and key identifier (802.15.4-2015 §9.2.2). */
export type KeyLookup = (frame: MacFrame) => Uint8Array | undefined;

/**
 * Decodes `bytes` and removes the security: returns the frame with its plaintext payload (open
 * payload ‖ decrypted private payload, MIC removed). Malformed input throws DecodeError; a
 * well-formed frame that does not authenticate is `{ ok: false, failure }`. Unsecured frames are
 * returned with `secured: false` — the caller decides whether that is acceptable. Level 4 (ENC,
 * no MIC) cannot detect tampering.
 */
export function unsecureFrame(
  crypto: CryptoProvider,
  keyLookup: KeyLookup,
  bytes: Uint8Array,
  options: UnsecureFrameOptions = {},
): UnsecureResult {
  const parsed = parseFrame(bytes, { fcsLength: options.fcsLength ?? 0 });
  const { frame, mpdu, headerLength, openLength } = parsed;
  const h = frame.auxSecurityHeader;
  if (!h) return { ok: true, secured: false, frame };
  // 802.15.4-2015 §9.2.4 / 2006 §7.5.8.2.3 (c): level 0 in a secured frame is UNSUPPORTED_SECURITY.
  if (h.securityLevel === 0 || h.frameCounterSuppression || h.asnInNonce) {
    return { ok: false, failure: 'unsupported-security', frame };
  }
  const source =
    typeof frame.srcAddress === 'bigint' ? frame.srcAddress : options.sourceExtendedAddress?.(frame);
  if (source === undefined) return { ok: false, failure: 'no-source-address', frame };
  const key = keyLookup(frame);
  if (!key) return { ok: false, failure: 'no-key', frame };
  const nonce = ccmStarNonce(source, h.frameCounter, h.securityLevel);
  const openEnd = headerLength + openLength;
  let plaintext: Uint8Array | null;
  if (isEncrypting(h.securityLevel)) {
    plaintext = crypto.ccmStarOpen(
      key,
      nonce,
      h.securityLevel,
      mpdu.subarray(0, openEnd),
      mpdu.subarray(openEnd),
    );
  } else {
    const micAt = mpdu.length - MIC_LENGTH[h.securityLevel]!;
    const ok = crypto.ccmStarOpen(key, nonce, h.securityLevel, mpdu.subarray(0, micAt), mpdu.subarray(micAt));
    plaintext = ok === null ? null : mpdu.slice(openEnd, micAt);
  }
  if (plaintext === null) return { ok: false, failure: 'authentication-failed', frame };
  return {
    ok: true,
    secured: true,
    frame: { ...frame, payload: concatBytes(mpdu.subarray(headerLength, openEnd), plaintext) },
  };
}
