/** Builds a scenario's field with the in-test root and key server, on a virtual clock. */
import { VirtualScheduler } from '../../../../hardware/sim/clock/index.ts';
import { SimulatedField, type SimulatedFieldOptions } from '../../../../hardware/sim/node/index.ts';
import { Random } from '../../../../hardware/sim/random.ts';
import { meterPsk, type Scenario } from '../../../../hardware/sim/scenario/index.ts';
import { createNodeProvider } from '../../../../src/stack/crypto/index.ts';
import { parseIpv6Address } from '../../../../src/stack/ipv6/index.ts';
import { TestRoot } from './test-root.ts';

export const MESH_PREFIX = parseIpv6Address('2001:db8:1:2::');
export const PAA_ADDRESS = parseIpv6Address('2001:db8:ffff::716');

export interface Harness {
  scheduler: VirtualScheduler;
  field: SimulatedField;
  root: TestRoot;
}

export function buildHarness(
  scenario: Scenario,
  extra: Partial<Omit<SimulatedFieldOptions, 'scenario' | 'scheduler' | 'crypto'>> = {},
): Harness {
  const crypto = createNodeProvider();
  const scheduler = new VirtualScheduler();
  const field = new SimulatedField({ scenario, scheduler, crypto, ...extra });
  // The key server knows every meter's PSK by ID_P (the EUI-64 as 16 lower-case hex digits).
  const psks = new Map<string, Uint8Array>();
  for (const m of scenario.meters) psks.set(m.eui64, meterPsk(crypto, scenario, m));
  const random = new Random(scenario.seed).fork('test-root');
  const root = new TestRoot({
    scheduler,
    field,
    crypto,
    random,
    meshPrefix: MESH_PREFIX,
    paaAddress: PAA_ADDRESS,
    networkKey: { key: Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i), index: 1 },
    lookupPsk: (idP) => psks.get(new TextDecoder().decode(idP)),
  });
  return { scheduler, field, root };
}

/** Runs the clock in steps until `done()` or `limitMs` of virtual time; returns whether done. */
export function runUntil(h: Harness, done: () => boolean, limitMs: number, stepMs = 5_000): boolean {
  const end = h.scheduler.now() + limitMs;
  while (h.scheduler.now() < end) {
    if (done()) return true;
    h.scheduler.runUntil(Math.min(end, h.scheduler.now() + stepMs));
  }
  return done();
}
