/**
 * Node's TLS as the engine of the sans-I/O EAP-TLS methods (src/stack/eap/tls-engine.ts), shared by
 * the tool's client (src/field/tool-auth) and the key server's server (src/headend/keys), which
 * may not import each other: a TLS socket runs over an in-memory Duplex whose "wire" is the
 * EAP-TLS exchange. The roles add only what differs: how the socket is opened, which certificate
 * checks apply, and the refusal reasons.
 *
 * Node's TLS is asynchronous and does not say when it has written a whole flight, so the engine
 * waits until the TLS socket has been quiet for a few event-loop turns after the last input or
 * output (`SETTLE_QUIET_TURNS`) and then reports the flight; every step of a handshake is CPU work
 * on this thread (no timers, no I/O), so a few turns suffice however loaded the machine is.
 * Asynchronous work of a role (the server's certificate verdict) holds the settling (`holds`).
 */
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { TlsEngine, TlsEngineProgress, TlsEngineState } from '../stack/eap/index.ts';

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

export abstract class NodeEapTlsEngine implements TlsEngine {
  protected readonly wire = new EapTlsWire();
  protected socket: TLSSocket | undefined;
  protected state: TlsEngineState = 'handshaking';
  protected committed = false;
  protected closed = false;
  /** Asynchronous work the settling must wait for (e.g. the server's certificate verdict). */
  protected holds = 0;
  private failure: string | undefined;
  private busy = false;
  private ready = false;
  private seen = 0;
  private quiet = 0;
  private turns = 0;

  /** `onSettled`: `progress()` has something after a pending step (the edge resumes PANA). */
  constructor(private readonly onSettled: () => void) {}

  abstract start(): void;
  abstract receive(records: Uint8Array): void;
  abstract get peerIdentity(): string | undefined;

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

  /** Hands the other side's TLS records to the socket and waits for it to settle. */
  protected feed(records: Uint8Array): void {
    this.wire.push(Buffer.from(records));
    this.kick();
  }

  /** A socket event a flight may follow: the quiet count starts again. */
  protected noteActivity(): void {
    this.wire.activity++;
  }

  /** The first reason wins: later errors are consequences of it. */
  protected fail(reason: string): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = reason;
  }

  /** Starts (or restarts) waiting for the socket to settle. */
  protected kick(): void {
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
    if (this.wire.activity !== this.seen || this.holds > 0) {
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
    this.onSettled();
  }
}
