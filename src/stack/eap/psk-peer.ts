/**
 * EAP-PSK peer (RFC 4764 §3, §5): the meter's side. Holds its PSK and ID_P, answers message 1 with
 * message 2 (RAND_P, MAC_P), checks MAC_S and the protected channel of message 3, answers with
 * message 4, and exports MSK/EMSK once the EAP Success arrives.
 *
 * Forged or malformed input is silently discarded and counted (RFC 3748 §4.1, §7.2), including a
 * message 3 whose MAC_S or EAX tag does not verify: an attacker on the mesh must not be able to end
 * a legitimate conversation with one bad packet, and the real message 3 may still arrive.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { bytesEqual, DecodeError } from '../wire/index.ts';
import { EAP_CODE, EAP_TYPE } from './constants.ts';
import { decodeReceivedEapPacket, encodeEapPacket, encodeNak, identityPacket } from './packet.ts';
import {
  buildEapPskPChannelPacket,
  computeEapPskMacP,
  computeEapPskMacS,
  decodeEapPskTypeData,
  deriveEapPskAkKdk,
  deriveEapPskSessionKeys,
  EAP_PSK_RAND_LENGTH,
  EAP_PSK_RESULT,
  encodeEapPskPacket,
  openEapPskPChannelPacket,
} from './psk.ts';
import type { EapPskResult } from './psk.ts';
import { DiscardTally } from './method.ts';
import type { EapKeys, EapOutcome, EapPeerMethod, EapStep, RandomBytes } from './method.ts';

export interface EapPskPeerOptions {
  crypto: CryptoProvider;
  /** The 16-byte PSK (RFC 4764 §3.1). */
  psk: Uint8Array;
  /** ID_P, the peer's NAI (RFC 4764 §5.2). */
  idP: Uint8Array;
  random: RandomBytes;
}

type PeerState =
  | { name: 'wait-1' }
  | { name: 'wait-3'; randS: Uint8Array; randP: Uint8Array; idS: Uint8Array }
  | { name: 'wait-result'; identifier: number; sent: EapPskResult; keys: EapKeys }
  | { name: 'done'; outcome: EapOutcome };

export function createEapPskPeer(options: EapPskPeerOptions): EapPeerMethod {
  return new EapPskPeer(options);
}

class EapPskPeer implements EapPeerMethod {
  readonly type = EAP_TYPE.PSK;
  private readonly tally = new DiscardTally();
  private readonly ak: Uint8Array;
  private readonly kdk: Uint8Array;
  private state: PeerState = { name: 'wait-1' };
  /** RFC 3748 §4.1: the last Request answered and our Response, to answer a duplicate. */
  private last: { request: Uint8Array; response: Uint8Array } | undefined;

  constructor(private readonly o: EapPskPeerOptions) {
    if (o.idP.length === 0) throw new RangeError('ID_P must not be empty');
    ({ ak: this.ak, kdk: this.kdk } = deriveEapPskAkKdk(o.crypto, o.psk));
  }

  get discards(): ReadonlyMap<string, number> {
    return this.tally.counts;
  }

  receive(packet: Uint8Array): EapStep {
    const p = decodeReceivedEapPacket(packet);
    if (p === undefined) return this.tally.discard('malformed EAP packet');
    if (p.code === EAP_CODE.SUCCESS) return this.onSuccess(p.identifier);
    if (p.code === EAP_CODE.FAILURE) return this.onFailure();
    if (p.code !== EAP_CODE.REQUEST) return this.tally.discard('EAP Response sent to the peer');
    // RFC 3748 §4.1: a duplicate Request is answered with the same Response, not re-processed.
    if (this.last && bytesEqual(this.last.request, packet)) return { send: this.last.response };
    if (p.type === EAP_TYPE.IDENTITY) {
      // RFC 3748 §5.1: answered with ID_P; EAP-PSK itself does not need it (RFC 4764 §5.2 carries ID_P).
      return this.answer(
        packet,
        encodeEapPacket(identityPacket(EAP_CODE.RESPONSE, p.identifier, this.o.idP)),
      );
    }
    if (p.type !== EAP_TYPE.PSK) {
      // RFC 3748 §5.3.1: propose EAP-PSK in a Legacy Nak.
      return this.answer(
        packet,
        encodeEapPacket({
          code: EAP_CODE.RESPONSE,
          identifier: p.identifier,
          type: EAP_TYPE.NAK,
          typeData: encodeNak([EAP_TYPE.PSK]),
        }),
      );
    }
    try {
      const m = decodeEapPskTypeData(p.typeData);
      if (m.t === 0) return this.onFirst(packet, p.identifier, m.randS, m.idS);
      if (m.t === 2) return this.onThird(packet);
      return this.tally.discard(`EAP-PSK T=${m.t} in a Request`);
    } catch (e) {
      if (e instanceof DecodeError) return this.tally.discard('malformed EAP-PSK message');
      throw e;
    }
  }

  private answer(request: Uint8Array, response: Uint8Array): EapStep {
    this.last = { request: request.slice(), response };
    return { send: response };
  }

  private onFirst(packet: Uint8Array, identifier: number, randS: Uint8Array, idS: Uint8Array): EapStep {
    if (this.state.name !== 'wait-1') return this.tally.discard('EAP-PSK message 1 out of order');
    const randP = this.o.random(EAP_PSK_RAND_LENGTH);
    if (randP.length !== EAP_PSK_RAND_LENGTH) throw new RangeError('random source returned a short RAND_P');
    // RFC 4764 §5.2: MAC_P = CMAC-AES-128(AK, ID_P ‖ ID_S ‖ RAND_S ‖ RAND_P).
    const macP = computeEapPskMacP(this.o.crypto, this.ak, { idP: this.o.idP, idS, randS, randP });
    this.state = { name: 'wait-3', randS, randP, idS };
    return this.answer(packet, encodeEapPskPacket(identifier, { t: 1, randS, randP, macP, idP: this.o.idP }));
  }

  private onThird(packet: Uint8Array): EapStep {
    const s = this.state;
    if (s.name !== 'wait-3') return this.tally.discard('EAP-PSK message 3 out of order');
    const { tek, msk, emsk } = deriveEapPskSessionKeys(this.o.crypto, this.kdk, s.randP);
    const opened = openEapPskPChannelPacket(this.o.crypto, tek, packet);
    if (opened === null) return this.tally.discard('EAP-PSK message 3 PCHANNEL tag does not verify');
    const { identifier, message, data } = opened;
    if (message.t !== 2) return this.tally.discard('EAP-PSK message 3 expected');
    // RFC 4764 §5.3: RAND_S must be the one of message 1.
    if (!bytesEqual(message.randS, s.randS))
      return this.tally.discard('EAP-PSK message 3 with another RAND_S');
    // RFC 4764 §5.3: MAC_S = CMAC-AES-128(AK, ID_S ‖ RAND_P) authenticates the server.
    const macS = computeEapPskMacS(this.o.crypto, this.ak, { idS: s.idS, randP: s.randP });
    if (!this.o.crypto.timingSafeEqual(macS, message.macS)) {
      return this.tally.discard('EAP-PSK MAC_S does not verify');
    }
    // RFC 4764 §5.3: the server's first protected-channel nonce is 0; §5.4: the peer answers with N+1.
    if (message.pchannel.nonce !== 0) return this.tally.discard('EAP-PSK message 3 nonce is not 0');
    // This implementation uses no extension; CONT (an extension round) is answered with failure.
    const sent: EapPskResult =
      data.result === EAP_PSK_RESULT.DONE_SUCCESS ? EAP_PSK_RESULT.DONE_SUCCESS : EAP_PSK_RESULT.DONE_FAILURE;
    const response = buildEapPskPChannelPacket(this.o.crypto, tek, {
      t: 3,
      identifier,
      randS: s.randS,
      nonce: 1,
      data: { result: sent },
    });
    this.state = { name: 'wait-result', identifier, sent, keys: { msk, emsk } };
    return this.answer(packet, response);
  }

  private onSuccess(identifier: number): EapStep {
    const s = this.state;
    // A retransmitted Success (PANA re-sends PAR-C when its answer is lost) ends the same way.
    if (s.name === 'done')
      return s.outcome.result === 'success'
        ? { outcome: s.outcome }
        : this.tally.discard('EAP Success after failure');
    // RFC 3748 §7.16 / RFC 4764 §5.4: Success only counts once both sides said DONE_SUCCESS.
    if (s.name !== 'wait-result' || s.sent !== EAP_PSK_RESULT.DONE_SUCCESS) {
      return this.tally.discard('EAP Success before the protected result indication');
    }
    // RFC 3748 §4.2: its Identifier matches the Response it answers.
    if (identifier !== s.identifier) return this.tally.discard('EAP Success with a foreign identifier');
    const outcome: EapOutcome = { result: 'success', keys: s.keys };
    this.state = { name: 'done', outcome };
    return { outcome };
  }

  private onFailure(): EapStep {
    const s = this.state;
    if (s.name === 'done') {
      return s.outcome.result === 'failure'
        ? { outcome: s.outcome }
        : this.tally.discard('EAP Failure after success');
    }
    // RFC 3748 §4.2: after both sides indicated success, a Failure is silently discarded.
    if (s.name === 'wait-result' && s.sent === EAP_PSK_RESULT.DONE_SUCCESS) {
      return this.tally.discard('EAP Failure after a protected success indication');
    }
    const outcome: EapOutcome = {
      result: 'failure',
      reason: s.name === 'wait-result' ? 'server reported DONE_FAILURE' : 'server sent EAP Failure',
    };
    this.state = { name: 'done', outcome };
    return { outcome };
  }
}
