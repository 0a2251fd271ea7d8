/**
 * The PANA security association of one session (RFC 5191 §5.3, RFC 6786): PANA_AUTH_KEY to sign
 * and check every message once EAP has produced an MSK, and PANA_PAA_ENC_KEY to carry the network
 * key in an Encr-Encap AVP. Used by both ends (pac.ts, paa.ts); a re-authentication (RFC 5191 §4.3)
 * builds a new association from the new MSK, nonces and Key-Id.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { derivePanaAuthKey, derivePanaEncrKey, verifyPanaAuth } from './auth.ts';
import type { PanaKeyInputs } from './auth.ts';
import { encodePanaMessage } from './codec.ts';
import type { PanaAvp, PanaMessage } from './codec.ts';
import { openZigbeeKeyWrap, sealZigbeeKeyWrap } from './key-wrap.ts';
import type { ZigbeeKeyWrap } from './key-wrap.ts';

export class PanaSecurityAssociation {
  readonly keyId: number;
  private readonly authKey: Uint8Array;
  private readonly paaEncKey: Uint8Array;
  private readonly msk: Uint8Array;

  constructor(
    private readonly crypto: CryptoProvider,
    inputs: PanaKeyInputs,
  ) {
    this.keyId = inputs.keyId;
    this.msk = inputs.msk.slice();
    this.authKey = derivePanaAuthKey(crypto, inputs);
    this.paaEncKey = derivePanaEncrKey(crypto, inputs, 'PAA');
  }

  /** Encodes `msg` with its AUTH AVP filled in (RFC 5191 §5.3). */
  sign(msg: PanaMessage): Uint8Array {
    return encodePanaMessage(msg, { auth: { crypto: this.crypto, key: this.authKey } });
  }

  /** Checks the AUTH AVP of received bytes (false when absent or wrong). */
  verify(bytes: Uint8Array): boolean {
    try {
      return verifyPanaAuth(this.crypto, this.authKey, bytes);
    } catch {
      return false;
    }
  }

  /** The Encr-Encap AVP carrying `wrap` in the message with this session id and sequence. */
  sealNetworkKey(sessionId: number, sequence: number, wrap: ZigbeeKeyWrap): PanaAvp {
    return sealZigbeeKeyWrap(this.crypto, this.paaEncKey, { keyId: this.keyId, sessionId, sequence }, wrap);
  }

  /** Opens an Encr-Encap value; callers verify AUTH first (key-wrap.ts). Throws DecodeError. */
  openNetworkKey(sessionId: number, sequence: number, encrypted: Uint8Array): ZigbeeKeyWrap {
    return openZigbeeKeyWrap(
      this.crypto,
      this.paaEncKey,
      { keyId: this.keyId, sessionId, sequence },
      encrypted,
    );
  }

  /** MSK and PANA_AUTH_KEY, for the edge to hand to a capture decoder or a test; never log them. */
  exportKeys(): { msk: Uint8Array; authKey: Uint8Array } {
    return { msk: this.msk.slice(), authKey: this.authKey.slice() };
  }

  /** Overwrites the key material (session end). */
  wipe(): void {
    this.authKey.fill(0);
    this.paaEncKey.fill(0);
    this.msk.fill(0);
  }
}
