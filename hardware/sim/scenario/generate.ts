/**
 * Generates the shipped scenarios deterministically (scripts/generate-scenarios.ts writes them to
 * hardware/sim/scenarios/). The layouts are street-like: meters stand along streets at house
 * spacing, so multi-hop paths arise as they do in a real neighbourhood.
 */
import { Random } from '../random.ts';
import { hopCounts } from './radio-reach.ts';
import type { HOUSEHOLD_TYPES } from './schema.ts';
import { type ScenarioInput } from './schema.ts';

type MeterInput = ScenarioInput['meters'][number];
type Household = (typeof HOUSEHOLD_TYPES)[number];

/** Locally administered EUI-64s (U/L bit set) for simulated devices: 02:fe:51:00:00:00:00:NN. */
export function simulatedEui64(n: number): string {
  return (0x02fe5100_00000000n + BigInt(n)).toString(16).padStart(16, '0');
}

function pick<T>(rng: Random, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = rng.uniform() * total;
  for (const [v, w] of weighted) {
    r -= w;
    if (r < 0) return v;
  }
  return weighted[weighted.length - 1]![0];
}

function meter(rng: Random, index: number, x: number, y: number): MeterInput {
  const household = pick<Household>(rng, [
    ['single', 3],
    ['family', 4],
    ['family-solar', 1],
    ['shop', 1],
    ['vacant', 1],
  ]);
  const digits = pick(rng, [
    [6, 2],
    [7, 3],
    [8, 5],
  ] as const);
  // Some meters have no E1 (unit 1 kWh) and no D3 (coefficient 1); shops sit behind current transformers.
  const unitCode = pick<number | undefined>(rng, [
    [0x01, 6],
    [0x02, 2],
    [0x00, 1],
    [undefined, 1],
  ]);
  const coefficient =
    household === 'shop'
      ? pick(rng, [
          [10, 1],
          [40, 1],
        ] as const)
      : rng.chance(0.15)
        ? undefined
        : 1;
  const register: MeterInput['register'] = {
    digits,
    initialForward: rng.int(0, 10 ** digits - 1),
    reverseFlow: household === 'family-solar',
    ...(household === 'family-solar' ? { initialReverse: rng.int(0, 10 ** Math.min(digits, 6) - 1) } : {}),
    ...(unitCode !== undefined ? { unitCode } : {}),
    ...(coefficient !== undefined ? { coefficient } : {}),
  };
  return {
    id: `M-${String(index).padStart(4, '0')}`,
    eui64: simulatedEui64(index),
    position: { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 },
    household,
    register,
  };
}

const RADIO = {
  channel: 33,
  panId: 0x7a3c,
  pathLossExponent: 3.5,
  shadowingSigmaDb: 6,
  txPowerDbm: 13,
  sensitivityDbm: -105,
};
const TABLET_EUI64 = simulatedEui64(0xfffe);

function pskSeedFor(rng: Random): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += rng.nextUint32().toString(16).padStart(8, '0');
  return s;
}

function withExpectation(s: ScenarioInput): ScenarioInput {
  const hops = hopCounts({
    radio: { ...RADIO, lossRate: 0, ...s.radio },
    tablet: s.tablet,
    meters: s.meters,
  } as never);
  const maxHops = Math.max(...hops);
  if (!Number.isFinite(maxHops)) throw new Error(`${s.name}: a meter is out of reach of every other node`);
  return { ...s, expect: { maxHops } };
}

/** 20 meters along three streets leaving the tablet's position; up to 4 hops. */
export function isolatedArea20(): ScenarioInput {
  const rng = new Random('isolated-area-20');
  const streets = [
    { angle: -0.35, count: 8, from: 110, step: 105 },
    { angle: 1.05, count: 7, from: 140, step: 95 },
    { angle: 2.6, count: 5, from: 100, step: 90 },
  ];
  const meters: MeterInput[] = [];
  for (const s of streets) {
    for (let k = 0; k < s.count; k++) {
      const d = s.from + k * s.step + rng.uniformRange(-15, 15);
      const side = rng.uniformRange(-25, 25);
      meters.push(
        meter(
          rng,
          meters.length + 1,
          d * Math.cos(s.angle) - side * Math.sin(s.angle),
          d * Math.sin(s.angle) + side * Math.cos(s.angle),
        ),
      );
    }
  }
  return withExpectation({
    name: 'isolated-area-20',
    description:
      'A hamlet of 20 meters on three streets whose concentrator failed; the worker parks at the crossroads. Up to 4 hops.',
    seed: 20,
    pskSeed: pskSeedFor(rng),
    radio: { ...RADIO, lossRate: 0 },
    tablet: { position: { x: 0, y: 0 }, eui64: TABLET_EUI64 },
    meters,
    failures: [{ kind: 'concentrator-failure', at: 0 }],
  });
}

/** 200 meters in a long valley town, the tablet at its western end; up to 8 hops, 5 % loss. */
export function town200(): ScenarioInput {
  const rng = new Random('town-200');
  const meters: MeterInput[] = [];
  for (let col = 0; col < 20; col++) {
    for (let row = 0; row < 10; row++) {
      const x = 90 + col * 78 + rng.uniformRange(-18, 18);
      const y = -405 + row * 90 + rng.uniformRange(-18, 18);
      meters.push(meter(rng, meters.length + 1, x, y));
    }
  }
  const victim = meters[137]!.id;
  return withExpectation({
    name: 'town-200',
    description:
      'A valley town of 200 meters on a street grid, reached from its western end. Up to 8 hops, 5 % extra loss, a loss burst and a meter that loses power for two minutes.',
    seed: 200,
    pskSeed: pskSeedFor(rng),
    radio: { ...RADIO, lossRate: 0.05 },
    tablet: { position: { x: 0, y: 0 }, eui64: TABLET_EUI64 },
    meters,
    failures: [
      { kind: 'concentrator-failure', at: 0 },
      { kind: 'loss-burst', at: 300, duration: 20, lossRate: 0.3 },
      { kind: 'meter-power-loss', at: 600, meter: victim, duration: 120 },
    ],
  });
}

/** 1000 meters in a dense 1.2 km × 1.2 km district of apartment blocks around the tablet. */
export function dense1000(): ScenarioInput {
  const rng = new Random('dense-1000');
  const meters: MeterInput[] = [];
  for (let i = 0; i < 1000; i++) {
    const block = rng.int(0, 99);
    const bx = -600 + (block % 10) * 120 + 60;
    const by = -600 + Math.floor(block / 10) * 120 + 60;
    meters.push(meter(rng, i + 1, bx + rng.uniformRange(-40, 40), by + rng.uniformRange(-40, 40)));
  }
  return withExpectation({
    name: 'dense-1000',
    description: 'A dense district of 1000 meters in 100 apartment blocks, the tablet in the middle.',
    seed: 1000,
    pskSeed: pskSeedFor(rng),
    radio: { ...RADIO, lossRate: 0.02 },
    tablet: { position: { x: 0, y: 0 }, eui64: TABLET_EUI64 },
    meters,
    failures: [{ kind: 'concentrator-failure', at: 0 }],
  });
}

export const SCENARIO_GENERATORS = {
  'isolated-area-20': isolatedArea20,
  'town-200': town200,
  'dense-1000': dense1000,
} as const;
