/**
 * The tool's TLS engine for EAP-TLS (src/stack/eap/tls-engine.ts): Node's TLS client running over
 * an in-memory Duplex whose "wire" is the EAP-TLS exchange. TLS 1.3 by default (RFC 9190), 1.2
 * when asked (RFC 5216).
 *
 * Node's TLS is asynchronous and does not say when it has written a whole flight, so the engine
 * waits until the TLS socket has been quiet for a few event-loop turns after the last input or
 * output (`SETTLE_QUIET_TURNS`) and then reports the flight; every step of a handshake is CPU work
 * on this thread (no timers, no I/O), so a few turns suffice however loaded the machine is.
 */
import { Duplex } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import type { TlsEngine, TlsEngineProgress, TlsEngineState } from '../../stack/eap/index.ts';

/** Event-loop turns without TLS activity after which a flight is taken as complete. */
export const SETTLE_QUIET_TURNS = 4;
/** Turns after which a busy engine is declared failed instead of waiting for ever. */
const SETTLE_MAX_TURNS = 10_000;

/** The TLS socket's transport: what TLS writes is collected; what EAP brings is pushed in. */
class EapTlsWire extends Duplex {
  readonly written: Buffer[] = [];
  activity = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.written.push(chunk);
    this.activity++;
    callback();
  }

  override _read(): void {}
}

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

export class NodeTlsClientEngine implements TlsEngine {
  private readonly wire = new EapTlsWire();
  private socket: TLSSocket | undefined;
  private state: TlsEngineState = 'handshaking';
  private failure: string | undefined;
  private committed = false;
  private busy = false;
  private ready = false;
  private closed = false;
  private seen = 0;
  private quiet = 0;
  private turns = 0;

  constructor(private readonly o: NodeTlsClientOptions) {}

  get version(): '1.2' | '1.3' | undefined {
    const p = this.socket?.getProtocol();
    return p === 'TLSv1.3' ? '1.3' : p === 'TLSv1.2' ? '1.2' : undefined;
  }

  readonly exporter = (label: string, length: number, context?: Uint8Array): Uint8Array => {
    if (!this.socket || this.state !== 'established') throw new Error('TLS session not established');
    // Without a context for TLS 1.2 (RFC 5216 §2.3 = RFC 5705 with no context); Node's typings
    // make the optional argument look required.
    const km = this.socket.exportKeyingMaterial(
      length,
      label,
      (context === undefined ? undefined : Buffer.from(context)) as Buffer,
    );
    return new Uint8Array(km);
  };

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
      this.wire.activity++;
    });
    socket.on('data', (data: Buffer) => {
      // RFC 9190 §2.5: the commitment message is one byte 0x00 of application data.
      if (this.state === 'established' && data.length === 1 && data[0] === 0) this.committed = true;
      else this.fail('unexpected application data from the key server');
      this.wire.activity++;
    });
    socket.on('error', (err: Error & { code?: string }) => {
      this.fail(`TLS: ${err.code ?? err.message}`);
      this.wire.activity++;
    });
    this.socket = socket;
    this.kick();
  }

  receive(records: Uint8Array): void {
    if (!this.socket || this.closed) throw new Error('TLS engine not running');
    this.wire.push(Buffer.from(records));
    this.kick();
  }

  progress(): TlsEngineProgress | undefined {
    if (this.busy || !this.ready) return undefined;
    this.ready = false;
    const output = new Uint8Array(Buffer.concat(this.wire.written.splice(0)));
    const p: TlsEngineProgress = { output, state: this.state, committed: this.committed };
    if (this.failure !== undefined) p.failure = this.failure;
    return p;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.destroy();
    this.wire.destroy();
  }

  private fail(reason: string): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = reason;
  }

  private kick(): void {
    this.ready = false;
    this.quiet = 0;
    this.turns = 0;
    if (this.busy) return;
    this.busy = true;
    setImmediate(() => this.check());
  }

  private check(): void {
    if (this.closed) return;
    this.turns++;
    if (this.wire.activity !== this.seen) {
      this.seen = this.wire.activity;
      this.quiet = 0;
    } else {
      this.quiet++;
    }
    if (this.quiet < SETTLE_QUIET_TURNS && this.turns < SETTLE_MAX_TURNS) {
      setImmediate(() => this.check());
      return;
    }
    if (this.turns >= SETTLE_MAX_TURNS) this.fail('TLS engine never settled');
    this.busy = false;
    this.ready = true;
    this.o.onSettled();
  }
}
