/**
 * MLE datagrams (UDP 19788): Security Suite ‖ [Aux Security Header] ‖ Command ‖ TLVs ‖ [MIC].
 *
 * Security (suite 0) is CCM* under the MLE key (link-keys.ts), as Wireshark
 * `epan/dissectors/packet-mle.c` `dissect_mle_decrypt` checks it:
 * - nonce: 802.15.4 CCM* nonce from the *MAC-layer* source extended address of the frame that
 *   carried the datagram, the aux header's frame counter and security level;
 * - authenticated data: IPv6 source address (16) ‖ IPv6 destination address (16) ‖ the aux
 *   security header bytes as on air (without the suite byte); for MIC-only levels the clear
 *   command and TLVs are authenticated too;
 * - MIC length from the level (5 = ENC-MIC-32, the ZigBee IP default).
 * The same layout is Thread's (Thread 1.1 §4.6/§7.1); ZigBee IP (nanostack mle_service) uses it too.
 */
import {
  ccmStarNonce,
  decodeAuxSecurityHeader,
  encodeAuxSecurityHeader,
} from '../ieee802154/security-header.ts';
import type { AuxSecurityHeader } from '../ieee802154/security-header.ts';
import type { CryptoProvider, SecurityLevel } from '../crypto/provider.ts';
import { ByteReader, ByteWriter, concatBytes } from '../wire/index.ts';
import { MLE_SECURITY_SUITE } from './constants.ts';
import { decodeMleTlvs, writeMleTlvs } from './tlv.ts';
import type { MleTlv } from './tlv.ts';

const CODEC = 'mle';

/** MIC length per security level (802.15.4-2015 Table 9-6). */
const MIC_LENGTH: Record<SecurityLevel, number> = { 0: 0, 1: 4, 2: 8, 3: 16, 4: 0, 5: 4, 6: 8, 7: 16 };

export interface MleMessage {
  /** MLE_COMMAND value (other numbers are kept, e.g. Thread's 7–17). */
  command: number;
  tlvs: MleTlv[];
}

/** A datagram as read off the wire, before any key is applied. */
export type MleFrame =
  | { secured: false; message: MleMessage }
  | {
      secured: true;
      auxHeader: AuxSecurityHeader;
      /** The aux header bytes as on air (part of the authenticated data). */
      auxBytes: Uint8Array;
      /** Command ‖ TLVs, encrypted for levels 4–7, in clear for 1–3. */
      payload: Uint8Array;
      mic: Uint8Array;
    };

/** Addressing the CCM* nonce and authenticated data depend on. */
export interface MleSecurityContext {
  /** MLE key (link-keys.ts deriveLinkKeys(...).mleKey). */
  key: Uint8Array;
  /** 802.15.4 source extended address of the sender (as printed, i.e. big-endian). */
  sourceExtendedAddress: bigint;
  /** IPv6 source address of the datagram (16 bytes). */
  ipv6Source: Uint8Array;
  /** IPv6 destination address of the datagram (16 bytes). */
  ipv6Destination: Uint8Array;
}

function decodeMessageBody(r: ByteReader): MleMessage {
  const command = r.u8('command');
  return { command, tlvs: decodeMleTlvs(r) };
}

/** Decodes a datagram's framing (and, when unsecured, its contents). Throws DecodeError. */
export function decodeMleFrame(bytes: Uint8Array): MleFrame {
  const r = new ByteReader(bytes, CODEC);
  const suite = r.u8('security suite');
  if (suite === MLE_SECURITY_SUITE.NONE) return { secured: false, message: decodeMessageBody(r) };
  if (suite !== MLE_SECURITY_SUITE.IEEE802154) r.fail(`unknown security suite ${suite}`, 0);
  const auxAt = r.offset;
  const auxHeader = decodeAuxSecurityHeader(r);
  const auxBytes = bytes.slice(auxAt, r.offset);
  if (auxHeader.securityLevel === 0) r.fail('security suite 0 with security level 0', auxAt);
  if (auxHeader.frameCounterSuppression || auxHeader.asnInNonce) {
    // The MLE nonce needs the frame counter; TSCH-only options have no meaning here.
    r.fail('frame counter suppression / ASN-in-nonce in an MLE aux header', auxAt);
  }
  const micLength = MIC_LENGTH[auxHeader.securityLevel];
  if (r.remaining < 1 + micLength) {
    r.fail(`secured payload of ${r.remaining} bytes cannot hold a command and a ${micLength}-byte MIC`);
  }
  const payload = r.bytesCopy(r.remaining - micLength, 'secured payload');
  const mic = r.bytesCopy(micLength, 'MIC');
  return { secured: true, auxHeader, auxBytes, payload, mic };
}

/** Encodes an unsecured datagram (suite 255). */
export function encodeMleUnsecured(message: MleMessage): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(MLE_SECURITY_SUITE.NONE);
  writeBody(w, message);
  return w.finish();
}

function writeBody(w: ByteWriter, m: MleMessage): void {
  if (!Number.isInteger(m.command) || m.command < 0 || m.command > 0xff) {
    throw new RangeError(`command ${m.command} is not a u8`);
  }
  w.u8(m.command);
  writeMleTlvs(w, m.tlvs);
}

function checkContext(ctx: MleSecurityContext): void {
  if (ctx.key.length !== 16) throw new RangeError('MLE key must be 16 bytes');
  if (ctx.ipv6Source.length !== 16 || ctx.ipv6Destination.length !== 16) {
    throw new RangeError('IPv6 addresses must be 16 bytes');
  }
}

/** The authenticated data: IPv6 source ‖ IPv6 destination ‖ aux header (packet-mle.c). */
export function mleAuthenticatedData(ctx: MleSecurityContext, auxBytes: Uint8Array): Uint8Array {
  return concatBytes(ctx.ipv6Source, ctx.ipv6Destination, auxBytes);
}

/** Encodes a secured datagram (suite 0) under `ctx.key`. Level 5 (ENC-MIC-32) is the ZigBee IP default. */
export function sealMle(
  crypto: CryptoProvider,
  message: MleMessage,
  auxHeader: AuxSecurityHeader,
  ctx: MleSecurityContext,
): Uint8Array {
  checkContext(ctx);
  if (auxHeader.securityLevel === 0) throw new RangeError('secured MLE needs a security level 1..7');
  if (auxHeader.frameCounterSuppression || auxHeader.asnInNonce) {
    throw new RangeError('MLE needs the frame counter in the aux header');
  }
  const auxBytes = encodeAuxSecurityHeader(auxHeader);
  const body = new ByteWriter(64);
  writeBody(body, message);
  const plain = body.finish();
  const level = auxHeader.securityLevel;
  const nonce = ccmStarNonce(ctx.sourceExtendedAddress, auxHeader.frameCounter, level);
  const aad = mleAuthenticatedData(ctx, auxBytes);
  // ccmStarSeal returns ciphertext ‖ MIC (for MIC-only levels: plaintext ‖ MIC, with the
  // plaintext authenticated as part of a(m) exactly as packet-mle.c does).
  const sealed = crypto.ccmStarSeal(ctx.key, nonce, level, aad, plain);
  return concatBytes(Uint8Array.of(MLE_SECURITY_SUITE.IEEE802154), auxBytes, sealed);
}

/**
 * Checks and decrypts a secured frame: `null` when the MIC does not verify (wrong key, wrong
 * addresses, tampering); DecodeError when the decrypted command/TLVs are malformed.
 */
export function openMle(
  crypto: CryptoProvider,
  frame: Extract<MleFrame, { secured: true }>,
  ctx: MleSecurityContext,
): MleMessage | null {
  checkContext(ctx);
  const level = frame.auxHeader.securityLevel;
  const nonce = ccmStarNonce(ctx.sourceExtendedAddress, frame.auxHeader.frameCounter, level);
  const aad = mleAuthenticatedData(ctx, frame.auxBytes);
  const plain = crypto.ccmStarOpen(ctx.key, nonce, level, aad, concatBytes(frame.payload, frame.mic));
  if (plain === null) return null;
  // Offsets in errors are relative to the decrypted body.
  return decodeMessageBody(new ByteReader(plain, CODEC));
}
