/**
 * `SpinelDongle`: the host side of a Spinel RCP (radio co-processor) over a byte-stream link.
 *
 * Behaviour follows OpenThread's host driver (`src/lib/spinel/radio_spinel.cpp`: `Init`, `ResetRcp`,
 * `CheckSpinelVersion`, `IsRcp`, `CheckRcpApiVersion`, `HandleReceivedFrame`, `HandleResponse`) and
 * the RCP behaviour recorded in PROTOCOL-NOTES.md (Spinel section):
 *
 * - Bring-up: one lone 0x7E to sync the dongle's HDLC decoder, `RESET` (TID 0) and wait for the
 *   unsolicited `LAST_STATUS = RESET_*` (112–127), then GET PROTOCOL_VERSION (major must be 4;
 *   OpenThread also insists on the minor, FieldRoot only logs it), NCP_VERSION, CAPS (must list
 *   `CAP_MAC_RAW`), RCP_API_VERSION, HWADDR, INTERFACE_TYPE, PHY_CHAN_SUPPORTED.
 * - RCP API version rule: the dongle must list `CAP_RCP_API_VERSION` and report a version ≥
 *   `SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION` (4, spinel.h), as `CheckRcpApiVersion` does; an RCP
 *   without the capability is treated as API version 1 (what older OpenThread hosts assumed) and
 *   refused. When the dongle lists `CAP_RCP_MIN_HOST_API_VERSION`, its minimum must not exceed the
 *   API version this host implements (`SPINEL_RCP_API_VERSION`, 11).
 * - Configuration: PHY_ENABLED=1 first (after RESET the PHY and raw stream are off and the RCP answers
 *   INVALID_STATE otherwise), then PHY_CHAN (checked here against PHY_CHAN_SUPPORTED because the RCP
 *   does not range-check it), MAC_15_4_PANID, MAC_15_4_LADDR, MAC_RAW_STREAM_ENABLED=1.
 * - Requests use TIDs 1–15 (TID 0 requests go unanswered), one control request and one transmit in
 *   flight, as OpenThread's `mWaitingTid` / `mTxRadioTid`. Responses are matched by TID.
 * - Transmits carry `isHeaderUpdated = isSecurityProcessed = true`: FieldRoot secures frames on the
 *   host (DESIGN.md §4), and an RCP given a secured frame with those flags clear rewrites its key id
 *   and frame counter and encrypts it itself (OpenThread `src/core/mac/sub_mac.cpp`
 *   `ProcessTransmitSecurity`).
 * - An unsolicited RESET status outside bring-up means the dongle rebooted: in-flight requests fail,
 *   'reset' is emitted and the last configuration is applied again (OpenThread's RCP restoration).
 * - Everything undecodable or unexpected from the line is counted in a `DropCounter` and survived.
 */
import { EventEmitter } from 'node:events';
import {
  HdlcDecoder,
  SPINEL_CAP,
  SPINEL_CMD,
  SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION,
  SPINEL_PROP,
  SPINEL_PROTOCOL_VERSION_THREAD_MAJOR,
  SPINEL_RCP_API_VERSION,
  SPINEL_RESET,
  SPINEL_STATUS,
  decodePropValue,
  decodeSpinelFrame,
  decodeStreamRawRxFrame,
  decodeStreamRawTxDone,
  encodePropValue,
  encodeSpinelFrame,
  encodeStreamRawTxRequest,
  hdlcEncode,
  isResetStatus,
  nextTid,
  propGet,
  propSet,
  spinelPropName,
  spinelStatusName,
} from '../../src/stack/spinel/index.ts';
import type {
  SpinelFrame,
  PropValueFrame,
  SpinelPropName,
  SpinelPropValues,
  StreamRawRxFrame,
  StreamRawTxRequest,
} from '../../src/stack/spinel/index.ts';
import { DecodeError } from '../../src/stack/wire/index.ts';
import { DropCounter, createLogger } from '../../src/log/index.ts';
import type { Logger } from '../../src/log/index.ts';
import type { DriverClock, TimerId } from './clock.ts';
import { realClock } from './clock.ts';
import { SpinelDongleError } from './errors.ts';
import type { SerialLink } from './serial-link.ts';
import { PSDU_MAX_SUN, derivePsduLimit } from './psdu-limit.ts';

/** OpenThread's host waits this long for a response (`radio_spinel.hpp` `kMaxWaitTime`, 2000 ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 2000;
/** Wait for the boot status after RESET. */
export const DEFAULT_RESET_TIMEOUT_MS = 3000;
/**
 * Wait for transmit done. OpenThread allows `OPENTHREAD_SPINEL_CONFIG_RCP_TX_WAIT_TIME_SECS` (5 s);
 * a 2047-byte SUN frame at 50 kbps with four retries and CSMA backoffs fits well inside.
 */
export const DEFAULT_TRANSMIT_TIMEOUT_MS = 5000;
/** Consecutive request timeouts after which the dongle is declared unresponsive. */
export const DEFAULT_UNRESPONSIVE_AFTER = 3;
/** Transmits allowed to wait behind the one in flight. */
export const DEFAULT_MAX_QUEUED_TRANSMITS = 16;
/** macMaxCSMABackoffs and macMaxFrameRetries defaults (IEEE 802.15.4-2020 §8.4.3.1, Table 8-94). */
export const DEFAULT_MAX_CSMA_BACKOFFS = 4;
export const DEFAULT_MAX_FRAME_RETRIES = 3;

export interface RadioConfig {
  channel: number;
  panId: number;
  /** 8-byte EUI-64 in wire (big-endian) order, set as MAC_15_4_LADDR. */
  extendedAddress: Uint8Array;
}

export interface DongleInfo {
  protocolVersion: { major: number; minor: number };
  ncpVersion: string;
  caps: number[];
  rcpApiVersion: number;
  rcpMinHostApiVersion?: number;
  hardwareAddress: Uint8Array;
  interfaceType: number;
  supportedChannels: number[];
  maxPsduLength: number;
  psduLimitReason: string;
}

export interface ReceivedFrame {
  /** The PSDU as received, FCS included. */
  psdu: Uint8Array;
  rssi: number;
  lqi: number;
  channel: number;
  /** Radio timestamp in µs. */
  timestampUs: number;
  noiseFloor: number;
  /** `SPINEL_MD_FLAG_*` bits. */
  flags: number;
}

export interface TransmitOptions {
  /** Default: the configured channel. Must be in PHY_CHAN_SUPPORTED. */
  channel?: number;
  maxCsmaBackoffs?: number;
  maxRetries?: number;
  /** CSMA-CA before sending; default true. */
  csma?: boolean;
}

export type TransmitResult =
  | { status: 'sent'; framePending: boolean; ack?: ReceivedFrame }
  | { status: 'no-ack' }
  | { status: 'channel-access-failure' }
  | { status: 'error'; reason: string; spinelStatus?: number };

export interface SpinelDongleEvents {
  frame: [frame: ReceivedFrame];
  /** The dongle rebooted on its own; the driver re-applies the configuration. */
  reset: [info: { status: number; statusName: string }];
  reconfigured: [];
  /** `unresponsiveAfter` requests in a row timed out. */
  unresponsive: [info: { consecutiveTimeouts: number }];
  /** The dongle answered again after being unresponsive. */
  responsive: [];
  /** The link closed; `error` set when it went away (unplug) rather than by `close()`. */
  closed: [error?: Error];
}

export interface SpinelDongleOptions {
  link: SerialLink;
  clock?: DriverClock;
  logger?: Logger;
  /** Where dropped input is counted; default a counter on this driver's logger. */
  drops?: DropCounter;
  requestTimeoutMs?: number;
  resetTimeoutMs?: number;
  transmitTimeoutMs?: number;
  unresponsiveAfter?: number;
  maxQueuedTransmits?: number;
  /** Overrides the derived PSDU limit (see psdu-limit.ts); at most 2047. */
  maxPsduLength?: number;
}

type State = 'idle' | 'resetting' | 'identifying' | 'configuring' | 'ready' | 'closed';

interface Pending {
  tid: number;
  what: string;
  timer: TimerId;
  onFrame(frame: PropValueFrame): 'done' | 'ignore';
  fail(error: SpinelDongleError): void;
}

interface QueuedTransmit {
  psdu: Uint8Array;
  options: TransmitOptions;
  resolve(result: TransmitResult): void;
}

const BOOT_WAIT = 'boot';

export class SpinelDongle extends EventEmitter<SpinelDongleEvents> {
  readonly drops: DropCounter;
  private readonly link: SerialLink;
  private readonly clock: DriverClock;
  private readonly log: Logger;
  private readonly decoder: HdlcDecoder;
  private readonly requestTimeoutMs: number;
  private readonly resetTimeoutMs: number;
  private readonly transmitTimeoutMs: number;
  private readonly unresponsiveAfter: number;
  private readonly maxQueuedTransmits: number;
  private readonly psduOverride: number | undefined;

  private state: State = 'idle';
  private lastTid = 0;
  private readonly pending = new Map<number, Pending>();
  /** Serialises control requests: one in flight. */
  private controlChain: Promise<unknown> = Promise.resolve();
  private bootWaiter: { resolve(status: number): void; reject(e: Error): void; timer: TimerId } | undefined;
  private txInFlight: QueuedTransmit | undefined;
  private readonly txQueue: QueuedTransmit[] = [];
  private consecutiveTimeouts = 0;
  private unresponsive = false;
  private config: RadioConfig | undefined;
  private _info: DongleInfo | undefined;
  private readonly onData = (chunk: Uint8Array): void => this.receive(chunk);
  private readonly onClose = (error?: Error): void => this.linkClosed(error);

  constructor(options: SpinelDongleOptions) {
    super();
    this.link = options.link;
    this.clock = options.clock ?? realClock;
    this.log = options.logger ?? createLogger('hardware.spinel');
    this.drops = options.drops ?? new DropCounter(this.log);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.resetTimeoutMs = options.resetTimeoutMs ?? DEFAULT_RESET_TIMEOUT_MS;
    this.transmitTimeoutMs = options.transmitTimeoutMs ?? DEFAULT_TRANSMIT_TIMEOUT_MS;
    this.unresponsiveAfter = options.unresponsiveAfter ?? DEFAULT_UNRESPONSIVE_AFTER;
    this.maxQueuedTransmits = options.maxQueuedTransmits ?? DEFAULT_MAX_QUEUED_TRANSMITS;
    if (options.maxPsduLength !== undefined) {
      if (
        !Number.isInteger(options.maxPsduLength) ||
        options.maxPsduLength < 1 ||
        options.maxPsduLength > PSDU_MAX_SUN
      )
        throw new RangeError(`maxPsduLength must be 1..${PSDU_MAX_SUN}: ${options.maxPsduLength}`);
    }
    this.psduOverride = options.maxPsduLength;
    this.decoder = new HdlcDecoder({ onError: (kind) => this.drops.drop(`hdlc-${kind}`) });
    this.link.on('data', this.onData);
    this.link.on('close', this.onClose);
  }

  /** What the dongle reported during bring-up. */
  get info(): DongleInfo | undefined {
    return this._info;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get currentConfig(): RadioConfig | undefined {
    return this.config;
  }

  /** Transmits waiting behind the one in flight. */
  get queuedTransmits(): number {
    return this.txQueue.length;
  }

  /** HDLC-level statistics (frames, bad FCS, discarded bytes…). */
  get lineStats(): Readonly<HdlcDecoder['stats']> {
    return this.decoder.stats;
  }

  /**
   * Resets the dongle, checks it is a compatible RCP and, when `config` is given, configures the radio.
   * Rejects with {@link SpinelDongleError}: 'timeout', 'incompatible', 'unsupported', 'status', 'closed'.
   */
  async start(config?: RadioConfig): Promise<DongleInfo> {
    if (this.state !== 'idle') throw new SpinelDongleError('state', `start() called in state ${this.state}`);
    if (config) this.checkConfigShape(config);
    this.state = 'resetting';
    this.link.write(Uint8Array.of(0x7e));
    const status = await this.resetAndWaitBoot();
    this.log.info('dongle reset', { status: spinelStatusName(status), link: this.link.description });
    this.state = 'identifying';
    const info = await this.identify();
    this._info = info;
    if (config) {
      await this.configure(config);
    } else {
      this.state = 'ready';
    }
    return info;
  }

  /** Applies `config` (PHY_ENABLED, PHY_CHAN, PANID, LADDR, raw stream) and remembers it for re-configuration. */
  async configure(config: RadioConfig): Promise<void> {
    if (!this._info) throw new SpinelDongleError('state', 'configure() before start()');
    this.checkConfigShape(config);
    this.checkChannel(config.channel);
    this.state = 'configuring';
    await this.applyConfig(config);
    this.config = { ...config, extendedAddress: config.extendedAddress.slice() };
    if (this.state === 'configuring') this.state = 'ready';
    this.pumpTransmit();
  }

  /** Changes the receive/default transmit channel. */
  async setChannel(channel: number): Promise<void> {
    if (!this.config) throw new SpinelDongleError('state', 'setChannel() before configure()');
    this.checkChannel(channel);
    await this.setProp('PHY_CHAN', channel);
    this.config.channel = channel;
  }

  /** GET of any property with a known codec. */
  getProp<K extends SpinelPropName>(name: K): Promise<SpinelPropValues[K]> {
    return this.control(
      `GET ${name}`,
      (tid) => propGet(tid, SPINEL_PROP[name]),
      SPINEL_PROP[name],
      false,
    ).then((value) => {
      if (value === undefined)
        throw new SpinelDongleError('status', `GET ${name} answered with status OK only`);
      return this.decodeValue(name, value);
    });
  }

  /** SET of any property with a known codec; resolves with the value the dongle reports back. */
  setProp<K extends SpinelPropName>(name: K, value: SpinelPropValues[K]): Promise<void> {
    return this.control(
      `SET ${name}`,
      (tid) => propSet(tid, SPINEL_PROP[name], encodePropValue(name, value)),
      SPINEL_PROP[name],
      true,
    ).then(() => undefined);
  }

  /**
   * Sends one PSDU (FCS bytes included, as zeros: the radio fills them in). One transmit is in flight
   * at a time; others wait in a bounded queue. Resolves with the outcome; rejects only for caller
   * mistakes ('argument', 'unsupported') and a full queue ('queue-full') or a closed driver ('closed').
   */
  transmit(psdu: Uint8Array, options: TransmitOptions = {}): Promise<TransmitResult> {
    if (this.state === 'closed') return Promise.reject(new SpinelDongleError('closed', 'dongle is closed'));
    if (!this._info || !this.config)
      return Promise.reject(new SpinelDongleError('state', 'transmit() before the radio is configured'));
    if (psdu.length === 0) return Promise.reject(new SpinelDongleError('argument', 'empty PSDU'));
    if (psdu.length > this.maxPsduLength) {
      return Promise.reject(
        new SpinelDongleError(
          'unsupported',
          `PSDU of ${psdu.length} bytes exceeds this dongle's limit of ${this.maxPsduLength} bytes`,
        ),
      );
    }
    const channel = options.channel ?? this.config.channel;
    try {
      this.checkChannel(channel);
      for (const [k, v] of [
        ['maxCsmaBackoffs', options.maxCsmaBackoffs],
        ['maxRetries', options.maxRetries],
      ] as const) {
        if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 255))
          throw new SpinelDongleError('argument', `${k} must be 0..255: ${v}`);
      }
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (this.txQueue.length >= this.maxQueuedTransmits) {
      return Promise.reject(
        new SpinelDongleError('queue-full', `transmit queue full (${this.maxQueuedTransmits} waiting)`),
      );
    }
    return new Promise<TransmitResult>((resolve) => {
      this.txQueue.push({ psdu: psdu.slice(), options: { ...options, channel }, resolve });
      this.pumpTransmit();
    });
  }

  /** The PSDU limit in force (derived from the dongle, or the override). */
  get maxPsduLength(): number {
    return this.psduOverride ?? this._info?.maxPsduLength ?? PSDU_MAX_SUN;
  }

  /** Stops the driver and closes the link. Pending work fails with 'closed'. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.shutdown(new SpinelDongleError('closed', 'dongle closed'));
    await this.link.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Bring-up

  private resetAndWaitBoot(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.bootWaiter = undefined;
        this.noteTimeout();
        reject(
          new SpinelDongleError(
            'timeout',
            `no boot status from the dongle within ${this.resetTimeoutMs} ms after RESET: is it a Spinel RCP, at this baud rate?`,
          ),
        );
      }, this.resetTimeoutMs);
      this.bootWaiter = { resolve, reject, timer };
      this.send({ kind: 'reset', iid: 0, tid: 0, resetType: SPINEL_RESET.STACK }, BOOT_WAIT);
    });
  }

  private async identify(): Promise<DongleInfo> {
    const protocolVersion = await this.getProp('PROTOCOL_VERSION');
    if (protocolVersion.major !== SPINEL_PROTOCOL_VERSION_THREAD_MAJOR) {
      throw new SpinelDongleError(
        'incompatible',
        `dongle speaks Spinel protocol ${protocolVersion.major}.${protocolVersion.minor}; FieldRoot needs major version ${SPINEL_PROTOCOL_VERSION_THREAD_MAJOR}`,
      );
    }
    const ncpVersion = await this.getProp('NCP_VERSION');
    const caps = await this.getProp('CAPS');
    if (!caps.includes(SPINEL_CAP.MAC_RAW)) {
      throw new SpinelDongleError(
        'incompatible',
        `dongle (${ncpVersion}) does not list CAP_MAC_RAW: it cannot send and receive raw 802.15.4 frames`,
      );
    }
    if (!caps.includes(SPINEL_CAP.RCP_API_VERSION)) {
      throw new SpinelDongleError(
        'incompatible',
        `dongle (${ncpVersion}) does not report an RCP API version (no CAP_RCP_API_VERSION); FieldRoot needs RCP API ≥ ${SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION}`,
      );
    }
    const rcpApiVersion = await this.getProp('RCP_API_VERSION');
    if (rcpApiVersion < SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION) {
      throw new SpinelDongleError(
        'incompatible',
        `dongle RCP API version ${rcpApiVersion} is older than the minimum this host supports (${SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION}); update the dongle firmware`,
      );
    }
    let rcpMinHostApiVersion: number | undefined;
    if (caps.includes(SPINEL_CAP.RCP_MIN_HOST_API_VERSION)) {
      rcpMinHostApiVersion = await this.getProp('RCP_MIN_HOST_API_VERSION');
      if (rcpMinHostApiVersion > SPINEL_RCP_API_VERSION) {
        throw new SpinelDongleError(
          'incompatible',
          `dongle requires a host with RCP API ≥ ${rcpMinHostApiVersion}; FieldRoot implements ${SPINEL_RCP_API_VERSION}`,
        );
      }
    }
    const hardwareAddress = await this.getProp('HWADDR');
    const interfaceType = await this.getProp('INTERFACE_TYPE');
    const supportedChannels = await this.getProp('PHY_CHAN_SUPPORTED');
    const limit = derivePsduLimit(caps, supportedChannels);
    const info: DongleInfo = {
      protocolVersion,
      ncpVersion,
      caps,
      rcpApiVersion,
      hardwareAddress,
      interfaceType,
      supportedChannels,
      maxPsduLength: this.psduOverride ?? limit.maxPsduLength,
      psduLimitReason: this.psduOverride !== undefined ? 'configured override' : limit.reason,
    };
    if (rcpMinHostApiVersion !== undefined) info.rcpMinHostApiVersion = rcpMinHostApiVersion;
    if (protocolVersion.minor !== 3) {
      this.log.info('dongle protocol minor version differs from the one this driver was written for', {
        dongle: `${protocolVersion.major}.${protocolVersion.minor}`,
        host: '4.3',
      });
    }
    this.log.info('dongle identified', {
      ncpVersion,
      protocol: `${protocolVersion.major}.${protocolVersion.minor}`,
      rcpApiVersion,
      channels: supportedChannels.length,
      maxPsduLength: info.maxPsduLength,
    });
    return info;
  }

  private async applyConfig(config: RadioConfig): Promise<void> {
    // PHY first: after RESET the RCP answers INVALID_STATE to PHY_CHAN and STREAM_RAW until it is on.
    await this.setProp('PHY_ENABLED', true);
    await this.setProp('PHY_CHAN', config.channel);
    await this.setProp('MAC_15_4_PANID', config.panId);
    await this.setProp('MAC_15_4_LADDR', config.extendedAddress);
    await this.setProp('MAC_RAW_STREAM_ENABLED', true);
  }

  private checkConfigShape(config: RadioConfig): void {
    if (!Number.isInteger(config.panId) || config.panId < 0 || config.panId > 0xffff)
      throw new SpinelDongleError('argument', `PAN id must be 0..0xffff: ${config.panId}`);
    if (config.extendedAddress.length !== 8)
      throw new SpinelDongleError(
        'argument',
        `extended address must be 8 bytes, got ${config.extendedAddress.length}`,
      );
    if (!Number.isInteger(config.channel) || config.channel < 0 || config.channel > 255)
      throw new SpinelDongleError('argument', `channel must be 0..255: ${config.channel}`);
  }

  private checkChannel(channel: number): void {
    const supported = this._info?.supportedChannels ?? [];
    if (!supported.includes(channel)) {
      throw new SpinelDongleError(
        'unsupported',
        `channel ${channel} is not supported by this dongle (PHY_CHAN_SUPPORTED: ${formatChannels(supported)})`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  /**
   * One control request, serialised behind the previous one. Resolves with the value bytes of the
   * expected property, or `undefined` for a LAST_STATUS OK answer to a SET (`acceptOk`).
   */
  private control(
    what: string,
    build: (tid: number) => SpinelFrame,
    prop: number,
    acceptOk: boolean,
  ): Promise<Uint8Array | undefined> {
    const run = (): Promise<Uint8Array | undefined> =>
      new Promise<Uint8Array | undefined>((resolve, reject) => {
        if (this.state === 'closed') {
          reject(new SpinelDongleError('closed', `${what}: dongle is closed`));
          return;
        }
        const tid = this.allocTid();
        const pending: Pending = {
          tid,
          what,
          timer: this.clock.setTimeout(() => this.timeout(pending), this.requestTimeoutMs),
          onFrame: (frame) => {
            if (frame.prop === prop && frame.command === SPINEL_CMD.PROP_VALUE_IS) {
              resolve(frame.value);
              return 'done';
            }
            if (frame.prop === SPINEL_PROP.LAST_STATUS) {
              const status = this.decodeStatus(frame.value);
              if (status === undefined) return 'ignore';
              if (status === SPINEL_STATUS.OK && acceptOk) resolve(undefined);
              else
                reject(
                  new SpinelDongleError(
                    'status',
                    `${what} refused by the dongle: ${spinelStatusName(status)}`,
                    status,
                  ),
                );
              return 'done';
            }
            return 'ignore';
          },
          fail: reject,
        };
        this.pending.set(tid, pending);
        this.send(build(tid), what);
      });
    const p = this.controlChain.then(run, run);
    this.controlChain = p.catch(() => undefined);
    return p;
  }

  private allocTid(): number {
    for (let i = 0; i < 15; i++) {
      this.lastTid = nextTid(this.lastTid);
      if (!this.pending.has(this.lastTid)) return this.lastTid;
    }
    // At most one control request and one transmit are in flight, so this cannot happen.
    throw new Error('no free Spinel TID');
  }

  private timeout(p: Pending): void {
    if (this.pending.get(p.tid) !== p) return;
    this.pending.delete(p.tid);
    this.noteTimeout();
    p.fail(new SpinelDongleError('timeout', `${p.what}: no answer from the dongle within the timeout`));
  }

  private noteTimeout(): void {
    this.consecutiveTimeouts++;
    this.log.warn('dongle request timed out', { consecutiveTimeouts: this.consecutiveTimeouts });
    if (this.consecutiveTimeouts >= this.unresponsiveAfter && !this.unresponsive) {
      this.unresponsive = true;
      this.log.error('dongle unresponsive', { consecutiveTimeouts: this.consecutiveTimeouts });
      this.emit('unresponsive', { consecutiveTimeouts: this.consecutiveTimeouts });
    }
  }

  private noteAnswer(): void {
    this.consecutiveTimeouts = 0;
    if (this.unresponsive) {
      this.unresponsive = false;
      this.log.info('dongle answers again');
      this.emit('responsive');
    }
  }

  private send(frame: SpinelFrame, what: string): void {
    if (!this.link.isOpen) return;
    try {
      this.link.write(hdlcEncode(encodeSpinelFrame(frame)));
    } catch (e) {
      this.log.warn('write to dongle failed', { what, error: e });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Transmit

  private pumpTransmit(): void {
    if (this.txInFlight || this.state !== 'ready' || this.txQueue.length === 0) return;
    const job = this.txQueue.shift()!;
    this.txInFlight = job;
    const config = this.config!;
    const channel = job.options.channel ?? config.channel;
    const req: StreamRawTxRequest = {
      psdu: job.psdu,
      channel,
      maxCsmaBackoffs: job.options.maxCsmaBackoffs ?? DEFAULT_MAX_CSMA_BACKOFFS,
      maxFrameRetries: job.options.maxRetries ?? DEFAULT_MAX_FRAME_RETRIES,
      csmaCaEnabled: job.options.csma ?? true,
      // Secured on the host: the RCP must not touch key id, frame counter or payload.
      isHeaderUpdated: true,
      isARetx: false,
      isSecurityProcessed: true,
    };
    if (channel !== config.channel) {
      // Back to the receive channel after a transmit on another one.
      req.txDelay = 0;
      req.txDelayBaseTime = 0;
      req.rxChannelAfterTxDone = config.channel;
    }
    const tid = this.allocTid();
    const finish = (result: TransmitResult): void => {
      if (this.txInFlight !== job) return;
      this.txInFlight = undefined;
      job.resolve(result);
      this.pumpTransmit();
    };
    const pending: Pending = {
      tid,
      what: 'transmit',
      timer: this.clock.setTimeout(() => {
        if (this.pending.get(tid) !== pending) return;
        this.pending.delete(tid);
        this.noteTimeout();
        finish({
          status: 'error',
          reason: `no transmit-done from the dongle within ${this.transmitTimeoutMs} ms`,
        });
      }, this.transmitTimeoutMs),
      onFrame: (frame) => {
        if (frame.prop !== SPINEL_PROP.LAST_STATUS || frame.command !== SPINEL_CMD.PROP_VALUE_IS)
          return 'ignore';
        finish(this.transmitResult(frame.value));
        return 'done';
      },
      fail: (error) => finish({ status: 'error', reason: error.message }),
    };
    this.pending.set(tid, pending);
    this.send(propSet(tid, SPINEL_PROP.STREAM_RAW, encodeStreamRawTxRequest(req)), 'transmit');
  }

  private transmitResult(value: Uint8Array): TransmitResult {
    let status: number;
    let done: ReturnType<typeof decodeStreamRawTxDone> | undefined;
    try {
      done = decodeStreamRawTxDone(value);
      status = done.status;
    } catch (e) {
      // An early refusal (INVALID_STATE, BUSY…) is a plain LAST_STATUS without the transmit-done fields.
      const plain = this.decodeStatus(value);
      if (plain === undefined) {
        this.drops.drop('undecodable-tx-done', { error: e });
        return { status: 'error', reason: 'undecodable transmit-done from the dongle' };
      }
      status = plain;
    }
    switch (status) {
      case SPINEL_STATUS.OK: {
        const result: TransmitResult = { status: 'sent', framePending: done?.framePending ?? false };
        if (done?.ack && done.ack.psdu.length > 0) result.ack = toReceivedFrame(done.ack);
        return result;
      }
      case SPINEL_STATUS.NO_ACK:
        return { status: 'no-ack' };
      case SPINEL_STATUS.CCA_FAILURE:
        return { status: 'channel-access-failure' };
      default:
        return {
          status: 'error',
          reason: `dongle reported ${spinelStatusName(status)}`,
          spinelStatus: status,
        };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Receive

  private receive(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
    for (const payload of this.decoder.push(chunk)) this.handlePayload(payload);
  }

  private handlePayload(payload: Uint8Array): void {
    let frame: SpinelFrame;
    try {
      frame = decodeSpinelFrame(payload);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.drops.drop('undecodable-spinel', { reason: e.message });
      return;
    }
    if (frame.iid !== 0) {
      this.drops.drop('foreign-iid', { iid: frame.iid });
      return;
    }
    if (frame.kind !== 'prop') {
      this.drops.drop('unknown-command', { kind: frame.kind });
      return;
    }
    if (
      frame.command !== SPINEL_CMD.PROP_VALUE_IS &&
      frame.command !== SPINEL_CMD.PROP_VALUE_INSERTED &&
      frame.command !== SPINEL_CMD.PROP_VALUE_REMOVED
    ) {
      this.drops.drop('unknown-command', { command: frame.command });
      return;
    }
    this.noteAnswer();
    if (frame.tid === 0) this.handleUnsolicited(frame);
    else this.handleResponse(frame);
  }

  private handleResponse(frame: PropValueFrame): void {
    const p = this.pending.get(frame.tid);
    if (!p) {
      this.drops.drop('unknown-tid', { tid: frame.tid, prop: spinelPropName(frame.prop) });
      return;
    }
    if (p.onFrame(frame) === 'ignore') {
      this.drops.drop('unexpected-response', { what: p.what, prop: spinelPropName(frame.prop) });
      return;
    }
    this.clock.clearTimeout(p.timer);
    if (this.pending.get(frame.tid) === p) this.pending.delete(frame.tid);
  }

  private handleUnsolicited(frame: PropValueFrame): void {
    if (frame.command !== SPINEL_CMD.PROP_VALUE_IS) {
      this.drops.drop('unhandled-notification', { command: frame.command, prop: spinelPropName(frame.prop) });
      return;
    }
    switch (frame.prop) {
      case SPINEL_PROP.LAST_STATUS: {
        const status = this.decodeStatus(frame.value);
        if (status === undefined) return;
        if (isResetStatus(status)) this.handleResetStatus(status);
        else this.log.debug('dongle status', { status: spinelStatusName(status) });
        return;
      }
      case SPINEL_PROP.STREAM_RAW:
        this.handleReceivedFrame(frame.value);
        return;
      case SPINEL_PROP.STREAM_DEBUG:
        this.log.debug('dongle debug output', { text: debugText(frame.value) });
        return;
      default:
        this.drops.drop('unhandled-notification', { prop: spinelPropName(frame.prop) });
    }
  }

  private handleReceivedFrame(value: Uint8Array): void {
    let rx: StreamRawRxFrame;
    try {
      rx = decodeStreamRawRxFrame(value);
    } catch (e) {
      this.drops.drop('undecodable-stream-raw', { reason: (e as Error).message });
      return;
    }
    if (rx.receiveError !== 0) {
      this.drops.drop('radio-receive-error', { error: rx.receiveError });
      return;
    }
    if (rx.psdu.length === 0 || rx.psdu.length > this.maxPsduLength) {
      this.drops.drop('bad-psdu-length', { length: rx.psdu.length });
      return;
    }
    this.emit('frame', toReceivedFrame(rx));
  }

  private handleResetStatus(status: number): void {
    const waiter = this.bootWaiter;
    if (waiter) {
      this.bootWaiter = undefined;
      this.clock.clearTimeout(waiter.timer);
      waiter.resolve(status);
      return;
    }
    const statusName = spinelStatusName(status);
    this.log.warn('dongle reset unexpectedly', { status: statusName });
    const config = this.config;
    // Hold the transmit queue until the configuration is back (the PHY is off after a reset).
    if (config && this.state !== 'closed') this.state = 'configuring';
    // The dongle forgot every request in flight.
    const reason = new SpinelDongleError(
      'reset',
      `dongle reset (${statusName}) while the request was in flight`,
    );
    this.failPending(reason);
    this.emit('reset', { status, statusName });
    if (!config || this.state !== 'configuring') return;
    this.applyConfig(config).then(
      () => {
        if (this.state !== 'configuring') return;
        this.state = 'ready';
        this.log.info('dongle reconfigured after reset');
        this.emit('reconfigured');
        this.pumpTransmit();
      },
      (e: unknown) => {
        this.log.error('re-configuration after reset failed', { error: e });
      },
    );
  }

  private decodeStatus(value: Uint8Array): number | undefined {
    try {
      return decodePropValue('LAST_STATUS', value);
    } catch (e) {
      this.drops.drop('undecodable-status', { reason: (e as Error).message });
      return undefined;
    }
  }

  private decodeValue<K extends SpinelPropName>(name: K, value: Uint8Array): SpinelPropValues[K] {
    try {
      return decodePropValue(name, value);
    } catch (e) {
      this.drops.drop('undecodable-property', { prop: name, reason: (e as Error).message });
      throw new SpinelDongleError(
        'incompatible',
        `dongle sent an undecodable ${name}: ${(e as Error).message}`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Teardown

  private failPending(error: SpinelDongleError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      this.clock.clearTimeout(p.timer);
      p.fail(error);
    }
  }

  private shutdown(error: SpinelDongleError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.link.off('data', this.onData);
    this.link.off('close', this.onClose);
    if (this.bootWaiter) {
      this.clock.clearTimeout(this.bootWaiter.timer);
      this.bootWaiter.reject(error);
      this.bootWaiter = undefined;
    }
    this.failPending(error);
    const queued = this.txQueue.splice(0);
    for (const job of queued) job.resolve({ status: 'error', reason: error.message });
  }

  private linkClosed(error?: Error): void {
    if (this.state === 'closed') return;
    this.log.warn('link to the dongle closed', { link: this.link.description, error: error?.message });
    this.shutdown(
      new SpinelDongleError('closed', `link to the dongle closed${error ? `: ${error.message}` : ''}`),
    );
    this.emit('closed', error);
  }
}

function toReceivedFrame(rx: StreamRawRxFrame): ReceivedFrame {
  return {
    psdu: rx.psdu,
    rssi: rx.rssi,
    lqi: rx.lqi,
    channel: rx.channel,
    timestampUs: Number(rx.timestamp),
    noiseFloor: rx.noiseFloor,
    flags: rx.flags,
  };
}

const debugDecoder = new TextDecoder('utf-8', { fatal: false });

/** STREAM_DEBUG carries raw text (`D`); trailing NULs and newlines trimmed, length capped for the log. */
function debugText(value: Uint8Array): string {
  return debugDecoder
    .decode(value.subarray(0, 512))
    .replace(/[\0\r\n]+$/u, '')
    .replace(/\p{Cc}/gu, '?');
}

/** `11–26` style summary of a channel list. */
export function formatChannels(channels: readonly number[]): string {
  if (channels.length === 0) return 'none';
  const sorted = [...channels].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0]!;
  let prev = start;
  for (const ch of [...sorted.slice(1), Number.NaN]) {
    if (ch === prev + 1) {
      prev = ch;
      continue;
    }
    parts.push(start === prev ? `${start}` : `${start}–${prev}`);
    start = ch;
    prev = ch;
  }
  return parts.join(', ');
}
