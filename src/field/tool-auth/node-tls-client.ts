/**
 * The tool's TLS engine for EAP-TLS (src/stack/eap/tls-engine.ts): Node's TLS client over the
 * shared in-memory engine of src/node-tls. TLS 1.3 by default (RFC 9190), 1.2 when asked
 * (RFC 5216). The key server's certificate is checked by Node itself (chain to the head-end CA,
 * name), since the tool has no reason to give beyond TLS's own.
 */
import { connect } from 'node:tls';
import { NodeEapTlsEngine } from '../../node-tls/index.ts';

export { SETTLE_QUIET_TURNS } from '../../node-tls/index.ts';

export interface NodeTlsClientOptions {
  /** PEM: the tool's certificate (as issued by the head-end CA). */
  certificate: string;
  /** PEM: its private key (lives in memory only; never written anywhere). */
  privateKey: string;
  /** PEM: the head-end CA, the only trust anchor for the key server's certificate. */
  caCertificate: string;
  /** Name the key server's certificate must carry (RFC 6125), e.g. "keyserver.fieldroot". */
  serverName: string;
  /** Highest TLS version offered (default 1.3; 1.2 for RFC 5216 peers). */
  maxVersion?: '1.2' | '1.3';
  /** Called when `progress()` has something after a pending step (the edge resumes PANA). */
  onSettled: () => void;
}

export class NodeTlsClientEngine extends NodeEapTlsEngine {
  constructor(private readonly o: NodeTlsClientOptions) {
    super(o.onSettled);
  }

  get peerIdentity(): string | undefined {
    return undefined;
  }

  start(): void {
    if (this.socket) throw new Error('TLS engine already started');
    const socket = connect({
      socket: this.wire,
      cert: this.o.certificate,
      key: this.o.privateKey,
      ca: [this.o.caCertificate],
      servername: this.o.serverName,
      host: this.o.serverName,
      minVersion: 'TLSv1.2',
      maxVersion: this.o.maxVersion === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
      rejectUnauthorized: true,
    });
    socket.on('secureConnect', () => {
      this.state = 'established';
      // RFC 5216 has no commitment message: the handshake's end is the end.
      if (this.version === '1.2') this.committed = true;
      this.noteActivity();
    });
    socket.on('data', (data: Buffer) => {
      // RFC 9190 §2.5: the commitment message is one byte 0x00 of application data.
      if (this.state === 'established' && data.length === 1 && data[0] === 0) this.committed = true;
      else this.fail('unexpected application data from the key server');
      this.noteActivity();
    });
    socket.on('error', (err: Error & { code?: string }) => {
      this.fail(`TLS: ${err.code ?? err.message}`);
      this.noteActivity();
    });
    this.socket = socket;
    this.kick();
  }

  receive(records: Uint8Array): void {
    if (!this.socket || this.closed) throw new Error('TLS engine not running');
    this.feed(records);
  }
}
