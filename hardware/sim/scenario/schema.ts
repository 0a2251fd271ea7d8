/**
 * Scenario files (issue "Radio", item 6): a simulated isolated area as data — the tablet, every
 * meter with its identity, position and behaviour, the radio environment, and failures over time.
 * Validated with zod so a bad file is refused with the path of the field that is wrong.
 */
import { z } from 'zod';

const hex = (bytes: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `${what}: expected ${bytes * 2} hex digits`)
    .transform((s) => s.toLowerCase());

const position = z.strictObject({
  /** Metres east of the scenario origin. */
  x: z.number().finite(),
  /** Metres north of the scenario origin. */
  y: z.number().finite(),
});

/** Household load profiles the meter model knows (hardware/sim meters). */
export const HOUSEHOLD_TYPES = ['single', 'family', 'family-solar', 'shop', 'vacant'] as const;

/** ECHONET 0x0288 E1 unit codes (PROTOCOL-NOTES.md: 00→1 … 0D→10000 kWh). */
export const ENERGY_UNIT_CODES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d] as const;

const register = z.strictObject({
  /** D3 coefficient (1–999999); absent means the meter has no D3 (coefficient 1). */
  coefficient: z.number().int().min(1).max(999_999).optional(),
  /** E1 unit code; absent means the meter has no E1 (unit 1 kWh). */
  unitCode: z
    .number()
    .int()
    .refine((v) => (ENERGY_UNIT_CODES as readonly number[]).includes(v), 'not an ECHONET E1 unit code')
    .optional(),
  /** D7 effective digits of the cumulative registers (1–8). */
  digits: z.number().int().min(1).max(8),
  /** Register values at scenario start, in register counts (E0 / E3). */
  initialForward: z.number().int().min(0),
  initialReverse: z.number().int().min(0).default(0),
  /** The meter measures reverse flow (E3/E4 advance), e.g. rooftop solar. */
  reverseFlow: z.boolean().default(false),
});

export const meterSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'meter id: letters, digits, . _ - (1–64)'),
  eui64: hex(8, 'EUI-64'),
  /**
   * The meter's EAP-PSK key. Usually absent: shipped scenarios derive it from `pskSeed` and the
   * EUI-64 (scenario/psk.ts) so no key is written in a file.
   */
  psk: hex(16, 'PSK').optional(),
  position,
  household: z.enum(HOUSEHOLD_TYPES),
  register,
});

const radio = z.strictObject({
  /** Japan 920 MHz channel number in use. */
  channel: z.number().int().min(24).max(61),
  panId: z.number().int().min(0).max(0xfffe),
  /** Extra frame loss on every link (0–0.5), e.g. 0.05 for town-200. */
  lossRate: z.number().min(0).max(0.5).default(0),
  pathLossExponent: z.number().min(2).max(5).default(3.5),
  shadowingSigmaDb: z.number().min(0).max(12).default(6),
  txPowerDbm: z.number().min(-10).max(20).default(13),
  sensitivityDbm: z.number().min(-120).max(-80).default(-105),
});

const failure = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('meter-power-loss'),
    /** Seconds after scenario start. */
    at: z.number().min(0),
    meter: z.string(),
    /** Seconds until power returns; absent = for the rest of the run. */
    duration: z.number().positive().optional(),
  }),
  z.strictObject({
    kind: z.literal('dongle-unplug'),
    at: z.number().min(0),
    duration: z.number().positive(),
  }),
  z.strictObject({
    kind: z.literal('loss-burst'),
    at: z.number().min(0),
    duration: z.number().positive(),
    lossRate: z.number().min(0).max(1),
  }),
  /** The area's concentrator fails: meters it served become isolated (the head-end records it). */
  z.strictObject({ kind: z.literal('concentrator-failure'), at: z.number().min(0) }),
]);

export const scenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'name: lower-case letters, digits and -'),
    description: z.string().max(500),
    /** Seed of every random choice the simulator makes (shadowing, loss, load jitter). */
    seed: z.number().int().min(0),
    /** Seed from which meter PSKs are derived when a meter has no `psk`. */
    pskSeed: hex(16, 'PSK seed'),
    radio,
    tablet: z.strictObject({ position, eui64: hex(8, 'EUI-64') }),
    meters: z.array(meterSchema).min(1).max(5000),
    failures: z.array(failure).default([]),
    /** What the scenario was generated to be, checked by tests (e.g. at most 4 hops). */
    expect: z.strictObject({ maxHops: z.number().int().min(1).max(32) }).optional(),
  })
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    const euis = new Set<string>([s.tablet.eui64]);
    s.meters.forEach((m, i) => {
      if (ids.has(m.id))
        ctx.addIssue({ code: 'custom', path: ['meters', i, 'id'], message: `duplicate meter id "${m.id}"` });
      if (euis.has(m.eui64))
        ctx.addIssue({
          code: 'custom',
          path: ['meters', i, 'eui64'],
          message: `duplicate EUI-64 ${m.eui64}`,
        });
      ids.add(m.id);
      euis.add(m.eui64);
    });
    s.failures.forEach((f, i) => {
      if (f.kind === 'meter-power-loss' && !ids.has(f.meter))
        ctx.addIssue({
          code: 'custom',
          path: ['failures', i, 'meter'],
          message: `no meter "${f.meter}" in this scenario`,
        });
    });
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioMeter = Scenario['meters'][number];
export type ScenarioFailure = Scenario['failures'][number];
