/**
 * The key server's side of the tool's own authentication (issue #4 item 6): PANA with EAP-TLS
 * (RFC 5216; TLS 1.3 per RFC 9190) for a PaC reached directly through the tunnel, while meters,
 * which always arrive relayed in a PRY (RFC 6345), keep EAP-PSK.
 *
 * - `NodeTlsServerEngine`: the src/stack TlsEngine on Node's TLS server (src/node-tls runs it
 *   over an in-memory Duplex). The client certificate is requested but judged here, after the
 *   handshake and before the commitment message (RFC 9190 §2.5) is sent: nothing is committed to
 *   a refused tool.
 * - `checkToolCertificate`: the refusal reasons an auditor reads — no certificate, unknown CA,
 *   tampered (issuer matches, signature does not verify), then the CA's own verdict (revoked,
 *   expired, unknown serial, not for client authentication) through the injected `identifyClient`
 *   (CertificateAuthority.identifyClient fits).
 * - `ToolAuthentication`: builds the EAP-TLS server for a PANA session and remembers which
 *   sessions are tools', so key-server.ts can audit them apart from meters.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from '../../log/index.ts';
import { NodeEapTlsEngine } from '../../node-tls/index.ts';
import { createEapTlsServer } from '../../stack/eap/index.ts';
import type { EapServerMethod, RandomBytes } from '../../stack/eap/index.ts';
import type { EapServerContext } from '../../stack/pana/index.ts';

export type ToolIdentity =
  | { readonly ok: true; readonly deviceId: string }
  | { readonly ok: false; readonly reason: string };

/** Who a presented certificate identifies; CertificateAuthority.identifyClient has this shape. */
export type IdentifyClient = (cert: X509Certificate) => ToolIdentity | Promise<ToolIdentity>;

export interface ToolAuthenticationOptions {
  /** PEM certificate of the key server (serverAuth, named `serverName`), issued by the head-end CA. */
  readonly certificate: string;
  /** PEM private key of that certificate. */
  readonly privateKey: string;
  /** PEM certificate of the head-end CA: the only issuer of tool certificates. */
  readonly caCertificate: string;
  /** Verdict on a certificate issued by that CA (revocation, validity on the injected clock). */
  readonly identifyClient: IdentifyClient;
  /** Highest TLS version accepted (default 1.3). */
  readonly maxVersion?: '1.2' | '1.3';
  /** Revoked at the key server itself (KeyServer.revokeTool), on top of the CA's verdict. */
  readonly isRevoked?: (deviceId: string) => boolean;
}

/** Judges the tool's certificate: first what only the chain tells, then the CA's records. */
export async function checkToolCertificate(
  cert: X509Certificate | undefined,
  ca: X509Certificate,
  identify: IdentifyClient,
): Promise<ToolIdentity> {
  if (!cert) return { ok: false, reason: 'no-certificate' };
  if (!cert.checkIssued(ca)) return { ok: false, reason: 'unknown-ca' };
  if (!cert.verify(ca.publicKey)) return { ok: false, reason: 'tampered' };
  return identify(cert);
}

export interface NodeTlsServerEngineOptions {
  readonly context: SecureContext;
  readonly caCertificate: X509Certificate;
  readonly identifyClient: IdentifyClient;
  readonly onSettled: () => void;
}

export class NodeTlsServerEngine extends NodeEapTlsEngine {
  private identity: string | undefined;

  constructor(private readonly o: NodeTlsServerEngineOptions) {
    super(o.onSettled);
  }

  get peerIdentity(): string | undefined {
    return this.identity;
  }

  /** The server waits for a ClientHello. */
  start(): void {}

  receive(records: Uint8Array): void {
    if (this.closed) throw new Error('TLS engine closed');
    if (!this.socket) this.socket = this.open();
    this.feed(records);
  }

  private open(): TLSSocket {
    const socket = new TLSSocket(this.wire, {
      isServer: true,
      secureContext: this.o.context,
      // The certificate is requested by TLS but judged by checkToolCertificate, so that a refusal
      // has a reason for the audit log instead of a bare handshake alert.
      requestCert: true,
      rejectUnauthorized: false,
    });
    socket.on('secure', () => {
      this.holds++;
      void checkToolCertificate(socket.getPeerX509Certificate(), this.o.caCertificate, this.o.identifyClient)
        .then(
          (verdict) => {
            if (this.closed) return;
            if (!verdict.ok) return this.fail(verdict.reason);
            this.identity = verdict.deviceId;
            this.state = 'established';
            // RFC 9190 §2.5: one byte 0x00 of application data commits to no further
            // handshake messages; TLS 1.2 (RFC 5216) has none.
            if (this.version === '1.3') socket.write(Buffer.of(0));
            this.committed = true;
          },
          (err: unknown) => this.fail(`certificate check failed: ${String(err)}`),
        )
        .finally(() => {
          this.holds--;
          this.noteActivity();
        });
    });
    socket.on('data', () => {
      this.fail('unexpected application data from the tool');
      this.noteActivity();
    });
    socket.on('error', (err: Error & { code?: string }) => {
      this.fail(`tls-handshake-failed: ${err.code ?? err.message}`);
      this.noteActivity();
    });
    return socket;
  }
}

/** A tool's PANA session as the key server knows it. */
export interface ToolSession {
  readonly sessionId: number;
  /** The certificate's device id, once the handshake has been accepted. */
  deviceId: string | undefined;
}

export class ToolAuthentication {
  private readonly context: SecureContext;
  private readonly ca: X509Certificate;
  private readonly sessions = new Map<number, ToolSession>();

  constructor(
    private readonly o: ToolAuthenticationOptions,
    private readonly log: Logger,
  ) {
    this.ca = new X509Certificate(o.caCertificate);
    this.context = createSecureContext({
      cert: o.certificate,
      key: o.privateKey,
      ca: [o.caCertificate],
      minVersion: 'TLSv1.2',
      maxVersion: o.maxVersion === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
    });
  }

  /** Whether this PANA session gets EAP-TLS: the PaC was reached directly, not through a relay. */
  serves(context: EapServerContext): boolean {
    return context.relay === undefined;
  }

  /** The EAP-TLS server of one session; `resume` is called when its engine has settled. */
  createServer(context: EapServerContext, random: RandomBytes, resume: () => void): EapServerMethod {
    const session: ToolSession = this.sessions.get(context.sessionId) ?? {
      sessionId: context.sessionId,
      deviceId: undefined,
    };
    this.sessions.set(context.sessionId, session);
    const engine = new NodeTlsServerEngine({
      context: this.context,
      caCertificate: this.ca,
      identifyClient: async (cert) => {
        const verdict = await this.o.identifyClient(cert);
        if (!verdict.ok) return verdict;
        if (this.o.isRevoked?.(verdict.deviceId)) return { ok: false, reason: 'revoked' };
        session.deviceId = verdict.deviceId;
        return verdict;
      },
      onSettled: () => {
        try {
          resume();
        } catch (err) {
          this.log.error('EAP-TLS resume failed', { error: err, sessionId: context.sessionId });
        }
      },
    });
    return createEapTlsServer({ engine, random });
  }

  /** The tool session with this id, if it is one. */
  session(sessionId: number): ToolSession | undefined {
    return this.sessions.get(sessionId);
  }

  /** Open or opening sessions of a device (for termination on revocation). */
  sessionsOf(deviceId: string): number[] {
    return [...this.sessions.values()].filter((s) => s.deviceId === deviceId).map((s) => s.sessionId);
  }

  forget(sessionId: number): void {
    this.sessions.delete(sessionId);
  }
}
