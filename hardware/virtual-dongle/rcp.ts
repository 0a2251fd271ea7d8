/**
 * A simulated Spinel RCP: the dongle side of the protocol, answering as OpenThread's RCP does
 * (`src/ncp/ncp_base.cpp`, `ncp_base_radio.cpp`, `src/lib/hdlc/hdlc.cpp`; observations in
 * PROTOCOL-NOTES.md, Spinel section):
 *
 * - HDLC-lite framing; a bad-FCS frame is dropped silently; requests on TID 0 and on IID ≠ 0 are not
 *   answered; answers carry the request's TID.
 * - `RESET` → the RCP reboots: PHY and raw stream off, a transmit in flight forgotten, then the
 *   unsolicited boot status `LAST_STATUS = RESET_POWER_ON` on TID 0.
 * - GET of a known property → `IS` with its value; unknown property → `LAST_STATUS PROP_NOT_FOUND`.
 * - SET → `IS` with the new value. PHY_CHAN and STREAM_RAW before PHY_ENABLED=1 → `LAST_STATUS
 *   INVALID_STATE`. PHY_CHAN is not range-checked (the host must check it).
 * - `SET STREAM_RAW` → the frame goes to the {@link RadioPort}; when it is done, `IS LAST_STATUS` with
 *   the transmit-done value on the request's TID (`11 00 00` for NO_ACK). A second transmit while one
 *   is in flight → `LAST_STATUS BUSY`.
 * - Frames the radio receives → unsolicited `IS STREAM_RAW` on TID 0 while PHY and raw stream are on.
 *
 * Fault injection for tests: `mute` (stops answering), `reboot()` (an unsolicited reset),
 * `debug(text)` (a STREAM_DEBUG line).
 */
import {
  HdlcDecoder,
  SPINEL_CAP,
  SPINEL_CMD,
  SPINEL_PROP,
  SPINEL_PROTOCOL_TYPE,
  SPINEL_PROTOCOL_VERSION_THREAD_MAJOR,
  SPINEL_PROTOCOL_VERSION_THREAD_MINOR,
  SPINEL_RCP_API_VERSION,
  SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION,
  SPINEL_STATUS,
  decodePropValue,
  decodeSpinelFrame,
  decodeStreamRawTxRequest,
  encodePackedUint,
  encodePropValue,
  encodeSpinelFrame,
  encodeStreamRawRxFrame,
  encodeStreamRawTxDone,
  hdlcEncode,
  propIs,
  supportedPropName,
} from '../../src/stack/spinel/index.ts';
import type {
  SpinelFrame,
  SpinelPropName,
  SpinelPropValues,
  StreamRawRxFrame,
} from '../../src/stack/spinel/index.ts';
import type { DriverClock } from '../spinel/clock.ts';
import { realClock } from '../spinel/clock.ts';
import { PSDU_MAX_SUN, derivePsduLimit } from '../spinel/psdu-limit.ts';
import type { RadioPort, RadioRxFrame, RadioTxResult } from './radio-port.ts';

/** ARIB STD-T108 920 MHz channels used by Wi-SUN / B-route meters in Japan (200 kHz grid, 33–60). */
export const JAPAN_920_CHANNELS: readonly number[] = Array.from({ length: 28 }, (_, i) => 33 + i);
/** IEEE 802.15.4 channel page 0, 2.4 GHz O-QPSK (the OpenThread simulation RCP). */
export const OQPSK_2450_CHANNELS: readonly number[] = Array.from({ length: 16 }, (_, i) => 11 + i);

export interface VirtualRcpOptions {
  radio: RadioPort;
  clock?: DriverClock;
  protocolVersion?: { major: number; minor: number };
  ncpVersion?: string;
  caps?: number[];
  rcpApiVersion?: number;
  rcpMinHostApiVersion?: number;
  hardwareAddress?: Uint8Array;
  supportedChannels?: readonly number[];
  interfaceType?: number;
  /** Delay between RESET and the boot status; default 0 (next microtask). */
  bootDelayMs?: number;
}

export const DEFAULT_VIRTUAL_CAPS: readonly number[] = [
  SPINEL_CAP.CONFIG_RADIO,
  SPINEL_CAP.MAC_RAW,
  SPINEL_CAP.RCP_API_VERSION,
  SPINEL_CAP.RCP_MIN_HOST_API_VERSION,
];

export interface VirtualRcpStats {
  framesIn: number;
  badFrames: number;
  unanswered: number;
  transmits: number;
  received: number;
}

export class VirtualRcp {
  /** When true, the RCP reads but never answers (a hung dongle). */
  mute = false;
  readonly stats: VirtualRcpStats = { framesIn: 0, badFrames: 0, unanswered: 0, transmits: 0, received: 0 };
  /** Every host request decoded, in order (tests inspect the bring-up sequence). */
  readonly requests: SpinelFrame[] = [];

  readonly protocolVersion: { major: number; minor: number };
  readonly ncpVersion: string;
  readonly caps: number[];
  readonly rcpApiVersion: number;
  readonly rcpMinHostApiVersion: number;
  readonly hardwareAddress: Uint8Array;
  readonly supportedChannels: number[];
  readonly interfaceType: number;
  readonly maxPsduLength: number;

  // Radio state (reset by RESET).
  phyEnabled = false;
  rawStreamEnabled = false;
  channel: number;
  panId = 0xffff;
  extendedAddress: Uint8Array = new Uint8Array(8);
  shortAddress = 0xfffe;
  promiscuousMode = 0;
  txPower = 0;

  private readonly radio: RadioPort;
  private readonly clock: DriverClock;
  private readonly bootDelayMs: number;
  private readonly decoder = new HdlcDecoder();
  private output: ((bytes: Uint8Array) => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Incremented at every reboot: a transmit-done from before the reboot is discarded. */
  private generation = 0;
  private txBusy = false;

  constructor(options: VirtualRcpOptions) {
    this.radio = options.radio;
    this.clock = options.clock ?? realClock;
    this.protocolVersion = options.protocolVersion ?? {
      major: SPINEL_PROTOCOL_VERSION_THREAD_MAJOR,
      minor: SPINEL_PROTOCOL_VERSION_THREAD_MINOR,
    };
    this.ncpVersion = options.ncpVersion ?? 'FieldRoot-VirtualRCP/0.1 (SUN-FSK 920 MHz; simulated)';
    this.caps = [...(options.caps ?? DEFAULT_VIRTUAL_CAPS)];
    this.rcpApiVersion = options.rcpApiVersion ?? SPINEL_RCP_API_VERSION;
    this.rcpMinHostApiVersion = options.rcpMinHostApiVersion ?? SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION;
    this.hardwareAddress =
      options.hardwareAddress?.slice() ?? Uint8Array.of(0x02, 0x46, 0x52, 0x00, 0x00, 0x00, 0x00, 0x01);
    this.supportedChannels = [...(options.supportedChannels ?? JAPAN_920_CHANNELS)];
    this.interfaceType = options.interfaceType ?? SPINEL_PROTOCOL_TYPE.THREAD;
    this.bootDelayMs = options.bootDelayMs ?? 0;
    this.maxPsduLength = derivePsduLimit(this.caps, this.supportedChannels).maxPsduLength;
    this.channel = this.supportedChannels[0] ?? 0;
  }

  /** Connects the RCP's output (bytes to the host) and starts listening to the radio. */
  attach(output: (bytes: Uint8Array) => void): void {
    this.output = output;
    this.unsubscribe ??= this.radio.onReceive((f) => this.radioReceived(f));
  }

  detach(): void {
    this.output = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Bytes from the host. */
  receive(chunk: Uint8Array): void {
    for (const payload of this.decoder.push(chunk)) {
      this.stats.framesIn++;
      let frame: SpinelFrame;
      try {
        frame = decodeSpinelFrame(payload);
      } catch {
        this.stats.badFrames++;
        continue;
      }
      this.requests.push(frame);
      if (this.mute) {
        this.stats.unanswered++;
        continue;
      }
      this.handle(frame);
    }
  }

  /** An unsolicited reboot (watchdog, brown-out): state lost, boot status sent. */
  reboot(status: number = SPINEL_STATUS.RESET_WATCHDOG): void {
    this.resetState();
    this.sendBootStatus(status);
  }

  /** Power removed: all radio state lost, nothing sent (the boot status follows the host's RESET). */
  powerOff(): void {
    this.resetState();
  }

  /** A STREAM_DEBUG line, as OpenThread's RCP logs over Spinel. */
  debug(text: string): void {
    this.send(propIs(0, SPINEL_PROP.STREAM_DEBUG, new TextEncoder().encode(text)));
  }

  /** Raw bytes to the host, bypassing the protocol (line-noise tests). */
  writeRaw(bytes: Uint8Array): void {
    this.output?.(bytes);
  }

  private handle(frame: SpinelFrame): void {
    if (frame.iid !== 0) {
      this.stats.unanswered++;
      return;
    }
    if (frame.kind === 'reset') {
      // Answered (TID 0) whatever the request's TID.
      this.resetState();
      this.sendBootStatus(SPINEL_STATUS.RESET_POWER_ON);
      return;
    }
    if (frame.tid === 0) {
      // OpenThread's NCP answers nothing on TID 0.
      this.stats.unanswered++;
      return;
    }
    const tid = frame.tid;
    switch (frame.kind) {
      case 'noop':
        this.sendStatus(tid, SPINEL_STATUS.OK);
        return;
      case 'get':
        this.handleGet(tid, frame.prop);
        return;
      case 'prop':
        if (frame.command === SPINEL_CMD.PROP_VALUE_SET) this.handleSet(tid, frame.prop, frame.value);
        else this.sendStatus(tid, SPINEL_STATUS.INVALID_COMMAND);
        return;
      case 'other':
        this.sendStatus(tid, SPINEL_STATUS.INVALID_COMMAND);
        return;
    }
  }

  private value(name: SpinelPropName): Uint8Array | undefined {
    const v: Partial<{ [K in SpinelPropName]: SpinelPropValues[K] }> = {
      PROTOCOL_VERSION: this.protocolVersion,
      NCP_VERSION: this.ncpVersion,
      INTERFACE_TYPE: this.interfaceType,
      CAPS: this.caps,
      HWADDR: this.hardwareAddress,
      PHY_ENABLED: this.phyEnabled,
      PHY_CHAN: this.channel,
      PHY_CHAN_SUPPORTED: this.supportedChannels,
      PHY_TX_POWER: this.txPower,
      PHY_RSSI: -100,
      MAC_15_4_LADDR: this.extendedAddress,
      MAC_15_4_SADDR: this.shortAddress,
      MAC_15_4_PANID: this.panId,
      MAC_RAW_STREAM_ENABLED: this.rawStreamEnabled,
      MAC_PROMISCUOUS_MODE: this.promiscuousMode,
    };
    if (this.caps.includes(SPINEL_CAP.RCP_API_VERSION)) v.RCP_API_VERSION = this.rcpApiVersion;
    if (this.caps.includes(SPINEL_CAP.RCP_MIN_HOST_API_VERSION))
      v.RCP_MIN_HOST_API_VERSION = this.rcpMinHostApiVersion;
    const value = v[name];
    if (value === undefined) return undefined;
    return encodePropValue(name, value as never);
  }

  private handleGet(tid: number, prop: number): void {
    const name = supportedPropName(prop);
    const value = name ? this.value(name) : undefined;
    if (value === undefined) {
      // LAST_STATUS with a sub-GHz-only property etc.
      if (prop === SPINEL_PROP.LAST_STATUS) this.sendStatus(tid, SPINEL_STATUS.OK);
      else this.sendStatus(tid, SPINEL_STATUS.PROP_NOT_FOUND);
      return;
    }
    this.send(propIs(tid, prop, value));
  }

  private handleSet(tid: number, prop: number, raw: Uint8Array): void {
    if (prop === SPINEL_PROP.STREAM_RAW) {
      this.handleTransmit(tid, raw);
      return;
    }
    const name = supportedPropName(prop);
    if (!name) {
      this.sendStatus(tid, SPINEL_STATUS.PROP_NOT_FOUND);
      return;
    }
    const decode = <K extends SpinelPropName>(k: K): SpinelPropValues[K] | undefined => {
      try {
        return decodePropValue(k, raw);
      } catch {
        this.sendStatus(tid, SPINEL_STATUS.PARSE_ERROR);
        return undefined;
      }
    };
    switch (name) {
      case 'PHY_ENABLED': {
        const v = decode('PHY_ENABLED');
        if (v === undefined) return;
        this.phyEnabled = v;
        this.updateReceiver();
        break;
      }
      case 'PHY_CHAN': {
        if (!this.phyEnabled) return this.sendStatus(tid, SPINEL_STATUS.INVALID_STATE);
        const v = decode('PHY_CHAN');
        if (v === undefined) return;
        this.channel = v;
        this.updateReceiver();
        break;
      }
      case 'MAC_15_4_PANID': {
        const v = decode('MAC_15_4_PANID');
        if (v === undefined) return;
        this.panId = v;
        break;
      }
      case 'MAC_15_4_LADDR': {
        const v = decode('MAC_15_4_LADDR');
        if (v === undefined) return;
        this.extendedAddress = v;
        this.radio.setExtendedAddress?.(v);
        break;
      }
      case 'MAC_15_4_SADDR': {
        const v = decode('MAC_15_4_SADDR');
        if (v === undefined) return;
        this.shortAddress = v;
        break;
      }
      case 'MAC_RAW_STREAM_ENABLED': {
        const v = decode('MAC_RAW_STREAM_ENABLED');
        if (v === undefined) return;
        this.rawStreamEnabled = v;
        break;
      }
      case 'MAC_PROMISCUOUS_MODE': {
        const v = decode('MAC_PROMISCUOUS_MODE');
        if (v === undefined) return;
        this.promiscuousMode = v;
        break;
      }
      case 'PHY_TX_POWER': {
        const v = decode('PHY_TX_POWER');
        if (v === undefined) return;
        this.txPower = v;
        break;
      }
      default:
        // Read-only properties (versions, CAPS, HWADDR…).
        return this.sendStatus(tid, SPINEL_STATUS.INVALID_COMMAND_FOR_PROP);
    }
    this.send(propIs(tid, prop, this.value(name)!));
  }

  private handleTransmit(tid: number, raw: Uint8Array): void {
    if (!this.phyEnabled) return this.sendStatus(tid, SPINEL_STATUS.INVALID_STATE);
    if (this.txBusy) return this.sendStatus(tid, SPINEL_STATUS.BUSY);
    let req;
    try {
      req = decodeStreamRawTxRequest(raw);
    } catch {
      return this.sendStatus(tid, SPINEL_STATUS.PARSE_ERROR);
    }
    if (req.psdu.length === 0 || req.psdu.length > Math.min(this.maxPsduLength, PSDU_MAX_SUN)) {
      return this.sendStatus(tid, SPINEL_STATUS.INVALID_ARGUMENT);
    }
    this.txBusy = true;
    this.stats.transmits++;
    const generation = this.generation;
    const rxAfter = req.rxChannelAfterTxDone ?? req.channel;
    this.radio.transmit(
      req.psdu,
      req.channel,
      (result) => {
        if (generation !== this.generation) return; // rebooted meanwhile: the host's request is gone
        this.txBusy = false;
        this.channel = rxAfter;
        this.updateReceiver();
        this.send(propIs(tid, SPINEL_PROP.LAST_STATUS, this.txDoneValue(result)));
      },
      {
        maxCsmaBackoffs: req.maxCsmaBackoffs ?? 4,
        maxFrameRetries: req.maxFrameRetries ?? 3,
        csmaCa: req.csmaCaEnabled ?? true,
      },
    );
  }

  private txDoneValue(result: RadioTxResult): Uint8Array {
    const header = { framePending: false, isHeaderUpdated: false };
    switch (result.outcome) {
      case 'sent': {
        // With no ACK requested OpenThread still sends the ACK slot, with an empty PSDU.
        const ack: StreamRawRxFrame = result.ack
          ? this.rxValue(result.ack)
          : {
              ...this.rxValue({
                psdu: new Uint8Array(0),
                rssi: -128,
                lqi: 0,
                channel: this.channel,
                timestampUs: 0,
              }),
            };
        return encodeStreamRawTxDone({
          status: SPINEL_STATUS.OK,
          framePending: result.framePending ?? false,
          isHeaderUpdated: false,
          ack,
        });
      }
      case 'no-ack':
        return encodeStreamRawTxDone({ status: SPINEL_STATUS.NO_ACK, ...header });
      case 'channel-busy':
        return encodeStreamRawTxDone({ status: SPINEL_STATUS.CCA_FAILURE, ...header });
      case 'aborted':
        return encodeStreamRawTxDone({ status: SPINEL_STATUS.DROPPED, ...header });
    }
  }

  private rxValue(f: RadioRxFrame): StreamRawRxFrame {
    return {
      psdu: f.psdu,
      rssi: Math.max(-128, Math.min(127, Math.round(f.rssi))),
      noiseFloor: -128,
      flags: 0,
      channel: f.channel,
      lqi: Math.max(0, Math.min(255, Math.round(f.lqi))),
      timestamp: BigInt(Math.max(0, Math.round(f.timestampUs))),
      receiveError: 0,
      ackKeyId: 0,
      ackFrameCounter: 0,
    };
  }

  private radioReceived(f: RadioRxFrame): void {
    if (!this.phyEnabled || !this.rawStreamEnabled || this.mute) return;
    if (f.psdu.length === 0 || f.psdu.length > this.maxPsduLength) return;
    this.stats.received++;
    this.send(propIs(0, SPINEL_PROP.STREAM_RAW, encodeStreamRawRxFrame(this.rxValue(f))));
  }

  private resetState(): void {
    this.generation++;
    this.txBusy = false;
    this.phyEnabled = false;
    this.rawStreamEnabled = false;
    this.promiscuousMode = 0;
    this.decoder.reset();
    this.updateReceiver();
  }

  private sendBootStatus(status: number): void {
    const generation = this.generation;
    const emit = (): void => {
      if (generation === this.generation)
        this.send(propIs(0, SPINEL_PROP.LAST_STATUS, encodePackedUint(status)));
    };
    if (this.bootDelayMs > 0) this.clock.setTimeout(emit, this.bootDelayMs);
    else queueMicrotask(emit);
  }

  private updateReceiver(): void {
    this.radio.setReceiveChannel(this.phyEnabled ? this.channel : null);
  }

  private sendStatus(tid: number, status: number): void {
    this.send(propIs(tid, SPINEL_PROP.LAST_STATUS, encodePackedUint(status)));
  }

  private send(frame: SpinelFrame): void {
    this.output?.(hdlcEncode(encodeSpinelFrame(frame)));
  }
}
