/**
 * RPL router role of a meter (RFC 6550), sans-I/O: joins the tool's DODAG from DIOs, picks a
 * preferred parent with OF0 or MRHOF, advertises its own DIOs on Trickle once joined, sends DAOs
 * (non-storing: to the root naming its parent; storing: to its parent, which keeps routes), and
 * takes forwarding decisions (see forwarding.ts).
 */
import {
  ALL_RPL_NODES,
  addressFromPrefixAndIid,
  addressesEqual,
  isLinkLocalUnicast,
  isMulticast,
  maskPrefix,
  type Ipv6Address,
} from '../ipv6/index.ts';
import { TrickleTimer, trickleConfigFromDio, type RandomSource } from '../trickle/index.ts';
import {
  DAO_ACK_STATUS,
  DEFAULT_DAO_DELAY,
  INFINITE_RANK,
  MOP,
  RPL_DEFAULT_INSTANCE,
  RPL_OPTION_TYPE,
} from './constants.ts';
import { daoGroups, pathExpiry, targetOption, transitOption } from './dao-content.ts';
import {
  dodagConfigurationOption,
  dodagParametersFrom,
  findOption,
  prefixInformationOption,
  type DodagParameters,
} from './dodag.ts';
import type { RplInput, RplOutput, RplSend, RplTimer } from './io.ts';
import { EtxEstimate, ETX_INITIAL } from './link-estimator.ts';
import { LOLLIPOP_INIT, lollipopCompare, lollipopIncrement, lollipopNewer } from './lollipop.ts';
import type { Dao, DaoAck, Dio, Dis } from './messages.ts';
import { dagRank, objectiveFunctionFor, type ObjectiveFunction } from './objective-function.ts';
import type { RplOption } from './options.ts';
import { RouteTable, addressKey, type DownwardRoute } from './routes.ts';

export type RplNodeEvent =
  | { kind: 'joined'; parent: Ipv6Address; rank: number; version: number }
  | { kind: 'parent-changed'; from: Ipv6Address; to: Ipv6Address; rank: number }
  | { kind: 'detached'; reason: 'no-parent' }
  | { kind: 'version-changed'; version: number }
  | { kind: 'dao-acked'; sequence: number; status: number }
  | { kind: 'dao-rejected'; sequence: number; status: number }
  | { kind: 'dao-failed'; sequence: number }
  | { kind: 'route-added' | 'route-updated'; target: Ipv6Address; nextHop: Ipv6Address }
  | { kind: 'route-removed'; target: Ipv6Address; reason: 'no-path' | 'expired' | 'forwarding-error' };

export interface RplNodeCounters {
  dioSent: number;
  dioReceived: number;
  disSent: number;
  daoSent: number;
  daoRetransmitted: number;
  daoAcked: number;
  daoRejected: number;
  daoFailed: number;
  parentChanges: number;
  detaches: number;
  rankErrors: number;
  forwardingErrors: number;
}

export interface RplNodeConfig {
  linkLocal: Ipv6Address;
  random: RandomSource;
  /** Only this instance is joined. Default RPL_DEFAULT_INSTANCE. */
  instanceId?: number;
  /** First DIS after start within [0, disInitialMs]; then the delay doubles up to disMaxMs. */
  disInitialMs?: number;
  disMaxMs?: number;
  /** DAO delay (RFC 6550 §17 DEFAULT_DAO_DELAY, 1 s): DAOs go out after delay × U(0.5, 1). */
  daoDelayMs?: number;
  /** DAO-ACK wait before the first retransmission; doubles per retransmission. Default 5 s. */
  daoAckTimeoutMs?: number;
  /** Retransmissions of an unacknowledged DAO before giving up (until the next refresh). Default 3. */
  daoMaxRetransmissions?: number;
  /** Storing mode: downward routes kept. Default 64. */
  maxRoutes?: number;
  /** Neighbours tracked. Default 32. */
  maxNeighbours?: number;
  initialEtx?: number;
  /** Targets per DAO in storing mode. Default 8. */
  maxTargetsPerDao?: number;
}

interface Neighbour {
  linkLocal: Ipv6Address;
  /** From the PIO R flag of its DIOs, else prefix + IID. */
  global?: Ipv6Address;
  rank: number;
  version: number;
  dtsn: number;
  /** When its last DIO (of our DODAG) arrived; undefined: never. */
  dioAt?: number;
  lastHeard: number;
  etx: EtxEstimate;
  rssi?: number;
  lqi?: number;
}

interface Dodag {
  instanceId: number;
  dodagId: Ipv6Address;
  version: number;
  mop: number;
  grounded: boolean;
  preference: number;
  params: DodagParameters;
  of: ObjectiveFunction;
  prefix?: Ipv6Address;
  prefixLength: number;
  prefixValid: number;
  prefixPreferred: number;
}

interface PendingDao {
  send: RplSend;
  attempts: number;
  nextAt: number;
}

type Output = RplOutput<RplNodeEvent>;

export class RplNode {
  readonly counters: RplNodeCounters = {
    dioSent: 0,
    dioReceived: 0,
    disSent: 0,
    daoSent: 0,
    daoRetransmitted: 0,
    daoAcked: 0,
    daoRejected: 0,
    daoFailed: 0,
    parentChanges: 0,
    detaches: 0,
    rankErrors: 0,
    forwardingErrors: 0,
  };
  private readonly cfg: Required<RplNodeConfig>;
  private readonly neighbours = new Map<string, Neighbour>();
  private dodag: Dodag | undefined;
  private parentKey: string | undefined;
  private parentAddress: Ipv6Address | undefined;
  private rankValue = INFINITE_RANK;
  /** Lowest Rank advertised in this DODAG Version (L of RFC 6550 §8.2.2.4). */
  private lowestRank = INFINITE_RANK;
  private parentDtsn = 0;
  private dtsnValue = LOLLIPOP_INIT;
  private trickle: TrickleTimer | undefined;
  private started = false;
  private disAt: number | undefined;
  private disBackoff: number;
  /** While poisoning (RFC 6550 §8.2.2.5): until when, and candidates must be heard after `detachedAt`. */
  private poisonUntil: number | undefined;
  private detachedAt = -Infinity;
  private daoDueAt: number | undefined;
  private refreshAt: number | undefined;
  private daoSequence = LOLLIPOP_INIT;
  private pathSequence = LOLLIPOP_INIT;
  private readonly pending = new Map<number, PendingDao>();
  private readonly routes: RouteTable;
  private readonly noPaths = new Map<string, { target: Ipv6Address; pathSequence: number }>();

  constructor(config: RplNodeConfig) {
    this.cfg = {
      linkLocal: config.linkLocal.slice(),
      random: config.random,
      instanceId: config.instanceId ?? RPL_DEFAULT_INSTANCE,
      disInitialMs: config.disInitialMs ?? 5_000,
      disMaxMs: config.disMaxMs ?? 120_000,
      daoDelayMs: config.daoDelayMs ?? DEFAULT_DAO_DELAY * 1000,
      daoAckTimeoutMs: config.daoAckTimeoutMs ?? 5_000,
      daoMaxRetransmissions: config.daoMaxRetransmissions ?? 3,
      maxRoutes: config.maxRoutes ?? 64,
      maxNeighbours: config.maxNeighbours ?? 32,
      initialEtx: config.initialEtx ?? ETX_INITIAL,
      maxTargetsPerDao: config.maxTargetsPerDao ?? 8,
    };
    this.disBackoff = this.cfg.disInitialMs;
    this.routes = new RouteTable(this.cfg.maxRoutes);
  }

  // ---- read-only view --------------------------------------------------------------------

  get joined(): boolean {
    return this.parentKey !== undefined;
  }
  /** The Rank this node advertises (INFINITE_RANK when detached). */
  get rank(): number {
    return this.rankValue;
  }
  get linkLocal(): Ipv6Address {
    return this.cfg.linkLocal.slice();
  }
  /** Global address (mesh prefix + our IID) once a prefix is known. */
  get globalAddress(): Ipv6Address | undefined {
    const p = this.dodag?.prefix;
    return p ? addressFromPrefixAndIid(p, this.cfg.linkLocal.subarray(8)) : undefined;
  }
  get preferredParent(): Ipv6Address | undefined {
    return this.parent()?.linkLocal.slice();
  }
  /** The preferred parent's global address (what a non-storing DAO names). */
  get preferredParentGlobal(): Ipv6Address | undefined {
    const p = this.parent();
    return p ? this.globalOf(p) : undefined;
  }
  get version(): number | undefined {
    return this.dodag?.version;
  }
  get dodagId(): Ipv6Address | undefined {
    return this.dodag?.dodagId.slice();
  }
  get mop(): number | undefined {
    return this.dodag?.mop;
  }
  get dtsn(): number {
    return this.dtsnValue;
  }
  get minHopRankIncrease(): number | undefined {
    return this.dodag?.params.minHopRankIncrease;
  }
  get poisoning(): boolean {
    return this.poisonUntil !== undefined;
  }
  get instanceId(): number {
    return this.cfg.instanceId;
  }
  etxTo(neighbour: Ipv6Address): number | undefined {
    return this.neighbours.get(addressKey(neighbour))?.etx.etx;
  }
  /** Storing mode: the child towards `target`. */
  downwardRoute(target: Ipv6Address): DownwardRoute | undefined {
    const r = this.routes.get(target);
    return r ? { ...r } : undefined;
  }
  get routeCount(): number {
    return this.routes.size;
  }
  /** This node's own addresses (link-local, and global once known). */
  ownAddresses(): Ipv6Address[] {
    const g = this.globalAddress;
    return g ? [this.cfg.linkLocal.slice(), g] : [this.cfg.linkLocal.slice()];
  }
  isOwnAddress(a: Ipv6Address): boolean {
    return this.ownAddresses().some((o) => addressesEqual(o, a));
  }

  // ---- inputs ---------------------------------------------------------------------------

  /** Starts looking for a DODAG: DIS within disInitialMs unless a DIO arrives first. */
  start(now: number): Output {
    const out = this.output();
    if (!this.started) {
      this.started = true;
      this.disAt = now + this.cfg.random() * this.cfg.disInitialMs;
    }
    return this.finish(now, out);
  }

  handle(now: number, input: RplInput): Output {
    const out = this.output();
    switch (input.kind) {
      case 'message':
        this.onMessage(now, input, out);
        break;
      case 'link-tx': {
        const n = this.neighbour(now, input.neighbour);
        n.etx.update(input.acked, input.transmissions, now);
        if (this.dodag && this.joined) this.selectParent(now, out);
        break;
      }
      case 'neighbour-lost': {
        const k = addressKey(input.neighbour);
        this.neighbours.delete(k);
        if (this.parentKey === k) this.selectParent(now, out); // another parent, or detach
        break;
      }
      case 'timer':
        break; // all due work runs in finish()
    }
    return this.finish(now, out);
  }

  /** The DIO this node advertises now, or undefined before it has a DODAG. */
  currentDio(): Dio | undefined {
    const d = this.dodag;
    if (!d) return undefined;
    const options: RplOption[] = [dodagConfigurationOption(d.params)];
    const g = this.globalAddress;
    if (g) options.push(prefixInformationOption(g, d.prefixLength, d.prefixValid, d.prefixPreferred));
    return {
      kind: 'dio',
      instanceId: d.instanceId,
      version: d.version,
      rank: this.rankValue,
      grounded: d.grounded,
      mop: d.mop,
      preference: d.preference,
      dtsn: this.dtsnValue,
      dodagId: d.dodagId.slice(),
      options,
    };
  }

  // ---- messages -------------------------------------------------------------------------

  private onMessage(now: number, input: Extract<RplInput, { kind: 'message' }>, out: Output): void {
    const n = this.neighbour(now, input.source);
    if (input.link?.rssi !== undefined) n.rssi = input.link.rssi;
    if (input.link?.lqi !== undefined) n.lqi = input.link.lqi;
    const m = input.message;
    switch (m.kind) {
      case 'dio':
        this.onDio(now, n, m, out);
        return;
      case 'dis':
        this.onDis(now, input.source, input.destination, m, out);
        return;
      case 'dao':
        this.onDao(now, input.source, m, out);
        return;
      case 'dao-ack':
        this.onDaoAck(now, m, out);
        return;
    }
  }

  private onDio(now: number, n: Neighbour, m: Dio, out: Output): void {
    this.counters.dioReceived++;
    if (m.instanceId !== this.cfg.instanceId) return;
    if (m.mop !== MOP.NON_STORING && m.mop !== MOP.STORING_WITHOUT_MULTICAST) return; // MOPs this node implements
    let d = this.dodag;
    if (d && !addressesEqual(d.dodagId, m.dodagId)) return; // one DODAG: the tool's
    const pio = findOption(m.options, RPL_OPTION_TYPE.PREFIX_INFORMATION);
    if (pio?.routerAddress) n.global = pio.prefix.slice();
    n.rank = m.rank;
    n.version = m.version;
    n.dtsn = m.dtsn;
    n.dioAt = now;
    if (!d) {
      // RFC 6550 §8.2.3: a node needs the DODAG Configuration to join (and an OF it implements).
      const conf = findOption(m.options, RPL_OPTION_TYPE.DODAG_CONFIGURATION);
      if (!conf || m.rank === INFINITE_RANK) return;
      const params = dodagParametersFrom(conf);
      const of = objectiveFunctionFor(params.objectiveCodePoint, params.minHopRankIncrease);
      if (!of || params.minHopRankIncrease === 0) return;
      d = {
        instanceId: m.instanceId,
        dodagId: m.dodagId.slice(),
        version: m.version,
        mop: m.mop,
        grounded: m.grounded,
        preference: m.preference,
        params,
        of,
        prefixLength: 64,
        prefixValid: 0,
        prefixPreferred: 0,
      };
      this.dodag = d;
    }
    if (pio && pio.autonomous && !d.prefix) {
      d.prefix = maskPrefix(pio.prefix, pio.prefixLength);
      d.prefixLength = pio.prefixLength;
      d.prefixValid = pio.validLifetime;
      d.prefixPreferred = pio.preferredLifetime;
    }
    const order = lollipopCompare(m.version, d.version);
    if (order === -1) return; // an older Version: not a usable parent
    if (order === 1 || order === undefined) {
      this.newVersion(now, m, out);
    } else if (m.rank !== INFINITE_RANK) {
      this.trickle?.hearConsistent(); // RFC 6550 §8.3: a consistent DIO
    }
    const isParent = this.parentKey === addressKey(n.linkLocal);
    if (isParent && this.joined && lollipopNewer(m.dtsn, this.parentDtsn) && m.dtsn !== this.parentDtsn) {
      // RFC 6550 §9.6: a parent's DTSN increment asks for new DAOs; pass it on to our sub-DODAG.
      this.parentDtsn = m.dtsn;
      this.dtsnValue = lollipopIncrement(this.dtsnValue);
      this.scheduleDao(now);
      this.trickle?.reset(now);
    }
    this.selectParent(now, out);
  }

  private newVersion(now: number, m: Dio, out: Output): void {
    const d = this.dodag!;
    // RFC 6550 §8.2.2.1: a new Version starts a new DODAG iteration: L resets and only
    // neighbours advertising the new Version may be parents.
    d.version = m.version;
    d.grounded = m.grounded;
    d.preference = m.preference;
    this.lowestRank = INFINITE_RANK;
    this.poisonUntil = undefined;
    this.detachedAt = -Infinity;
    out.events.push({ kind: 'version-changed', version: d.version });
    if (this.parentKey) {
      this.parentKey = undefined;
      this.parentAddress = undefined;
      this.rankValue = INFINITE_RANK;
      this.disAt = now + this.cfg.random() * this.cfg.disInitialMs; // in case no parent is found now
    }
    this.trickle?.reset(now); // RFC 6550 §8.3: joining a new Version is an inconsistency
  }

  private onDis(now: number, source: Ipv6Address, destination: Ipv6Address, m: Dis, out: Output): void {
    const dio = this.currentDio();
    if (!dio || !this.joined) return; // a detached node has nothing to offer
    const si = findOption(m.options, RPL_OPTION_TYPE.SOLICITED_INFORMATION);
    if (si) {
      if (si.instanceIdPredicate && si.instanceId !== dio.instanceId) return;
      if (si.dodagIdPredicate && !addressesEqual(si.dodagId, dio.dodagId)) return;
      if (si.versionPredicate && si.version !== dio.version) return;
    }
    if (isMulticast(destination))
      this.trickle?.reset(now); // RFC 6550 §8.3
    else {
      out.send.push({ destination: source.slice(), message: dio });
      this.counters.dioSent++;
    }
  }

  private onDaoAck(now: number, m: DaoAck, out: Output): void {
    if (m.instanceId !== this.cfg.instanceId) return;
    const p = this.pending.get(m.sequence);
    if (!p) return; // not ours, or already settled
    this.pending.delete(m.sequence);
    if (m.status < DAO_ACK_STATUS.REJECT_MIN) {
      this.counters.daoAcked++;
      out.events.push({ kind: 'dao-acked', sequence: m.sequence, status: m.status });
    } else {
      // RFC 6550 §6.5.1: rejected. Try again later (e.g. our parent's own DAO was not in yet).
      this.counters.daoRejected++;
      out.events.push({ kind: 'dao-rejected', sequence: m.sequence, status: m.status });
      this.scheduleDao(now, this.cfg.daoAckTimeoutMs);
    }
  }

  /** Storing mode: a child's DAO (RFC 6550 §9.8, hop by hop). */
  private onDao(now: number, source: Ipv6Address, m: Dao, out: Output): void {
    const d = this.dodag;
    if (!d || d.mop === MOP.NON_STORING || m.instanceId !== this.cfg.instanceId || !this.joined) return;
    if (!isLinkLocalUnicast(source)) return;
    let status: number = DAO_ACK_STATUS.ACCEPT;
    if (this.parentKey === addressKey(source)) {
      status = DAO_ACK_STATUS.REJECT_MIN; // our parent cannot be our child: a loop
    } else {
      for (const g of daoGroups(m.options)) {
        const transit = g.transits[0];
        if (!transit) continue;
        for (const t of g.targets) {
          if (this.isOwnAddress(t.prefix)) continue;
          if (!this.applyStoringRoute(now, source, t.prefix, transit.pathSequence, transit.pathLifetime, out))
            status = DAO_ACK_STATUS.REJECT_MIN;
        }
      }
    }
    if (m.expectAck) {
      const ack: DaoAck = {
        kind: 'dao-ack',
        instanceId: m.instanceId,
        sequence: m.sequence,
        status,
        options: [],
      };
      if (m.dodagId) ack.dodagId = d.dodagId.slice();
      out.send.push({ destination: source.slice(), message: ack });
    }
  }

  private applyStoringRoute(
    now: number,
    source: Ipv6Address,
    target: Ipv6Address,
    pathSequence: number,
    pathLifetime: number,
    out: Output,
  ): boolean {
    const existing = this.routes.get(target);
    if (existing && lollipopCompare(pathSequence, existing.pathSequence) === -1) return true; // stale
    if (pathLifetime === 0) {
      if (existing?.nextHop && addressesEqual(existing.nextHop, source)) {
        this.routes.delete(target);
        out.events.push({ kind: 'route-removed', target: target.slice(), reason: 'no-path' });
        this.noPaths.set(addressKey(target), { target: target.slice(), pathSequence });
        this.scheduleDao(now);
      }
      return true;
    }
    if (!existing && this.routes.full) return false;
    const changed =
      !existing ||
      !existing.nextHop ||
      !addressesEqual(existing.nextHop, source) ||
      existing.pathSequence !== pathSequence;
    this.routes.set({
      target: target.slice(),
      nextHop: source.slice(),
      pathSequence,
      expiresAt: pathExpiry(now, pathLifetime, this.dodag!.params.lifetimeUnit),
      updatedAt: now,
    });
    this.noPaths.delete(addressKey(target));
    if (!existing || !existing.nextHop || !addressesEqual(existing.nextHop, source))
      out.events.push({
        kind: existing ? 'route-updated' : 'route-added',
        target: target.slice(),
        nextHop: source.slice(),
      });
    if (changed) this.scheduleDao(now); // RFC 6550 §9.8: new information travels up
    return true;
  }

  // ---- parent selection -------------------------------------------------------------------

  private parent(): Neighbour | undefined {
    return this.parentKey ? this.neighbours.get(this.parentKey) : undefined;
  }

  private globalOf(n: Neighbour): Ipv6Address | undefined {
    if (n.global) return n.global.slice();
    const p = this.dodag?.prefix;
    return p ? addressFromPrefixAndIid(p, n.linkLocal.subarray(8)) : undefined;
  }

  private neighbour(now: number, address: Ipv6Address): Neighbour {
    const k = addressKey(address);
    let n = this.neighbours.get(k);
    if (!n) {
      if (this.neighbours.size >= this.cfg.maxNeighbours) this.evictNeighbour();
      n = {
        linkLocal: address.slice(),
        rank: INFINITE_RANK,
        version: 0,
        dtsn: 0,
        lastHeard: now,
        etx: new EtxEstimate(this.cfg.initialEtx),
      };
      this.neighbours.set(k, n);
    }
    n.lastHeard = now;
    return n;
  }

  private evictNeighbour(): void {
    let oldest: [string, Neighbour] | undefined;
    for (const e of this.neighbours) {
      if (e[0] === this.parentKey) continue;
      if (!oldest || e[1].lastHeard < oldest[1].lastHeard) oldest = e;
    }
    if (oldest) this.neighbours.delete(oldest[0]);
  }

  /** Whether `n` may be a parent now, and the Rank and cost through it. */
  private evaluate(now: number, n: Neighbour, ceiling: number): { rank: number; cost: number } | undefined {
    const d = this.dodag!;
    const etx = n.etx.etxAt(now);
    if (n.dioAt === undefined || n.dioAt <= this.detachedAt) return undefined; // heard since we detached
    if (n.version !== d.version || n.rank >= INFINITE_RANK) return undefined;
    if (n.rank >= ceiling) return undefined; // only nodes above us: never one of our own descendants
    if (this.routes.get(this.globalOf(n) ?? n.linkLocal)) return undefined; // a storing-mode child
    const rank = d.of.rankVia(n.rank, etx);
    if (rank >= INFINITE_RANK) return undefined;
    // RFC 6550 §8.2.1: our Rank must be greater than every parent's (in DAGRank).
    if (dagRank(rank, d.params.minHopRankIncrease) <= dagRank(n.rank, d.params.minHopRankIncrease))
      return undefined;
    // RFC 6550 §8.2.2.4: never more than L + DAGMaxRankIncrease in one Version.
    if (
      this.lowestRank !== INFINITE_RANK &&
      d.params.maxRankIncrease > 0 &&
      rank > this.lowestRank + d.params.maxRankIncrease
    )
      return undefined;
    return { rank, cost: d.of.pathCost(n.rank, etx) };
  }

  private selectParent(now: number, out: Output): void {
    const d = this.dodag;
    if (!d || this.poisonUntil !== undefined) return;
    const current = this.parent();
    // Candidates must sit above the Rank we would have through our current parent (or our
    // current Rank), so a node never picks a node of its own sub-DODAG (RFC 6550 §8.2.2.4 intent).
    const viaCurrent = current ? this.evaluate(now, current, INFINITE_RANK) : undefined;
    const ceiling = this.joined ? Math.max(this.rankValue, viaCurrent?.rank ?? 0) : INFINITE_RANK;
    let best: { key: string; n: Neighbour; rank: number; cost: number } | undefined;
    for (const [key, n] of this.neighbours) {
      const e = key === this.parentKey ? viaCurrent : this.evaluate(now, n, ceiling);
      if (!e) continue;
      if (!best || e.cost < best.cost || (e.cost === best.cost && key === this.parentKey))
        best = { key, n, ...e };
    }
    if (!best) {
      if (this.joined) this.detach(now, out);
      return;
    }
    if (
      current &&
      viaCurrent &&
      best.key !== this.parentKey &&
      !d.of.shouldSwitch(viaCurrent.cost, best.cost)
    ) {
      best = { key: this.parentKey!, n: current, ...viaCurrent }; // hysteresis (RFC 6719 §3.2)
    }
    const wasJoined = this.joined;
    const previous = this.parentAddress;
    this.rankValue = best.rank;
    this.lowestRank = Math.min(this.lowestRank, best.rank);
    if (best.key === this.parentKey) return;
    this.parentKey = best.key;
    this.parentAddress = best.n.linkLocal.slice();
    this.parentDtsn = best.n.dtsn;
    this.scheduleDao(now); // RFC 6550 §9.6: a new parent triggers a new DAO
    if (!wasJoined) {
      this.disAt = undefined;
      this.disBackoff = this.cfg.disInitialMs;
      out.events.push({
        kind: 'joined',
        parent: best.n.linkLocal.slice(),
        rank: best.rank,
        version: d.version,
      });
      if (!this.trickle)
        this.trickle = new TrickleTimer(
          trickleConfigFromDio(
            d.params.dioIntervalMin,
            d.params.dioIntervalDoublings,
            d.params.dioRedundancyConstant,
          ),
          this.cfg.random,
        );
      this.trickle.reset(now);
    } else {
      this.counters.parentChanges++;
      out.events.push({
        kind: 'parent-changed',
        from: (previous ?? best.n.linkLocal).slice(),
        to: best.n.linkLocal.slice(),
        rank: best.rank,
      });
      this.trickle?.reset(now);
    }
  }

  /**
   * Local repair by detaching (RFC 6550 §8.2.2.5): advertise INFINITE_RANK for a hold-down so
   * children drop us, then look for a DODAG again with DIS.
   */
  private detach(now: number, out: Output): void {
    const d = this.dodag!;
    this.counters.detaches++;
    this.parentKey = undefined;
    this.parentAddress = undefined;
    this.rankValue = INFINITE_RANK;
    this.detachedAt = now;
    const imin = 2 ** d.params.dioIntervalMin;
    this.poisonUntil = now + 2 * imin;
    this.daoDueAt = undefined;
    this.refreshAt = undefined;
    this.pending.clear();
    for (const r of [...this.routes.values()]) this.routes.delete(r.target);
    this.noPaths.clear();
    out.events.push({ kind: 'detached', reason: 'no-parent' });
    const dio = this.currentDio();
    if (dio) {
      out.send.push({ destination: ALL_RPL_NODES.slice(), message: dio });
      this.counters.dioSent++;
    }
    this.trickle?.reset(now);
  }

  // ---- DAO ----------------------------------------------------------------------------------

  private scheduleDao(now: number, delay = this.cfg.daoDelayMs): void {
    const at = now + delay * (0.5 + 0.5 * this.cfg.random());
    this.daoDueAt = this.daoDueAt === undefined ? at : Math.min(this.daoDueAt, at);
  }

  private sendDaos(now: number, out: Output): void {
    const d = this.dodag;
    const parent = this.parent();
    const own = this.globalAddress;
    if (!d || !parent || !own) return;
    // Pending DAOs are superseded: their ACKs would only confirm older information.
    this.pending.clear();
    this.pathSequence = lollipopIncrement(this.pathSequence);
    const lifetime = d.params.defaultLifetime;
    const groups: RplOption[][] = [];
    if (d.mop === MOP.NON_STORING) {
      // RFC 6550 §9.7: to the root, Transit naming the parent's global address.
      groups.push([targetOption(own), transitOption(this.pathSequence, lifetime, this.globalOf(parent))]);
    } else {
      groups.push([targetOption(own), transitOption(this.pathSequence, lifetime, undefined)]);
      for (const r of this.routes.values()) {
        const left = Number.isFinite(r.expiresAt)
          ? Math.max(1, Math.min(0xfe, Math.ceil((r.expiresAt - now) / 1000 / d.params.lifetimeUnit)))
          : 0xff;
        groups.push([targetOption(r.target), transitOption(r.pathSequence, left, undefined)]);
      }
      for (const np of this.noPaths.values())
        groups.push([targetOption(np.target), transitOption(np.pathSequence, 0, undefined)]); // No-Path
      this.noPaths.clear();
    }
    const destination = d.mop === MOP.NON_STORING ? d.dodagId.slice() : parent.linkLocal.slice();
    const per = Math.max(1, this.cfg.maxTargetsPerDao);
    for (let i = 0; i < groups.length; i += per) {
      this.daoSequence = lollipopIncrement(this.daoSequence);
      const dao: Dao = {
        kind: 'dao',
        instanceId: d.instanceId,
        expectAck: true,
        sequence: this.daoSequence,
        options: groups.slice(i, i + per).flat(),
      };
      const send: RplSend = { destination, message: dao };
      if (d.mop === MOP.NON_STORING) send.nextHop = parent.linkLocal.slice();
      out.send.push(send);
      this.counters.daoSent++;
      this.pending.set(this.daoSequence, { send, attempts: 0, nextAt: now + this.cfg.daoAckTimeoutMs });
    }
    // Refresh before the path lifetime runs out: at 50–75 % of it.
    const lifetimeMs = lifetime * d.params.lifetimeUnit * 1000;
    this.refreshAt = lifetime === 0xff ? undefined : now + lifetimeMs * (0.5 + 0.25 * this.cfg.random());
  }

  private retransmitDaos(now: number, out: Output): void {
    for (const [seq, p] of this.pending) {
      if (p.nextAt > now) continue;
      if (p.attempts >= this.cfg.daoMaxRetransmissions) {
        this.pending.delete(seq);
        this.counters.daoFailed++;
        out.events.push({ kind: 'dao-failed', sequence: seq });
        this.scheduleDao(now, this.cfg.daoAckTimeoutMs * 4);
        continue;
      }
      p.attempts++;
      p.nextAt = now + this.cfg.daoAckTimeoutMs * 2 ** p.attempts;
      const send: RplSend = { destination: p.send.destination.slice(), message: p.send.message };
      const parent = this.parent();
      if (p.send.nextHop && parent) send.nextHop = parent.linkLocal.slice(); // follow a parent change
      out.send.push(send);
      this.counters.daoRetransmitted++;
    }
  }

  // ---- time ---------------------------------------------------------------------------------

  private output(): Output {
    return { send: [], timers: [], events: [] };
  }

  private finish(now: number, out: Output): Output {
    if (this.poisonUntil !== undefined && now >= this.poisonUntil) {
      this.poisonUntil = undefined;
      this.trickle?.stop();
      this.disAt = now;
      this.disBackoff = this.cfg.disInitialMs;
      this.selectParent(now, out); // fresh DIOs heard during the hold-down may already do
    }
    if (this.trickle?.running) {
      const due = this.trickle.deadline();
      if (due !== undefined && now >= due && this.trickle.expire(now)) {
        const dio = this.currentDio();
        if (dio) {
          out.send.push({ destination: ALL_RPL_NODES.slice(), message: dio });
          this.counters.dioSent++;
        }
      }
    }
    if (this.disAt !== undefined && now >= this.disAt && !this.joined && this.poisonUntil === undefined) {
      out.send.push({ destination: ALL_RPL_NODES.slice(), message: { kind: 'dis', options: [] } });
      this.counters.disSent++;
      this.disAt = now + this.disBackoff * (0.5 + 0.5 * this.cfg.random());
      this.disBackoff = Math.min(this.cfg.disMaxMs, this.disBackoff * 2);
    }
    if (this.joined) {
      const daoAt = Math.min(this.daoDueAt ?? Infinity, this.refreshAt ?? Infinity);
      if (now >= daoAt) {
        this.daoDueAt = undefined;
        this.sendDaos(now, out);
      }
      this.retransmitDaos(now, out);
    }
    for (const r of this.routes.expire(now)) {
      out.events.push({ kind: 'route-removed', target: r.target, reason: 'expired' });
      this.noPaths.set(addressKey(r.target), { target: r.target, pathSequence: r.pathSequence });
      if (this.joined) this.scheduleDao(now);
    }
    out.timers = this.timers();
    return out;
  }

  private timers(): RplTimer[] {
    const t: RplTimer[] = [];
    const trickle = this.trickle?.deadline();
    if (trickle !== undefined) t.push({ id: 'trickle', at: trickle });
    if (this.disAt !== undefined && !this.joined)
      t.push({ id: 'dis', at: Math.max(this.disAt, this.poisonUntil ?? 0) });
    if (this.joined) {
      const daoAt = Math.min(this.daoDueAt ?? Infinity, this.refreshAt ?? Infinity);
      if (Number.isFinite(daoAt)) t.push({ id: 'dao', at: daoAt });
      let retx = Infinity;
      for (const p of this.pending.values()) retx = Math.min(retx, p.nextAt);
      if (Number.isFinite(retx)) t.push({ id: 'dao-retransmit', at: retx });
    }
    const x = this.routes.nextExpiry();
    if (x !== undefined) t.push({ id: 'expiry', at: x });
    if (this.poisonUntil !== undefined) t.push({ id: 'repair', at: this.poisonUntil });
    return t;
  }

  // ---- used by forwarding.ts ---------------------------------------------------------------

  /** @internal Removes a storing-mode route after a forwarding error (RFC 6550 §11.2.2.3). */
  dropRoute(target: Ipv6Address): boolean {
    const r = this.routes.delete(target);
    if (r) this.counters.forwardingErrors++;
    return r !== undefined;
  }

  /** @internal */
  countRankError(): void {
    this.counters.rankErrors++;
  }
}
