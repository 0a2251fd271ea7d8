/**
 * The tool's own authentication to the key server (issue #4 item 6, issue #3 item 4): PANA
 * (RFC 5191) with EAP-TLS (RFC 5216; TLS 1.3 per RFC 9190) using the enrolled certificate, over a
 * datagram path to the key server's PANA port (through the WireGuard tunnel in a job; plain UDP
 * on loopback in tests). The network key arrives in the PAR-C, only after EAP success.
 *
 * Entry point for the job engine:
 *
 *   const { networkKey, keyIndex, session } = await authenticateTool({
 *     link,                       // KeyServerDatagramPort: send() / onDatagram()
 *     certificate, privateKey,    // PEM, from the credential vault (memory only)
 *     caCertificate,              // PEM of the head-end CA (trust anchor for the key server)
 *   });
 *   session.on('network-key', ({ key, keyIndex, activation }) => …);   // rotation: 'next', then 'now'
 *   session.on('reauthenticated', ({ keyIndex }) => …);
 *   session.on('terminated', ({ reason }) => …);   // by the PAA (revocation: "administrative"),
 *                                                  // lifetime, failed re-authentication, or logout
 *   await session.logout();                        // PTR when the job ends; or session.close()
 *
 * The promise rejects with ToolAuthenticationError (reason from PANA/EAP/TLS) when the key server
 * refuses the tool or does not answer. On 'terminated' the session has already wiped the network
 * keys it handed out (SecretBytes.wipe), its PANA keys and its TLS engine; the job must stop the
 * mesh root and tell the worker why. Keys are held as SecretBytes and never logged.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createLogger, SecretBytes, type Logger } from '../../log/index.ts';
import { getCrypto, type CryptoProvider } from '../../stack/crypto/index.ts';
import { createEapTlsPeer, type RandomBytes } from '../../stack/eap/index.ts';
import {
  PANA_UDP_PORT,
  PanaPac,
  type PanaEndpoint,
  type PanaOutput,
  type PanaPacEvent,
  type RetransmissionParams,
} from '../../stack/pana/index.ts';
import { NodeTlsClientEngine } from './node-tls-client.ts';

/** Name on the key server's certificate unless configured (the head-end's DEFAULT_SERVER_ID). */
export const DEFAULT_KEY_SERVER_NAME = 'keyserver.fieldroot';

/** A datagram path to the key server's PANA port; each datagram is one PANA message. */
export interface KeyServerDatagramPort {
  send(datagram: Uint8Array): void;
  /** Registers the receiver of datagrams from the key server; returns the unsubscriber. */
  onDatagram(listener: (datagram: Uint8Array) => void): () => void;
}

export interface ToolTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AuthenticateToolOptions {
  readonly link: KeyServerDatagramPort;
  /** PEM certificate issued to this tool by the head-end CA. */
  readonly certificate: string;
  /** PEM private key of the certificate. */
  readonly privateKey: string;
  /** PEM certificate of the head-end CA. */
  readonly caCertificate: string;
  /** Milliseconds; default Date.now (with `timers` to match when virtual). */
  readonly clock?: () => number;
  readonly random?: RandomBytes;
  readonly timers?: ToolTimers;
  readonly crypto?: CryptoProvider;
  readonly logger?: Logger;
  /** Name the key server's certificate must carry (default DEFAULT_KEY_SERVER_NAME). */
  readonly serverName?: string;
  /** Highest TLS version offered (default '1.3'). */
  readonly maxVersion?: '1.2' | '1.3';
  /** PANA retransmission of requests (re-auth, ping, logout); default the mesh values. */
  readonly retransmission?: RetransmissionParams;
  /** Give up when the key server leaves an authentication silent this long, ms. */
  readonly authenticationTimeout?: number;
}

export interface ToolAuthenticated {
  readonly networkKey: SecretBytes;
  readonly keyIndex: number;
  readonly session: ToolPanaSession;
}

export class ToolAuthenticationError extends Error {
  override readonly name = 'ToolAuthenticationError';
  constructor(readonly reason: string) {
    super(`the key server did not authenticate the tool: ${reason}`);
  }
}

export interface ToolPanaSessionEvents {
  'network-key': [{ key: SecretBytes; keyIndex: number; activation: 'now' | 'next' }];
  reauthenticated: [{ keyIndex: number | undefined }];
  terminated: [{ reason: string }];
}

const nodeTimers: ToolTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The key server as the PaC names it; the datagram port already leads there. */
const KEY_SERVER: PanaEndpoint = { address: new Uint8Array(16), port: PANA_UDP_PORT };

/** Authenticates the tool; resolves once the network key is in hand. */
export function authenticateTool(options: AuthenticateToolOptions): Promise<ToolAuthenticated> {
  return new ToolPanaSession(options).open();
}

/** The tool's PANA session: PanaPac with EAP-TLS, its timer and the datagram port. */
export class ToolPanaSession extends EventEmitter<ToolPanaSessionEvents> {
  private readonly pac: PanaPac;
  private readonly clock: () => number;
  private readonly timers: ToolTimers;
  private readonly log: Logger;
  private readonly keys: SecretBytes[] = [];
  private unsubscribe: (() => void) | undefined;
  private timer: unknown;
  private ended = false;
  private opened: { resolve: (r: ToolAuthenticated) => void; reject: (e: Error) => void } | undefined;
  private firstKey: { key: SecretBytes; keyIndex: number } | undefined;
  private reason: string | undefined;

  constructor(private readonly o: AuthenticateToolOptions) {
    super();
    this.clock = o.clock ?? Date.now;
    this.timers = o.timers ?? nodeTimers;
    this.log = o.logger ?? createLogger('field.tool-auth');
    const random = o.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    this.pac = new PanaPac({
      crypto: o.crypto ?? getCrypto(),
      random,
      peer: KEY_SERVER,
      createEapPeer: () =>
        createEapTlsPeer({
          engine: new NodeTlsClientEngine({
            certificate: o.certificate,
            privateKey: o.privateKey,
            caCertificate: o.caCertificate,
            serverName: o.serverName ?? DEFAULT_KEY_SERVER_NAME,
            ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
            onSettled: () => this.step((now) => this.pac.resumeEap(now)),
          }),
        }),
      ...(o.retransmission ? { reqRetransmission: o.retransmission } : {}),
      ...(o.authenticationTimeout !== undefined ? { authenticationTimeout: o.authenticationTimeout } : {}),
    });
  }

  /** 'open' once authenticated; 'closed' after termination or failure. */
  get state(): PanaPac['state'] {
    return this.pac.state;
  }

  /** Index of the network key in force. */
  get keyIndex(): number | undefined {
    return this.pac.keyIndex;
  }

  /** Why the session ended, once it has. */
  get endReason(): string | undefined {
    return this.reason;
  }

  /** PANA drops by reason (malformed, foreign, failed AUTH…), for diagnostics. */
  get drops(): ReadonlyMap<string, number> {
    return this.pac.drops;
  }

  /** MSK and PANA_AUTH_KEY of the session, for capture decryption in tests; never logged. */
  exportKeys(): { msk: Uint8Array; authKey: Uint8Array } | undefined {
    return this.pac.exportKeys();
  }

  /** Starts PANA (PCI) and resolves with the first network key. */
  open(): Promise<ToolAuthenticated> {
    return new Promise<ToolAuthenticated>((resolve, reject) => {
      this.opened = { resolve, reject };
      this.unsubscribe = this.o.link.onDatagram((d) =>
        this.step((now) => this.pac.receive(now, KEY_SERVER, d)),
      );
      this.step((now) => this.pac.start(now));
    });
  }

  /** Asks the key server for a new EAP-TLS authentication now (PNR-A). */
  reauthenticate(): void {
    this.step((now) => this.pac.reauthenticate(now));
  }

  /** Ends the session with the key server (PTR, logout); resolves when it has ended. */
  logout(): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (this.pac.state !== 'open') {
      // Mid-(re-)authentication there is no request slot for a PTR: just stop.
      this.end('logout');
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => this.once('terminated', () => resolve()));
    this.step((now) => this.pac.terminate(now));
    return done;
  }

  /** Stops at once without telling the key server (its session then expires); wipes the keys. */
  close(reason = 'closed by the tool'): void {
    this.end(reason);
  }

  // -------------------------------------------------------------------------------------------

  private step(run: (now: number) => PanaOutput<PanaPacEvent>): void {
    if (this.ended) return;
    let out: PanaOutput<PanaPacEvent>;
    try {
      out = run(this.clock());
    } catch (err) {
      // PanaPac throws on misuse only (e.g. logout while re-authenticating); keep the session.
      this.log.warn('PANA step refused', { error: err });
      return;
    }
    for (const d of out.send) this.o.link.send(d.bytes);
    for (const e of out.events) this.onEvent(e);
    this.schedule();
  }

  private onEvent(e: PanaPacEvent): void {
    switch (e.type) {
      case 'network-key': {
        const key = new SecretBytes(e.key, 'network key');
        e.key.fill(0);
        this.keys.push(key);
        if (!this.firstKey && e.activation === 'now') this.firstKey = { key, keyIndex: e.keyIndex };
        else this.emit('network-key', { key, keyIndex: e.keyIndex, activation: e.activation });
        return;
      }
      case 'authenticated': {
        this.log.info('tool authenticated to the key server', {
          sessionId: e.sessionId,
          keyIndex: e.keyIndex,
          reauthentication: e.reauthentication,
        });
        if (!e.reauthentication && this.opened) {
          const opened = this.opened;
          this.opened = undefined;
          if (!this.firstKey) {
            this.end('the key server delivered no network key');
            opened.reject(new ToolAuthenticationError('no network key delivered'));
            return;
          }
          opened.resolve({ networkKey: this.firstKey.key, keyIndex: this.firstKey.keyIndex, session: this });
        } else {
          this.emit('reauthenticated', { keyIndex: e.keyIndex });
        }
        return;
      }
      case 'failed':
      case 'terminated':
        this.end(e.type === 'failed' ? `authentication failed: ${e.reason}` : e.reason);
        return;
    }
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.reason = reason;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    // PanaPac wipes its SA and disposes of the TLS engine (a no-op when it has closed already).
    this.pac.abort(reason);
    for (const k of this.keys) k.wipe();
    this.log.info('tool PANA session ended', { reason });
    const opened = this.opened;
    this.opened = undefined;
    if (opened) opened.reject(new ToolAuthenticationError(reason));
    else this.emit('terminated', { reason });
  }

  private schedule(): void {
    if (this.ended) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.pac.nextDeadline();
    if (due === undefined) return;
    // Node timers overflow past 2^31 − 1 ms; a long wait is re-armed.
    const wait = Math.min(2 ** 31 - 1, Math.max(0, due - this.clock()));
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.step((now) => this.pac.poll(now));
    }, wait);
  }
}
