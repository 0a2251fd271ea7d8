/**
 * A small virtual-time mesh for RPL role tests: one RplRoot and RplNodes joined by a
 * configurable neighbour graph (ideal or lossy links), messages delivered after a fixed delay,
 * timers fired in time order, every loop bounded. Multi-hop unicasts are forwarded hop by hop
 * with forwardDecision (upwards with the RPL Option, downwards with a source route or storing
 * routes), so the tests exercise the roles' forwarding as well.
 */
import {
  ALL_RPL_NODES,
  addressFromPrefixAndIid,
  addressesEqual,
  formatIpv6Address,
  isLinkLocalUnicast,
  isMulticast,
  parseIpv6Address,
  type Ipv6Address,
  type RplOptionData,
  type SourceRouteHeader,
} from '../../../src/stack/ipv6/index.ts';
import {
  MOP,
  RplNode,
  RplRoot,
  forwardDecision,
  linkLocalFor,
  sourceRouteFor,
  type RplInput,
  type RplMessage,
  type RplNodeConfig,
  type RplNodeEvent,
  type RplOutput,
  type RplRootConfig,
  type RplRootEvent,
  type RplTimerId,
} from '../../../src/stack/rpl/index.ts';
import { Random } from '../../../hardware/sim/random.ts';

export const PREFIX = parseIpv6Address('2001:db8:1::');
export const LINK_DELAY_MS = 5;
const MAC_MAX_ATTEMPTS = 4;

export function iid(index: number): Uint8Array {
  return Uint8Array.of(0x02, 0, 0, 0, 0, 0, index >> 8, index & 0xff);
}
export function linkLocalOf(index: number): Ipv6Address {
  return addressFromPrefixAndIid(parseIpv6Address('fe80::'), iid(index));
}
export function globalOf(index: number): Ipv6Address {
  return addressFromPrefixAndIid(PREFIX, iid(index));
}

interface Link {
  loss: number;
  /** Transmissions reported to the sender for an acknowledged frame (drives ETX). */
  transmissions: number;
}

interface Endpoint {
  name: string;
  index: number;
  ll: Ipv6Address;
  timers: Map<RplTimerId, number>;
  alive: boolean;
}

export interface Delivery {
  at: number;
  from: string;
  to: string;
  source: Ipv6Address;
  destination: Ipv6Address;
  message: RplMessage;
  /** Names of the nodes an end-to-end unicast went through (sender … receiver). */
  path: string[];
}

export interface MeshOptions {
  seed: string;
  root?: Partial<Omit<RplRootConfig, 'dodagId' | 'linkLocal' | 'random'>>;
  node?: Partial<Omit<RplNodeConfig, 'linkLocal' | 'random'>>;
}

export class Mesh {
  now = 0;
  readonly root: RplRoot;
  readonly rootEnd: Endpoint;
  readonly nodes = new Map<string, RplNode>();
  readonly ends = new Map<string, Endpoint>();
  readonly rootEvents: RplRootEvent[] = [];
  readonly nodeEvents = new Map<string, RplNodeEvent[]>();
  /** Every end-to-end delivery, for assertions. */
  readonly delivered: Delivery[] = [];
  readonly dropped: { at: number; reason: string; from: string }[] = [];
  private readonly links = new Map<string, Link>();
  private queue: { at: number; seq: number; run: () => void }[] = [];
  private seq = 0;
  private readonly rng: Random;

  constructor(private readonly opts: MeshOptions) {
    this.rng = new Random(opts.seed);
    const rootRandom = this.rng.fork('root');
    this.root = new RplRoot({
      dodagId: globalOf(0),
      linkLocal: linkLocalOf(0),
      random: () => rootRandom.uniform(),
      ...opts.root,
    });
    this.rootEnd = { name: 'root', index: 0, ll: linkLocalOf(0), timers: new Map(), alive: true };
    this.ends.set('root', this.rootEnd);
  }

  addNode(name: string, index: number): RplNode {
    const r = this.rng.fork(name);
    const node = new RplNode({ linkLocal: linkLocalOf(index), random: () => r.uniform(), ...this.opts.node });
    this.nodes.set(name, node);
    this.ends.set(name, { name, index, ll: linkLocalOf(index), timers: new Map(), alive: true });
    this.nodeEvents.set(name, []);
    return node;
  }

  node(name: string): RplNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  end(name: string): Endpoint {
    const e = this.ends.get(name);
    if (!e) throw new Error(`no endpoint ${name}`);
    return e;
  }

  link(a: string, b: string, link: Partial<Link> = {}): void {
    const l = { loss: 0, transmissions: 1, ...link };
    this.links.set(`${a}|${b}`, l);
    this.links.set(`${b}|${a}`, l);
  }

  unlink(a: string, b: string): void {
    this.links.delete(`${a}|${b}`);
    this.links.delete(`${b}|${a}`);
  }

  neighboursOf(name: string): string[] {
    const out: string[] = [];
    for (const k of this.links.keys()) {
      const [a, b] = k.split('|') as [string, string];
      if (a === name) out.push(b);
    }
    return out;
  }

  /** Stops a node: it no longer runs timers or receives anything. */
  kill(name: string): void {
    this.end(name).alive = false;
  }

  byLinkLocal(a: Ipv6Address): Endpoint | undefined {
    for (const e of this.ends.values()) if (addressesEqual(e.ll, a)) return e;
    return undefined;
  }

  byAddress(a: Ipv6Address): Endpoint | undefined {
    for (const e of this.ends.values())
      if (addressesEqual(e.ll, a) || addressesEqual(globalOf(e.index), a)) return e;
    return undefined;
  }

  start(): void {
    this.apply('root', this.root.start(this.now));
    for (const [name, n] of this.nodes) this.apply(name, n.start(this.now));
  }

  /** Feeds an input to an endpoint now and applies the output. */
  input(name: string, input: RplInput): void {
    if (name === 'root') this.apply('root', this.root.handle(this.now, input));
    else this.apply(name, this.node(name).handle(this.now, input));
  }

  apply(name: string, out: RplOutput<RplRootEvent> | RplOutput<RplNodeEvent>): void {
    const e = this.end(name);
    e.timers = new Map(out.timers.map((t) => [t.id, t.at]));
    if (name === 'root') this.rootEvents.push(...(out.events as RplRootEvent[]));
    else this.nodeEvents.get(name)!.push(...(out.events as RplNodeEvent[]));
    for (const s of out.send) this.transmit(name, s.destination, s.message, s.nextHop);
  }

  private schedule(at: number, run: () => void): void {
    this.queue.push({ at, seq: this.seq++, run });
  }

  private lost(link: Link): boolean {
    return link.loss > 0 && this.rng.uniform() < link.loss;
  }

  private rplAt(name: string): RplNode | undefined {
    return name === 'root' ? undefined : this.nodes.get(name);
  }

  private transmit(from: string, destination: Ipv6Address, message: RplMessage, nextHop?: Ipv6Address): void {
    const sender = this.end(from);
    if (isMulticast(destination)) {
      for (const to of this.neighboursOf(from)) {
        const link = this.links.get(`${from}|${to}`)!;
        if (this.lost(link)) continue;
        this.schedule(this.now + LINK_DELAY_MS, () =>
          this.deliver({ at: 0, from, to, source: sender.ll, destination, message, path: [from, to] }),
        );
      }
      return;
    }
    const source = isLinkLocalUnicast(destination) ? sender.ll : globalOf(sender.index);
    if (from === 'root' && !isLinkLocalUnicast(destination) && this.root.mop === MOP.NON_STORING) {
      // the root's router adds the source route (RFC 6554 §4.1)
      const r = this.root.sourceRoute(destination);
      if (!r.ok) {
        this.dropped.push({ at: this.now, reason: `no source route: ${r.reason}`, from });
        return;
      }
      const sr = sourceRouteFor(r.hops);
      this.linkSend(
        from,
        linkLocalFor(sr.destination),
        source,
        sr.destination,
        message,
        [from],
        sr.routing,
        undefined,
        64,
      );
      return;
    }
    if (from === 'root' && !isLinkLocalUnicast(destination)) {
      const nh = this.root.nextHop(destination);
      if (!nh) {
        this.dropped.push({ at: this.now, reason: 'no storing route', from });
        return;
      }
      this.linkSend(from, nh, source, destination, message, [from], undefined, undefined, 64);
      return;
    }
    const first = nextHop ?? destination;
    this.linkSend(from, first, source, destination, message, [from], undefined, undefined, 64);
  }

  /** One link-layer unicast; reports the result to a node sender as link-tx. */
  private linkSend(
    from: string,
    to: Ipv6Address,
    source: Ipv6Address,
    destination: Ipv6Address,
    message: RplMessage,
    path: string[],
    routing: Omit<SourceRouteHeader, 'nextHeader'> | undefined,
    rpl: RplOptionData | undefined,
    hopLimit: number,
  ): void {
    const target = this.byLinkLocal(to);
    const link = target ? this.links.get(`${from}|${target.name}`) : undefined;
    // link-layer retries as 802.15.4 does (macMaxFrameRetries 3): up to 4 attempts
    let attempts = 0;
    let ok = false;
    while (!ok && attempts < MAC_MAX_ATTEMPTS) {
      attempts++;
      ok = !!target && !!link && target.alive && !this.lost(link);
    }
    const node = this.rplAt(from);
    if (node && this.end(from).alive) {
      const transmissions = ok ? attempts - 1 + link!.transmissions : attempts;
      this.apply(from, node.handle(this.now, { kind: 'link-tx', neighbour: to, acked: ok, transmissions }));
    }
    if (!ok || !target) {
      this.dropped.push({ at: this.now, reason: 'link', from });
      return;
    }
    this.schedule(this.now + LINK_DELAY_MS, () =>
      this.hop(
        target.name,
        source,
        destination,
        message,
        [...path, target.name],
        routing,
        rpl,
        hopLimit - 1,
        from,
      ),
    );
  }

  /** A unicast packet at `at` (current holder): deliver or forward. */
  private hop(
    at: string,
    source: Ipv6Address,
    destination: Ipv6Address,
    message: RplMessage,
    path: string[],
    routing: Omit<SourceRouteHeader, 'nextHeader'> | undefined,
    rpl: RplOptionData | undefined,
    hopLimit: number,
    cameFrom?: string,
  ): void {
    const e = this.end(at);
    if (!e.alive) return;
    if (at === 'root') {
      const own = addressesEqual(destination, globalOf(0)) || addressesEqual(destination, linkLocalOf(0));
      if (own) this.deliver({ at: 0, from: path[0]!, to: at, source, destination, message, path });
      else this.dropped.push({ at: this.now, reason: 'root: not for the root', from: at });
      return;
    }
    const node = this.node(at);
    const isOrigin = path.length === 1;
    const d = forwardDecision(node, {
      source,
      destination,
      hopLimit,
      ...(rpl ? { rpl } : {}),
      ...(routing ? { routing } : {}),
      ...(!isOrigin && cameFrom ? { from: this.end(cameFrom).ll } : {}),
    });
    if (!isOrigin && d.action === 'deliver') {
      this.deliver({ at: 0, from: path[0]!, to: at, source, destination, message, path });
      return;
    }
    if (d.action === 'drop') {
      this.dropped.push({ at: this.now, reason: d.reason, from: at });
      return;
    }
    if (d.action === 'deliver') return;
    this.linkSend(at, d.nextHop, source, d.destination, message, path, d.routing, d.rpl, hopLimit);
  }

  private deliver(d: Delivery): void {
    const e = this.end(d.to);
    if (!e.alive) return;
    d.at = this.now;
    this.delivered.push(d);
    const input: RplInput = {
      kind: 'message',
      source: d.source,
      destination: d.destination,
      message: d.message,
    };
    if (d.to === 'root') this.apply('root', this.root.handle(this.now, input));
    else this.apply(d.to, this.node(d.to).handle(this.now, input));
  }

  /** Advances virtual time to `until`, processing messages and timers in order. */
  run(until: number, maxSteps = 200_000): void {
    for (let step = 0; step < maxSteps; step++) {
      let next = Infinity;
      for (const q of this.queue) next = Math.min(next, q.at);
      let timerEnd: Endpoint | undefined;
      let timerId: RplTimerId | undefined;
      for (const e of this.ends.values()) {
        if (!e.alive) continue;
        for (const [id, at] of e.timers) {
          if (at < next) {
            next = at;
            timerEnd = e;
            timerId = id;
          }
        }
      }
      if (next > until) {
        this.now = until;
        return;
      }
      this.now = Math.max(this.now, next);
      const qi = this.queue.findIndex((q) => q.at === next);
      if (qi >= 0 && !timerEnd) {
        this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const q = this.queue.shift()!;
        q.run();
        continue;
      }
      if (timerEnd && timerId) {
        timerEnd.timers.delete(timerId);
        this.input(timerEnd.name, { kind: 'timer', id: timerId });
      }
    }
    throw new Error(`mesh did not reach t=${until} within ${maxSteps} steps (now ${this.now})`);
  }

  eventsOf(name: string): RplNodeEvent[] {
    return this.nodeEvents.get(name) ?? [];
  }

  /** Name of the endpoint a node's preferred parent is. */
  parentName(name: string): string | undefined {
    const p = this.node(name).preferredParent;
    return p ? this.byLinkLocal(p)?.name : undefined;
  }

  static text(a: Ipv6Address): string {
    return formatIpv6Address(a);
  }
}

export { ALL_RPL_NODES };

/** Line: root – L1 – L2 – … – Ln. */
export function addLine(mesh: Mesh, count: number, firstIndex: number, prefix = 'L'): string[] {
  const names: string[] = [];
  let prev = 'root';
  for (let i = 1; i <= count; i++) {
    const name = `${prefix}${i}`;
    mesh.addNode(name, firstIndex + i - 1);
    mesh.link(prev, name);
    names.push(name);
    prev = name;
  }
  return names;
}

/** rows × cols grid with 4-neighbour links; the root hears grid nodes (0,0) and (0,1). */
export function addGrid(mesh: Mesh, rows: number, cols: number, firstIndex: number): string[] {
  const names: string[] = [];
  const name = (r: number, c: number) => `G${r}${c}`;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      mesh.addNode(name(r, c), firstIndex + r * cols + c);
      names.push(name(r, c));
    }
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) mesh.link(name(r, c), name(r, c + 1));
      if (r + 1 < rows) mesh.link(name(r, c), name(r + 1, c));
    }
  mesh.link('root', name(0, 0));
  mesh.link('root', name(0, 1));
  return names;
}
