/**
 * PANA Authentication Agent (RFC 5191 §4), the key server's side, sans-I/O. One session per PCI,
 * keyed by a random unique 32-bit session identifier; an EAP server per session (EAP-PSK, or any
 * EapServerMethod); the network key comes from the injected `networkKeys()` so the key server owns
 * its life cycle.
 *
 * Messages arrive either directly or in a PRY from a relay (RFC 6345 §3): the session remembers the
 * relay it was last reached through and answers through it, in a PRY with the same
 * PaC-Information. AUTH is checked over the relayed bytes exactly as the PaC sent them.
 *
 * Outputs: datagrams, events and `nextDeadline()`; drops are counted in `drops`.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { EapServerMethod, EapStep, RandomBytes } from '../eap/method.ts';
import { DecodeError, toHex } from '../wire/index.ts';
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
import {
  PANA_MESH_AUTHENTICATION_TIMEOUT,
  PANA_MESH_REQ_RETRANSMISSION,
  randomUnitFrom,
  Retransmitter,
} from './retransmission.ts';
import type { RetransmissionParams } from './retransmission.ts';
import { ReceivedRequests, SentRequests } from './sequence.ts';
import { PanaSecurityAssociation } from './session-keys.ts';

/** A network key and its index (the ZigBee IP key-wrap carries both). */
export interface NetworkKey {
  key: Uint8Array;
  index: number;
}

export interface PanaPaaOptions {
  crypto: CryptoProvider;
  random: RandomBytes;
  /**
   * A fresh EAP server for each (re-)authentication. The context says which session it serves
   * (an asynchronous method's edge resumes it with `resumeEap(now, sessionId)`) and whether the
   * PaC is relayed (a meter, through a PRE) or reached directly (the tool, through the tunnel).
   */
  createEapServer: (context: EapServerContext) => EapServerMethod;
  /** The key in force, and the one announced for the next rotation if any. */
  networkKeys: () => { current: NetworkKey; next?: NetworkKey };
  /** Session-Lifetime sent in PAR-C, seconds (RFC 5191 §8.8). */
  sessionLifetime: number;
  retransmission?: RetransmissionParams;
  /** A session that has not authenticated after this long is rejected, ms (default PANA_MESH_AUTHENTICATION_TIMEOUT). */
  authenticationTimeout?: number;
  /** PCIs accepted per PaC address per window (default 5 per 60 s). */
  pciRateLimit?: { max: number; windowMs: number };
  /** Sessions still authenticating at once (default 1024): beyond, PCIs are dropped. */
  maxPendingSessions?: number;
}

/** What `createEapServer` is told about the session it serves. */
export interface EapServerContext {
  sessionId: number;
  pac: PanaEndpoint;
  /** The relay (RFC 6345 PRE) the session was last reached through; undefined when direct. */
  relay: PanaEndpoint | undefined;
}

export type PanaPaaEvent =
  | {
      type: 'authenticated';
      sessionId: number;
      peerId: Uint8Array;
      pacAddress: PanaEndpoint;
      /** The relay the session was opened through (RFC 6345 §3); undefined when direct. */
      relay: PanaEndpoint | undefined;
      reauthentication: boolean;
    }
  | {
      type: 'rejected';
      sessionId: number;
      peerId: Uint8Array | undefined;
      pacAddress: PanaEndpoint;
      reason: string;
    }
  | { type: 'terminated'; sessionId: number; peerId: Uint8Array | undefined; reason: string }
  | { type: 'key-delivered'; sessionId: number; keyIndex: number };

export interface PanaPaaSessionView {
  sessionId: number;
  pac: PanaEndpoint;
  relay: PanaEndpoint | undefined;
  state: PaaSessionState;
  peerId: Uint8Array | undefined;
}

type PaaSessionState = 'starting' | 'authenticating' | 'open' | 'reauthenticating' | 'closing';

type RequestKind = 'par-s' | 'par' | 'par-c' | 'pnr-key' | 'pnr-ping' | 'ptr';

interface Outstanding {
  kind: RequestKind;
  type: number;
  sequence: number;
  bytes: Uint8Array;
  keyIndex?: number;
}

type Build = (sequence: number) => { bytes: Uint8Array; keyIndex?: number };

interface Session {
  id: number;
  pac: PanaEndpoint;
  relay: PanaEndpoint | undefined;
  state: PaaSessionState;
  rx: ReceivedRequests;
  tx: SentRequests;
  retx: Retransmitter;
  outstanding: Outstanding | undefined;
  queue: { kind: RequestKind; type: number; build: Build }[];
  iPar?: Uint8Array;
  iPan?: Uint8Array;
  paaNonce?: Uint8Array;
  pacNonce?: Uint8Array;
  eap?: EapServerMethod;
  /** An asynchronous EAP server owes its next step (EapStep.pending). */
  eapBusy?: boolean;
  sa?: PanaSecurityAssociation;
  /** The SA of a PAR-C sent and not yet confirmed by PAN-C. */
  pendingSa?: PanaSecurityAssociation;
  /** Whether the PAR-C outstanding reports success. */
  completing?: 'success' | 'failure';
  peerId?: Uint8Array;
  authDeadline?: number;
  lifetimeEnd?: number;
  authenticatedOnce: boolean;
  keyDeliveries: number;
  nextKeyId: number;
}

type Out = PanaOutput<PanaPaaEvent>;

export class PanaPaa {
  private readonly tally = new PanaDropTally();
  private readonly rand: () => number;
  private readonly table = new Map<number, Session>();
  private readonly pciCounts = new Map<string, { windowStart: number; count: number }>();

  constructor(private readonly o: PanaPaaOptions) {
    this.rand = randomUnitFrom(o.random);
  }

  get drops(): ReadonlyMap<string, number> {
    return this.tally.counts;
  }

  sessions(): PanaPaaSessionView[] {
    return [...this.table.values()].map((s) => ({
      sessionId: s.id,
      pac: s.pac,
      relay: s.relay,
      state: s.state,
      peerId: s.peerId,
    }));
  }

  /** MSK and PANA_AUTH_KEY of an authenticated session (edge capture keys, tests). */
  exportSessionKeys(sessionId: number): { msk: Uint8Array; authKey: Uint8Array } | undefined {
    return this.table.get(sessionId)?.sa?.exportKeys();
  }

  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const s of this.table.values()) {
      for (const d of [s.retx.deadline, s.authDeadline, s.lifetimeEnd]) {
        if (d !== undefined && (min === undefined || d < min)) min = d;
      }
    }
    return min;
  }

  // -------------------------------------------------------------------------------------------
  // Administrative calls

  /** PNR carrying `networkKeys().next` (or the current key when no rotation is announced) to every open session. */
  rekeyAll(now: number): Out {
    const out = emptyOutput<PanaPaaEvent>();
    for (const s of this.table.values()) this.rekeySession(now, s, out);
    return out;
  }

  rekey(now: number, sessionId: number): Out {
    const out = emptyOutput<PanaPaaEvent>();
    const s = this.table.get(sessionId);
    if (s) this.rekeySession(now, s, out);
    return out;
  }

  /** PNR-P (RFC 5191 §4.2). */
  ping(now: number, sessionId: number): Out {
    const out = emptyOutput<PanaPaaEvent>();
    const s = this.table.get(sessionId);
    if (!s || s.state !== 'open') return out;
    this.enqueue(now, s, out, 'pnr-ping', PANA_MESSAGE_TYPE.NOTIFICATION, (sequence) => ({
      bytes: this.signFor(s, {
        type: PANA_MESSAGE_TYPE.NOTIFICATION,
        flags: PANA_FLAG.REQUEST | PANA_FLAG.PING,
        sessionId: s.id,
        sequence,
        avps: [],
      }),
    }));
    return out;
  }

  /** PTR (RFC 5191 §4.4), e.g. when a tool or meter is revoked. */
  terminate(now: number, sessionId: number, cause: number = PANA_TERMINATION_CAUSE.ADMINISTRATIVE): Out {
    const out = emptyOutput<PanaPaaEvent>();
    const s = this.table.get(sessionId);
    if (!s) return out;
    // Already terminating: the PTR in flight stands; a second one would orphan its PTA.
    if (s.state === 'closing') return out;
    if (!s.sa) {
      // Nothing to protect a PTR with: the session simply ends.
      this.remove(s, out, 'administrative (before authentication)');
      return out;
    }
    // A termination pre-empts whatever was queued.
    s.queue = [];
    s.outstanding = undefined;
    s.retx.stop();
    s.state = 'closing';
    this.enqueue(now, s, out, 'ptr', PANA_MESSAGE_TYPE.TERMINATION, (sequence) => ({
      bytes: this.signFor(s, {
        type: PANA_MESSAGE_TYPE.TERMINATION,
        flags: PANA_FLAG.REQUEST,
        sessionId: s.id,
        sequence,
        avps: [{ kind: 'termination-cause', cause }],
      }),
    }));
    return out;
  }

  private rekeySession(now: number, s: Session, out: Out): void {
    if (s.state !== 'open' && s.state !== 'reauthenticating') return;
    const keys = this.o.networkKeys();
    const key = keys.next ?? keys.current;
    this.enqueue(now, s, out, 'pnr-key', PANA_MESSAGE_TYPE.NOTIFICATION, (sequence) => {
      const sa = s.sa!;
      const encr = sa.sealNetworkKey(s.id, sequence, {
        key: key.key,
        keyIndex: key.index,
        authCounter: s.keyDeliveries++ & 0xff,
      });
      return {
        bytes: sa.sign({
          type: PANA_MESSAGE_TYPE.NOTIFICATION,
          flags: PANA_FLAG.REQUEST,
          sessionId: s.id,
          sequence,
          avps: [encr],
        }),
        keyIndex: key.index,
      };
    });
  }

  /**
   * The edge's asynchronous EAP server of `sessionId` is ready (method.ts): sends the PAR or
   * PAR-C it owed. Harmless when nothing is pending or the method is still busy.
   */
  resumeEap(now: number, sessionId: number): Out {
    const out = emptyOutput<PanaPaaEvent>();
    const s = this.table.get(sessionId);
    if (!s || !s.eapBusy || !s.eap?.resume) return out;
    const step = s.eap.resume();
    if (!step || step.pending) return out;
    s.eapBusy = false;
    if (step.discarded) {
      // The PAN was already taken; nothing to retransmit, so the authentication cannot go on.
      this.drop(out, `EAP: ${step.discarded}`);
      this.reject(s, out, `EAP: ${step.discarded}`);
      return out;
    }
    s.peerId = s.eap.peerId ?? s.peerId;
    this.continueEap(now, s, step, out);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Timers

  poll(now: number): Out {
    const out = emptyOutput<PanaPaaEvent>();
    for (const s of [...this.table.values()]) {
      const r = s.retx.poll(now);
      if (r.action === 'resend') this.emit(s, r.bytes, out);
      else if (r.action === 'give-up') {
        const kind = s.outstanding?.kind;
        s.outstanding = undefined;
        if (kind === 'ptr') this.remove(s, out, 'administrative (PTR unanswered)');
        else if (s.state === 'open') this.remove(s, out, `PaC unreachable (${kind} unanswered)`);
        else this.reject(s, out, `no answer to ${kind ?? 'request'}`);
        continue;
      }
      if (s.authDeadline !== undefined && now >= s.authDeadline && s.state !== 'open') {
        this.reject(s, out, 'authentication timed out');
        continue;
      }
      if (s.lifetimeEnd !== undefined && now >= s.lifetimeEnd) {
        // RFC 5191 §8.8: the session ends with its lifetime unless re-authenticated.
        this.remove(s, out, 'session lifetime expired');
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Input

  receive(now: number, from: PanaEndpoint, bytes: Uint8Array): Out {
    const out = emptyOutput<PanaPaaEvent>();
    let msg: PanaMessage;
    try {
      msg = decodePanaMessage(bytes);
    } catch (e) {
      if (e instanceof DecodeError) return this.drop(out, 'malformed PANA message');
      throw e;
    }
    let pac = from;
    let relay: PanaEndpoint | undefined;
    let inner = msg;
    let innerBytes = bytes;
    if (msg.type === PANA_MESSAGE_TYPE.RELAY) {
      // RFC 6345 §3: the PaC is named by PaC-Information; the relay is the sender.
      const info = getPanaAvp(msg, 'pac-information')!;
      const rel = getPanaAvp(msg, 'relayed-message')!;
      pac = { address: info.address.slice(), port: info.port };
      relay = { address: from.address.slice(), port: from.port };
      inner = rel.message;
      innerBytes = rel.bytes;
    }
    if (inner.type === PANA_MESSAGE_TYPE.PCI) {
      this.onPci(now, pac, relay, out);
      return out;
    }
    const s = this.table.get(inner.sessionId);
    if (!s || inner.sessionId === 0) return this.drop(out, 'unknown session');
    if (!endpointEquals(s.pac, pac)) return this.drop(out, 'session used from another PaC address');
    if (inner.flags & PANA_FLAG.REQUEST) this.onRequest(now, s, inner, innerBytes, relay, out);
    else this.onAnswer(now, s, inner, innerBytes, relay, out);
    return out;
  }

  private onPci(now: number, pac: PanaEndpoint, relay: PanaEndpoint | undefined, out: Out): void {
    // Rate limit per PaC address (a flood of PCIs would otherwise create sessions at will).
    const limit = this.o.pciRateLimit ?? { max: 5, windowMs: 60_000 };
    const key = toHex(pac.address);
    const c = this.pciCounts.get(key);
    if (!c || now - c.windowStart >= limit.windowMs) {
      if (this.pciCounts.size >= 4096) this.prunePciCounts(now, limit.windowMs);
      this.pciCounts.set(key, { windowStart: now, count: 1 });
    } else if (c.count >= limit.max) {
      return void this.drop(out, 'PCI rate limit');
    } else {
      c.count++;
    }
    let pending = 0;
    for (const s of [...this.table.values()]) {
      if (s.state === 'starting' || s.state === 'authenticating') {
        if (endpointEquals(s.pac, pac)) {
          // RFC 5191 §4.1: a retransmitted PCI while its PAR-S is outstanding creates nothing new.
          if (sameRelay(s.relay, relay)) return void this.drop(out, 'PCI for a session being set up');
          // The same PaC through another relay (RFC 6345) has given up the old path and started
          // over: its old set-up would otherwise hold the PaC off until that session times out.
          this.reject(s, out, 'PaC started over through another relay');
          continue;
        }
        pending++;
      }
    }
    if (pending >= (this.o.maxPendingSessions ?? 1024))
      return void this.drop(out, 'too many pending sessions');
    const s: Session = {
      id: this.newSessionId(),
      pac,
      relay,
      state: 'starting',
      rx: new ReceivedRequests(),
      tx: new SentRequests(new DataView(this.o.random(4).buffer).getUint32(0)),
      retx: new Retransmitter(this.o.retransmission ?? PANA_MESH_REQ_RETRANSMISSION, this.rand),
      outstanding: undefined,
      queue: [],
      authDeadline: now + (this.o.authenticationTimeout ?? PANA_MESH_AUTHENTICATION_TIMEOUT),
      authenticatedOnce: false,
      keyDeliveries: 0,
      nextKeyId: new DataView(this.o.random(4).buffer).getUint32(0),
    };
    this.table.set(s.id, s);
    // RFC 5191 §4.1: PAR-S offers the PRF and integrity algorithms.
    this.enqueue(now, s, out, 'par-s', PANA_MESSAGE_TYPE.AUTH, (sequence) => {
      const bytes = encodePanaMessage({
        type: PANA_MESSAGE_TYPE.AUTH,
        flags: PANA_FLAG.REQUEST | PANA_FLAG.START,
        sessionId: s.id,
        sequence,
        avps: [
          { kind: 'prf-algorithm', algorithm: PRF_HMAC_SHA2_256 },
          { kind: 'integrity-algorithm', algorithm: AUTH_HMAC_SHA2_256_128 },
        ],
      });
      s.iPar = bytes;
      return { bytes };
    });
  }

  private prunePciCounts(now: number, windowMs: number): void {
    for (const [k, v] of this.pciCounts) if (now - v.windowStart >= windowMs) this.pciCounts.delete(k);
  }

  private newSessionId(): number {
    // RFC 5191 §6.2: the PAA assigns the session identifier; 0 is the PCI's.
    for (;;) {
      const id = new DataView(this.o.random(4).buffer).getUint32(0);
      if (id !== 0 && !this.table.has(id)) return id;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Requests from a PaC: PNR (ping, re-authentication) and PTR

  private onRequest(
    now: number,
    s: Session,
    msg: PanaMessage,
    bytes: Uint8Array,
    relay: PanaEndpoint | undefined,
    out: Out,
  ): void {
    if (!s.sa) return void this.drop(out, 'request before the session is authenticated');
    if (!s.sa.verify(bytes)) return void this.drop(out, 'AUTH does not verify');
    s.relay = relay;
    const verdict = s.rx.classify(msg.sequence);
    if (verdict === 'duplicate') {
      const cached = s.rx.cachedAnswer;
      if (cached) this.emit(s, cached, out);
      return;
    }
    if (verdict === 'out-of-window') return void this.drop(out, 'request sequence out of window');
    if (msg.type === PANA_MESSAGE_TYPE.TERMINATION) {
      this.answer(s, msg, PANA_MESSAGE_TYPE.TERMINATION, 0, out);
      const cause = getPanaAvp(msg, 'termination-cause')?.cause;
      this.remove(
        s,
        out,
        cause === PANA_TERMINATION_CAUSE.LOGOUT ? 'logout' : `PTR cause ${cause ?? 'absent'}`,
      );
      return;
    }
    if (msg.type !== PANA_MESSAGE_TYPE.NOTIFICATION)
      return void this.drop(out, 'unexpected request from a PaC');
    if (msg.flags & PANA_FLAG.PING) {
      this.answer(s, msg, PANA_MESSAGE_TYPE.NOTIFICATION, PANA_FLAG.PING, out);
      return;
    }
    if (msg.flags & PANA_FLAG.REAUTH) {
      this.answer(s, msg, PANA_MESSAGE_TYPE.NOTIFICATION, PANA_FLAG.REAUTH, out);
      if (s.state === 'open') this.startEap(now, s, out);
      return;
    }
    this.drop(out, 'PNR without a flag from a PaC');
  }

  /** RFC 5191 §4.1 / §4.3: EAP in PARs, the first with the PAA Nonce. */
  private startEap(now: number, s: Session, out: Out): void {
    s.state = s.sa ? 'reauthenticating' : 'authenticating';
    s.eap?.dispose?.();
    s.eapBusy = false;
    s.eap = this.o.createEapServer({ sessionId: s.id, pac: s.pac, relay: s.relay });
    s.paaNonce = this.o.random(PANA_NONCE_LENGTH);
    s.pacNonce = undefined;
    s.authDeadline = now + (this.o.authenticationTimeout ?? PANA_MESH_AUTHENTICATION_TIMEOUT);
    const step = s.eap.start();
    const first = step.send!;
    this.enqueue(now, s, out, 'par', PANA_MESSAGE_TYPE.AUTH, (sequence) => ({
      bytes: this.signFor(s, {
        type: PANA_MESSAGE_TYPE.AUTH,
        flags: PANA_FLAG.REQUEST,
        sessionId: s.id,
        sequence,
        avps: [
          { kind: 'nonce', nonce: s.paaNonce! },
          { kind: 'eap-payload', eap: first },
        ],
      }),
    }));
  }

  // -------------------------------------------------------------------------------------------
  // Answers from a PaC

  private onAnswer(
    now: number,
    s: Session,
    msg: PanaMessage,
    bytes: Uint8Array,
    relay: PanaEndpoint | undefined,
    out: Out,
  ): void {
    const o = s.outstanding;
    if (!o || o.type !== msg.type || o.sequence !== msg.sequence) {
      return void this.drop(out, 'answer to no outstanding request');
    }
    switch (o.kind) {
      case 'par-s':
        return this.onPanStart(now, s, msg, bytes, relay, out);
      case 'par':
        return this.onPan(now, s, msg, bytes, relay, out);
      case 'par-c':
        return this.onPanComplete(now, s, msg, bytes, relay, out);
      default: {
        if (!s.sa || !s.sa.verify(bytes)) return void this.drop(out, 'AUTH does not verify');
        s.relay = relay;
        this.finish(now, s, out);
        if (o.kind === 'ptr') this.remove(s, out, 'administrative');
        else if (o.kind === 'pnr-key')
          out.events.push({ type: 'key-delivered', sessionId: s.id, keyIndex: o.keyIndex! });
      }
    }
  }

  private onPanStart(
    now: number,
    s: Session,
    msg: PanaMessage,
    bytes: Uint8Array,
    relay: PanaEndpoint | undefined,
    out: Out,
  ): void {
    if (!(msg.flags & PANA_FLAG.START)) return void this.drop(out, 'PAN without S answering PAR-S');
    // RFC 5191 §4.1: exactly one PRF and one integrity algorithm, from those offered.
    const prfs = msg.avps.filter((a) => a.kind === 'prf-algorithm');
    const integ = msg.avps.filter((a) => a.kind === 'integrity-algorithm');
    s.relay = relay;
    this.finish(now, s, out, false);
    if (
      prfs.length !== 1 ||
      integ.length !== 1 ||
      prfs[0]!.algorithm !== PRF_HMAC_SHA2_256 ||
      integ[0]!.algorithm !== AUTH_HMAC_SHA2_256_128
    ) {
      return this.reject(s, out, 'PaC chose no supported algorithm');
    }
    s.iPan = bytes.slice();
    this.startEap(now, s, out);
  }

  private onPan(
    now: number,
    s: Session,
    msg: PanaMessage,
    bytes: Uint8Array,
    relay: PanaEndpoint | undefined,
    out: Out,
  ): void {
    if (msg.flags & (PANA_FLAG.START | PANA_FLAG.COMPLETE))
      return void this.drop(out, 'PAN flags do not match the PAR');
    if (s.sa && !s.sa.verify(bytes)) return void this.drop(out, 'AUTH does not verify');
    const nonce = s.pacNonce ? undefined : getPanaAvp(msg, 'nonce')?.nonce;
    if (!s.pacNonce && !nonce) return void this.drop(out, 'first PAN without a Nonce');
    const eapAvp = getPanaAvp(msg, 'eap-payload');
    if (!eapAvp) return void this.drop(out, 'PAN without EAP-Payload');
    const step = s.eap!.receive(eapAvp.eap);
    // RFC 3748 §4.1: a discarded Response leaves the Request outstanding (PANA retransmits it).
    if (step.discarded) return void this.drop(out, `EAP: ${step.discarded}`);
    if (nonce) s.pacNonce = nonce.slice();
    s.relay = relay;
    s.peerId = s.eap!.peerId ?? s.peerId;
    this.finish(now, s, out, false);
    if (step.pending) {
      s.eapBusy = true;
      return;
    }
    this.continueEap(now, s, step, out);
  }

  /** After the EAP server's step for the last PAN: the next PAR, or the PAR-C. */
  private continueEap(now: number, s: Session, step: EapStep, out: Out): void {
    if (!step.outcome) {
      const eap = step.send!;
      this.enqueue(now, s, out, 'par', PANA_MESSAGE_TYPE.AUTH, (sequence) => ({
        bytes: this.signFor(s, {
          type: PANA_MESSAGE_TYPE.AUTH,
          flags: PANA_FLAG.REQUEST,
          sessionId: s.id,
          sequence,
          avps: [{ kind: 'eap-payload', eap }],
        }),
      }));
      return;
    }
    const eapFinal: PanaAvp[] = step.send ? [{ kind: 'eap-payload', eap: step.send }] : [];
    if (step.outcome.result === 'failure') {
      s.completing = 'failure';
      s.state = 'closing';
      out.events.push({
        type: 'rejected',
        sessionId: s.id,
        peerId: s.peerId,
        pacAddress: s.pac,
        reason: step.outcome.reason,
      });
      this.enqueue(now, s, out, 'par-c', PANA_MESSAGE_TYPE.AUTH, (sequence) => ({
        bytes: this.signFor(s, {
          type: PANA_MESSAGE_TYPE.AUTH,
          flags: PANA_FLAG.REQUEST | PANA_FLAG.COMPLETE,
          sessionId: s.id,
          sequence,
          avps: [
            { kind: 'result-code', resultCode: PANA_RESULT_CODE.PANA_AUTHENTICATION_REJECTED },
            ...eapFinal,
          ],
        }),
      }));
      return;
    }
    // RFC 5191 §5.3: a new Key-Id for each MSK; PANA_AUTH_KEY from the initial PAR/PAN and the Nonces.
    const keyId = s.nextKeyId;
    s.nextKeyId = (s.nextKeyId + 1) >>> 0;
    const sa = new PanaSecurityAssociation(this.o.crypto, {
      msk: step.outcome.keys.msk,
      iPar: s.iPar!,
      iPan: s.iPan!,
      pacNonce: s.pacNonce!,
      paaNonce: s.paaNonce!,
      keyId,
    });
    s.pendingSa?.wipe();
    s.pendingSa = sa;
    s.completing = 'success';
    const key = this.o.networkKeys().current;
    this.enqueue(now, s, out, 'par-c', PANA_MESSAGE_TYPE.AUTH, (sequence) => ({
      bytes: sa.sign({
        type: PANA_MESSAGE_TYPE.AUTH,
        flags: PANA_FLAG.REQUEST | PANA_FLAG.COMPLETE,
        sessionId: s.id,
        sequence,
        avps: [
          { kind: 'result-code', resultCode: PANA_RESULT_CODE.PANA_SUCCESS },
          ...eapFinal,
          { kind: 'key-id', keyId },
          { kind: 'session-lifetime', seconds: this.o.sessionLifetime },
          sa.sealNetworkKey(s.id, sequence, {
            key: key.key,
            keyIndex: key.index,
            authCounter: s.keyDeliveries++ & 0xff,
          }),
        ],
      }),
      keyIndex: key.index,
    }));
  }

  private onPanComplete(
    now: number,
    s: Session,
    msg: PanaMessage,
    bytes: Uint8Array,
    relay: PanaEndpoint | undefined,
    out: Out,
  ): void {
    if (!(msg.flags & PANA_FLAG.COMPLETE)) return void this.drop(out, 'PAN without C answering PAR-C');
    if (s.completing === 'failure') {
      if (s.sa && !s.sa.verify(bytes)) return void this.drop(out, 'AUTH does not verify');
      this.finish(now, s, out, false);
      this.table.delete(s.id);
      s.eap?.dispose?.();
      s.sa?.wipe();
      return;
    }
    const sa = s.pendingSa!;
    if (!sa.verify(bytes)) return void this.drop(out, 'AUTH does not verify');
    if (getPanaAvp(msg, 'key-id')?.keyId !== sa.keyId) return void this.drop(out, 'PAN-C Key-Id mismatch');
    const keyIndex = s.outstanding!.keyIndex!;
    s.relay = relay;
    s.sa?.wipe();
    s.sa = sa;
    s.pendingSa = undefined;
    s.completing = undefined;
    s.eap?.dispose?.();
    s.state = 'open';
    s.authDeadline = undefined;
    s.lifetimeEnd = now + this.o.sessionLifetime * 1000;
    const reauthentication = s.authenticatedOnce;
    s.authenticatedOnce = true;
    out.events.push({
      type: 'authenticated',
      sessionId: s.id,
      peerId: s.peerId ?? new Uint8Array(0),
      pacAddress: s.pac,
      relay: s.relay,
      reauthentication,
    });
    out.events.push({ type: 'key-delivered', sessionId: s.id, keyIndex });
    this.finish(now, s, out);
  }

  // -------------------------------------------------------------------------------------------

  /** Queues a request; sends it at once when none is outstanding (one at a time, RFC 5191 §5.1). */
  private enqueue(now: number, s: Session, out: Out, kind: RequestKind, type: number, build: Build): void {
    s.queue.push({ kind, type, build });
    if (!s.outstanding) this.sendNext(now, s, out);
  }

  private sendNext(now: number, s: Session, out: Out): void {
    const next = s.queue.shift();
    if (!next) return;
    const sequence = s.tx.take();
    const { bytes, keyIndex } = next.build(sequence);
    s.outstanding = { kind: next.kind, type: next.type, sequence, bytes, keyIndex };
    s.retx.start(now, bytes);
    this.emit(s, bytes, out);
  }

  /** The outstanding request is answered; optionally send the next queued one. */
  private finish(now: number, s: Session, out: Out, sendNext = true): void {
    s.outstanding = undefined;
    s.retx.stop();
    if (sendNext) this.sendNext(now, s, out);
  }

  private answer(s: Session, req: PanaMessage, type: number, flags: number, out: Out): void {
    const bytes = this.signFor(s, {
      type: type as PanaMessage['type'],
      flags,
      sessionId: s.id,
      sequence: req.sequence,
      avps: [],
    });
    s.rx.answered(req.sequence, bytes);
    this.emit(s, bytes, out);
  }

  private signFor(s: Session, msg: PanaMessage): Uint8Array {
    return s.sa ? s.sa.sign(msg) : encodePanaMessage(msg);
  }

  /** To the PaC directly, or in a PRY to the relay with the same PaC-Information (RFC 6345 §3). */
  private emit(s: Session, bytes: Uint8Array, out: Out): void {
    if (!s.relay) {
      out.send.push({ to: { address: s.pac.address, port: s.pac.port }, bytes });
      return;
    }
    const pry = encodePanaMessage({
      type: PANA_MESSAGE_TYPE.RELAY,
      flags: 0,
      sessionId: 0,
      sequence: 0,
      avps: [
        { kind: 'pac-information', address: s.pac.address, port: s.pac.port },
        { kind: 'relayed-message', bytes, message: decodePanaMessage(bytes) },
      ],
    });
    out.send.push({ to: { address: s.relay.address, port: s.relay.port }, bytes: pry });
  }

  private reject(s: Session, out: Out, reason: string): void {
    this.table.delete(s.id);
    s.eap?.dispose?.();
    s.retx.stop();
    s.sa?.wipe();
    s.pendingSa?.wipe();
    if (s.completing === 'failure') return; // already reported when the PAR-C was sent
    out.events.push({ type: 'rejected', sessionId: s.id, peerId: s.peerId, pacAddress: s.pac, reason });
  }

  private remove(s: Session, out: Out, reason: string): void {
    this.table.delete(s.id);
    s.eap?.dispose?.();
    s.retx.stop();
    s.sa?.wipe();
    s.pendingSa?.wipe();
    out.events.push({ type: 'terminated', sessionId: s.id, peerId: s.peerId, reason });
  }

  private drop(out: Out, reason: string): Out {
    this.tally.drop(reason);
    return out;
  }
}

/** Both direct (no relay), or both through the same relay. */
function sameRelay(a: PanaEndpoint | undefined, b: PanaEndpoint | undefined): boolean {
  return a === undefined || b === undefined ? a === b : endpointEquals(a, b);
}
