// DESIGN.md §3.4, issue #3 "Done when": a meter's PSK appears nowhere on the tool's side — not in
// its state (JSON and inspect dumps of MeshRoot and every object it holds), not in its log, not in
// the capture of the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { meterPsk } from '../../hardware/sim/scenario/index.ts';
import { loadScenario } from '../../hardware/sim/scenario/index.ts';
import { createLogger, memorySink } from '../../src/log/index.ts';
import { writeIeee802154Capture } from '../../src/stack/capture/index.ts';
import { toHex } from '../../src/stack/wire/index.ts';
import { joinAll, notJoined, virtualSystem } from './fixture.ts';

/**
 * Every Uint8Array reachable from `root` through own fields (private ones included), Maps and Sets;
 * `skip` stops the walk (the hardware and the clock, which are not the tool's state).
 */
function reachableBytes(root: unknown, skip: readonly unknown[] = []): Uint8Array[] {
  const seen = new Set<unknown>(skip);
  const found: Uint8Array[] = [];
  const stack: unknown[] = [root];
  // Bounded by the object graph: each object is visited once.
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      found.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      continue;
    }
    if (v instanceof ArrayBuffer) {
      found.push(new Uint8Array(v));
      continue;
    }
    if (v instanceof Map)
      for (const [k, x] of v) {
        stack.push(k);
        stack.push(x);
      }
    if (v instanceof Set) for (const x of v) stack.push(x);
    if (typeof v === 'function') continue; // a class or a method: nothing of the instance in it
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && 'value' in d) stack.push(d.value);
    }
  }
  return found;
}

/** A JSON.stringify replacer for a live object graph: bigints as text, no cycles, `skip` left out. */
function jsonSafe(skip: readonly unknown[]): (key: string, value: unknown) => unknown {
  const seen = new Set<unknown>(skip);
  return (_k, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object') {
      if (seen.has(v)) return undefined;
      seen.add(v);
      if (v instanceof Map) return [...(v as Map<unknown, unknown>)];
      if (v instanceof Set) return [...(v as Set<unknown>)];
    }
    return v;
  };
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

test('no meter PSK in the tool state, the tool log or the capture of a whole join', async (t) => {
  const scenario = loadScenario('isolated-area-20');
  const sink = memorySink(1_000_000);
  const sys = await virtualSystem(t, 'isolated-area-20', {
    toolLogger: createLogger('field.mesh', { sink, level: 'trace' }),
  });
  const frames: Uint8Array[] = [];
  sys.onAirFrame((f) => frames.push(f.psdu));
  const joinedAt = await joinAll(sys, 240_000);
  assert.ok(joinedAt !== undefined, `not every meter joined: ${notJoined(sys)}`);
  const psks = scenario.meters.map((m) => meterPsk(sys.crypto, scenario, m));

  // The walker finds a PSK where one is: a simulated meter holds its own (a control).
  const meterBytes = reachableBytes(sys.field.meters[0]);
  assert.ok(
    meterBytes.some((b) => contains(b, psks[0]!)),
    'control: the walker finds the PSK inside the meter that owns it',
  );

  const engine = sys.root as unknown as Record<string, unknown>;
  const hardware = [sys.tabletRadio, engine.northbound, sys.scheduler];
  assert.ok(
    hardware.every((h) => h !== undefined),
    'the engine holds its radio and link under these names',
  );
  const toolBytes = reachableBytes(sys.root, hardware);
  const mleKey = sys.root.mleKey(sys.keyServer.keys.currentKeys().current.index);
  assert.ok(
    mleKey !== undefined && toolBytes.some((b) => contains(b, mleKey)),
    'control: the walk reaches the MLE key the engine holds',
  );
  assert.ok(toolBytes.length > 50, `the walk reached the engine's parts (${toolBytes.length} byte arrays)`);
  const dumps = [
    inspect(sys.root, { depth: Infinity, showHidden: true, maxArrayLength: Infinity }),
    JSON.stringify(sys.root, jsonSafe(hardware)),
    JSON.stringify(sys.root.counters()),
    JSON.stringify(sys.root.topology.page(0, 1_000), (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v,
    ),
  ].join('\n');
  const log = sink.lines.join('\n');
  assert.ok(sink.lines.length > 20, 'the tool logged the join');
  const capture = writeIeee802154Capture(
    frames.map((psdu, i) => ({ timestampMicros: BigInt(i), frame: psdu, fcsType: 2, channel: 33 })),
  );
  assert.ok(frames.length > 100, 'the capture holds the join traffic');

  for (const [i, psk] of psks.entries()) {
    const id = scenario.meters[i]!.id;
    const hex = toHex(psk);
    assert.ok(!toolBytes.some((b) => contains(b, psk)), `${id}: PSK bytes in the tool's state`);
    assert.ok(!dumps.toLowerCase().includes(hex), `${id}: PSK hex in a state dump`);
    assert.ok(!dumps.includes(Array.from(psk).join(', ')), `${id}: PSK as inspect prints bytes`);
    assert.ok(!log.toLowerCase().includes(hex), `${id}: PSK in the tool log`);
    assert.ok(!contains(capture, psk), `${id}: PSK bytes in the capture`);
  }
});
