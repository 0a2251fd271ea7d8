/**
 * The AMR/DR server in the virtual system (issue #5): the real AmrService over the virtual
 * system's head-end store, fed by the real key server's meter-joined events, talking to the
 * meters through the same gateway edge as in production (src/headend/amr gateway-port.ts) — here
 * the head-end side of the in-memory northbound link — so every request is IPv6/UDP 3610 down
 * the tool's MeshRoot with a source route, and every answer comes back north the same way.
 *
 * Time: the service's clock is epoch ms, `startEpochMs` + the scheduler's time (the meters'
 * ECHONET devices use the same origin, so local days and history agree); its transaction timers
 * are polled on the virtual clock.
 *
 * Each meter's ECHONET device is wrapped in a WitnessedMeter, which remembers the simulator's own
 * register values at the instant the meter answered a register read: what the head-end stored
 * must equal exactly that (the registers keep advancing afterwards).
 */
import type { TimerHandle, VirtualScheduler } from '../../../hardware/sim/clock/index.ts';
import { meterDeviceFromScenario } from '../../../hardware/sim/meter/index.ts';
import type { EchonetMeterDevice, MeterTruth } from '../../../hardware/sim/meter/index.ts';
import type { MeterApplication } from '../../../hardware/sim/node/index.ts';
import { Random } from '../../../hardware/sim/random.ts';
import type { Scenario } from '../../../hardware/sim/scenario/index.ts';
import {
  AmrService,
  DEFAULT_REREAD,
  attachEchonetToGateway,
  servingFromJobs,
  type AmrServiceOptions,
  type GatewayEchonetLink,
  type GatewayServicePort,
  type MeterJoinSource,
  type MeterJoinedEvent,
  type MeterLeftEvent,
} from '../../headend/amr/index.ts';
import { createSqliteAmrRepository } from '../../headend/storage/index.ts';
import type { AmrRepository, HeadendStore, RegisterValue } from '../../headend/storage/index.ts';
import { ESV, METER_EPC, decodeFrame, energyKwh } from '../../stack/echonet/index.ts';
import type { UnitExponent } from '../../stack/echonet/index.ts';
import { DecodeError } from '../../stack/wire/index.ts';

/** The tool the virtual system's MeshRoot stands for (its job serves the mesh /64). */
export const VIRTUAL_TOOL_ID = 'virtual-tool';
/**
 * Epoch of virtual time 0 unless told otherwise: 2026-11-20T00:00:00Z, a fixed instant so a run
 * (loads follow the meters' local time of day) is reproducible from the scenario and the seed.
 */
export const VIRTUAL_START_EPOCH_MS = Date.UTC(2026, 10, 20, 0, 0, 0);
/** Transaction timeouts are seconds (DEFAULT_RETRY_POLICY); a quarter second is fine enough. */
const POLL_INTERVAL_MS = 250;
/** See VirtualAmr.runUntil. */
export const VIRTUAL_AMR_STEP_MS = 50;
/**
 * Meters read at once through the tool. Measured on isolated-area-20 (the scenario's seed, reads
 * starting during the join, 50 ms steps): with 4 (DEFAULT_PER_TOOL_CONCURRENCY) or 2, two reads
 * timed out after all their attempts — fragmented history answers (~400 octets) of concurrent
 * reads collide on the one channel — and 15–23 requests were sent again; with 1 every meter was
 * read at the first try, all 20 within 110 s of the start, with 5 requests sent again.
 */
export const VIRTUAL_PER_TOOL_CONCURRENCY = 1;

export interface WitnessedRead {
  /** Virtual time the meter answered. */
  readonly atMs: number;
  readonly truth: MeterTruth;
}

/**
 * A meter's ECHONET Lite device (UDP 3610) that remembers its own register values each time it
 * answers a Get of E0 — the simulator's side of "stored energy = register × coefficient × unit".
 */
export class WitnessedMeter implements MeterApplication {
  lastRead: WitnessedRead | undefined;

  constructor(readonly device: EchonetMeterDevice) {}

  handle(now: number, udpPayload: Uint8Array): Uint8Array | null {
    const reply = this.device.handle(now, udpPayload);
    if (reply !== null && readsRegister(udpPayload))
      this.lastRead = { atMs: now, truth: this.device.meterTruth(now) };
    return reply;
  }
}

function readsRegister(payload: Uint8Array): boolean {
  try {
    const f = decodeFrame(payload);
    return f.esv === ESV.Get && f.properties.some((p) => p.epc === METER_EPC.CUMULATIVE_ENERGY_NORMAL);
  } catch (e) {
    if (e instanceof DecodeError) return false; // the device counted it as malformed
    throw e;
  }
}

/**
 * One device per scenario meter, seeded exactly as SimulatedField's `echonet` option (and so
 * `fieldroot sim` in pty mode) seeds them.
 */
export function witnessedMeters(scenario: Scenario, startEpochMs: number): Map<string, WitnessedMeter> {
  const scenarioRandom = new Random(scenario.seed);
  return new Map(
    scenario.meters.map((m) => [
      m.id,
      new WitnessedMeter(meterDeviceFromScenario(m, scenarioRandom, { startEpochMs })),
    ]),
  );
}

/** Per meter: the energy the head-end stored from its latest read, next to the meter's own. */
export interface StoredEnergy {
  readonly meterId: string;
  /** Epoch ms of the stored read. */
  readonly readAtMs: number;
  readonly forwardKwh: string;
  readonly reverseKwh: string | null;
  /** The simulator's registers when the meter answered that read (null: no answer witnessed). */
  readonly simulator: {
    readonly forwardKwh: string;
    readonly reverseKwh: string;
  } | null;
}

export interface VirtualAmr {
  readonly service: AmrService;
  readonly link: GatewayEchonetLink;
  readonly amr: AmrRepository;
  readonly toolId: string;
  readonly serverAddress: string;
  readonly startEpochMs: number;
  readonly meters: ReadonlyMap<string, WitnessedMeter>;
  /** Epoch ms of a virtual time. */
  epochOf(virtualMs: number): number;
  /** Every meter with a stored reading, in scenario order. */
  storedEnergy(): Promise<StoredEnergy[]>;
  /**
   * Advances the virtual clock in `stepMs` steps until `done()` or `limitMs` have passed; between
   * steps the server's promise continuations run (a reply received in a step is acted on at the
   * step's end, so steps are kept short: long ones would send every queued request in a burst).
   * Resolves with `done()`.
   */
  runUntil(done: () => boolean, o: { limitMs: number; stepMs?: number }): Promise<boolean>;
  close(): void;
}

export interface VirtualAmrOptions {
  readonly scenario: Scenario;
  readonly store: HeadendStore;
  readonly keyServer: MeterJoinSource;
  /** The head-end side of the northbound link. */
  readonly gateway: GatewayServicePort;
  readonly scheduler: VirtualScheduler;
  readonly serverAddress: string;
  /** The tool's mesh prefix, "prefix/64". */
  readonly meshPrefix: string;
  readonly startEpochMs: number;
  readonly meters: ReadonlyMap<string, WitnessedMeter>;
  /** Randomness for authorisation ids (forked from the system's seed). */
  readonly random: Random;
  readonly service?: VirtualAmrServiceOptions;
  /**
   * Resolves when the head-end's other async steps are done (the key server's queue): awaited
   * between steps so that their timing in virtual time does not depend on the real machine.
   */
  readonly settle: () => Promise<void>;
}

/** What a virtual run may tune of the AMR/DR server. */
export type VirtualAmrServiceOptions = Partial<
  Pick<AmrServiceOptions, 'retry' | 'engine' | 'readOnJoin' | 'reread'>
>;

export async function attachVirtualAmr(o: VirtualAmrOptions): Promise<VirtualAmr> {
  const epochOf = (virtualMs: number): number => o.startEpochMs + Math.floor(virtualMs);
  const clock = (): number => epochOf(o.scheduler.now());
  const r = o.store.repositories;
  // The registry rows an import would create: positions are local metres, so around a nominal
  // point (~1 m ≈ 9e-6° of latitude); only their shape matters here.
  for (const m of o.scenario.meters)
    await r.meters.upsert({
      meterId: m.id,
      eui64: m.eui64,
      site: o.scenario.name,
      latitude: 35.68 + m.position.y * 9e-6,
      longitude: 139.76 + m.position.x * 1.1e-5,
      serving: { via: 'gateway', id: 'none', sinceMs: clock() },
    });
  const amr = createSqliteAmrRepository(o.store.db);
  // The link needs the service to deliver to, and the service the link to send on.
  const holder: { service?: AmrService } = {};
  const link = attachEchonetToGateway(o.gateway, o.serverAddress, (address, payload) =>
    holder.service?.receive(address, payload),
  );
  const job = { deviceId: VIRTUAL_TOOL_ID, meshPrefix: o.meshPrefix, state: 'active' as const };
  const service = new AmrService({
    reread: DEFAULT_REREAD,
    ...o.service,
    engine: { perToolConcurrency: VIRTUAL_PER_TOOL_CONCURRENCY, ...o.service?.engine },
    meters: r.meters,
    readings: r.readings,
    audit: r.audit,
    amr,
    port: link,
    servingOf: servingFromJobs(() => [job]),
    clock,
    random: (n) => Uint8Array.from({ length: n }, () => o.random.nextUint32() & 0xff),
  });
  holder.service = service;
  const detachKeys = service.attachKeyServer(onEpochClock(o.keyServer, epochOf));
  let closed = false;
  let timer: TimerHandle | undefined;
  const poll = (): void => {
    if (closed) return;
    service.poll(clock());
    timer = o.scheduler.scheduleAfter(POLL_INTERVAL_MS, poll);
  };
  poll();

  return {
    service,
    link,
    amr,
    toolId: VIRTUAL_TOOL_ID,
    serverAddress: o.serverAddress,
    startEpochMs: o.startEpochMs,
    meters: o.meters,
    epochOf,
    async storedEnergy() {
      const out: StoredEnergy[] = [];
      for (const m of o.scenario.meters) {
        const latest = await amr.latestReading(m.id);
        if (latest === undefined) continue;
        const normal = latest.registers.find((x) => x.register === 'normal');
        if (normal === undefined) continue;
        const reverse = latest.registers.find((x) => x.register === 'reverse');
        const seen = o.meters.get(m.id)?.lastRead;
        out.push({
          meterId: m.id,
          readAtMs: latest.readAtMs,
          forwardKwh: kwhOf(normal),
          reverseKwh: reverse === undefined ? null : kwhOf(reverse),
          simulator:
            seen === undefined
              ? null
              : { forwardKwh: seen.truth.forwardKwh, reverseKwh: seen.truth.reverseKwh },
        });
      }
      return out;
    },
    async runUntil(done, { limitMs, stepMs = VIRTUAL_AMR_STEP_MS }) {
      const end = o.scheduler.now() + limitMs;
      // Bounded: one step per `stepMs` of virtual time up to the limit.
      while (!done() && o.scheduler.now() < end) {
        o.scheduler.runUntil(Math.min(end, o.scheduler.now() + stepMs));
        await new Promise<void>((go) => setImmediate(go));
        await o.settle();
      }
      return done();
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) o.scheduler.cancel(timer);
      service.stop();
      detachKeys();
      link.detach();
    },
  };
}

/**
 * The key server of the virtual system keeps virtual milliseconds; the AMR server keeps epoch ms
 * (serving paths, audit): its events' times are moved onto the AMR server's clock.
 */
function onEpochClock(source: MeterJoinSource, epochOf: (virtualMs: number) => number): MeterJoinSource {
  return {
    on(type: 'meter-joined' | 'meter-left', listener: (e: never) => void): () => void {
      if (type === 'meter-joined')
        return source.on('meter-joined', (e) =>
          (listener as (e: MeterJoinedEvent) => void)({ ...e, at: epochOf(e.at) }),
        );
      return source.on('meter-left', (e) =>
        (listener as (e: MeterLeftEvent) => void)({ ...e, at: epochOf(e.at) }),
      );
    },
  } as MeterJoinSource;
}

/** Stored register × coefficient × unit, exact decimals. */
function kwhOf(v: RegisterValue): string {
  return energyKwh(v.raw, v.coefficient, v.unitExponent as UnitExponent);
}
