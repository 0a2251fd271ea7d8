/**
 * The key server: the PANA Authentication Agent (RFC 5191) of the head-end on UDP 716
 * (RFC 5191 §11), authenticating meters with EAP-PSK (RFC 4764) against the credential registry
 * and handing them the network key, whose life cycle it drives (network-keys.ts).
 *
 * This is the I/O edge around the sans-I/O PanaPaa (src/stack/pana/paa.ts): it owns the UDP
 * socket and one timer (armed at the earliest of PanaPaa's `nextDeadline()`, the key life cycle's
 * and the periodic registry refresh), writes the audit log and the log, and tells interested
 * head-end services who joined and who left (`meter-joined`, `meter-left`).
 *
 * Abuse limits: PanaPaa's PCI rate per PaC address (`pciRateLimit`) and pending-session cap, plus
 * a per-source datagram budget here (datagram-budget.ts).
 */
import { createLogger, type Logger, type SecretBytes } from '../../log/index.ts';
import { getCrypto, type CryptoProvider } from '../../stack/crypto/index.ts';
import { createEapPskServer } from '../../stack/eap/index.ts';
import {
  PANA_UDP_PORT,
  PanaPaa,
  type PanaEndpoint,
  type PanaOutput,
  type PanaPaaEvent,
  type RetransmissionParams,
} from '../../stack/pana/index.ts';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../access/clock.ts';
import type { AuditEntryInput, HeadendRepositories } from '../storage/repositories.ts';
import { DatagramBudget, DEFAULT_DATAGRAM_BUDGET, type DatagramBudgetPolicy } from './datagram-budget.ts';
import { MeterCredentials } from './meter-credentials.ts';
import {
  NetworkKeyManager,
  SYSTEM_ACTOR,
  type NetworkKeyChange,
  type NetworkKeyPolicy,
} from './network-keys.ts';
import { SealedBoxError } from './sealed-box.ts';
import { ToolAuthentication, type ToolAuthenticationOptions } from './tool-authentication.ts';
import { ToolRegistry } from './tools.ts';
import { nodeTimers, UdpPanaTransport, type KeyServerTimers, type PanaTransport } from './pana-transport.ts';
import { describeEndpoint, socketAddressOf } from './udp-endpoint.ts';

/** ID_S of the key server (RFC 4764 §5.1) unless configured. */
export const DEFAULT_SERVER_ID = 'keyserver.fieldroot';
/** Session-Lifetime offered in PAR-C (RFC 5191 §8.8), seconds: one day. */
export const DEFAULT_SESSION_LIFETIME_S = 86_400;
/** How often the registry and key table are re-read for changes made by other processes. */
export const DEFAULT_REFRESH_INTERVAL_MS = 10_000;
/** Upper bound of one timer wait (Node timers overflow past 2^31 − 1 ms). */
const MAX_TIMER_MS = 60_000;

export interface KeyServerOptions {
  readonly repositories: Pick<HeadendRepositories, 'meterCredentials' | 'tools' | 'networkKeys' | 'audit'>;
  readonly masterKey: SecretBytes;
  readonly crypto?: CryptoProvider;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly logger?: Logger;
  /** Address to bind; '::' (all, dual-stack) by default. */
  readonly host?: string;
  /** UDP port; 716 by default, 0 for any free port (tests). */
  readonly port?: number;
  readonly serverId?: string;
  readonly sessionLifetimeS?: number;
  readonly pciRateLimit?: { max: number; windowMs: number };
  readonly datagramBudget?: DatagramBudgetPolicy;
  readonly keyPolicy?: Partial<NetworkKeyPolicy>;
  readonly refreshIntervalMs?: number;
  readonly retransmission?: RetransmissionParams;
  /** PanaPaa's cap on sessions still authenticating (paa.ts maxPendingSessions). */
  readonly maxPendingSessions?: number;
  /** The datagram edge; default a UDP socket on `host`/`port`. The virtual system injects its own. */
  readonly transport?: PanaTransport;
  /** Timers; default Node's. The virtual system injects its scheduler (with `clock` to match). */
  readonly timers?: KeyServerTimers;
  /**
   * EAP-TLS for tools (tool-authentication.ts): a PaC reached directly, not relayed, is a tool.
   * Absent: every PaC gets EAP-PSK.
   */
  readonly toolAuthentication?: ToolAuthenticationOptions;
}

export interface MeterJoined {
  readonly meterId: string;
  readonly eui64: string;
  /**
   * The PaC's address as the key server saw it (RFC 6345 §3 PaC-Information; through a relay this
   * is the meter's link-local address).
   */
  readonly via: string;
  /** The relay the meter came through ("[addr]:port": the tool's mesh address), if relayed. */
  readonly relay?: string;
  readonly at: number;
}

export interface MeterLeft {
  readonly meterId: string;
  readonly reason: string;
  readonly at: number;
}

/** A tool authenticated with EAP-TLS (`deviceId` from its certificate). */
export interface ToolAuthenticated {
  readonly deviceId: string;
  readonly sessionId: number;
  readonly at: number;
}

export interface ToolLeft {
  readonly deviceId: string;
  readonly reason: string;
  readonly at: number;
}

export interface KeyServerEvents {
  'meter-joined': MeterJoined;
  'meter-left': MeterLeft;
  'tool-authenticated': ToolAuthenticated;
  'tool-left': ToolLeft;
}

export interface KeyServerStats {
  readonly datagramsReceived: number;
  readonly datagramsOverBudget: number;
  readonly sessions: number;
  /** PanaPaa's drop counts by reason (e.g. "PCI rate limit"). */
  readonly paaDrops: ReadonlyMap<string, number>;
}

type Listener<T> = (event: T) => void;

export class KeyServer {
  readonly credentials: MeterCredentials;
  readonly tools: ToolRegistry;
  readonly keys: NetworkKeyManager;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly paa: PanaPaa;
  private readonly budget: DatagramBudget;
  private readonly listeners: { [K in keyof KeyServerEvents]: Listener<KeyServerEvents[K]>[] } = {
    'meter-joined': [],
    'meter-left': [],
    'tool-authenticated': [],
    'tool-left': [],
  };
  /** Authenticated sessions of meters: session id → meter. */
  private readonly meterSessions = new Map<number, { meterId: string; eui64: string; idP: string }>();
  /** Open PANA sessions of tools (EAP-TLS): session id → device id; ended by `revokeTool`. */
  private readonly toolSessions = new Map<number, string>();
  /** Tools revoked while this server runs (the registry keeps them across restarts). */
  private readonly revokedTools = new Set<string>();
  /** Why the key server itself ended a session (reported in meter-left). */
  private readonly leaveReasons = new Map<number, string>();
  private readonly toolAuth: ToolAuthentication | undefined;
  private transport: PanaTransport | undefined;
  private readonly timers: KeyServerTimers;
  private timer: unknown;
  private tickQueued = false;
  private nextRefreshAt = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private auditChain: Promise<void> = Promise.resolve();
  private stopped = false;
  private received = 0;
  private overBudget = 0;
  private readonly budgetWarned = new Map<string, number>();

  private constructor(private readonly o: KeyServerOptions) {
    this.clock = o.clock ?? systemClock;
    this.timers = o.timers ?? nodeTimers;
    const random = o.random ?? systemRandom;
    const crypto = o.crypto ?? getCrypto();
    this.log = o.logger ?? createLogger('headend.keys');
    const repos = o.repositories;
    this.credentials = new MeterCredentials({
      repository: repos.meterCredentials,
      audit: repos.audit,
      master: o.masterKey,
      clock: this.clock,
      random,
    });
    this.tools = new ToolRegistry({ repository: repos.tools, audit: repos.audit, clock: this.clock });
    this.keys = new NetworkKeyManager({
      repository: repos.networkKeys,
      audit: repos.audit,
      master: o.masterKey,
      random,
      ...(o.keyPolicy ? { policy: o.keyPolicy } : {}),
    });
    this.budget = new DatagramBudget(o.datagramBudget ?? DEFAULT_DATAGRAM_BUDGET);
    const idS = new TextEncoder().encode(o.serverId ?? DEFAULT_SERVER_ID);
    const toolAuth = o.toolAuthentication
      ? new ToolAuthentication(
          { ...o.toolAuthentication, isRevoked: (deviceId) => this.isToolRevoked(deviceId) },
          this.log,
        )
      : undefined;
    this.toolAuth = toolAuth;
    this.paa = new PanaPaa({
      crypto,
      random,
      createEapServer: (context) =>
        toolAuth?.serves(context)
          ? toolAuth.createServer(context, random, () => this.resumeEap(context.sessionId))
          : createEapPskServer({ crypto, idS, random, lookupPsk: (idP) => this.lookupPsk(idP) }),
      networkKeys: () => this.keys.currentKeys(),
      sessionLifetime: o.sessionLifetimeS ?? DEFAULT_SESSION_LIFETIME_S,
      ...(o.pciRateLimit ? { pciRateLimit: o.pciRateLimit } : {}),
      ...(o.retransmission ? { retransmission: o.retransmission } : {}),
      ...(o.maxPendingSessions !== undefined ? { maxPendingSessions: o.maxPendingSessions } : {}),
    });
  }

  /** Loads the registry and the keys (creating the first key if needed), then listens. */
  static async start(options: KeyServerOptions): Promise<KeyServer> {
    const server = new KeyServer(options);
    try {
      await server.credentials.refresh();
      const now = server.clock();
      await server.keys.load(now);
      await server.keys.advance(now); // whatever fell due while no server was running
      server.nextRefreshAt = now + (options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
      await server.listen(options.host ?? '::', options.port ?? PANA_UDP_PORT);
      return server;
    } catch (err) {
      server.stopped = true;
      server.keys.wipe();
      throw err;
    }
  }

  on<K extends keyof KeyServerEvents>(type: K, listener: Listener<KeyServerEvents[K]>): () => void {
    const list = this.listeners[type] as Listener<KeyServerEvents[K]>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** The bound address and port. */
  address(): { address: string; port: number } {
    return this.transport!.address();
  }

  stats(): KeyServerStats {
    return {
      datagramsReceived: this.received,
      datagramsOverBudget: this.overBudget,
      sessions: this.paa.sessions().length,
      paaDrops: new Map(this.paa.drops),
    };
  }

  /** Ids of the meters holding an open PANA session now: the ones a key rotation reaches. */
  metersInSession(): Set<string> {
    return new Set([...this.meterSessions.values()].map((m) => m.meterId));
  }

  /** Starts a network key rotation now; returns the index of the announced key. */
  rotate(reason: string, actor: string): Promise<number> {
    return this.serial(async () => {
      const changes = await this.keys.rotate(this.clock(), reason, actor);
      this.applyKeyChanges(changes);
      return this.keys.announcedIndex!;
    });
  }

  /** Revokes a meter: it cannot authenticate again and its open session is terminated (PTR). */
  revokeMeter(meterId: string, actor: string, reason = 'revoked'): Promise<boolean> {
    return this.serial(async () => {
      const idP = (await this.o.repositories.meterCredentials.findById(meterId))?.idP;
      const done = await this.credentials.revoke(meterId, actor, reason);
      this.terminateMeterSessions((m) => m.meterId === meterId, 'revoked');
      // Sessions still authenticating (their PAN-C not yet in) end too, before they open.
      if (idP !== undefined) this.terminatePending(idP);
      return done;
    });
  }

  /**
   * Revokes a tool (issue #4 §7; a lost or stolen tablet): from now on `isToolRevoked` is true,
   * so the EAP-TLS hook refuses it; its PANA sessions (`toolSessions`) are terminated (PTR); and
   * a network key rotation starts, because the tool held the current key: every meter it served
   * gets the next key by PNR and the old one stays accepted only for the policy's grace period.
   * Resolves with the index of the announced key (null when a rotation was already under way:
   * that one already replaces the key the tool held).
   */
  revokeTool(deviceId: string, actor: string, reason = 'revoked'): Promise<{ keyIndex: number | null }> {
    this.revokedTools.add(deviceId);
    // The PTR leaves now, before the caller drops the tool's tunnel (DeviceRevocation): queued
    // behind the registry write it would find no path, and the tool would learn only when its
    // WireGuard session expired.
    const now = this.clock();
    for (const [sessionId, tool] of this.toolSessions) {
      if (tool !== deviceId) continue;
      this.toolSessions.delete(sessionId);
      this.apply(this.paa.terminate(now, sessionId));
    }
    this.schedule();
    return this.serial(async () => {
      await this.tools.revoke(deviceId, actor, reason);
      // The tool held the key in force and any announced one: a compromise rotation discards
      // the announced key and gives the replaced one only the short grace.
      this.applyKeyChanges(
        await this.keys.rotate(now, `tool ${deviceId} revoked`, actor, { compromised: true }),
      );
      return { keyIndex: this.keys.announcedIndex ?? null };
    });
  }

  /** Whether the tool was revoked (checked by the tool's EAP-TLS authentication before success). */
  isToolRevoked(deviceId: string): boolean {
    return this.revokedTools.has(deviceId);
  }

  /** Re-reads the registry and the key table now (after an import by this process, say). */
  refresh(): Promise<void> {
    return this.serial(() => this.refreshNow());
  }

  /** Resolves once every queued operation and audit write has finished (tests, shutdown). */
  async idle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const [c, a] = [this.chain, this.auditChain];
      await Promise.all([c, a]);
      if (c === this.chain && a === this.auditChain) return;
    }
  }

  /** Stops listening and timers, finishes queued writes and wipes the keys held in memory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const transport = this.transport;
    this.transport = undefined;
    if (transport) await transport.close();
    await this.idle();
    this.keys.wipe();
    this.log.info('key server stopped');
  }

  // -------------------------------------------------------------------------------------------

  private async listen(host: string, port: number): Promise<void> {
    const transport = this.o.transport ?? new UdpPanaTransport(host, port, this.log);
    await transport.open((bytes, from) => this.onDatagram(bytes, from));
    this.transport = transport;
    this.log.info('key server listening', { ...this.address(), meters: this.credentials.activeCount });
    this.schedule();
  }

  private onDatagram(bytes: Uint8Array, from: PanaEndpoint): void {
    if (this.stopped) return;
    this.received++;
    const now = this.clock();
    const source = socketAddressOf(from, 'udp6');
    if (!this.budget.admit(source, now)) {
      this.overBudget++;
      const last = this.budgetWarned.get(source);
      if (last === undefined || now - last >= 60_000) {
        if (this.budgetWarned.size > 1024) this.budgetWarned.clear();
        this.budgetWarned.set(source, now);
        this.log.warn('datagram budget exceeded; dropping', { source });
      }
      return;
    }
    let out: PanaOutput<PanaPaaEvent>;
    try {
      out = this.paa.receive(now, from, bytes);
    } catch (err) {
      // PanaPaa throws only on a bug; one bad datagram must not stop the key server.
      this.log.error('PANA input failed', { error: err, source });
      return;
    }
    this.apply(out);
    this.schedule();
  }

  /** An EAP-TLS engine has settled: PanaPaa sends what its method owed. */
  private resumeEap(sessionId: number): void {
    if (this.stopped) return;
    this.apply(this.paa.resumeEap(this.clock(), sessionId));
    this.schedule();
  }

  /** Tool sessions are audited by device id, apart from meters (no meter registry lookups). */
  private onToolEvent(
    e: Exclude<PanaPaaEvent, { type: 'key-delivered' }>,
    deviceId: string | undefined,
  ): void {
    const at = this.clock();
    const subject = deviceId ?? null;
    if (e.type === 'authenticated') {
      const via = describeEndpoint(e.pacAddress);
      if (deviceId === undefined || this.isToolRevoked(deviceId)) {
        // Revoked between its certificate check and its PAN-C: end the session it just opened.
        this.leaveReasons.set(e.sessionId, 'revoked');
        this.apply(this.paa.terminate(at, e.sessionId));
        return;
      }
      this.toolSessions.set(e.sessionId, deviceId);
      this.log.info('tool authenticated', { deviceId, sessionId: e.sessionId, via });
      this.auditLater({
        atMs: at,
        actor: subject,
        action: e.reauthentication ? 'pana.tool-reauthenticate' : 'pana.tool-authenticate',
        outcome: 'allowed',
        subject,
        reason: null,
        detail: { sessionId: e.sessionId, via, method: 'eap-tls' },
      });
      if (this.keys.announcedIndex !== undefined) this.apply(this.paa.rekey(at, e.sessionId));
      if (!e.reauthentication) this.emit('tool-authenticated', { deviceId, sessionId: e.sessionId, at });
      return;
    }
    this.toolAuth?.forget(e.sessionId);
    if (e.type === 'rejected') {
      const via = describeEndpoint(e.pacAddress);
      this.log.warn('tool authentication refused', {
        deviceId,
        sessionId: e.sessionId,
        via,
        reason: e.reason,
      });
      this.auditLater({
        atMs: at,
        actor: subject,
        action: 'pana.tool-authenticate',
        outcome: 'denied',
        subject,
        reason: e.reason,
        detail: { sessionId: e.sessionId, via, method: 'eap-tls' },
      });
      return;
    }
    const reason = this.leaveReasons.get(e.sessionId) ?? e.reason;
    this.leaveReasons.delete(e.sessionId);
    this.toolSessions.delete(e.sessionId);
    this.log.info('tool PANA session ended', { deviceId, sessionId: e.sessionId, reason });
    this.auditLater({
      atMs: at,
      actor: SYSTEM_ACTOR,
      action: 'pana.tool-session-end',
      outcome: 'done',
      subject,
      reason,
      detail: { sessionId: e.sessionId },
    });
    if (deviceId !== undefined) this.emit('tool-left', { deviceId, reason, at });
  }

  private lookupPsk(idP: Uint8Array): Uint8Array | undefined {
    let psk: Uint8Array | undefined;
    try {
      psk = this.credentials.lookupPsk(idP);
    } catch (err) {
      if (!(err instanceof SealedBoxError)) throw err;
      this.log.error('stored PSK does not open under the master key', { error: err });
      return undefined;
    }
    // psk-server.ts uses the PSK synchronously (AK/KDK derivation) and keeps nothing.
    if (psk) queueMicrotask(() => psk.fill(0));
    return psk;
  }

  private apply(out: PanaOutput<PanaPaaEvent>): void {
    for (const d of out.send) {
      const transport = this.transport;
      if (!transport) break;
      transport.send(d.bytes, d.to);
    }
    for (const e of out.events) this.onPaaEvent(e);
  }

  private onPaaEvent(e: PanaPaaEvent): void {
    const tool = e.type === 'key-delivered' ? undefined : this.toolAuth?.session(e.sessionId);
    if (tool && e.type !== 'key-delivered') return this.onToolEvent(e, tool.deviceId);
    const at = this.clock();
    switch (e.type) {
      case 'authenticated': {
        const meter = this.credentials.activeMeter(e.peerId);
        const via = describeEndpoint(e.pacAddress);
        if (!meter) {
          // Revoked between its PSK lookup and its PAN-C: end the session it just opened.
          this.log.warn('session opened by a meter no longer active; terminating', {
            sessionId: e.sessionId,
          });
          this.leaveReasons.set(e.sessionId, 'revoked');
          this.apply(this.paa.terminate(at, e.sessionId));
          return;
        }
        if (!e.reauthentication) this.replaceOlderSessions(at, e.sessionId, meter.meterId);
        this.meterSessions.set(e.sessionId, { ...meter });
        this.log.info('meter authenticated', {
          meterId: meter.meterId,
          sessionId: e.sessionId,
          via,
          reauthentication: e.reauthentication,
        });
        this.auditLater({
          atMs: at,
          actor: meter.meterId,
          action: e.reauthentication ? 'pana.reauthenticate' : 'pana.authenticate',
          outcome: 'allowed',
          subject: meter.meterId,
          reason: null,
          detail: { sessionId: e.sessionId, via, eui64: meter.eui64 },
        });
        // A rotation under way: announce the next key to the newcomer too, so that the
        // activation push puts it in force (pac.ts takes a key "now" only once announced).
        if (this.keys.announcedIndex !== undefined) this.apply(this.paa.rekey(at, e.sessionId));
        if (!e.reauthentication)
          this.emit('meter-joined', {
            meterId: meter.meterId,
            eui64: meter.eui64,
            via,
            ...(e.relay ? { relay: describeEndpoint(e.relay) } : {}),
            at,
          });
        return;
      }
      case 'rejected': {
        const via = describeEndpoint(e.pacAddress);
        const idP = e.peerId === undefined ? null : idPText(e.peerId);
        this.log.info('PANA authentication rejected', { sessionId: e.sessionId, via, reason: e.reason });
        this.auditLater(async () => {
          const record = idP === null ? undefined : await this.o.repositories.meterCredentials.findByIdP(idP);
          const reason =
            record?.status === 'revoked'
              ? 'meter-revoked'
              : e.reason === 'unknown peer'
                ? 'unknown-peer'
                : e.reason;
          return {
            atMs: at,
            actor: record?.meterId ?? null,
            action: 'pana.authenticate',
            outcome: 'denied',
            subject: record?.meterId ?? idP,
            reason,
            detail: { sessionId: e.sessionId, via, idP },
          };
        });
        return;
      }
      case 'terminated': {
        const meter = this.meterSessions.get(e.sessionId);
        const reason = this.leaveReasons.get(e.sessionId) ?? e.reason;
        this.meterSessions.delete(e.sessionId);
        this.leaveReasons.delete(e.sessionId);
        this.log.info('PANA session ended', {
          meterId: meter?.meterId ?? null,
          sessionId: e.sessionId,
          reason,
        });
        if (!meter) return;
        this.auditLater({
          atMs: at,
          actor: SYSTEM_ACTOR,
          action: 'pana.session-end',
          outcome: 'done',
          subject: meter.meterId,
          reason,
          detail: { sessionId: e.sessionId },
        });
        this.emit('meter-left', { meterId: meter.meterId, reason, at });
        return;
      }
      case 'key-delivered':
        this.log.debug('network key delivered', { sessionId: e.sessionId, keyIndex: e.keyIndex });
        return;
    }
  }

  private applyKeyChanges(changes: readonly NetworkKeyChange[]): void {
    const now = this.clock();
    for (const c of changes) {
      this.log.info(`network key ${c.type}`, { keyIndex: c.keyIndex });
      // Announce, then activate: the same PNR push twice (paa.ts rekeyAll; pac.ts takeKey).
      if (c.type === 'announced' || c.type === 'activated') this.apply(this.paa.rekeyAll(now));
    }
    this.schedule();
  }

  private terminateMeterSessions(
    match: (m: { meterId: string; idP: string }) => boolean,
    reason: string,
  ): void {
    const now = this.clock();
    for (const [sessionId, meter] of this.meterSessions) {
      if (!match(meter)) continue;
      this.leaveReasons.set(sessionId, reason);
      this.apply(this.paa.terminate(now, sessionId));
    }
    this.schedule();
  }

  /**
   * A meter opened a new session while an older one is still open here: it started over (its
   * network was lost — e.g. the tool that relayed it was revoked — and it joined again through
   * another relay). RFC 5191 §4 lets a PaC begin a new authentication at any time, and the PAA
   * keeps the old session until the new one succeeds (a PCI alone proves nothing: anyone can
   * send one with a meter's address); now the new session holds the key in force, the old one
   * ends. Its PTR goes the old way and may find nobody; that session is no longer the meter's, so
   * its end is not reported as the meter leaving.
   */
  private replaceOlderSessions(at: number, sessionId: number, meterId: string): void {
    for (const [old, m] of [...this.meterSessions]) {
      if (old === sessionId || m.meterId !== meterId) continue;
      this.meterSessions.delete(old);
      this.log.info('meter session replaced', { meterId, sessionId: old, by: sessionId });
      this.auditLater({
        atMs: at,
        actor: SYSTEM_ACTOR,
        action: 'pana.session-replaced',
        outcome: 'done',
        subject: meterId,
        reason: 'new authentication',
        detail: { sessionId: old, replacedBy: sessionId },
      });
      this.apply(this.paa.terminate(at, old));
    }
  }

  private terminatePending(idP: string): void {
    const now = this.clock();
    for (const view of this.paa.sessions()) {
      // Only sessions not yet open: open ones were ended above, and a second terminate() of a
      // 'closing' session would send a new PTR and orphan the PTA of the first.
      if (view.state !== 'starting' && view.state !== 'authenticating') continue;
      if (view.peerId === undefined || idPText(view.peerId) !== idP) continue;
      this.apply(this.paa.terminate(now, view.sessionId));
    }
  }

  private async refreshNow(): Promise<void> {
    await this.credentials.refresh();
    // Revoked by another process (or removed): end their sessions.
    this.terminateMeterSessions((m) => this.credentials.activeMeter(m.idP) === undefined, 'revoked');
    this.applyKeyChanges(await this.keys.load(this.clock()));
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.clock();
    // While a refresh/key step is queued its deadlines are its own business (no busy re-firing).
    const async = this.tickQueued ? [] : [this.keys.nextDeadline(), this.nextRefreshAt];
    const due = [this.paa.nextDeadline(), ...async].filter((d): d is number => d !== undefined);
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Math.min(...due) - now));
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.onTimer(), wait);
  }

  /**
   * PANA retransmissions run at once, in the timer's own turn (a virtual clock runs no promise
   * continuations between its events); registry refresh and key changes wait their turn in order.
   */
  private onTimer(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.clock();
    this.apply(this.paa.poll(now));
    const keyDue = this.keys.nextDeadline();
    if (!this.tickQueued && (now >= this.nextRefreshAt || (keyDue !== undefined && now >= keyDue))) {
      this.tickQueued = true;
      const after = (): void => {
        this.tickQueued = false;
        this.schedule();
      };
      this.serial(() => this.tick()).then(after, after); // a failure is logged by serial()
    }
    this.schedule();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock();
    this.apply(this.paa.poll(now));
    if (now >= this.nextRefreshAt) {
      this.nextRefreshAt = now + (this.o.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
      await this.refreshNow();
    }
    const keyDue = this.keys.nextDeadline();
    if (keyDue !== undefined && now >= keyDue) this.applyKeyChanges(await this.keys.advance(now));
    this.schedule();
  }

  /** Runs async steps one at a time, in order; a failure is logged and does not block the next. */
  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.chain.then(step);
    this.chain = run.catch((err: unknown) => {
      this.log.error('key server step failed', { error: err });
      if (!this.stopped) this.schedule();
    });
    return run;
  }

  private auditLater(entry: AuditEntryInput | (() => Promise<AuditEntryInput>)): void {
    const audit = this.o.repositories.audit;
    this.auditChain = this.auditChain
      .then(async () => {
        await audit.append(typeof entry === 'function' ? await entry() : entry);
      })
      .catch((err: unknown) => this.log.error('audit write failed', { error: err }));
  }

  private emit<K extends keyof KeyServerEvents>(type: K, event: KeyServerEvents[K]): void {
    for (const l of [...this.listeners[type]] as Listener<KeyServerEvents[K]>[]) {
      try {
        l(event);
      } catch (err) {
        this.log.error(`${type} listener failed`, { error: err });
      }
    }
  }
}

function idPText(idP: Uint8Array): string {
  return Array.from(idP, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join('');
}
