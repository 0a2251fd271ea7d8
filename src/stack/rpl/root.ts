/**
 * RPL root (RFC 6550) of the tool's one instance and one DODAG, sans-I/O. Non-storing mode
 * (MOP 1, default): DAOs come to the root with the DAO parent in the Transit option and the root
 * keeps the parent graph to build source routes (RFC 6554). Storing mode (MOP 2): DAOs come hop
 * by hop from children and the root keeps a next hop per target.
 */
import {
  ALL_RPL_NODES,
  addressesEqual,
  isLinkLocalUnicast,
  isMulticast,
  type Ipv6Address,
} from '../ipv6/index.ts';
import { TrickleTimer, trickleConfigFromDio, type RandomSource } from '../trickle/index.ts';
import { DAO_ACK_STATUS, MOP, RPL_DEFAULT_INSTANCE, RPL_OPTION_TYPE } from './constants.ts';
import { daoGroups, pathExpiry } from './dao-content.ts';
import {
  dodagConfigurationOption,
  fieldDodagParameters,
  findOption,
  prefixInformationOption,
  type DodagParameters,
} from './dodag.ts';
import type { RplInput, RplOutput, RplTimer } from './io.ts';
import { LOLLIPOP_INIT, lollipopCompare, lollipopIncrement } from './lollipop.ts';
import type { Dao, Dio, Dis, RplMessage } from './messages.ts';
import { RouteTable, addressKey, type DownwardRoute } from './routes.ts';
import { computeSourceRoute, wouldCreateLoop, type SourceRouteResult } from './source-route.ts';
import { Topology, type JoinState, type TopologyEvent, type TopologyPage } from './topology.ts';

export type DaoRejectReason = 'unknown-parent' | 'loop' | 'table-full' | 'missing-parent';

/**
 * Status sent for every rejection. RFC 6550 §6.5.1 defines only "≥ 128 is a rejection"; the
 * reason is reported in events and counters, not on the wire.
 */
export const DAO_ACK_STATUS_UNQUALIFIED_REJECTION = DAO_ACK_STATUS.REJECT_MIN;

export type RplRootEvent =
  | {
      kind: 'route-added' | 'route-updated';
      target: Ipv6Address;
      parent?: Ipv6Address;
      nextHop?: Ipv6Address;
    }
  | { kind: 'route-removed'; target: Ipv6Address; reason: 'no-path' | 'expired' }
  | { kind: 'dao-rejected'; source: Ipv6Address; target: Ipv6Address; reason: DaoRejectReason }
  | { kind: 'dis-rate-limited'; source: Ipv6Address }
  | { kind: 'version-incremented'; version: number }
  | { kind: 'dtsn-incremented'; dtsn: number }
  | TopologyEvent;

export interface RplRootCounters {
  dioSent: number;
  disReceived: number;
  disRateLimited: number;
  daoReceived: number;
  daoAccepted: number;
  daoStale: number;
  daoIgnored: number;
  daoRejected: Record<DaoRejectReason, number>;
  routesExpired: number;
}

export interface RplRootConfig {
  /** The root's global address: the DODAGID and the address children name as DAO parent. */
  dodagId: Ipv6Address;
  /** The root's link-local address (children of a storing-mode root send DAOs to it). */
  linkLocal: Ipv6Address;
  prefixLength?: number;
  random: RandomSource;
  instanceId?: number;
  /** MOP.NON_STORING (default) or MOP.STORING_WITHOUT_MULTICAST. */
  mop?: typeof MOP.NON_STORING | typeof MOP.STORING_WITHOUT_MULTICAST;
  /** Defaults: FIELD_DODAG_DEFAULTS, the 100 kbps profile (see constants.ts for the reasoning). */
  parameters?: Partial<DodagParameters>;
  /** DODAGPreference 0..7. */
  preference?: number;
  /** Routes the root keeps; DAOs for further targets are refused "table full". Default 1024. */
  maxRoutes?: number;
  /** Longest source route built; RFC 6554 sets no limit, the 6LoWPAN MTU does. Default 16. */
  maxSourceRouteHops?: number;
  /** DIS handling budget: `burst` DIS at once, one more every `refillMs`. Default 5 / 10 s. */
  disRateLimit?: { burst: number; refillMs: number };
  /** PIO lifetimes, seconds. Default one day each (a job is shorter). */
  prefixValidLifetime?: number;
  prefixPreferredLifetime?: number;
}

type Output = RplOutput<RplRootEvent>;

export class RplRoot {
  readonly instanceId: number;
  readonly mop: number;
  readonly parameters: DodagParameters;
  /** ROOT_RANK = MinHopRankIncrease (RFC 6550 §17). */
  readonly rank: number;
  readonly counters: RplRootCounters = {
    dioSent: 0,
    disReceived: 0,
    disRateLimited: 0,
    daoReceived: 0,
    daoAccepted: 0,
    daoStale: 0,
    daoIgnored: 0,
    daoRejected: { 'unknown-parent': 0, loop: 0, 'table-full': 0, 'missing-parent': 0 },
    routesExpired: 0,
  };
  readonly topology: Topology;
  private readonly cfg: Required<Omit<RplRootConfig, 'parameters' | 'mop' | 'instanceId'>>;
  private readonly trickle: TrickleTimer;
  private readonly routes: RouteTable;
  /** Last DAOSequence per DAO sender, to drop reordered older DAOs (RFC 6550 §7.2 comparison). */
  private readonly lastDaoSequence = new Map<string, number>();
  private versionNumber = LOLLIPOP_INIT;
  private dtsnValue = LOLLIPOP_INIT;
  private disTokens: number;
  private disRefilledAt = 0;
  private started = false;

  constructor(config: RplRootConfig) {
    this.instanceId = config.instanceId ?? RPL_DEFAULT_INSTANCE;
    this.mop = config.mop ?? MOP.NON_STORING;
    this.parameters = { ...fieldDodagParameters(), ...config.parameters };
    this.rank = this.parameters.minHopRankIncrease;
    this.cfg = {
      dodagId: config.dodagId.slice(),
      linkLocal: config.linkLocal.slice(),
      prefixLength: config.prefixLength ?? 64,
      random: config.random,
      preference: config.preference ?? 0,
      maxRoutes: config.maxRoutes ?? 1024,
      maxSourceRouteHops: config.maxSourceRouteHops ?? 16,
      disRateLimit: config.disRateLimit ?? { burst: 5, refillMs: 10_000 },
      prefixValidLifetime: config.prefixValidLifetime ?? 86_400,
      prefixPreferredLifetime: config.prefixPreferredLifetime ?? 86_400,
    };
    this.trickle = new TrickleTimer(
      trickleConfigFromDio(
        this.parameters.dioIntervalMin,
        this.parameters.dioIntervalDoublings,
        this.parameters.dioRedundancyConstant,
      ),
      config.random,
    );
    this.routes = new RouteTable(this.cfg.maxRoutes);
    this.topology = new Topology((a) => this.hopCount(a));
    this.disTokens = this.cfg.disRateLimit.burst;
  }

  get dodagId(): Ipv6Address {
    return this.cfg.dodagId.slice();
  }
  get version(): number {
    return this.versionNumber;
  }
  get dtsn(): number {
    return this.dtsnValue;
  }
  get routeCount(): number {
    return this.routes.size;
  }
  /** The current Trickle interval (ms), for diagnostics. */
  get dioInterval(): number {
    return this.trickle.interval;
  }

  /** Starts advertising: the first DIO goes out within Imin. */
  start(now: number): Output {
    const out = this.output();
    if (!this.started) {
      this.started = true;
      this.disRefilledAt = now;
      this.trickle.startTimer(now);
    }
    return this.finish(now, out);
  }

  handle(now: number, input: RplInput): Output {
    const out = this.output();
    switch (input.kind) {
      case 'message':
        this.onMessage(now, input.source, input.destination, input.message, out);
        break;
      case 'timer':
        break; // all due work runs in finish()
      case 'link-tx':
      case 'neighbour-lost':
        break; // the root has no parents; link quality comes through reportLinkQuality
    }
    return this.finish(now, out);
  }

  /** DTSN increment (RFC 6550 §9.6): asks every node to send a fresh DAO. */
  requestDaoRefresh(now: number): Output {
    const out = this.output();
    this.dtsnValue = lollipopIncrement(this.dtsnValue);
    out.events.push({ kind: 'dtsn-incremented', dtsn: this.dtsnValue });
    this.trickle.reset(now); // spread the new DTSN now rather than after a long interval
    return this.finish(now, out);
  }

  /** Global repair (RFC 6550 §8.2.2.1): a new DODAG Version; every node re-joins and re-DAOs. */
  globalRepair(now: number): Output {
    const out = this.output();
    this.versionNumber = lollipopIncrement(this.versionNumber);
    out.events.push({ kind: 'version-incremented', version: this.versionNumber });
    this.trickle.reset(now); // RFC 6550 §8.3: a new Version is an inconsistency
    return this.finish(now, out);
  }

  /** A DIO as the root sends it now (multicast or unicast). */
  currentDio(): Dio {
    return {
      kind: 'dio',
      instanceId: this.instanceId,
      version: this.versionNumber,
      rank: this.rank,
      grounded: true,
      mop: this.mop,
      preference: this.cfg.preference,
      dtsn: this.dtsnValue,
      dodagId: this.cfg.dodagId.slice(),
      options: [
        dodagConfigurationOption(this.parameters),
        prefixInformationOption(
          this.cfg.dodagId,
          this.cfg.prefixLength,
          this.cfg.prefixValidLifetime,
          this.cfg.prefixPreferredLifetime,
        ),
      ],
    };
  }

  route(target: Ipv6Address): DownwardRoute | undefined {
    const r = this.routes.get(target);
    return r ? { ...r } : undefined;
  }

  /**
   * Non-storing mode: the hops from the root to `target` (first hop … target), built from the
   * DAO parents (RFC 6550 §9.7); refuses loops, unknown parents and routes over the hop limit.
   */
  sourceRoute(target: Ipv6Address): SourceRouteResult {
    return computeSourceRoute(this.cfg.dodagId, target, (a) => this.parentOf(a), this.cfg.maxSourceRouteHops);
  }

  /** Storing mode: the child to send to for `target`. */
  nextHop(target: Ipv6Address): Ipv6Address | undefined {
    return this.routes.get(target)?.nextHop?.slice();
  }

  /** Paged snapshot of the topology. */
  topologyPage(offset: number, limit: number): TopologyPage {
    return this.topology.page(offset, limit);
  }

  /** Link quality for a node, as measured by the caller. */
  reportLinkQuality(now: number, address: Ipv6Address, linkQuality: number): RplRootEvent[] {
    const e = this.topology.update(address, now, { linkQuality });
    return e ? [e] : [];
  }

  /** Join state hook (PANA relay, key delivery). */
  setJoinState(now: number, address: Ipv6Address, joinState: JoinState): RplRootEvent[] {
    const e = this.topology.update(address, now, { joinState });
    return e ? [e] : [];
  }

  // -------------------------------------------------------------------------------------------

  private onMessage(
    now: number,
    source: Ipv6Address,
    destination: Ipv6Address,
    m: RplMessage,
    out: Output,
  ): void {
    switch (m.kind) {
      case 'dis':
        this.onDis(now, source, destination, m, out);
        return;
      case 'dao':
        this.onDao(now, source, m, out);
        return;
      case 'dio':
        this.onDio(now, source, m, out);
        return;
      case 'dao-ack':
        return; // the root sends no DAOs
    }
  }

  private onDio(now: number, source: Ipv6Address, m: Dio, out: Output): void {
    if (m.instanceId !== this.instanceId || !addressesEqual(m.dodagId, this.cfg.dodagId)) return;
    if (m.version === this.versionNumber) this.trickle.hearConsistent();
    // A neighbour's Rank: the topology entry is keyed by its global address (from the PIO R flag).
    const pio = findOption(m.options, RPL_OPTION_TYPE.PREFIX_INFORMATION);
    const address = pio?.routerAddress ? pio.prefix : source;
    const e = this.topology.update(address, now, { rank: m.rank });
    if (e) out.events.push(e);
  }

  private takeDisToken(now: number): boolean {
    const { burst, refillMs } = this.cfg.disRateLimit;
    const refill = Math.floor((now - this.disRefilledAt) / refillMs);
    if (refill > 0) {
      this.disTokens = Math.min(burst, this.disTokens + refill);
      this.disRefilledAt += refill * refillMs;
    }
    if (this.disTokens <= 0) return false;
    this.disTokens--;
    return true;
  }

  private onDis(now: number, source: Ipv6Address, destination: Ipv6Address, m: Dis, out: Output): void {
    this.counters.disReceived++;
    const si = findOption(m.options, RPL_OPTION_TYPE.SOLICITED_INFORMATION);
    // RFC 6550 §8.3: with a Solicited Information option, answer only when every predicate matches.
    if (si) {
      if (si.instanceIdPredicate && si.instanceId !== this.instanceId) return;
      if (si.dodagIdPredicate && !addressesEqual(si.dodagId, this.cfg.dodagId)) return;
      if (si.versionPredicate && si.version !== this.versionNumber) return;
    }
    if (!this.takeDisToken(now)) {
      this.counters.disRateLimited++;
      out.events.push({ kind: 'dis-rate-limited', source: source.slice() });
      return;
    }
    if (isMulticast(destination)) {
      this.trickle.reset(now); // RFC 6550 §8.3: multicast DIS resets the DIO Trickle timer
    } else {
      out.send.push({ destination: source.slice(), message: this.currentDio() }); // §8.3: unicast DIS → unicast DIO
      this.counters.dioSent++;
    }
  }

  private parentOf(a: Ipv6Address): Ipv6Address | undefined {
    if (addressesEqual(a, this.cfg.dodagId)) return undefined;
    return this.routes.get(a)?.parent;
  }

  private hopCount(a: Ipv6Address): number | undefined {
    if (this.mop === MOP.NON_STORING) {
      const r = this.sourceRoute(a);
      return r.ok ? r.hops.length : undefined;
    }
    const route = this.routes.get(a);
    return route?.nextHop && sameIid(route.nextHop, a) ? 1 : undefined;
  }

  private isRootAddress(a: Ipv6Address): boolean {
    return addressesEqual(a, this.cfg.dodagId) || addressesEqual(a, this.cfg.linkLocal);
  }

  private onDao(now: number, source: Ipv6Address, m: Dao, out: Output): void {
    this.counters.daoReceived++;
    if (m.instanceId !== this.instanceId || (m.dodagId && !addressesEqual(m.dodagId, this.cfg.dodagId))) {
      this.counters.daoIgnored++;
      return;
    }
    const key = addressKey(source);
    const last = this.lastDaoSequence.get(key);
    if (last !== undefined && lollipopCompare(m.sequence, last) === -1) {
      this.counters.daoStale++; // reordered: the sender no longer waits for this DAO's ACK
      return;
    }
    this.lastDaoSequence.set(key, m.sequence);
    const storing = this.mop !== MOP.NON_STORING;
    let rejection: DaoRejectReason | undefined;
    for (const group of daoGroups(m.options)) {
      const transit = group.transits[0];
      if (!transit) continue; // RFC 6550 §6.4.3: a Target needs a Transit to mean a path
      for (const t of group.targets) {
        const reason = storing
          ? this.applyStoring(now, source, t.prefix, transit, out)
          : this.applyNonStoring(now, source, t.prefix, transit, out);
        if (reason) {
          rejection ??= reason;
          this.counters.daoRejected[reason]++;
          out.events.push({ kind: 'dao-rejected', source: source.slice(), target: t.prefix.slice(), reason });
        }
      }
    }
    if (!rejection) this.counters.daoAccepted++;
    if (m.expectAck) {
      // RFC 6550 §9.3 / §6.5: the DAO-ACK goes to the DAO's source with the same DAOSequence.
      const ack: RplMessage = {
        kind: 'dao-ack',
        instanceId: this.instanceId,
        sequence: m.sequence,
        status: rejection ? DAO_ACK_STATUS_UNQUALIFIED_REJECTION : DAO_ACK_STATUS.ACCEPT,
        options: [],
      };
      if (m.dodagId) ack.dodagId = this.cfg.dodagId.slice();
      out.send.push({ destination: source.slice(), message: ack });
    }
  }

  /** Freshness by Path Sequence (RFC 6550 §7.2, §9.2): older is ignored, equal refreshes. */
  private isStale(existing: DownwardRoute | undefined, pathSequence: number): boolean {
    if (!existing) return false;
    return lollipopCompare(pathSequence, existing.pathSequence) === -1;
  }

  private applyNonStoring(
    now: number,
    _source: Ipv6Address,
    target: Ipv6Address,
    transit: { pathSequence: number; pathLifetime: number; parentAddress?: Ipv6Address },
    out: Output,
  ): DaoRejectReason | undefined {
    const existing = this.routes.get(target);
    if (this.isStale(existing, transit.pathSequence)) {
      this.counters.daoStale++;
      return undefined;
    }
    if (transit.pathLifetime === 0) {
      this.removeRoute(target, 'no-path', out); // No-Path: Path Lifetime 0 (RFC 6550 §6.7.8)
      return undefined;
    }
    if (!transit.parentAddress) return 'missing-parent'; // RFC 6550 §6.7.8: required in non-storing mode
    let parent = transit.parentAddress;
    if (this.isRootAddress(parent)) parent = this.cfg.dodagId;
    else {
      if (!this.routes.get(parent)) return 'unknown-parent';
      if (wouldCreateLoop(target, parent, (a) => this.parentOf(a), this.cfg.maxRoutes)) return 'loop';
    }
    if (!existing && this.routes.full) return 'table-full';
    const route: DownwardRoute = {
      target: target.slice(),
      parent: parent.slice(),
      pathSequence: transit.pathSequence,
      expiresAt: pathExpiry(now, transit.pathLifetime, this.parameters.lifetimeUnit),
      updatedAt: now,
    };
    this.routes.set(route);
    const changed = !existing || !existing.parent || !addressesEqual(existing.parent, parent);
    if (changed)
      out.events.push({
        kind: existing ? 'route-updated' : 'route-added',
        target: target.slice(),
        parent: parent.slice(),
      });
    const e = this.topology.upsert(target, now, { parent: parent.slice() });
    if (e) out.events.push(e);
    return undefined;
  }

  private applyStoring(
    now: number,
    source: Ipv6Address,
    target: Ipv6Address,
    transit: { pathSequence: number; pathLifetime: number },
    out: Output,
  ): DaoRejectReason | undefined {
    const existing = this.routes.get(target);
    if (this.isStale(existing, transit.pathSequence)) {
      this.counters.daoStale++;
      return undefined;
    }
    if (transit.pathLifetime === 0) {
      // A No-Path from a child that is no longer our next hop must not remove a newer route.
      if (existing?.nextHop && addressesEqual(existing.nextHop, source))
        this.removeRoute(target, 'no-path', out);
      return undefined;
    }
    if (!existing && this.routes.full) return 'table-full';
    const route: DownwardRoute = {
      target: target.slice(),
      nextHop: source.slice(),
      pathSequence: transit.pathSequence,
      expiresAt: pathExpiry(now, transit.pathLifetime, this.parameters.lifetimeUnit),
      updatedAt: now,
    };
    this.routes.set(route);
    if (!existing || !existing.nextHop || !addressesEqual(existing.nextHop, source))
      out.events.push({
        kind: existing ? 'route-updated' : 'route-added',
        target: target.slice(),
        nextHop: source.slice(),
      });
    const patch =
      isLinkLocalUnicast(source) && sameIid(source, target) ? { parent: this.cfg.dodagId.slice() } : {};
    const e = this.topology.upsert(target, now, patch);
    if (e) out.events.push(e);
    return undefined;
  }

  private removeRoute(target: Ipv6Address, reason: 'no-path' | 'expired', out: Output): void {
    const r = this.routes.delete(target);
    if (!r) return;
    this.lastDaoSequence.delete(addressKey(target));
    out.events.push({ kind: 'route-removed', target: target.slice(), reason });
    const e = this.topology.remove(target);
    if (e) out.events.push(e);
  }

  private output(): Output {
    return { send: [], timers: [], events: [] };
  }

  /** Runs everything due at `now` and lists the armed timers. */
  private finish(now: number, out: Output): Output {
    if (this.trickle.running) {
      const due = this.trickle.deadline();
      if (due !== undefined && now >= due && this.trickle.expire(now)) {
        out.send.push({ destination: ALL_RPL_NODES.slice(), message: this.currentDio() });
        this.counters.dioSent++;
      }
    }
    for (const r of this.routes.expire(now)) {
      this.counters.routesExpired++;
      this.lastDaoSequence.delete(addressKey(r.target));
      out.events.push({ kind: 'route-removed', target: r.target, reason: 'expired' });
      const e = this.topology.remove(r.target);
      if (e) out.events.push(e);
    }
    const timers: RplTimer[] = [];
    const t = this.trickle.deadline();
    if (t !== undefined) timers.push({ id: 'trickle', at: t });
    const x = this.routes.nextExpiry();
    if (x !== undefined) timers.push({ id: 'expiry', at: x });
    out.timers = timers;
    return out;
  }
}

function sameIid(a: Ipv6Address, b: Ipv6Address): boolean {
  for (let i = 8; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}
