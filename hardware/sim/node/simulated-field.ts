/**
 * A scenario's meters on one RadioMedium (issue "Radio" item 5): positions and radio parameters
 * from the scenario (channel, PAN, loss rate, path-loss exponent, shadowing, power, sensitivity),
 * one SimulatedMeter per meter with its own PSK and its own fork of the scenario's seeded Random,
 * scenario power failures on the clock, and per-meter state for reports.
 *
 * The tablet's radio is a node of the same medium (`tabletNodeId`, registered in the directory
 * under the tablet's EUI-64); whoever plays the tool (the virtual dongle, or a test's root)
 * attaches its RadioMac to it.
 */
import type { Scheduler } from '../clock/scheduler.ts';
import {
  RadioMedium,
  suburban920MHz,
  type MacSettings,
  type MediumConfig,
  type NodeId,
} from '../medium/index.ts';
import { meterDeviceFromScenario, type MeterDeviceOptions } from '../meter/index.ts';
import { Random } from '../random.ts';
import { meterPsk, type Scenario, type ScenarioMeter } from '../scenario/index.ts';
import type { CryptoProvider } from '../../../src/stack/crypto/index.ts';
import type { MeterApplication } from './meter-application.ts';
import type { EuiDirectory } from './radio-port.ts';
import { SimulatedMeter, type MeterJoinState, type MeterTiming } from './simulated-meter.ts';

export interface SimulatedFieldOptions {
  scenario: Scenario;
  scheduler: Scheduler;
  crypto: CryptoProvider;
  /** Overrides of the medium built from the scenario (e.g. `dutyCycle`). */
  medium?: Partial<MediumConfig>;
  mac?: Partial<MacSettings>;
  timing?: Partial<MeterTiming>;
  /** A meter's PSK; default the scenario's (scenario/psk.ts). Tests give one meter a wrong key. */
  pskFor?: (meter: ScenarioMeter) => Uint8Array;
  /** The meter's application on UDP 3610; takes precedence over `echonet`. */
  applicationFor?: (meter: ScenarioMeter) => MeterApplication | undefined;
  /** Gives every meter the ECHONET Lite device of hardware/sim/meter (seeded from the scenario). */
  echonet?: MeterDeviceOptions;
  /** Each new network key a meter installs (for the simulator's capture key table only). */
  onNetworkKey?: (meterId: string, keyIndex: number, key: Uint8Array) => void;
}

export interface MeterReport {
  id: string;
  eui64: string;
  state: MeterJoinState;
  joined: boolean;
  joinedAt: number | undefined;
  /** Radio hops to the tablet along the RPL parent chain; undefined when not joined. */
  hops: number | undefined;
  panaState: string;
  keyIndex: number | undefined;
}

export class SimulatedField {
  readonly medium: RadioMedium;
  readonly directory: EuiDirectory = new Map();
  readonly meters: SimulatedMeter[] = [];
  /** Each meter's UDP 3610 application, by meter id. */
  readonly applications = new Map<string, MeterApplication>();
  /** The tablet radio in use (`replaceTablet` puts another one in its place). */
  tabletNodeId: NodeId;
  tabletEui64: bigint;
  readonly panId: number;
  private readonly byId = new Map<string, SimulatedMeter>();
  private readonly byEui = new Map<bigint, SimulatedMeter>();
  private readonly random: Random;

  constructor(private readonly o: SimulatedFieldOptions) {
    const s = o.scenario;
    const scenarioRandom = new Random(s.seed);
    this.random = scenarioRandom.fork('field');
    this.medium = new RadioMedium(o.scheduler, {
      seed: s.seed,
      pathLoss: suburban920MHz(s.radio.pathLossExponent),
      shadowingSigmaDb: s.radio.shadowingSigmaDb,
      extraLossRate: s.radio.lossRate,
      defaults: {
        txPowerDbm: s.radio.txPowerDbm,
        sensitivityDbm: s.radio.sensitivityDbm,
        channel: s.radio.channel,
      },
      ...o.medium,
    });
    this.panId = s.radio.panId;
    this.tabletEui64 = BigInt(`0x${s.tablet.eui64}`);
    this.tabletNodeId = this.medium.addNode(s.tablet.position);
    this.directory.set(this.tabletEui64, this.tabletNodeId);
    for (const m of s.meters) {
      const nodeId = this.medium.addNode(m.position);
      const eui64 = BigInt(`0x${m.eui64}`);
      const given = o.pskFor?.(m);
      const psk = given ?? meterPsk(o.crypto, s, m);
      const application =
        o.applicationFor?.(m) ??
        (o.echonet ? meterDeviceFromScenario(m, scenarioRandom, o.echonet) : undefined);
      if (application) this.applications.set(m.id, application);
      const meter = new SimulatedMeter({
        scheduler: o.scheduler,
        medium: this.medium,
        nodeId,
        directory: this.directory,
        crypto: o.crypto,
        random: this.random.fork(`meter:${m.id}`),
        eui64,
        panId: s.radio.panId,
        psk,
        ...(application ? { application } : {}),
        ...(o.mac ? { mac: o.mac } : {}),
        ...(o.timing ? { timing: o.timing } : {}),
        ...(o.onNetworkKey
          ? { onNetworkKey: (i: number, k: Uint8Array) => o.onNetworkKey!(m.id, i, k) }
          : {}),
      });
      if (!given) psk.fill(0); // the meter holds its own copy
      this.meters.push(meter);
      this.byId.set(m.id, meter);
      this.byEui.set(eui64, meter);
    }
  }

  /**
   * Another tablet (another dongle, `eui64`) arrives where the scenario's tablet stands; the one
   * in use is switched off (its receiver disabled; whoever drove it must stop transmitting).
   * Returns the new tablet's node, to attach a radio to.
   */
  replaceTablet(eui64: bigint): NodeId {
    if (this.directory.has(eui64))
      throw new RangeError(`EUI-64 ${eui64.toString(16)} is already in the field`);
    this.medium.setReceiverEnabled(this.tabletNodeId, false);
    this.tabletNodeId = this.medium.addNode(this.o.scenario.tablet.position);
    this.tabletEui64 = eui64;
    this.directory.set(eui64, this.tabletNodeId);
    return this.tabletNodeId;
  }

  meter(id: string): SimulatedMeter | undefined {
    return this.byId.get(id);
  }

  meterByEui(eui64: bigint): SimulatedMeter | undefined {
    return this.byEui.get(eui64);
  }

  /**
   * Powers every meter's mesh side on, spread uniformly over `spreadMs` (meters do not boot in
   * step). A scenario's `concentrator-failure` at a later time defers this to that moment: until
   * then the meters are on their concentrator's network and do not look for a tool; at the failure
   * they find themselves isolated and start their join searches.
   */
  powerOnAll(spreadMs = 0): void {
    const isolatedAfterMs = this.isolatedAfterMs();
    for (const m of this.meters) {
      const delay = isolatedAfterMs + (spreadMs > 0 ? this.random.uniform() * spreadMs : 0);
      this.o.scheduler.scheduleAfter(delay, () => m.powerOn());
    }
  }

  /** From when (ms after the start) the meters are isolated: the earliest concentrator failure, else 0. */
  isolatedAfterMs(): number {
    const failures = this.o.scenario.failures.filter((f) => f.kind === 'concentrator-failure');
    return failures.length === 0 ? 0 : Math.min(...failures.map((f) => f.at * 1000));
  }

  /**
   * Puts the scenario's meter-power-loss failures on the clock (times relative to `startMs`);
   * concentrator-failure is applied by `powerOnAll`; dongle-unplug and loss-burst belong to
   * whoever runs the tool and the medium. Returns how many were scheduled.
   */
  scheduleFailures(startMs = this.o.scheduler.now()): number {
    let n = 0;
    for (const f of this.o.scenario.failures) {
      if (f.kind !== 'meter-power-loss') continue;
      const meter = this.byId.get(f.meter);
      if (!meter) continue;
      this.o.scheduler.scheduleAt(startMs + f.at * 1000, () => meter.powerOff());
      if (f.duration !== undefined)
        this.o.scheduler.scheduleAt(startMs + (f.at + f.duration) * 1000, () => meter.powerOn());
      n++;
    }
    return n;
  }

  /** Radio hops from `meter` to the tablet along RPL parents (undefined if the chain breaks). */
  hopCount(meter: SimulatedMeter): number | undefined {
    let current: SimulatedMeter | undefined = meter;
    // Bounded by the number of meters: a longer chain is a loop.
    for (let hops = 1; current && hops <= this.meters.length + 1; hops++) {
      const parent = current.status().parent;
      if (parent === undefined) return undefined;
      if (parent === this.tabletEui64) return hops;
      current = this.byEui.get(parent);
    }
    return undefined;
  }

  report(): MeterReport[] {
    return this.o.scenario.meters.map((m) => {
      const meter = this.byId.get(m.id)!;
      const s = meter.status();
      return {
        id: m.id,
        eui64: m.eui64,
        state: s.state,
        joined: s.state === 'joined',
        joinedAt: s.joinedAt,
        hops: s.state === 'joined' ? this.hopCount(meter) : undefined,
        panaState: s.panaState,
        keyIndex: s.keyIndex,
      };
    });
  }
}
