/**
 * PANA Client (RFC 5191 §4), the meter's side, sans-I/O: `start`, `receive`, `poll` and the
 * administrative calls return datagrams to send (always to `peer`: the PRE of a neighbour, or the
 * PAA itself) and events; `nextDeadline()` says when to call `poll` again.
 *
 * Flow (RFC 5191 §4.1, non-optimised): PCI → PAR-S / PAN-S (PRF_HMAC_SHA2_256,
 * AUTH_HMAC_SHA2_256_128) → PAR / PAN carrying EAP and, in the first pair, the Nonces → PAR-C
 * (Result-Code, EAP Success, Key-Id, Session-Lifetime, Encr-Encap with the network key, AUTH) →
 * PAN-C (Key-Id, AUTH). Then: PNR-P ping, PNR carrying a new network key, PNR-A re-authentication
 * before Session-Lifetime ends (RFC 5191 §4.3), PTR/PTA termination either way (§4.4).
 *
 * Every input that is malformed, from elsewhere, out of sequence, or fails AUTH is dropped and
 * counted (`drops`); AUTH is always checked before the Encr-Encap is opened.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { EAP_CODE } from '../eap/constants.ts';
import type { EapKeys, EapPeerMethod, EapStep, RandomBytes } from '../eap/method.ts';
import { bytesEqual, DecodeError } from '../wire/index.ts';
import { decodePanaMessage, encodePanaMessage, getPanaAvp } from './codec.ts';
import type { PanaAvp, PanaMessage } from './codec.ts';
import {
  AUTH_HMAC_SHA2_256_128,
  PANA_FLAG,
  PANA_MESSAGE_TYPE,
  PANA_NONCE_LENGTH,
  PANA_RESULT_CODE,
  PANA_TERMINATION_CAUSE,
  PRF_HMAC_SHA2_256,
} from './constants.ts';
import { PanaDropTally } from './drop-tally.ts';
import { emptyOutput, endpointEquals } from './io.ts';
import type { PanaEndpoint, PanaOutput } from './io.ts';
import type { ZigbeeKeyWrap } from './key-wrap.ts';
import {
  PANA_MESH_AUTHENTICATION_TIMEOUT,
  PANA_MESH_PCI_RETRANSMISSION,
  PANA_MESH_REQ_RETRANSMISSION,
  randomUnitFrom,
  Retransmitter,
} from './retransmission.ts';
import type { RetransmissionParams } from './retransmission.ts';
import { ReceivedRequests, SentRequests } from './sequence.ts';
import { PanaSecurityAssociation } from './session-keys.ts';

export interface PanaPacOptions {
  crypto: CryptoProvider;
  random: RandomBytes;
  /** Where PANA goes: the PRE (relay) of a neighbour, or the PAA. */
  peer: PanaEndpoint;
  /** A fresh EAP peer for each (re-)authentication. */
  createEapPeer: () => EapPeerMethod;
  pciRetransmission?: RetransmissionParams;
  reqRetransmission?: RetransmissionParams;
  /** Start re-authentication when this fraction of Session-Lifetime has passed (default 0.75). */
  reauthenticateAt?: number;
  /** Give up an authentication the PAA leaves silent this long, ms (default PANA_MESH_AUTHENTICATION_TIMEOUT). */
  authenticationTimeout?: number;
}

export type PanaPacEvent =
  | {
      type: 'authenticated';
      sessionId: number;
      /** Index of the network key in force, when the PAA delivered one. */
      keyIndex: number | undefined;
      /** Seconds (RFC 5191 §8.8). */
      sessionLifetime: number;
      reauthentication: boolean;
    }
  | { type: 'failed'; reason: string }
  | { type: 'terminated'; reason: string }
  /**
   * A network key: `now` replaces the key in force (PAR-C, or a PNR confirming the key announced
   * as `next`); `next` is announced ahead of a rotation. The edge wraps `key` (SecretBytes).
   */
  | { type: 'network-key'; key: Uint8Array; keyIndex: number; activation: 'now' | 'next' };

export type PanaPacState = 'idle' | 'initiating' | 'authenticating' | 'open' | 'reauthenticating' | 'closed';

type Outstanding = { kind: 'pci' | 'ping' | 'reauth' | 'terminate'; type: number; sequence: number };

type Out = PanaOutput<PanaPacEvent>;

export class PanaPac {
  private readonly tally = new PanaDropTally();
  private readonly rand: () => number;
  private readonly rx = new ReceivedRequests();
  private readonly tx: SentRequests;
  private readonly retx: Retransmitter;
  private readonly pciRetx: Retransmitter;
  private current: PanaPacState = 'idle';
  private sessionId = 0;
  private outstanding: Outstanding | undefined;
  private iPar: Uint8Array | undefined;
  private iPan: Uint8Array | undefined;
  private eap: EapPeerMethod | undefined;
  /** A PAR whose EAP answer an asynchronous method still owes (EapStep.pending). */
  private awaitingEap: { msg: PanaMessage; bytes: Uint8Array; paaNonce: Uint8Array | undefined } | undefined;
  private paaNonce: Uint8Array | undefined;
  private pacNonce: Uint8Array | undefined;
  private sa: PanaSecurityAssociation | undefined;
  private key: ZigbeeKeyWrap | undefined;
  private nextKey: ZigbeeKeyWrap | undefined;
  private authDeadline: number | undefined;
  private reauthDue: number | undefined;
  private lifetimeEnd: number | undefined;
  private everAuthenticated = false;
  private repeats = 0;

  constructor(private readonly o: PanaPacOptions) {
    this.rand = randomUnitFrom(o.random);
    this.tx = new SentRequests(new DataView(o.random(4).buffer).getUint32(0));
    this.retx = new Retransmitter(o.reqRetransmission ?? PANA_MESH_REQ_RETRANSMISSION, this.rand);
    this.pciRetx = new Retransmitter(o.pciRetransmission ?? PANA_MESH_PCI_RETRANSMISSION, this.rand);
  }

  get state(): PanaPacState {
    return this.current;
  }

  /** A PNR or PTR of ours awaits its answer (`ping`, `reauthenticate`, `terminate` must wait). */
  get requestOutstanding(): boolean {
    return this.outstanding !== undefined;
  }

  /**
   * PAA requests that came again and got our cached answer (RFC 5191 §5.1): each says an answer
   * of ours (or its request) was lost on the way. After the PAR-C, the PAA may not hold the
   * session we opened — the edge can `ping` to find out.
   */
  get repeatedRequests(): number {
    return this.repeats;
  }

  /** Index of the network key in force. */
  get keyIndex(): number | undefined {
    return this.key?.keyIndex;
  }

  get drops(): ReadonlyMap<string, number> {
    return this.tally.counts;
  }

  /** MSK and PANA_AUTH_KEY of the session (for the edge's capture keys and for tests). */
  exportKeys(): { msk: Uint8Array; authKey: Uint8Array } | undefined {
    return this.sa?.exportKeys();
  }

  /** When `poll` must run next (ms), if ever. */
  nextDeadline(): number | undefined {
    const ds = [
      this.pciRetx.deadline,
      this.retx.deadline,
      this.authDeadline,
      this.current === 'open' && !this.outstanding ? this.reauthDue : undefined,
      this.lifetimeEnd,
    ].filter((d): d is number => d !== undefined);
    return ds.length === 0 ? undefined : Math.min(...ds);
  }

  /** RFC 5191 §4.1: the PaC starts with a PCI (session 0, sequence 0, no AVPs needed). */
  start(now: number): Out {
    const out = emptyOutput<PanaPacEvent>();
    if (this.current !== 'idle') throw new Error(`PaC already started (${this.current})`);
    const pci = encodePanaMessage({
      type: PANA_MESSAGE_TYPE.PCI,
      flags: 0,
      sessionId: 0,
      sequence: 0,
      avps: [],
    });
    this.current = 'initiating';
    this.pciRetx.start(now, pci);
    this.emit(out, pci);
    return out;
  }

  /** PNR-P (RFC 5191 §4.2): checks that the PAA still holds the session. */
  ping(now: number): Out {
    return this.request(now, 'ping', PANA_MESSAGE_TYPE.NOTIFICATION, PANA_FLAG.PING, []);
  }

  /** PNR-A (RFC 5191 §4.3): asks the PAA for a new EAP authentication. */
  reauthenticate(now: number): Out {
    return this.request(now, 'reauth', PANA_MESSAGE_TYPE.NOTIFICATION, PANA_FLAG.REAUTH, []);
  }

  /** PTR (RFC 5191 §4.4) with Termination-Cause LOGOUT. */
  terminate(now: number): Out {
    return this.request(now, 'terminate', PANA_MESSAGE_TYPE.TERMINATION, 0, [
      { kind: 'termination-cause', cause: PANA_TERMINATION_CAUSE.LOGOUT },
    ]);
  }

  /**
   * Ends the session locally without telling the PAA (the edge is shutting down or has learned
   * from elsewhere that the tool is cut off): keys and the EAP method are wiped at once.
   */
  abort(reason: string): Out {
    const out = emptyOutput<PanaPacEvent>();
    if (this.current !== 'idle') this.close(out, 'terminated', reason);
    return out;
  }

  private request(now: number, kind: Outstanding['kind'], type: number, flags: number, avps: PanaAvp[]): Out {
    const out = emptyOutput<PanaPacEvent>();
    if (this.current !== 'open' || !this.sa) throw new Error(`no open PANA session (${this.current})`);
    if (this.outstanding) throw new Error(`a ${this.outstanding.kind} request is outstanding`);
    const sequence = this.tx.take();
    const bytes = this.sa.sign({
      type: type as PanaMessage['type'],
      flags: PANA_FLAG.REQUEST | flags,
      sessionId: this.sessionId,
      sequence,
      avps,
    });
    this.outstanding = { kind, type, sequence };
    this.retx.start(now, bytes);
    this.emit(out, bytes);
    return out;
  }

  /** Timers: retransmissions, authentication timeout, re-authentication, Session-Lifetime. */
  poll(now: number): Out {
    const out = emptyOutput<PanaPacEvent>();
    const pci = this.pciRetx.poll(now);
    if (pci.action === 'resend') this.emit(out, pci.bytes);
    else if (pci.action === 'give-up') this.close(out, 'failed', 'no answer to PCI');
    const req = this.retx.poll(now);
    if (req.action === 'resend') this.emit(out, req.bytes);
    else if (req.action === 'give-up') {
      const kind = this.outstanding?.kind;
      this.outstanding = undefined;
      if (kind === 'terminate') this.close(out, 'terminated', 'logout (PTR unanswered)');
      else this.close(out, 'failed', `no answer to ${kind === 'ping' ? 'PNR-P' : 'PNR-A'}`);
    }
    if (this.authDeadline !== undefined && now >= this.authDeadline) {
      this.close(out, 'failed', 'authentication timed out');
    }
    if (this.lifetimeEnd !== undefined && now >= this.lifetimeEnd) {
      // RFC 5191 §8.8: the session ends with its lifetime unless re-authenticated.
      this.close(out, 'terminated', 'session lifetime expired');
    }
    if (
      this.current === 'open' &&
      this.reauthDue !== undefined &&
      now >= this.reauthDue &&
      !this.outstanding
    ) {
      this.reauthDue = undefined;
      const r = this.reauthenticate(now);
      out.send.push(...r.send);
    }
    return out;
  }

  /**
   * The edge's asynchronous EAP method is ready (method.ts): answers the PAR it was working on.
   * Harmless when nothing is pending or the method is still busy.
   */
  resumeEap(now: number): Out {
    const out = emptyOutput<PanaPacEvent>();
    const waiting = this.awaitingEap;
    if (!waiting || !this.eap?.resume) return out;
    const step = this.eap.resume();
    if (!step) return out;
    this.awaitingEap = undefined;
    if (step.pending) {
      this.awaitingEap = waiting;
      return out;
    }
    if (waiting.msg.flags & PANA_FLAG.COMPLETE)
      this.continueParComplete(now, waiting.msg, waiting.bytes, step, out);
    else this.continuePar(now, waiting.msg, waiting.paaNonce, step, out);
    return out;
  }

  /** A datagram received from `from`. */
  receive(now: number, from: PanaEndpoint, bytes: Uint8Array): Out {
    const out = emptyOutput<PanaPacEvent>();
    if (this.current === 'idle') return this.drop(out, 'no session');
    if (!endpointEquals(from, this.o.peer)) return this.drop(out, 'not from the PANA peer');
    let msg: PanaMessage;
    try {
      msg = decodePanaMessage(bytes, { maxRelayDepth: 0 });
    } catch (e) {
      if (e instanceof DecodeError) return this.drop(out, 'malformed PANA message');
      throw e;
    }
    if (msg.type === PANA_MESSAGE_TYPE.PCI || msg.type === PANA_MESSAGE_TYPE.RELAY) {
      return this.drop(out, 'PCI or PRY sent to a PaC');
    }
    if (msg.flags & PANA_FLAG.REQUEST) this.onRequest(now, msg, bytes, out);
    else this.onAnswer(now, msg, bytes, out);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Requests from the PAA

  private onRequest(now: number, msg: PanaMessage, bytes: Uint8Array, out: Out): void {
    const isStart = msg.type === PANA_MESSAGE_TYPE.AUTH && (msg.flags & PANA_FLAG.START) !== 0;
    if (this.current === 'initiating') {
      if (!isStart) return void this.drop(out, 'expected PAR-S');
      return this.onParStart(now, msg, bytes, out);
    }
    if (msg.sessionId !== this.sessionId) return void this.drop(out, 'foreign session identifier');
    // RFC 5191 §5.1: a retransmitted request gets the cached answer; others must be last + 1.
    // Still true once closed, so that a PAA whose PAN-C/PTA was lost hears it again.
    const verdict = this.rx.classify(msg.sequence);
    if (verdict === 'duplicate') {
      const cached = this.rx.cachedAnswer;
      if (cached) {
        this.repeats++;
        this.emit(out, cached);
      } else this.drop(out, 'duplicate request without a cached answer');
      return;
    }
    if (this.current === 'closed') return void this.drop(out, 'session closed');
    if (verdict === 'out-of-window') return void this.drop(out, 'request sequence out of window');
    if (isStart) return void this.drop(out, 'PAR-S inside a session');

    if (msg.type === PANA_MESSAGE_TYPE.AUTH) {
      // RFC 5191 §4.3: a PAR protected by the SA of an open session starts a re-authentication,
      // whether the PAA initiates it or its PNA-A to our PNR-A was lost or overtaken.
      if (this.current === 'open' && !(msg.flags & PANA_FLAG.COMPLETE) && this.sa?.verify(bytes)) {
        if (this.outstanding?.kind === 'reauth') {
          this.outstanding = undefined;
          this.retx.stop();
        }
        this.enterReauthentication(now);
      }
      if (this.current !== 'authenticating' && this.current !== 'reauthenticating') {
        return void this.drop(out, 'PAR outside an authentication');
      }
      // RFC 5191 §4.3: during re-authentication the existing SA protects the PARs (the PAR-C is
      // checked with the new one).
      const isComplete = (msg.flags & PANA_FLAG.COMPLETE) !== 0;
      if (this.sa && !isComplete && !this.sa.verify(bytes))
        return void this.drop(out, 'AUTH does not verify');
      if (this.awaitingEap) return void this.drop(out, 'PAR while the EAP method is busy');
      if (isComplete) return this.onParComplete(now, msg, bytes, out);
      return this.onPar(now, msg, bytes, out);
    }
    // PNR and PTR need the SA.
    if (!this.sa || (this.current !== 'open' && this.current !== 'reauthenticating')) {
      return void this.drop(out, 'request before the session is authenticated');
    }
    if (!this.sa.verify(bytes)) return void this.drop(out, 'AUTH does not verify');
    if (msg.type === PANA_MESSAGE_TYPE.TERMINATION) {
      this.answer(msg, PANA_MESSAGE_TYPE.TERMINATION, 0, [], out, this.sa);
      const cause = getPanaAvp(msg, 'termination-cause')?.cause;
      this.close(
        out,
        'terminated',
        cause === PANA_TERMINATION_CAUSE.ADMINISTRATIVE ? 'administrative' : `PTR cause ${cause ?? 'absent'}`,
      );
      return;
    }
    // PNR.
    if (msg.flags & PANA_FLAG.REAUTH) return void this.drop(out, 'PNR-A from the PAA');
    if (msg.flags & PANA_FLAG.PING) {
      this.answer(msg, PANA_MESSAGE_TYPE.NOTIFICATION, PANA_FLAG.PING, [], out, this.sa);
      return;
    }
    const encr = getPanaAvp(msg, 'encr-encap');
    if (!encr) return void this.drop(out, 'PNR without a ping flag or a key');
    let wrap: ZigbeeKeyWrap;
    try {
      wrap = this.sa.openNetworkKey(this.sessionId, msg.sequence, encr.encrypted);
    } catch (e) {
      if (e instanceof DecodeError) return void this.drop(out, 'Encr-Encap does not open');
      throw e;
    }
    this.answer(msg, PANA_MESSAGE_TYPE.NOTIFICATION, 0, [], out, this.sa);
    this.takeKey(wrap, 'pnr', out);
  }

  private onParStart(now: number, msg: PanaMessage, bytes: Uint8Array, out: Out): void {
    // RFC 5191 §4.1: the PaC picks one PRF and one integrity algorithm among those offered.
    const prfs = msg.avps.filter((a) => a.kind === 'prf-algorithm').map((a) => a.algorithm);
    const integ = msg.avps.filter((a) => a.kind === 'integrity-algorithm').map((a) => a.algorithm);
    if (!prfs.includes(PRF_HMAC_SHA2_256) || !integ.includes(AUTH_HMAC_SHA2_256_128)) {
      this.drop(out, 'PAR-S offers no supported algorithm');
      return this.close(out, 'failed', 'PAA offers no supported PRF/integrity algorithm');
    }
    if (msg.sessionId === 0) return void this.drop(out, 'PAR-S with session identifier 0');
    this.sessionId = msg.sessionId;
    this.pciRetx.stop();
    this.iPar = bytes.slice();
    this.current = 'authenticating';
    this.replaceEap();
    this.iPan = this.answer(
      msg,
      PANA_MESSAGE_TYPE.AUTH,
      PANA_FLAG.START,
      [
        { kind: 'prf-algorithm', algorithm: PRF_HMAC_SHA2_256 },
        { kind: 'integrity-algorithm', algorithm: AUTH_HMAC_SHA2_256_128 },
      ],
      out,
      undefined,
    );
    this.authDeadline = now + (this.o.authenticationTimeout ?? PANA_MESH_AUTHENTICATION_TIMEOUT);
  }

  private onPar(now: number, msg: PanaMessage, bytes: Uint8Array, out: Out): void {
    // RFC 5191 §4.1: the first PAR/PAN pair of an authentication carries the Nonces.
    const paaNonce = this.paaNonce ? undefined : getPanaAvp(msg, 'nonce')?.nonce;
    if (!this.paaNonce && !paaNonce) return void this.drop(out, 'first PAR without a Nonce');
    const eapAvp = getPanaAvp(msg, 'eap-payload');
    const step = eapAvp ? this.eap!.receive(eapAvp.eap) : undefined;
    if (step?.pending) return this.awaitEap(now, msg, bytes, paaNonce);
    this.continuePar(now, msg, paaNonce, step, out);
  }

  /** RFC 5191 §5.1: the PAR is taken (a retransmission is not answered twice) and answered later. */
  private awaitEap(now: number, msg: PanaMessage, bytes: Uint8Array, paaNonce: Uint8Array | undefined): void {
    this.awaitingEap = { msg, bytes: bytes.slice(), paaNonce: paaNonce?.slice() };
    this.rx.accepted(msg.sequence);
    this.authDeadline = now + (this.o.authenticationTimeout ?? PANA_MESH_AUTHENTICATION_TIMEOUT);
  }

  private continuePar(
    now: number,
    msg: PanaMessage,
    paaNonce: Uint8Array | undefined,
    step: EapStep | undefined,
    out: Out,
  ): void {
    const avps: PanaAvp[] = [];
    if (step) {
      if (step.discarded) return void this.drop(out, `EAP: ${step.discarded}`);
      if (step.send) avps.push({ kind: 'eap-payload', eap: step.send });
    }
    if (paaNonce) {
      this.paaNonce = paaNonce.slice();
      this.pacNonce = this.o.random(PANA_NONCE_LENGTH);
      avps.push({ kind: 'nonce', nonce: this.pacNonce });
    }
    this.answer(msg, PANA_MESSAGE_TYPE.AUTH, 0, avps, out, this.sa);
    this.authDeadline = now + (this.o.authenticationTimeout ?? PANA_MESH_AUTHENTICATION_TIMEOUT);
  }

  private onParComplete(now: number, msg: PanaMessage, bytes: Uint8Array, out: Out): void {
    const result = getPanaAvp(msg, 'result-code');
    if (!result) return void this.drop(out, 'PAR-C without Result-Code');
    const eapAvp = getPanaAvp(msg, 'eap-payload');
    // RFC 5191 §4.1: the PAR-C carries EAP-Success or EAP-Failure. Anything else is not fed to the
    // method (during re-authentication the PAR-C is not yet checked with the old SA, so a forged
    // one could otherwise inject data into an EAP-TLS handshake).
    const code = eapAvp?.eap[0];
    if (eapAvp && code !== EAP_CODE.SUCCESS && code !== EAP_CODE.FAILURE)
      return void this.drop(out, 'PAR-C without EAP-Success or EAP-Failure');
    const step = eapAvp ? this.eap!.receive(eapAvp.eap) : undefined;
    if (step?.pending) return this.awaitEap(now, msg, bytes, undefined);
    this.continueParComplete(now, msg, bytes, step, out);
  }

  private continueParComplete(
    now: number,
    msg: PanaMessage,
    bytes: Uint8Array,
    step: EapStep | undefined,
    out: Out,
  ): void {
    const result = getPanaAvp(msg, 'result-code')!;
    let keys: EapKeys | undefined;
    let eapFailure: string | undefined;
    if (step) {
      if (step.discarded) return void this.drop(out, `EAP: ${step.discarded}`);
      if (step.outcome?.result === 'success') keys = step.outcome.keys;
      else if (step.outcome?.result === 'failure') eapFailure = step.outcome.reason;
    }
    if (result.resultCode === PANA_RESULT_CODE.PANA_SUCCESS && keys) {
      const keyId = getPanaAvp(msg, 'key-id');
      if (!keyId || !this.paaNonce || !this.pacNonce)
        return void this.drop(out, 'PAR-C without Key-Id or nonces');
      const sa = new PanaSecurityAssociation(this.o.crypto, {
        msk: keys.msk,
        iPar: this.iPar!,
        iPan: this.iPan!,
        pacNonce: this.pacNonce,
        paaNonce: this.paaNonce,
        keyId: keyId.keyId,
      });
      // RFC 5191 §5.3: AUTH first; the Encr-Encap is opened only after it verifies (key-wrap.ts).
      if (!sa.verify(bytes)) {
        sa.wipe();
        return void this.drop(out, 'AUTH does not verify');
      }
      let wrap: ZigbeeKeyWrap | undefined;
      const encr = getPanaAvp(msg, 'encr-encap');
      if (encr) {
        try {
          wrap = sa.openNetworkKey(this.sessionId, msg.sequence, encr.encrypted);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          sa.wipe();
          return void this.drop(out, 'Encr-Encap does not open');
        }
      }
      const lifetime = getPanaAvp(msg, 'session-lifetime')?.seconds;
      this.answer(
        msg,
        PANA_MESSAGE_TYPE.AUTH,
        PANA_FLAG.COMPLETE,
        [{ kind: 'key-id', keyId: keyId.keyId }],
        out,
        sa,
      );
      this.sa?.wipe();
      this.sa = sa;
      const reauthentication = this.everAuthenticated;
      this.everAuthenticated = true;
      this.current = 'open';
      this.authDeadline = undefined;
      this.paaNonce = undefined;
      this.pacNonce = undefined;
      if (lifetime !== undefined && lifetime > 0) {
        this.lifetimeEnd = now + lifetime * 1000;
        this.reauthDue = now + lifetime * 1000 * (this.o.reauthenticateAt ?? 0.75);
      } else {
        this.lifetimeEnd = undefined;
        this.reauthDue = undefined;
      }
      if (wrap) this.takeKey(wrap, 'par-c', out);
      out.events.push({
        type: 'authenticated',
        sessionId: this.sessionId,
        keyIndex: this.key?.keyIndex,
        sessionLifetime: lifetime ?? 0,
        reauthentication,
      });
      return;
    }
    // Failure. During re-authentication the existing SA still protects the PAR-C, so a forged
    // failure cannot end a working session; the initial one has no SA yet (RFC 5191 §5.3).
    if (this.sa && !this.sa.verify(bytes)) return void this.drop(out, 'AUTH does not verify');
    if (result.resultCode === PANA_RESULT_CODE.PANA_SUCCESS && !eapFailure) {
      return void this.drop(out, 'PAR-C success without an EAP success');
    }
    this.answer(msg, PANA_MESSAGE_TYPE.AUTH, PANA_FLAG.COMPLETE, [], out, this.sa);
    const reason =
      result.resultCode === PANA_RESULT_CODE.PANA_AUTHORIZATION_REJECTED
        ? 'authorization rejected'
        : `authentication rejected${eapFailure ? ` (${eapFailure})` : ''}`;
    this.close(out, 'failed', reason);
  }

  /** Network key from PAR-C (in force at once) or PNR (announced, then confirmed). */
  private takeKey(wrap: ZigbeeKeyWrap, via: 'par-c' | 'pnr', out: Out): void {
    const same = (a: ZigbeeKeyWrap | undefined): boolean =>
      a !== undefined && a.keyIndex === wrap.keyIndex && bytesEqual(a.key, wrap.key);
    if (same(this.key)) return;
    if (via === 'par-c' || same(this.nextKey)) {
      this.key = wrap;
      if (this.nextKey?.keyIndex === wrap.keyIndex) this.nextKey = undefined;
      out.events.push({
        type: 'network-key',
        key: wrap.key.slice(),
        keyIndex: wrap.keyIndex,
        activation: 'now',
      });
      return;
    }
    this.nextKey = wrap;
    out.events.push({
      type: 'network-key',
      key: wrap.key.slice(),
      keyIndex: wrap.keyIndex,
      activation: 'next',
    });
  }

  // -------------------------------------------------------------------------------------------
  // Answers from the PAA

  private onAnswer(now: number, msg: PanaMessage, bytes: Uint8Array, out: Out): void {
    const o = this.outstanding;
    if (!o || o.type !== msg.type || o.sequence !== msg.sequence || msg.sessionId !== this.sessionId) {
      return void this.drop(out, 'answer to no outstanding request');
    }
    if (!this.sa || !this.sa.verify(bytes)) return void this.drop(out, 'AUTH does not verify');
    this.outstanding = undefined;
    this.retx.stop();
    if (o.kind === 'terminate') return this.close(out, 'terminated', 'logout');
    if (o.kind === 'reauth') this.enterReauthentication(now);
  }

  /** RFC 5191 §4.3: the PAA now runs EAP again in PARs (new Nonces, new Key-Id). */
  private enterReauthentication(now: number): void {
    this.current = 'reauthenticating';
    this.replaceEap();
    this.paaNonce = undefined;
    this.pacNonce = undefined;
    this.authDeadline = now + (this.o.authenticationTimeout ?? PANA_MESH_AUTHENTICATION_TIMEOUT);
  }

  /** A fresh EAP peer; the previous one (an edge TLS engine, say) is released. */
  private replaceEap(): void {
    this.eap?.dispose?.();
    this.awaitingEap = undefined;
    this.eap = this.o.createEapPeer();
  }

  // -------------------------------------------------------------------------------------------

  /** Sends the answer to `req` and caches it for duplicates; returns its bytes. */
  private answer(
    req: PanaMessage,
    type: number,
    flags: number,
    avps: PanaAvp[],
    out: Out,
    sa: PanaSecurityAssociation | undefined,
  ): Uint8Array {
    const msg: PanaMessage = {
      type: type as PanaMessage['type'],
      flags,
      sessionId: this.sessionId,
      sequence: req.sequence,
      avps,
    };
    const bytes = sa ? sa.sign(msg) : encodePanaMessage(msg);
    this.rx.answered(req.sequence, bytes);
    this.emit(out, bytes);
    return bytes;
  }

  private emit(out: Out, bytes: Uint8Array): void {
    out.send.push({ to: { address: this.o.peer.address, port: this.o.peer.port }, bytes });
  }

  private drop(out: Out, reason: string): Out {
    this.tally.drop(reason);
    return out;
  }

  private close(out: Out, kind: 'failed' | 'terminated', reason: string): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    this.pciRetx.stop();
    this.retx.stop();
    this.outstanding = undefined;
    this.authDeadline = undefined;
    this.reauthDue = undefined;
    this.lifetimeEnd = undefined;
    this.awaitingEap = undefined;
    this.eap?.dispose?.();
    this.sa?.wipe();
    this.sa = undefined;
    this.key?.key.fill(0);
    this.nextKey?.key.fill(0);
    this.key = undefined;
    this.nextKey = undefined;
    out.events.push({ type: kind, reason });
  }
}
