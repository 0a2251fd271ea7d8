/**
 * Feeds the engine the serial ports present, polling hardware/ports every interval: USB ports
 * carry their ids (the engine applies the allow-list), and pseudo-terminals the host was told
 * about (the simulator's virtual dongle) are listed while their device node exists.
 */
import { existsSync } from 'node:fs';
import { allowedDongle, listPorts, type PortInfo } from '../hardware/ports/index.ts';
import type { AppEngine, DongleInfo } from '../src/field/app-engine/index.ts';

export interface DongleWatch {
  stop(): void;
}

export function watchDongles(
  engine: AppEngine,
  options: {
    readonly extraPaths?: readonly string[];
    readonly intervalMs?: number;
    readonly lister?: () => Promise<PortInfo[]>;
  } = {},
): DongleWatch {
  let stopped = false;
  let last = '';
  const poll = async () => {
    const ports = await listPorts(options.lister === undefined ? {} : { lister: options.lister }).catch(
      () => [],
    );
    const found: DongleInfo[] = ports
      .filter((p) => p.vendorId !== undefined && p.productId !== undefined)
      .map((p) => ({
        path: p.byIdPath ?? p.path,
        label: [p.manufacturer, allowedDongle(p)?.label].filter(Boolean).join(' · ') || p.path,
        usbId: `${p.vendorId ?? ''}:${p.productId ?? ''}`,
        knownDongle: allowedDongle(p) !== undefined,
        firmware: null,
        channel: null,
        rssiDbm: null,
      }));
    for (const path of options.extraPaths ?? [])
      if (existsSync(path))
        found.push({
          path,
          label: `Pseudo-terminal ${path}`,
          usbId: null,
          firmware: null,
          channel: null,
          rssiDbm: null,
        });
    const key = JSON.stringify(found);
    if (!stopped && key !== last) {
      last = key;
      engine.updateDongles(found);
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), options.intervalMs ?? 2000);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
