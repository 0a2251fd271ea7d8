/**
 * `DongleSupervisor`: keeps one dongle connected across unplug and replug.
 *
 * It finds the dongle (by path, by USB serial number, or the first allowed USB id), opens it, runs the
 * Spinel bring-up, and watches it. When the link closes with an error (USB unplug: serialport reports a
 * disconnect) or the dongle stops answering, it drops the driver and polls for the same device — same
 * serial number, or same path when the device has none — with exponential backoff, then opens and
 * configures it again. The process keeps running throughout.
 *
 * State changes are events: 'connected', 'unplugged', 'reconnecting', 'permission-denied' (with the
 * fix to tell the worker), 'failed' (the device answered but cannot be used), 'stopped'.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createLogger } from '../../src/log/index.ts';
import type { Logger } from '../../src/log/index.ts';
import type { DriverClock, TimerId } from '../spinel/clock.ts';
import { realClock } from '../spinel/clock.ts';
import type { DongleInfo, RadioConfig, SpinelDongleOptions } from '../spinel/dongle.ts';
import { SpinelDongle } from '../spinel/dongle.ts';
import { PERMISSION_HINT, SerialOpenError, SpinelDongleError, classifyOpenError } from '../spinel/errors.ts';
import type { SerialLink } from '../spinel/serial-link.ts';
import { DEFAULT_BAUD_RATE, SerialPortLink, checkBaudRate } from '../spinel/serialport-link.ts';
import type { PortInfo, UsbId } from './discovery.ts';
import { DEFAULT_DONGLE_USB_IDS, allowedDongle, listPorts } from './discovery.ts';

export type DongleTarget =
  /** A fixed path; present while it exists. Prefer a `/dev/serial/by-id/…` alias: it follows the device. */
  | { kind: 'path'; path: string }
  /** The USB device with this serial number, wherever it enumerates. */
  | { kind: 'serial'; serialNumber: string }
  /** The first port whose USB id is allowed; after the first connection, that same device only. */
  | { kind: 'auto'; allow?: readonly UsbId[] };

export type SupervisorState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'unplugged'
  | 'reconnecting'
  | 'permission-denied'
  | 'failed'
  | 'stopped';

export interface DongleSupervisorEvents {
  state: [state: SupervisorState, detail: { message?: string; path?: string }];
  connected: [info: { path: string; dongle: SpinelDongle; info: DongleInfo }];
  unplugged: [info: { path: string; reason: string }];
  reconnecting: [info: { attempt: number; delayMs: number }];
  'permission-denied': [info: { path: string; message: string }];
  failed: [info: { path: string; message: string }];
  stopped: [];
}

export interface DongleSupervisorOptions {
  target: DongleTarget;
  baudRate?: number;
  /** Applied after every (re)connection; without it the dongle is only identified. */
  config?: RadioConfig;
  /** Passed to every SpinelDongle (timeouts, logger, drops…). */
  dongleOptions?: Omit<SpinelDongleOptions, 'link' | 'clock'>;
  clock?: DriverClock;
  logger?: Logger;
  /** First retry delay; doubles per failed attempt up to `maxBackoffMs`. Defaults 250 ms and 8 s. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Seams for tests; defaults: `SerialPortLink.open`, `listPorts`, `fs.existsSync`. */
  openLink?: (path: string, baudRate: number) => Promise<SerialLink>;
  listPorts?: () => Promise<PortInfo[]>;
  pathExists?: (path: string) => boolean;
}

export class DongleSupervisor extends EventEmitter<DongleSupervisorEvents> {
  private readonly log: Logger;
  private readonly clock: DriverClock;
  private readonly baudRate: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly openLink: (path: string, baudRate: number) => Promise<SerialLink>;
  private readonly list: () => Promise<PortInfo[]>;
  private readonly pathExists: (path: string) => boolean;
  private target: DongleTarget;
  private _state: SupervisorState = 'idle';
  private _dongle: SpinelDongle | undefined;
  private _path: string | undefined;
  private failures = 0;
  private retryTimer: TimerId | undefined;
  private running: Promise<void> | undefined;
  /** Last state announced for a repeating condition, so the log and UI are not flooded. */
  private lastProblem: string | undefined;

  constructor(private readonly options: DongleSupervisorOptions) {
    super();
    this.log = options.logger ?? createLogger('hardware.ports');
    this.clock = options.clock ?? realClock;
    this.baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    checkBaudRate(this.baudRate);
    this.initialBackoffMs = options.initialBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 8000;
    this.openLink = options.openLink ?? ((path, baudRate) => SerialPortLink.open(path, { baudRate }));
    this.list = options.listPorts ?? (() => listPorts());
    this.pathExists = options.pathExists ?? existsSync;
    this.target = options.target;
  }

  private get stopped(): boolean {
    return this._state === 'stopped';
  }

  get state(): SupervisorState {
    return this._state;
  }

  /** The driver while connected. */
  get dongle(): SpinelDongle | undefined {
    return this._dongle;
  }

  get path(): string | undefined {
    return this._path;
  }

  /** Starts looking for the dongle; returns at once (watch the events). */
  start(): void {
    if (this._state !== 'idle') return;
    this.setState('connecting', {});
    this.kick();
  }

  /** Closes the dongle and stops retrying. */
  async stop(): Promise<void> {
    if (this._state === 'stopped') return;
    this.setState('stopped', {});
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const dongle = this._dongle;
    this._dongle = undefined;
    await dongle?.close();
    await this.running?.catch(() => undefined);
    this.emit('stopped');
  }

  private kick(): void {
    this.running = this.attempt().catch((e: unknown) => {
      this.log.error('dongle supervisor attempt crashed', { error: e });
      this.scheduleRetry();
    });
  }

  private async locate(): Promise<string | undefined> {
    const t = this.target;
    if (t.kind === 'path') return this.pathExists(t.path) ? t.path : undefined;
    const ports = await this.list();
    if (t.kind === 'serial') return ports.find((p) => p.serialNumber === t.serialNumber)?.path;
    const found = ports.find((p) => allowedDongle(p, t.allow ?? DEFAULT_DONGLE_USB_IDS));
    if (found) {
      // Stick to this device from now on: same serial number, or the same path if it has none.
      this.target = found.serialNumber
        ? { kind: 'serial', serialNumber: found.serialNumber }
        : { kind: 'path', path: found.byIdPath ?? found.path };
      this.log.info('dongle selected', { path: found.path, serialNumber: found.serialNumber });
    }
    return found?.path;
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    const path = await this.locate();
    if (this.stopped) return;
    if (path === undefined) {
      this.problem('absent', 'dongle not present');
      this.scheduleRetry();
      return;
    }
    let link: SerialLink;
    try {
      link = await this.openLink(path, this.baudRate);
    } catch (e) {
      const err = e instanceof SerialOpenError ? e : classifyOpenError(path, e);
      if (err.kind === 'permission-denied') {
        const message = `cannot open ${path}: permission denied. To fix: ${PERMISSION_HINT}.`;
        if (this.problem('permission', message)) {
          this.setState('permission-denied', { path, message });
          this.emit('permission-denied', { path, message });
        }
      } else {
        this.problem(`open-${err.kind}`, err.message);
      }
      this.scheduleRetry();
      return;
    }
    if (this.stopped) {
      await link.close();
      return;
    }
    const dongle = new SpinelDongle({ ...this.options.dongleOptions, link, clock: this.clock });
    let info: DongleInfo;
    try {
      info = await dongle.start(this.options.config);
    } catch (e) {
      await dongle.close();
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof SpinelDongleError && (e.code === 'incompatible' || e.code === 'unsupported')) {
        if (this.problem('failed', message)) {
          this.setState('failed', { path, message });
          this.emit('failed', { path, message });
        }
      } else {
        this.problem('bring-up', `bring-up failed: ${message}`);
      }
      this.scheduleRetry();
      return;
    }
    if (this.stopped) {
      await dongle.close();
      return;
    }
    this._dongle = dongle;
    this._path = path;
    this.failures = 0;
    this.lastProblem = undefined;
    dongle.once('closed', (error) => this.lost(dongle, path, error ? error.message : 'link closed'));
    dongle.once('unresponsive', () => {
      this.log.warn('dongle unresponsive: reopening it', { path });
      void dongle.close().then(() => this.lost(dongle, path, 'dongle stopped answering'));
    });
    this.setState('connected', { path });
    this.emit('connected', { path, dongle, info });
  }

  private lost(dongle: SpinelDongle, path: string, reason: string): void {
    if (this._dongle !== dongle || this._state === 'stopped') return;
    this._dongle = undefined;
    this.log.warn('dongle lost', { path, reason });
    this.setState('unplugged', { path, message: reason });
    this.emit('unplugged', { path, reason });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this._state === 'stopped') return;
    const delayMs = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(this.failures, 20));
    this.failures++;
    if (this._state !== 'permission-denied' && this._state !== 'failed') this.setState('reconnecting', {});
    this.emit('reconnecting', { attempt: this.failures, delayMs });
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delayMs);
  }

  /** Logs a problem once per kind in a row; returns true when it is new. */
  private problem(kind: string, message: string): boolean {
    if (this.lastProblem === kind) return false;
    this.lastProblem = kind;
    this.log.warn('dongle not available', { kind, message });
    return true;
  }

  private setState(state: SupervisorState, detail: { message?: string; path?: string }): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state, detail);
  }
}
