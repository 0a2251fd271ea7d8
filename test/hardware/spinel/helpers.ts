/** Shared set-up for driver tests: driver ⇄ in-memory link ⇄ virtual RCP ⇄ loopback radio, on a manual clock. */
import { createLogger, memorySink } from '../../../src/log/index.ts';
import { ManualClock } from '../../../hardware/spinel/clock.ts';
import { SpinelDongle } from '../../../hardware/spinel/dongle.ts';
import type { RadioConfig, SpinelDongleOptions } from '../../../hardware/spinel/dongle.ts';
import { createMemoryLinkPair } from '../../../hardware/spinel/serial-link.ts';
import type { MemoryLink } from '../../../hardware/spinel/serial-link.ts';
import { LoopbackRadio } from '../../../hardware/virtual-dongle/loopback-radio.ts';
import { VirtualRcp } from '../../../hardware/virtual-dongle/rcp.ts';
import type { VirtualRcpOptions } from '../../../hardware/virtual-dongle/rcp.ts';
import { attachVirtualDongle } from '../../../hardware/virtual-dongle/virtual-dongle.ts';

export const EXT_ADDR = Uint8Array.of(0x00, 0x12, 0x4b, 0x00, 0x01, 0x02, 0x03, 0x04);
export const CONFIG: RadioConfig = { channel: 40, panId: 0xabcd, extendedAddress: EXT_ADDR };

export interface Rig {
  clock: ManualClock;
  radio: LoopbackRadio;
  rcp: VirtualRcp;
  hostLink: MemoryLink;
  dongleLink: MemoryLink;
  dongle: SpinelDongle;
  logLines: string[];
  /** Every chunk the host wrote, in order. */
  hostWrites: Uint8Array[];
}

export function makeRig(
  rcpOptions: Partial<Omit<VirtualRcpOptions, 'radio' | 'clock'>> = {},
  dongleOptions: Partial<Omit<SpinelDongleOptions, 'link' | 'clock'>> = {},
): Rig {
  const clock = new ManualClock();
  const radio = new LoopbackRadio({ clock });
  const rcp = new VirtualRcp({ radio, clock, ...rcpOptions });
  const [hostLink, dongleLink] = createMemoryLinkPair();
  const hostWrites: Uint8Array[] = [];
  const write = hostLink.write.bind(hostLink);
  hostLink.write = (bytes: Uint8Array): void => {
    hostWrites.push(bytes.slice());
    write(bytes);
  };
  attachVirtualDongle(dongleLink, rcp);
  const sink = memorySink();
  const logger = createLogger('test.spinel', { level: 'debug', sink });
  const dongle = new SpinelDongle({ link: hostLink, clock, logger, ...dongleOptions });
  return { clock, radio, rcp, hostLink, dongleLink, dongle, logLines: sink.lines, hostWrites };
}

/** Waits (real time, bounded) until `cond()` holds. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Deterministic bytes (xorshift32) for line-noise tests. */
export function noise(seed: number, length: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
