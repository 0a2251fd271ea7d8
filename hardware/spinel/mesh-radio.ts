/**
 * The Spinel dongle as the field engine's radio: the shape of `FieldRadio`
 * (src/field/engine/field-radio.ts, the mesh root's `MeshRadio` plus attachment), matched
 * structurally because hardware/ does not import src/field (eslint.config.js). It lives here so
 * both `fieldroot field` (src/cli) and the app (main/) can use it.
 *
 * One `SpinelMeshRadio` outlives the dongles behind it: `follow(supervisor)` attaches each dongle
 * the DongleSupervisor (hardware/ports) opens — configuring channel, PAN ID and its own EUI-64 as
 * the long address — and detaches it when it is unplugged, so the mesh root keeps running across
 * a replug. Detached, a transmission ends at once with 'error' and nothing is received.
 *
 * The channel and PAN ID come with the job (the head-end's JobConnection.radio): `tune()` sets
 * them, reconfiguring an attached dongle at once. A dongle that arrives before any tuning is held
 * unconfigured and attached only when `tune()` says where the mesh runs — a radio on the wrong PAN
 * would only be heard by nobody. Options `channel`/`panId` tune from the start (bench, lab, tests).
 */
import type { DongleInfo, ReceivedFrame as SpinelFrame, SpinelDongle, TransmitResult } from './dongle.ts';
import type { Logger } from '../../src/log/index.ts';

export type MeshTransmitStatus = 'sent' | 'no-ack' | 'channel-access-failure' | 'error';

export interface MeshReceivedFrame {
  psdu: Uint8Array;
  rssiDbm: number;
  lqi: number;
}

export type MeshRadioAttachment =
  | { readonly attached: true; readonly description: string; readonly firmware?: string }
  | { readonly attached: false; readonly reason: string };

/** What `follow` needs of DongleSupervisor (hardware/ports/supervisor.ts). */
export interface DongleSource {
  on(
    event: 'connected',
    listener: (c: { path: string; dongle: SpinelDongle; info: DongleInfo }) => void,
  ): unknown;
  on(event: 'unplugged', listener: (u: { path: string; reason: string }) => void): unknown;
  on(event: 'stopped', listener: () => void): unknown;
}

/** Channel and PAN ID (the shape of the field engine's RadioTuning). */
export interface MeshRadioTuning {
  readonly channel: number;
  readonly panId: number;
}

export interface SpinelMeshRadioOptions {
  /** Initial tuning (both or neither); otherwise none until `tune()`. */
  readonly channel?: number;
  readonly panId?: number;
  /** FCS octets of the PHY: 4 on the 920 MHz SUN PHY (802.15.4-2015 §7.2.10), 2 on O-QPSK. */
  readonly fcsLength?: 2 | 4;
  /**
   * The network's PSDU limit: the largest frame every meter takes. A dongle may take more (a
   * SUN PHY RCP reports up to 2047) but a frame the meters cannot receive is lost, so the mesh
   * must fragment (RFC 4944 §5.3) to the smaller of the two. Default DEFAULT_MESH_MAX_PSDU.
   */
  readonly maxPsdu?: number;
  readonly logger?: Logger;
}

/**
 * Default network PSDU limit: 255 octets, what the simulated meters take
 * (hardware/sim/node/tablet-radio.ts TABLET_MAX_PSDU). A deployment whose meters take more passes
 * its own value; without a cap, frames sized for a 2047-octet RCP never reach such meters.
 */
export const DEFAULT_MESH_MAX_PSDU = 255;

/** The aMaxPhyPacketSize of O-QPSK (802.15.4-2015 §11.3): used until a dongle reports its own. */
const PSDU_BEFORE_ANY_DONGLE = 127;

export class SpinelMeshRadio {
  readonly fcsLength: 2 | 4;
  private dongle: SpinelDongle | undefined;
  private dongleInfo: DongleInfo | undefined;
  /** A dongle that arrived before any tuning: attached by the first `tune()`. */
  private untuned: { dongle: SpinelDongle; info: DongleInfo; description: string } | undefined;
  private tuning: MeshRadioTuning | undefined;
  private offFrame: (() => void) | undefined;
  private lastMaxPsdu = PSDU_BEFORE_ANY_DONGLE;
  private eui: bigint | undefined;
  private readonly frameListeners = new Set<(frame: MeshReceivedFrame) => void>();
  private readonly attachmentListeners = new Set<(change: MeshRadioAttachment) => void>();
  /** Transmissions that found no dongle attached. */
  detachedTransmits = 0;

  constructor(private readonly o: SpinelMeshRadioOptions) {
    this.fcsLength = o.fcsLength ?? 4;
    if ((o.channel === undefined) !== (o.panId === undefined))
      throw new RangeError('give both channel and panId, or neither');
    if (o.channel !== undefined && o.panId !== undefined)
      this.tuning = { channel: o.channel, panId: o.panId };
  }

  /** The channel and PAN ID dongles are configured with; undefined before any tuning. */
  get tuned(): MeshRadioTuning | undefined {
    return this.tuning;
  }

  /**
   * Tunes to `tuning`: reconfigures the attached dongle now (rejects if it refuses, e.g. a channel
   * it does not support), or attaches the dongle that was waiting for a tuning.
   */
  async tune(tuning: MeshRadioTuning): Promise<void> {
    this.tuning = { channel: tuning.channel, panId: tuning.panId };
    const dongle = this.dongle;
    const info = this.dongleInfo;
    if (dongle !== undefined && info !== undefined) {
      await dongle.configure({ ...this.tuning, extendedAddress: info.hardwareAddress });
      return;
    }
    const waiting = this.untuned;
    if (waiting === undefined) return;
    this.untuned = undefined;
    await this.attach(waiting.dongle, waiting.info, waiting.description);
  }

  get attached(): boolean {
    return this.dongle !== undefined;
  }

  get extendedAddress(): bigint | undefined {
    return this.eui;
  }

  get maxPsdu(): number {
    const dongleLimit = this.dongle?.maxPsduLength ?? this.lastMaxPsdu;
    return Math.min(dongleLimit, this.o.maxPsdu ?? DEFAULT_MESH_MAX_PSDU);
  }

  /** Attaches every dongle `source` connects and detaches it when it goes away. */
  follow(source: DongleSource): void {
    source.on('connected', ({ path, dongle, info }) => {
      void this.attach(dongle, info, path).catch((err: unknown) => {
        this.o.logger?.warn('dongle could not be configured', { path, error: err as Error });
        void dongle.close();
      });
    });
    source.on('unplugged', ({ reason }) => this.detach(reason));
    source.on('stopped', () => this.detach('dongle closed'));
  }

  /** Configures `dongle` (channel, PAN ID, its EUI-64) and sends and receives through it. */
  async attach(dongle: SpinelDongle, info: DongleInfo, description: string): Promise<void> {
    const tuning = this.tuning;
    if (tuning === undefined) {
      this.untuned = { dongle, info, description };
      return;
    }
    await dongle.configure({
      channel: tuning.channel,
      panId: tuning.panId,
      extendedAddress: info.hardwareAddress,
    });
    this.detach('replaced');
    const eui = euiOf(info.hardwareAddress);
    if (this.eui !== undefined && this.eui !== eui)
      this.o.logger?.warn('a different dongle was plugged in: the mesh keeps the first EUI-64');
    this.eui ??= eui;
    this.dongle = dongle;
    this.dongleInfo = info;
    this.lastMaxPsdu = dongle.maxPsduLength;
    const onFrame = (f: SpinelFrame): void => {
      for (const l of this.frameListeners) l({ psdu: f.psdu, rssiDbm: f.rssi, lqi: f.lqi });
    };
    dongle.on('frame', onFrame);
    this.offFrame = () => dongle.off('frame', onFrame);
    this.announce({
      attached: true,
      description: `${description} (${info.ncpVersion})`,
      firmware: info.ncpVersion,
    });
  }

  detach(reason: string): void {
    this.untuned = undefined;
    if (this.dongle === undefined) return;
    this.offFrame?.();
    this.offFrame = undefined;
    this.dongle = undefined;
    this.dongleInfo = undefined;
    this.announce({ attached: false, reason });
  }

  transmit(psdu: Uint8Array, _options: { ackRequest: boolean }): Promise<MeshTransmitStatus> {
    // The RCP reads the ack request from the frame's own MAC header and waits for the ACK.
    const dongle = this.dongle;
    if (dongle === undefined) {
      this.detachedTransmits++;
      return Promise.resolve('error');
    }
    return dongle.transmit(psdu).then(
      (r: TransmitResult) => r.status,
      () => 'error' as const, // closed under us, queue full: the mesh root's protocols retry
    );
  }

  onFrame(listener: (frame: MeshReceivedFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onAttachment(listener: (change: MeshRadioAttachment) => void): () => void {
    this.attachmentListeners.add(listener);
    return () => this.attachmentListeners.delete(listener);
  }

  private announce(change: MeshRadioAttachment): void {
    for (const l of this.attachmentListeners) l(change);
  }
}

function euiOf(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}
