import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  hopCounts,
  loadScenario,
  meterPsk,
  parseScenario,
  reachMetres,
  SCENARIO_GENERATORS,
  ScenarioError,
  SHIPPED_SCENARIOS,
  SHIPPED_SCENARIOS_DIR,
} from '../../../../hardware/sim/scenario/index.ts';
import { getCrypto } from '../../../../src/stack/crypto/index.ts';
import { toHex } from '../../../../src/stack/wire/index.ts';

test('the shipped scenarios load and have the sizes and depths the issue names', () => {
  const want = {
    'isolated-area-20': { meters: 20, maxHops: [3, 4] },
    'town-200': { meters: 200, maxHops: [6, 8] },
    'dense-1000': { meters: 1000, maxHops: [2, 8] },
  } as const;
  for (const name of SHIPPED_SCENARIOS) {
    const s = loadScenario(name);
    assert.equal(s.meters.length, want[name].meters, `${name}: meter count`);
    const hops = hopCounts(s);
    const deepest = Math.max(...hops);
    assert.ok(Number.isFinite(deepest), `${name}: every meter is reachable over some path`);
    assert.equal(deepest, s.expect?.maxHops, `${name}: the file's expectation matches its geometry`);
    const [lo, hi] = want[name].maxHops;
    assert.ok(deepest >= lo && deepest <= hi, `${name}: ${deepest} hops, want ${lo}–${hi}`);
    assert.ok(
      hops.filter((h) => h === 1).length < s.meters.length,
      `${name}: not every meter is in the tablet's range`,
    );
  }
  assert.equal(loadScenario('town-200').radio.lossRate, 0.05, 'town-200 runs with 5 % loss');
});

test('the shipped files are exactly what the generators produce (regenerate with scripts/generate-scenarios.ts)', () => {
  for (const [name, generate] of Object.entries(SCENARIO_GENERATORS)) {
    const file = readFileSync(join(SHIPPED_SCENARIOS_DIR, `${name}.json`), 'utf8');
    assert.equal(file, JSON.stringify(generate(), null, 1) + '\n', `${name}.json is stale`);
  }
});

test('the scenarios vary what an AMR server must handle: units, coefficients, digits, reverse flow, missing E1', () => {
  const meters = loadScenario('town-200').meters;
  const has = (p: (m: (typeof meters)[number]) => boolean, what: string) =>
    assert.ok(meters.some(p), `town-200 has no meter with ${what}`);
  has((m) => m.register.unitCode === undefined, 'no E1');
  has((m) => m.register.unitCode === 0x02, 'unit 0.01 kWh');
  has((m) => (m.register.coefficient ?? 1) > 1, 'a coefficient above 1');
  has((m) => m.register.coefficient === undefined, 'no D3');
  has((m) => m.register.digits === 6, '6 digits');
  has((m) => m.register.reverseFlow, 'reverse flow');
  for (const m of meters) {
    assert.ok(m.register.initialForward < 10 ** m.register.digits, `${m.id}: register fits its digits`);
  }
});

test('PSKs are derived per meter, distinct, and never stored in the shipped files', () => {
  const crypto = getCrypto();
  const s = loadScenario('isolated-area-20');
  const psks = s.meters.map((m) => toHex(meterPsk(crypto, s, m)));
  assert.equal(new Set(psks).size, psks.length, 'PSKs are distinct');
  assert.ok(
    psks.every((p) => p.length === 32),
    'PSKs are 16 bytes',
  );
  const file = readFileSync(join(SHIPPED_SCENARIOS_DIR, 'isolated-area-20.json'), 'utf8');
  for (const p of psks) assert.ok(!file.includes(p), 'a PSK appears in the scenario file');
  const explicit = { ...s.meters[0]!, psk: '00112233445566778899aabbccddeeff' };
  assert.equal(
    toHex(meterPsk(crypto, s, explicit)),
    '00112233445566778899aabbccddeeff',
    'an explicit PSK wins',
  );
});

test('a bad scenario file is refused with the file and the field named', (t) => {
  const good = JSON.parse(readFileSync(join(SHIPPED_SCENARIOS_DIR, 'isolated-area-20.json'), 'utf8')) as {
    meters: { eui64: string; id: string }[];
    failures: unknown[];
    radio: Record<string, unknown>;
  };
  const cases: [string, (s: typeof good) => void, RegExp][] = [
    ['bad EUI-64', (s) => (s.meters[3]!.eui64 = 'xyz'), /meters\[3\]\.eui64: EUI-64: expected 16 hex digits/],
    ['duplicate id', (s) => (s.meters[5]!.id = s.meters[4]!.id), /meters\[5\]\.id: duplicate meter id/],
    ['unknown field', (s) => (s.radio.antennaGain = 3), /radio: .*antennaGain/],
    [
      'missing meter in a failure',
      (s) => s.failures.push({ kind: 'meter-power-loss', at: 5, meter: 'M-9999' }),
      /failures\[1\]\.meter: no meter "M-9999"/,
    ],
    ['channel out of range', (s) => (s.radio.channel = 11), /radio\.channel/],
  ];
  for (const [what, mutate, message] of cases) {
    const s = structuredClone(good);
    mutate(s);
    assert.throws(
      () => parseScenario(s, 'bad.json'),
      (e: unknown) =>
        e instanceof ScenarioError && message.test(e.message) && e.message.startsWith('bad.json: '),
      what,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-scenario-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'broken.json'), '{ "name": ');
  assert.throws(() => loadScenario(join(dir, 'broken.json')), /broken\.json: not valid JSON/);
  assert.throws(
    () => loadScenario('no-such-scenario'),
    /cannot read .*shipped scenarios: isolated-area-20, town-200, dense-1000/,
  );
});

test('reach follows the path-loss model: about 240 m with a 3 dB margin at 13 dBm and −105 dBm', () => {
  const r = reachMetres(loadScenario('isolated-area-20').radio);
  assert.ok(r > 220 && r < 260, `reach ${r.toFixed(0)} m`);
});
