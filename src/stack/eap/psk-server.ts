/**
 * EAP-PSK server (RFC 4764 §3, §5): the key server's side. Sends message 1 (RAND_S, ID_S), looks
 * the PSK up by the ID_P of message 2 through an injected synchronous callback, checks MAC_P,
 * sends message 3 (MAC_S, PCHANNEL DONE_SUCCESS), checks message 4 and ends with EAP Success and
 * the MSK/EMSK.
 *
 * Unknown ID_P or a MAC_P that does not verify ends the conversation with EAP Failure (RFC 4764
 * §5.2: the server cannot or will not authenticate the peer; there is nothing a later packet could
 * fix). Responses that do not belong to the outstanding Request are silently discarded and counted
 * (RFC 3748 §4.1).
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { bytesEqual, DecodeError } from '../wire/index.ts';
import { EAP_CODE, EAP_TYPE } from './constants.ts';
import { decodeReceivedEapPacket, encodeEapPacket } from './packet.ts';
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
import { DiscardTally } from './method.ts';
import type { EapKeys, EapServerMethod, EapStep, RandomBytes } from './method.ts';

export interface EapPskServerOptions {
  crypto: CryptoProvider;
  /** ID_S, the server's NAI (RFC 4764 §5.1). */
  idS: Uint8Array;
  /** The PSK of a peer, or undefined when the peer is unknown (or revoked). Must not block. */
  lookupPsk: (idP: Uint8Array) => Uint8Array | undefined;
  random: RandomBytes;
}

type ServerState =
  | { name: 'idle' }
  | { name: 'wait-2'; identifier: number; randS: Uint8Array }
  | { name: 'wait-4'; identifier: number; randS: Uint8Array; tek: Uint8Array; keys: EapKeys }
  | { name: 'done' };

export function createEapPskServer(options: EapPskServerOptions): EapServerMethod {
  return new EapPskServer(options);
}

class EapPskServer implements EapServerMethod {
  readonly type = EAP_TYPE.PSK;
  private readonly tally = new DiscardTally();
  private state: ServerState = { name: 'idle' };
  private idP: Uint8Array | undefined;

  constructor(private readonly o: EapPskServerOptions) {
    if (o.idS.length === 0) throw new RangeError('ID_S must not be empty');
  }

  get discards(): ReadonlyMap<string, number> {
    return this.tally.counts;
  }

  get peerId(): Uint8Array | undefined {
    return this.idP;
  }

  start(): EapStep {
    if (this.state.name !== 'idle') throw new Error('EAP-PSK server already started');
    // RFC 3748 §4.1: the Identifier is chosen freely for the first Request; random here so that a
    // stale Response from an earlier conversation is unlikely to match.
    const identifier = this.o.random(1)[0]!;
    const randS = this.o.random(EAP_PSK_RAND_LENGTH);
    if (randS.length !== EAP_PSK_RAND_LENGTH) throw new RangeError('random source returned a short RAND_S');
    this.state = { name: 'wait-2', identifier, randS };
    return { send: encodeEapPskPacket(identifier, { t: 0, randS, idS: this.o.idS }) };
  }

  receive(packet: Uint8Array): EapStep {
    const s = this.state;
    if (s.name !== 'wait-2' && s.name !== 'wait-4') return this.tally.discard('no EAP Request outstanding');
    const p = decodeReceivedEapPacket(packet);
    if (p === undefined) return this.tally.discard('malformed EAP packet');
    if (p.code !== EAP_CODE.RESPONSE) return this.tally.discard('not an EAP Response');
    // RFC 3748 §4.1: a Response must carry the Identifier of the outstanding Request.
    if (p.identifier !== s.identifier) return this.tally.discard('EAP Response identifier mismatch');
    if (p.type === EAP_TYPE.NAK) return this.fail(p.identifier, 'peer refused EAP-PSK (Nak)');
    if (p.type !== EAP_TYPE.PSK) return this.tally.discard(`EAP Response of type ${p.type}`);
    try {
      const m = decodeEapPskTypeData(p.typeData);
      if (s.name === 'wait-2' && m.t === 1) return this.onSecond(s, m.randS, m.randP, m.macP, m.idP);
      if (s.name === 'wait-4' && m.t === 3) return this.onFourth(s, packet);
      return this.tally.discard(`EAP-PSK T=${m.t} out of order`);
    } catch (e) {
      if (e instanceof DecodeError) return this.tally.discard('malformed EAP-PSK message');
      throw e;
    }
  }

  private fail(identifier: number, reason: string): EapStep {
    this.state = { name: 'done' };
    // RFC 3748 §4.2: the Failure carries the Identifier of the Response it answers.
    return {
      send: encodeEapPacket({ code: EAP_CODE.FAILURE, identifier }),
      outcome: { result: 'failure', reason },
    };
  }

  private onSecond(
    s: Extract<ServerState, { name: 'wait-2' }>,
    randS: Uint8Array,
    randP: Uint8Array,
    macP: Uint8Array,
    idP: Uint8Array,
  ): EapStep {
    // RFC 4764 §5.2: RAND_S echoes message 1.
    if (!bytesEqual(randS, s.randS)) return this.tally.discard('EAP-PSK message 2 with another RAND_S');
    this.idP = idP.slice();
    const psk = this.o.lookupPsk(idP);
    if (psk === undefined) return this.fail(s.identifier, 'unknown peer');
    if (psk.length !== 16) return this.fail(s.identifier, 'stored PSK is not 16 bytes');
    const { ak, kdk } = deriveEapPskAkKdk(this.o.crypto, psk);
    const expected = computeEapPskMacP(this.o.crypto, ak, { idP, idS: this.o.idS, randS, randP });
    if (!this.o.crypto.timingSafeEqual(expected, macP))
      return this.fail(s.identifier, 'MAC_P does not verify');
    const { tek, msk, emsk } = deriveEapPskSessionKeys(this.o.crypto, kdk, randP);
    const macS = computeEapPskMacS(this.o.crypto, ak, { idS: this.o.idS, randP });
    // RFC 3748 §4.1: a new Request gets a new Identifier.
    const identifier = (s.identifier + 1) & 0xff;
    this.state = { name: 'wait-4', identifier, randS, tek, keys: { msk, emsk } };
    // RFC 4764 §5.3: first protected-channel nonce 0, result DONE_SUCCESS.
    return {
      send: buildEapPskPChannelPacket(this.o.crypto, tek, {
        t: 2,
        identifier,
        randS,
        macS,
        nonce: 0,
        data: { result: EAP_PSK_RESULT.DONE_SUCCESS },
      }),
    };
  }

  private onFourth(s: Extract<ServerState, { name: 'wait-4' }>, packet: Uint8Array): EapStep {
    const opened = openEapPskPChannelPacket(this.o.crypto, s.tek, packet);
    if (opened === null) return this.tally.discard('EAP-PSK message 4 PCHANNEL tag does not verify');
    const { message, data } = opened;
    if (message.t !== 3) return this.tally.discard('EAP-PSK message 4 expected');
    if (!bytesEqual(message.randS, s.randS))
      return this.tally.discard('EAP-PSK message 4 with another RAND_S');
    // RFC 4764 §5.4: the peer's nonce is the server's plus one.
    if (message.pchannel.nonce !== 1) return this.tally.discard('EAP-PSK message 4 nonce is not 1');
    if (data.result !== EAP_PSK_RESULT.DONE_SUCCESS)
      return this.fail(s.identifier, 'peer reported DONE_FAILURE');
    this.state = { name: 'done' };
    return {
      send: encodeEapPacket({ code: EAP_CODE.SUCCESS, identifier: s.identifier }),
      outcome: { result: 'success', keys: s.keys },
    };
  }
}
