/** Small fields for medium tests: nodes at given positions, a RadioMac and an inbox each. */
import { VirtualScheduler } from '../../../../hardware/sim/clock/index.ts';
import type {
  MacSettings,
  MediumConfig,
  NodeConfig,
  ReceivedFrame,
} from '../../../../hardware/sim/medium/index.ts';
import { RadioMac, RadioMedium, UNLIMITED_DUTY_CYCLE } from '../../../../hardware/sim/medium/index.ts';

export interface TestField {
  scheduler: VirtualScheduler;
  medium: RadioMedium;
  macs: RadioMac[];
  inbox: ReceivedFrame[][];
}

/** Defaults: no shadowing, no duty-cycle limit, seed 1 — so geometry alone decides. */
export function makeField(
  nodes: (Partial<NodeConfig> & { x: number; y: number })[],
  config: MediumConfig = {},
  mac: Partial<MacSettings> = {},
): TestField {
  const scheduler = new VirtualScheduler();
  const medium = new RadioMedium(scheduler, {
    seed: 1,
    shadowingSigmaDb: 0,
    dutyCycle: UNLIMITED_DUTY_CYCLE,
    ...config,
  });
  const macs: RadioMac[] = [];
  const inbox: ReceivedFrame[][] = [];
  for (const n of nodes) {
    const id = medium.addNode(n);
    const m = new RadioMac(medium, id, mac);
    const box: ReceivedFrame[] = [];
    m.onReceive = (f) => box.push(f);
    macs.push(m);
    inbox.push(box);
  }
  return { scheduler, medium, macs, inbox };
}

/** A PSDU of `length` octets whose first octet tags the sender, so tests can tell frames apart. */
export function psdu(tag: number, length = 60): Uint8Array {
  const p = new Uint8Array(length);
  p[0] = tag;
  return p;
}
