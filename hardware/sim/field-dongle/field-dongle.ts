/**
 * The virtual dongle in a simulated field, behind a real pseudo-terminal: a {@link VirtualRcp}
 * whose radio is the tablet's node of the field ({@link TabletRadio}), served on `hostPath` for the
 * Spinel driver to open like a USB dongle. `unplug()` takes the pty away (the driver sees EIO, the
 * path disappears) and `replug()` brings the same dongle back at the same path, powered off as a
 * re-inserted USB stick is; the scenario's 'dongle-unplug' failures drive both.
 */
import type { Scheduler } from '../clock/scheduler.ts';
import type { ScenarioFailure } from '../scenario/index.ts';
import { VirtualRcp, type VirtualRcpOptions } from '../../virtual-dongle/rcp.ts';
import { startVirtualDongleOnPty, type PtyDongle } from '../../virtual-dongle/virtual-dongle.ts';
import { TabletRadio, type TabletRadioOptions, type TabletSite } from './tablet-radio.ts';

export interface FieldDongleOptions {
  site: TabletSite;
  scheduler: Scheduler;
  /** Where the driver opens the dongle (a symlink to the pty). */
  hostPath: string;
  /** The dongle's EUI-64 (HWADDR), wire order; default the virtual RCP's. */
  hardwareAddress?: Uint8Array;
  radio?: TabletRadioOptions;
  rcp?: Omit<VirtualRcpOptions, 'radio' | 'hardwareAddress'>;
  baudRate?: number;
}

export class FieldDongle {
  readonly radio: TabletRadio;
  readonly rcp: VirtualRcp;
  readonly hostPath: string;
  /** Unplug/replug transitions, for reports: [time on the field's clock, 'unplugged' | 'plugged']. */
  readonly plugHistory: [number, 'unplugged' | 'plugged'][] = [];
  private pty: PtyDongle | undefined;
  /** Plug changes run one after another, in the order asked. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly o: FieldDongleOptions) {
    this.hostPath = o.hostPath;
    this.radio = new TabletRadio(o.site, o.scheduler, o.radio);
    this.rcp = new VirtualRcp({
      ...o.rcp,
      radio: this.radio,
      ...(o.hardwareAddress ? { hardwareAddress: o.hardwareAddress } : {}),
    });
  }

  /** Creates the dongle and plugs it in (the pty exists at `hostPath` when this resolves). */
  static async start(options: FieldDongleOptions): Promise<FieldDongle> {
    const d = new FieldDongle(options);
    await d.replug();
    return d;
  }

  get plugged(): boolean {
    return this.pty !== undefined;
  }

  /** Pulls the dongle out: the pty goes away and the radio stops receiving. */
  unplug(): Promise<void> {
    return this.enqueue(async () => {
      const pty = this.pty;
      if (!pty) return;
      this.pty = undefined;
      await pty.unplug();
      await pty.close();
      this.rcp.powerOff();
      this.plugHistory.push([this.o.scheduler.now(), 'unplugged']);
    });
  }

  /** Plugs the same dongle back in at the same path (RCP state lost, as after a power cycle). */
  replug(): Promise<void> {
    return this.enqueue(async () => {
      if (this.pty || this.closed) return;
      this.pty = await startVirtualDongleOnPty({
        hostPath: this.hostPath,
        rcp: this.rcp,
        ...(this.o.baudRate !== undefined ? { baudRate: this.o.baudRate } : {}),
      });
      this.plugHistory.push([this.o.scheduler.now(), 'plugged']);
    });
  }

  /**
   * Puts the scenario's 'dongle-unplug' failures on the scheduler (times relative to `startMs`).
   * `onError` gets a plug change that failed (e.g. socat could not start again). Returns how many.
   */
  scheduleFailures(
    failures: readonly ScenarioFailure[],
    startMs: number,
    onError: (e: unknown) => void,
  ): number {
    let n = 0;
    for (const f of failures) {
      if (f.kind !== 'dongle-unplug') continue;
      this.o.scheduler.scheduleAt(startMs + f.at * 1000, () => void this.unplug().catch(onError));
      this.o.scheduler.scheduleAt(
        startMs + (f.at + f.duration) * 1000,
        () => void this.replug().catch(onError),
      );
      n++;
    }
    return n;
  }

  /** Unplugs for good and removes the pty. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.unplug();
    await this.chain;
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    // A failed step must not block later ones; the caller sees its error through `next`.
    this.chain = next.catch(() => undefined);
    return next;
  }
}
