/**
 * The virtual dongle: a {@link VirtualRcp} behind a byte link. `attachVirtualDongle` puts it on any
 * {@link SerialLink} (an in-memory pair in unit tests); `startVirtualDongleOnPty` puts it behind a real
 * pseudo-terminal so the driver opens it by path like a USB dongle (DESIGN.md §3.7).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialLink } from '../spinel/serial-link.ts';
import { SerialPortLink } from '../spinel/serialport-link.ts';
import type { VirtualRcpOptions } from './rcp.ts';
import { VirtualRcp } from './rcp.ts';
import type { PtyPair } from './pty.ts';
import { createPtyPair } from './pty.ts';

export interface AttachedDongle {
  rcp: VirtualRcp;
  link: SerialLink;
  detach(): void;
}

/** Runs `rcp` (or a new one from `options`) on `link`: bytes in go to the RCP, its output goes out. */
export function attachVirtualDongle(
  link: SerialLink,
  rcpOrOptions: VirtualRcp | VirtualRcpOptions,
): AttachedDongle {
  const rcp = rcpOrOptions instanceof VirtualRcp ? rcpOrOptions : new VirtualRcp(rcpOrOptions);
  const onData = (chunk: Uint8Array): void => rcp.receive(chunk);
  const onClose = (): void => rcp.detach();
  link.on('data', onData);
  link.on('close', onClose);
  rcp.attach((bytes) => {
    if (link.isOpen) link.write(bytes);
  });
  return {
    rcp,
    link,
    detach: () => {
      link.off('data', onData);
      link.off('close', onClose);
      rcp.detach();
    },
  };
}

export interface PtyDongleOptions {
  /** Where the driver opens the dongle; default `<tmp dir>/dongle`. */
  hostPath?: string;
  /** Baud rate set on the dongle side (a pty ignores it; set for realism). */
  baudRate?: number;
  /** Reuse an RCP (its state survives an unplug/replug), or options for a new one. */
  rcp: VirtualRcp | VirtualRcpOptions;
}

export interface PtyDongle {
  readonly hostPath: string;
  readonly rcp: VirtualRcp;
  readonly pty: PtyPair;
  /** Pulls the plug: socat goes away, both ends get EIO, the host path disappears. */
  unplug(): Promise<void>;
  /** Stops everything and removes the temporary directory. Idempotent. */
  close(): Promise<void>;
}

export async function startVirtualDongleOnPty(options: PtyDongleOptions): Promise<PtyDongle> {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-vdongle-'));
  const hostPath = options.hostPath ?? join(dir, 'dongle');
  const pty = await createPtyPair({ hostPath, donglePath: join(dir, 'rcp-side') });
  let link: SerialPortLink;
  try {
    link = await SerialPortLink.open(pty.donglePath, { baudRate: options.baudRate ?? 460_800 });
  } catch (e) {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  // A replugged dongle has been powered off: a reused RCP loses its radio state.
  if (options.rcp instanceof VirtualRcp) options.rcp.powerOff();
  const attached = attachVirtualDongle(link, options.rcp);
  let closing: Promise<void> | undefined;
  const unplug = async (): Promise<void> => {
    await pty.close();
    attached.detach();
    await link.close();
  };
  return {
    hostPath,
    rcp: attached.rcp,
    pty,
    unplug,
    close: () =>
      (closing ??= (async () => {
        attached.detach();
        await link.close();
        await pty.close();
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}
