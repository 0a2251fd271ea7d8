/**
 * EAP-TLS server (RFC 5216; TLS 1.3 per RFC 9190), sans-I/O over an injected TlsEngine that
 * verifies the client certificate (chain, validity, revocation: the edge's business). Feeding TLS
 * data returns a `pending` step; the edge resumes the lower layer once the engine has settled.
 *
 * Exchange: Start; each complete TLS message from the peer goes to the engine and the engine's
 * flight goes back (fragmented, one fragment per acknowledgement, RFC 5216 §3.1); once the
 * handshake is complete and our last flight (for TLS 1.3 carrying the commitment message,
 * RFC 9190 §2.5) is acknowledged, EAP-Success with MSK/EMSK from the exporter. A refused
 * handshake ends in EAP-Failure carrying the engine's reason in the outcome (for the audit log).
 *
 * The identifier changes with every new Request (RFC 3748 §4.1); a Response with another one is
 * discarded, as is anything arriving while the engine works.
 */
import { EAP_CODE, EAP_TYPE } from './constants.ts';
import { DiscardTally } from './method.ts';
import type { EapServerMethod, EapStep, RandomBytes } from './method.ts';
import { decodeReceivedEapPacket, encodeEapPacket } from './packet.ts';
import type { TlsEngine } from './tls-engine.ts';
import { ACKNOWLEDGEMENT, EapTlsFragments, encodeEapTlsPacket } from './tls-fragments.ts';
import type { EapTlsFragmentLimits } from './tls-fragments.ts';
import { deriveEapTlsKeys } from './tls.ts';
import type { EapTlsFragment } from './tls.ts';

export interface EapTlsServerOptions extends EapTlsFragmentLimits {
  /** The server side TLS engine; it decides whether the client certificate is acceptable. */
  engine: TlsEngine;
  random: RandomBytes;
}

type ServerState = 'idle' | 'exchanging' | 'engine-busy' | 'finished';

export class EapTlsServer implements EapServerMethod {
  readonly type = EAP_TYPE.TLS;
  private readonly tally = new DiscardTally();
  private readonly fragments: EapTlsFragments;
  private state: ServerState = 'idle';
  private identifier: number;
  private established = false;
  private identity: Uint8Array | undefined;

  constructor(private readonly o: EapTlsServerOptions) {
    this.fragments = new EapTlsFragments(o);
    // RFC 3748 §4.1: the first identifier should be random-ish; later ones are +1.
    this.identifier = o.random(1)[0]!;
  }

  get peerId(): Uint8Array | undefined {
    return this.identity;
  }

  get discards(): ReadonlyMap<string, number> {
    return this.tally.counts;
  }

  /** RFC 5216 §2.1.1: EAP-TLS Start (S set, no data). */
  start(): EapStep {
    if (this.state !== 'idle') throw new Error('EAP-TLS server already started');
    this.state = 'exchanging';
    return this.request({ start: true, more: false, data: new Uint8Array(0) });
  }

  receive(packet: Uint8Array): EapStep {
    const p = decodeReceivedEapPacket(packet);
    if (p === undefined) return this.tally.discard('malformed EAP packet');
    if (this.state === 'finished') return this.tally.discard('method finished');
    if (this.state === 'idle') return this.tally.discard('not started');
    if (p.code !== EAP_CODE.RESPONSE) return this.tally.discard('not a Response');
    if (p.identifier !== this.identifier) return this.tally.discard('identifier does not match the Request');
    if (this.state === 'engine-busy') return this.tally.discard('Response while the TLS engine works');
    if (p.type === EAP_TYPE.NAK) return this.fail(p.identifier, 'peer refused EAP-TLS (Nak)');
    if (p.type !== EAP_TYPE.TLS) return this.tally.discard('Response of another method');
    const f = this.fragments.take(p.typeData);
    switch (f.kind) {
      case 'refused':
        return this.tally.discard(f.reason);
      case 'start':
        return this.tally.discard('EAP-TLS Start from the peer');
      case 'acknowledgement': {
        const next = this.fragments.next();
        if (next) return this.request(next);
        if (!this.established) return this.tally.discard('acknowledgement before the handshake completed');
        return this.succeed(p.identifier);
      }
      case 'partial':
        return this.request(ACKNOWLEDGEMENT);
      case 'message':
        if (this.established) return this.tally.discard('TLS data after the handshake completed');
        this.state = 'engine-busy';
        this.o.engine.receive(f.message);
        return { pending: true };
    }
  }

  resume(): EapStep | undefined {
    if (this.state !== 'engine-busy') return undefined;
    const progress = this.o.engine.progress();
    if (!progress) return undefined;
    this.state = 'exchanging';
    if (progress.state === 'failed') {
      // The refusal's reason goes to the outcome (audit); the peer learns it from the alert its
      // own TLS raised, or simply from EAP-Failure.
      return this.fail(this.identifier, progress.failure ?? 'TLS handshake failed');
    }
    if (progress.state === 'established') {
      if (!progress.committed) return this.fail(this.identifier, 'TLS engine established without committing');
      this.established = true;
      const who = this.o.engine.peerIdentity;
      if (who !== undefined) this.identity = new TextEncoder().encode(who);
    }
    if (progress.output.length === 0) {
      if (this.established) return this.succeed(this.identifier);
      return this.fail(this.identifier, 'TLS engine produced nothing to send');
    }
    return this.request(this.fragments.send(progress.output));
  }

  dispose(): void {
    this.o.engine.close();
  }

  private succeed(identifier: number): EapStep {
    const version = this.o.engine.version;
    if (!version) return this.fail(identifier, 'no TLS version after the handshake');
    const keys = deriveEapTlsKeys(this.o.engine.exporter, version);
    this.state = 'finished';
    // RFC 3748 §4.2: Success carries the identifier of the Response it answers.
    return {
      send: encodeEapPacket({ code: EAP_CODE.SUCCESS, identifier }),
      outcome: { result: 'success', keys },
    };
  }

  private fail(identifier: number, reason: string): EapStep {
    this.state = 'finished';
    return {
      send: encodeEapPacket({ code: EAP_CODE.FAILURE, identifier }),
      outcome: { result: 'failure', reason },
    };
  }

  private request(f: EapTlsFragment): EapStep {
    this.identifier = (this.identifier + 1) & 0xff;
    return { send: encodeEapTlsPacket(EAP_CODE.REQUEST, this.identifier, f) };
  }
}

export function createEapTlsServer(options: EapTlsServerOptions): EapTlsServer {
  return new EapTlsServer(options);
}
