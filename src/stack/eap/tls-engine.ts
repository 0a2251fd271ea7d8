/**
 * The TLS implementation EAP-TLS runs over, seen from the sans-I/O methods (tls-peer.ts,
 * tls-server.ts): TLS bytes go in, and once the engine has settled, one flight of TLS bytes comes
 * out together with the handshake state. The engine itself lives at the edge (Node's TLS over a
 * Duplex in src/node-tls, for src/field/tool-auth and src/headend/keys) because TLS there is
 * asynchronous; the edge resumes the lower layer when `progress()` has something (method.ts,
 * "pending").
 */
import type { TlsExporter } from './tls.ts';

export type TlsEngineState = 'handshaking' | 'established' | 'failed';

/** What the engine did since the previous `progress()`. */
export interface TlsEngineProgress {
  /** TLS records to carry to the other side (one flight; empty when there is nothing to send). */
  output: Uint8Array;
  state: TlsEngineState;
  /** With `failed`: why, in words an audit reader can act on (e.g. "certificate revoked"). */
  failure?: string;
  /**
   * Established: the TLS 1.3 commitment message (RFC 9190 §2.5, one application-data byte 0x00)
   * has been received (peer) or sent (server). Always true for TLS 1.2 once established.
   */
  committed: boolean;
}

export interface TlsEngine {
  /** Client: produce the ClientHello. Server: nothing to do (it waits for one). */
  start(): void;
  /** TLS records received from the other side (one reassembled EAP-TLS message). */
  receive(records: Uint8Array): void;
  /** The progress made since the last call once the engine has settled; undefined while busy. */
  progress(): TlsEngineProgress | undefined;
  /** The negotiated version, once established. */
  readonly version: '1.2' | '1.3' | undefined;
  /** RFC 5705 / RFC 8446 §7.5 exporter of the established session. */
  readonly exporter: TlsExporter;
  /** Server: the identity the client certificate was accepted for (e.g. the device id). */
  readonly peerIdentity: string | undefined;
  /** Tears the engine down; no more progress is reported. */
  close(): void;
}
