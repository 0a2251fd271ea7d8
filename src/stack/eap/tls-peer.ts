/**
 * EAP-TLS peer (RFC 5216; TLS 1.3 per RFC 9190), sans-I/O over an injected TlsEngine. The engine
 * is asynchronous, so feeding it TLS data returns a `pending` step; the edge resumes the lower
 * layer once the engine has settled (method.ts).
 *
 * Exchange (TLS 1.3): Start → ClientHello; ServerHello…Finished → Certificate, CertificateVerify,
 * Finished; the commitment message (RFC 9190 §2.5) → empty acknowledgement; EAP-Success. Long
 * messages travel in fragments, each acknowledged by an empty packet (RFC 5216 §3.1).
 *
 * EAP-Success is accepted only once the handshake is complete and, for TLS 1.3, the commitment
 * message has arrived (RFC 9190 §2.5): an earlier Success is discarded (RFC 3748 §4.2 lets a
 * lower layer that knows better ignore it).
 */
import { EAP_CODE, EAP_TYPE } from './constants.ts';
import { DiscardTally } from './method.ts';
import type { EapPeerMethod, EapStep } from './method.ts';
import { decodeReceivedEapPacket } from './packet.ts';
import type { TlsEngine } from './tls-engine.ts';
import { ACKNOWLEDGEMENT, EapTlsFragments, encodeEapTlsPacket } from './tls-fragments.ts';
import type { EapTlsFragmentLimits } from './tls-fragments.ts';
import { deriveEapTlsKeys } from './tls.ts';
import type { EapTlsFragment } from './tls.ts';

export interface EapTlsPeerOptions extends EapTlsFragmentLimits {
  /** The client side TLS engine (the edge's Node TLS, or a test double). */
  engine: TlsEngine;
}

type PeerState = 'wait-start' | 'exchanging' | 'engine-busy' | 'finished';

export class EapTlsPeer implements EapPeerMethod {
  readonly type = EAP_TYPE.TLS;
  private readonly tally = new DiscardTally();
  private readonly fragments: EapTlsFragments;
  private state: PeerState = 'wait-start';
  private identifier = 0;
  private handshakeDone = false;
  private tlsFailure: string | undefined;

  constructor(private readonly o: EapTlsPeerOptions) {
    this.fragments = new EapTlsFragments(o);
  }

  get discards(): ReadonlyMap<string, number> {
    return this.tally.counts;
  }

  receive(packet: Uint8Array): EapStep {
    const p = decodeReceivedEapPacket(packet);
    if (p === undefined) return this.tally.discard('malformed EAP packet');
    if (this.state === 'finished') return this.tally.discard('method finished');
    if (p.code === EAP_CODE.SUCCESS) return this.onSuccess();
    if (p.code === EAP_CODE.FAILURE) {
      this.finish();
      const reason = this.tlsFailure ? `EAP-Failure after ${this.tlsFailure}` : 'EAP-Failure';
      return { outcome: { result: 'failure', reason } };
    }
    if (p.code !== EAP_CODE.REQUEST) return this.tally.discard('not a Request');
    if (p.type !== EAP_TYPE.TLS) return this.tally.discard('Request of another method');
    if (this.state === 'engine-busy') return this.tally.discard('Request while the TLS engine works');
    if (this.tlsFailure) return this.tally.discard('Request after our TLS alert');
    const f = this.fragments.take(p.typeData);
    switch (f.kind) {
      case 'refused':
        return this.tally.discard(f.reason);
      case 'start':
        // RFC 5216 §2.1.1: the Start opens the conversation, once.
        if (this.state !== 'wait-start') return this.tally.discard('second EAP-TLS Start');
        this.identifier = p.identifier;
        this.state = 'engine-busy';
        this.o.engine.start();
        return { pending: true };
      case 'acknowledgement': {
        if (this.state === 'wait-start') return this.tally.discard('expected EAP-TLS Start');
        const next = this.fragments.next();
        if (!next) return this.tally.discard('acknowledgement of nothing');
        return this.respond(p.identifier, next);
      }
      case 'partial':
        if (this.state === 'wait-start') return this.tally.discard('expected EAP-TLS Start');
        return this.respond(p.identifier, ACKNOWLEDGEMENT);
      case 'message':
        if (this.state === 'wait-start') return this.tally.discard('expected EAP-TLS Start');
        this.identifier = p.identifier;
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
      // RFC 5216 §2.1.3: the peer sends a TLS alert and waits for EAP-Failure. Not the engine's
      // own output: Node verifies the server only after its handshake has finished, so that
      // output may be a complete client flight, which would let the server succeed.
      this.tlsFailure = progress.failure ?? 'TLS failure';
      return this.respond(this.identifier, this.fragments.send(fatalAlert(this.tlsFailure)));
    }
    if (progress.state === 'established' && progress.committed) {
      this.handshakeDone = true;
    }
    return this.respond(this.identifier, this.fragments.send(progress.output));
  }

  dispose(): void {
    this.o.engine.close();
  }

  private onSuccess(): EapStep {
    if (!this.handshakeDone || this.fragments.sending || this.state !== 'exchanging') {
      return this.tally.discard('EAP-Success before the TLS handshake completed');
    }
    const version = this.o.engine.version;
    if (!version) return this.tally.discard('EAP-Success without a TLS version');
    const keys = deriveEapTlsKeys(this.o.engine.exporter, version);
    this.finish();
    return { outcome: { result: 'success', keys } };
  }

  private finish(): void {
    this.state = 'finished';
  }

  private respond(identifier: number, f: EapTlsFragment): EapStep {
    return { send: encodeEapTlsPacket(EAP_CODE.RESPONSE, identifier, f) };
  }
}

/** RFC 8446 §6.2 / RFC 5246 §7.2 alert descriptions used when the peer gives up. */
const TLS_ALERT = { HANDSHAKE_FAILURE: 40, BAD_CERTIFICATE: 42, UNKNOWN_CA: 48 } as const;
/** RFC 8446 §5.1: ContentType alert, legacy_record_version 0x0303, length 2, level fatal (2). */
function fatalAlert(failure: string): Uint8Array {
  const description = /ISSUER|LEAF_SIGNATURE|SELF_SIGNED|UNTRUSTED/i.test(failure)
    ? TLS_ALERT.UNKNOWN_CA
    : /CERT/i.test(failure)
      ? TLS_ALERT.BAD_CERTIFICATE
      : TLS_ALERT.HANDSHAKE_FAILURE;
  return Uint8Array.of(21, 0x03, 0x03, 0x00, 0x02, 2, description);
}

export function createEapTlsPeer(options: EapTlsPeerOptions): EapTlsPeer {
  return new EapTlsPeer(options);
}
