// The field engine against a whole head-end in this process (real HTTPS, WireGuard over loopback
// UDP, the key server reached through the tunnel with EAP-TLS) and an in-memory radio: a job
// runs to 'running' with the network key in the mesh root, the dongle can go and come back
// without the engine restarting, a job ends cleanly, and a revocation wipes and stops it. The
// dongle is tuned to the job's radio (the head-end's channel and PAN ID) before the root starts,
// and a connection without a radio is refused before any tunnel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FieldEngine,
  type FieldEngineEvent,
  type FieldRadio,
  type RadioAttachment,
} from '../../../src/field/engine/index.ts';
import { loadDeviceCredentials } from '../../../src/field/enrolment/index.ts';
import type { JobConnectionInfo } from '../../../src/field/job/index.ts';
import type { ReceivedFrame, TransmitStatus } from '../../../src/field/mesh/index.ts';
import { PersistedHandshakeClock } from '../../../src/field/vault/index.ts';
import { createLogger, memorySink } from '../../../src/log/index.ts';
import { DEVICE_ID, startField, type Field } from '../job/fixtures.ts';

const EUI = 0x02fe51000000fffen;

/** A dongle in memory: records what the mesh root sends; can be unplugged and plugged back. */
class MemoryRadio implements FieldRadio {
  readonly maxPsdu = 255;
  readonly fcsLength = 4 as const;
  readonly sent: Uint8Array[] = [];
  /** What happened to the radio, in order: 'tune <channel> <panId>' and 'transmit'. */
  readonly log: string[] = [];
  attached = false;
  extendedAddress: bigint | undefined;
  private readonly frames = new Set<(f: ReceivedFrame) => void>();
  private readonly changes = new Set<(c: RadioAttachment) => void>();

  plug(): void {
    this.extendedAddress = EUI;
    this.attached = true;
    for (const l of this.changes) l({ attached: true, description: 'memory dongle' });
  }

  unplug(): void {
    this.attached = false;
    for (const l of this.changes) l({ attached: false, reason: 'unplugged' });
  }

  tune(t: { channel: number; panId: number }): Promise<void> {
    this.log.push(`tune ${String(t.channel)} ${String(t.panId)}`);
    return Promise.resolve();
  }

  transmit(psdu: Uint8Array): Promise<TransmitStatus> {
    if (!this.attached) return Promise.resolve('error');
    this.log.push('transmit');
    this.sent.push(psdu.slice());
    return Promise.resolve('sent');
  }

  onFrame(listener: (f: ReceivedFrame) => void): () => void {
    this.frames.add(listener);
    return () => this.frames.delete(listener);
  }

  onAttachment(listener: (c: RadioAttachment) => void): () => void {
    this.changes.add(listener);
    return () => this.changes.delete(listener);
  }
}

async function until(what: string, cond: () => boolean, limitMs = 15_000): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < 10_000 && !cond(); i++) {
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${String(limitMs)} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function engineFor(field: Field, radio: MemoryRadio) {
  const creds = (await loadDeviceCredentials(field.vault, DEVICE_ID))!;
  const engine = new FieldEngine({
    client: field.tool,
    token: field.workerToken,
    vault: field.vault,
    handshakeClock: await PersistedHandshakeClock.open(field.vault),
    device: creds,
    radio,
    logger: createLogger('test.engine', { level: 'error', sink: memorySink() }),
    checkIntervalMs: 500,
    vpnUpTimeoutMs: 10_000,
    joinCountsIntervalMs: 200,
  });
  const events: FieldEngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  return { engine, events, creds };
}

test('a job runs with EAP-TLS through the tunnel; the dongle leaves and returns without a restart; end() stops it', async (t) => {
  const field = await startField();
  t.after(() => field.close());
  const radio = new MemoryRadio();
  const { engine, events, creds } = await engineFor(field, radio);
  t.after(() => creds.privateKeyPem.wipe());
  field.beforeClose(() => engine.end());

  // No dongle at first: the engine waits for one at the mesh step.
  const started = engine.start(await field.activeWorkOrder());
  await until('the mesh step', () => engine.phase === 'starting-mesh');
  radio.plug();
  await started;
  assert.equal(engine.phase, 'running');
  const auth = events.find((e) => e.kind === 'tool-authenticated');
  assert.ok(auth?.kind === 'tool-authenticated', 'EAP-TLS succeeded at the key server');
  const current = field.headend.keyServer.keys.currentKeys().current;
  assert.equal(auth.keyIndex, current.index);
  const root = engine.root!;
  assert.deepEqual(
    root.keyInfo().map((k) => k.index),
    [current.index],
    'the mesh root holds the key the key server delivered',
  );
  assert.equal(root.extendedAddress, EUI, 'the root is the dongle’s EUI-64');
  const started1 = events.find((e) => e.kind === 'mesh-started');
  assert.ok(
    started1?.kind === 'mesh-started' && started1.address.startsWith('fd'),
    'mesh-started names the root address',
  );
  await until('the root transmits (join beacon, DIO)', () => radio.sent.length > 0);
  await until('join counts reported', () => events.some((e) => e.kind === 'joins'));

  radio.unplug();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(engine.phase, 'running', 'an unplugged dongle does not stop the job');
  assert.equal(engine.root, root, 'the same mesh root keeps running');
  assert.equal(root.isWiped, false);
  const sentBefore = radio.sent.length;
  radio.plug();
  root.requestDaoRefresh(); // makes the root send a DIO now
  await until('the root transmits on the returned dongle', () => radio.sent.length > sentBefore);
  assert.deepEqual(
    events.flatMap((e) => (e.kind === 'dongle' ? [e.attached] : [])),
    [true, false, true],
  );

  await engine.end();
  assert.equal(engine.phase, 'ended');
  assert.ok(root.isWiped && root.keyInfo().length === 0, 'keys wiped at the end');
  assert.deepEqual(events.at(-1), { kind: 'stopped', phase: 'ended' });
  assert.equal(field.headend.gateway.peers().length, 0, 'the job end removed the gateway peer');
});

test('revocation by a supervisor: the engine reports why, wipes the mesh root and stops', async (t) => {
  const field = await startField();
  t.after(() => field.close());
  const radio = new MemoryRadio();
  radio.plug();
  const { engine, events, creds } = await engineFor(field, radio);
  t.after(() => creds.privateKeyPem.wipe());
  field.beforeClose(() => engine.end());
  await engine.start(await field.activeWorkOrder());
  const root = engine.root!;
  const vpn = engine.link!;

  await field.headend.revocation.revoke(DEVICE_ID, 'test-supervisor');
  await until('revoked', () => events.some((e) => e.kind === 'revoked'));
  await engine.whenStopped();
  const revoked = events.find((e) => e.kind === 'revoked');
  assert.ok(revoked?.kind === 'revoked' && /revoked/i.test(revoked.message), 'the worker is told why');
  assert.equal(engine.phase, 'revoked');
  assert.ok(root.isWiped && root.keyInfo().length === 0, 'the mesh root holds no key');
  assert.equal(vpn.state, 'down');
  assert.equal(engine.root, null);
  assert.deepEqual(events.at(-1), { kind: 'stopped', phase: 'revoked' });
});

test('the dongle is tuned to the job’s channel and PAN ID before the mesh root sends anything', async (t) => {
  const radio40 = { channel: 40, panId: 0x0abc };
  const field = await startField({ radio: radio40 });
  t.after(() => field.close());
  const radio = new MemoryRadio();
  radio.plug();
  const { engine, events, creds } = await engineFor(field, radio);
  t.after(() => creds.privateKeyPem.wipe());
  field.beforeClose(() => engine.end());
  const connection = await engine.start(await field.activeWorkOrder());
  assert.deepEqual(connection.radio, radio40, 'the head-end sent the radio it was configured with');
  assert.equal(radio.log[0], 'tune 40 2748', 'tuned first, to the job’s radio');
  assert.equal(radio.log.filter((l) => l.startsWith('tune')).length, 1, 'tuned once');
  const root = engine.root!;
  assert.equal(root.channel, 40, 'the mesh root runs on the job’s channel');
  assert.equal(root.panId, 0x0abc, 'the mesh root runs on the job’s PAN');
  const kinds = events.map((e) => e.kind);
  const tuned = events.find((e) => e.kind === 'radio-tuned');
  assert.deepEqual(tuned, { kind: 'radio-tuned', channel: 40, panId: 0x0abc, source: 'job' });
  assert.ok(
    kinds.indexOf('radio-tuned') < kinds.indexOf('mesh-started'),
    'the radio is tuned before the mesh root starts',
  );
  await until('the root transmits', () => radio.log.includes('transmit'));
  await engine.end();
});

test('a connection without radio parameters is refused before the tunnel; the head-end job is ended', async (t) => {
  const field = await startField();
  t.after(() => field.close());
  const radio = new MemoryRadio();
  radio.plug();
  // A head-end (or a proxy) that leaves the radio out of the job's connection.
  const call = field.tool.call.bind(field.tool);
  field.tool.call = (async (name: string, input: unknown) => {
    const result: unknown = await (call as (n: string, i: unknown) => Promise<unknown>)(name, input);
    if (name !== 'startJob') return result;
    const { radio: _dropped, ...withoutRadio } = result as JobConnectionInfo;
    return withoutRadio;
  }) as typeof field.tool.call;
  const { engine, events, creds } = await engineFor(field, radio);
  t.after(() => creds.privateKeyPem.wipe());
  await assert.rejects(engine.start(await field.activeWorkOrder()), /radio channel and PAN ID/);
  assert.equal(engine.phase, 'failed');
  assert.ok(!events.some((e) => e.kind === 'phase' && e.phase === 'connecting'), 'no tunnel was brought up');
  assert.deepEqual(radio.log, [], 'the dongle was neither tuned nor used');
  assert.equal(field.headend.gateway.peers().length, 0, 'the head-end job was ended: no gateway peer left');
});
