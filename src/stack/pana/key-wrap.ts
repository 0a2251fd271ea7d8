/**
 * Encr-Encap contents and the ZigBee IP network-key wrap.
 *
 * Construction (mbed-os nanostack `Security/PANA/pana.c` `pana_ccm_data_crypt`, `pana_server.c`
 * `pana_avp_zip_key_material`, `pana_client.c` `pana_client_keywrap_parse`; checked against the
 * source, not copied):
 *
 * - key: PANA_PAA_ENC_KEY = prf+(MSK, "IETF PANA PAA Encr" | I_PAR | I_PAN | PaC_nonce |
 *   PAA_nonce | Key_ID)[0:16] (auth.ts derivePanaEncrKey);
 * - plaintext: the AVP list carried in the Encr-Encap, in practice exactly one vendor AVP
 *   (V flag, vendor 37244, code 1, length 18: network key 16 ‖ key index 1 ‖ auth counter 1,
 *   2 zero padding bytes) = 32 bytes, AVP header included;
 * - cipher: CCM* with security level 4 (encryption only, **no MIC**) and L = 3, so a 12-byte nonce
 *   Key-Id(4) ‖ Session-Id(4) ‖ Sequence(4), all big-endian, Sequence being the sequence number of
 *   the PAR/PNR that carries the AVP. That is plain AES-CTR with counter blocks
 *   A_i = 0x02 ‖ nonce ‖ i (3 bytes, big-endian), i = 1, 2, … (A_0 would only encrypt a MIC).
 *
 * There is no tag: integrity comes from the AUTH AVP, which covers the encrypted bytes. Callers
 * MUST verify AUTH (auth.ts verifyPanaAuth) before opening; a wrong key or a forged Encr-Encap
 * opens to garbage, which the strict AVP decoder refuses with very high probability but not
 * certainly.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { ByteWriter, DecodeError } from '../wire/index.ts';
import { decodePanaAvps, encodePanaAvps } from './codec.ts';
import type { PanaAvp } from './codec.ts';

/** Values from the message that carries the Encr-Encap AVP. */
export interface EncrEncapContext {
  /** Key-Id AVP value of the session. */
  keyId: number;
  /** PANA session identifier. */
  sessionId: number;
  /** Sequence number of the PAR/PNR carrying the Encr-Encap AVP. */
  sequence: number;
}

/** The network key as the ZigBee IP key-wrap AVP carries it. */
export interface ZigbeeKeyWrap {
  key: Uint8Array;
  keyIndex: number;
  authCounter: number;
}

/** CCM* L parameter of the construction (12-byte nonce). */
const CCM_L = 3;

/** The 12-byte nonce Key-Id ‖ Session-Id ‖ Sequence. */
export function encrEncapNonce(ctx: EncrEncapContext): Uint8Array {
  for (const [name, v] of Object.entries(ctx) as [string, number][]) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${name} ${v} is not a u32`);
  }
  return new ByteWriter(12).u32be(ctx.keyId).u32be(ctx.sessionId).u32be(ctx.sequence).finish();
}

function ctr(crypto: CryptoProvider, key: Uint8Array, ctx: EncrEncapContext, data: Uint8Array): Uint8Array {
  if (key.length !== 16) throw new RangeError('PANA encryption key must be 16 bytes');
  // CCM A_1: flags = L - 1, nonce, counter = 1 (A_0 is reserved for the MIC, unused at level 4).
  const a1 = new ByteWriter(16)
    .u8(CCM_L - 1)
    .bytes(encrEncapNonce(ctx))
    .u8(0)
    .u16be(1)
    .finish();
  return crypto.aes128Ctr(key, a1, data);
}

/** Encrypts an AVP list into an Encr-Encap value. */
export function sealEncrEncap(
  crypto: CryptoProvider,
  encKey: Uint8Array,
  ctx: EncrEncapContext,
  avps: readonly PanaAvp[],
): Uint8Array {
  const plain = encodePanaAvps(avps);
  if (plain.length === 0) throw new RangeError('Encr-Encap needs at least one AVP');
  return ctr(crypto, encKey, ctx, plain);
}

/**
 * Decrypts an Encr-Encap value into its AVP list. Throws DecodeError when the plaintext is not a
 * valid AVP list (wrong key, wrong context, or tampering the AUTH check should already have caught).
 */
export function openEncrEncap(
  crypto: CryptoProvider,
  encKey: Uint8Array,
  ctx: EncrEncapContext,
  encrypted: Uint8Array,
): PanaAvp[] {
  return decodePanaAvps(ctr(crypto, encKey, ctx, encrypted));
}

/** The Encr-Encap AVP that delivers a network key to a ZigBee IP PaC. */
export function sealZigbeeKeyWrap(
  crypto: CryptoProvider,
  paaEncKey: Uint8Array,
  ctx: EncrEncapContext,
  wrap: ZigbeeKeyWrap,
): PanaAvp {
  const encrypted = sealEncrEncap(crypto, paaEncKey, ctx, [{ kind: 'zigbee-key-wrap', ...wrap }]);
  return { kind: 'encr-encap', encrypted };
}

/** Opens an Encr-Encap value and returns the ZigBee IP key-wrap inside; DecodeError if absent. */
export function openZigbeeKeyWrap(
  crypto: CryptoProvider,
  paaEncKey: Uint8Array,
  ctx: EncrEncapContext,
  encrypted: Uint8Array,
): ZigbeeKeyWrap {
  const avps = openEncrEncap(crypto, paaEncKey, ctx, encrypted);
  const wraps = avps.filter((a) => a.kind === 'zigbee-key-wrap');
  if (wraps.length !== 1) {
    throw new DecodeError('pana', `Encr-Encap holds ${wraps.length} ZigBee IP key-wrap AVPs, expected 1`, 0);
  }
  const w = wraps[0]!;
  return { key: w.key, keyIndex: w.keyIndex, authCounter: w.authCounter };
}
