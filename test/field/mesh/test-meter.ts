/**
 * A minimal meter stack for engine tests, assembled from the same sans-I/O parts the real
 * simulated meter uses (MeshLink + RplNode + LinkSync + forwardDecision); the full meter lives in
 * hardware/sim/node. It joins the DODAG, sends DAOs, forwards up and along source routes,
 * decapsulates IPv6-in-IPv6, answers echo requests, answers MLE and records PANA it receives.
 */
import { createNodeProvider } from '../../../src/stack/crypto/index.ts';
import {
  ALL_RPL_NODES,
  IP_PROTOCOL,
  decodePacket,
  encodePacket,
  eui64FromIid,
  findRplOption,
  isLinkLocalUnicast,
  isMulticast,
  linkLocalFromEui64,
  type Ipv6Address,
  type Ipv6Option,
  type Ipv6Packet,
} from '../../../src/stack/ipv6/index.ts';
import { BROADCAST, MeshLink, type LinkDestination } from '../../../src/stack/mesh-link/index.ts';
import { LinkSync, MLE_UDP_PORT, type LinkSyncOutput } from '../../../src/stack/mle/index.ts';
import { PANA_UDP_PORT } from '../../../src/stack/pana/index.ts';
import {
  RplNode,
  forwardDecision,
  rplFromIcmpv6,
  rplToIcmpv6,
  type RplNodeEvent,
  type RplOutput,
  type RplTimerId,
} from '../../../src/stack/rpl/index.ts';
import { Random } from '../../../hardware/sim/random.ts';
import type { EngineTimerHandle } from '../../../src/field/mesh/index.ts';
import { FCS_LENGTH, MAX_PSDU, type BusRadio, type RadioBus } from './radio-bus.ts';

const crypto = createNodeProvider();

export class TestMeter {
  readonly link: MeshLink;
  readonly rpl: RplNode;
  readonly sync: LinkSync;
  readonly linkLocal: Ipv6Address;
  /** Datagrams delivered to this meter's upper layers (after decapsulation). */
  readonly delivered: Ipv6Packet[] = [];
  readonly rplEvents: RplNodeEvent[] = [];
  readonly forwardDrops: string[] = [];
  private readonly radio: BusRadio;
  private readonly timers = new Map<RplTimerId, EngineTimerHandle>();

  constructor(
    private readonly bus: RadioBus,
    readonly eui: bigint,
    meshPrefix: Uint8Array,
    seed: string,
  ) {
    const random = new Random(seed);
    const bytes = (n: number): Uint8Array =>
      Uint8Array.from({ length: n }, () => Math.floor(random.uniform() * 256));
    this.link = new MeshLink({
      crypto,
      extendedAddress: eui,
      panId: 0x7a3c,
      meshPrefix,
      maxPsdu: MAX_PSDU,
      fcsLength: FCS_LENGTH,
      randomBytes: bytes,
    });
    this.linkLocal = linkLocalFromEui64(eui);
    this.rpl = new RplNode({ linkLocal: this.linkLocal, random: () => random.uniform() });
    this.sync = new LinkSync({ crypto, link: this.link, extendedAddress: eui, randomBytes: bytes });
    this.radio = bus.attach(eui);
    this.radio.onFrame((f) => this.onFrame(f.psdu, f.rssiDbm, f.lqi));
  }

  get global(): Ipv6Address | undefined {
    return this.rpl.globalAddress;
  }

  /** The network key, as PANA would have delivered it. */
  giveKey(index: number, key: Uint8Array): void {
    this.link.installNetworkKey(index, key, this.bus.clock.now());
    this.link.activate(index, this.bus.clock.now());
  }

  start(): void {
    this.applyRpl(this.rpl.start(this.bus.clock.now()));
  }

  /** Sends a datagram this meter originates, routed as RPL says (up to the parent, with the RPL Option). */
  originate(p: Ipv6Packet): void {
    const d = forwardDecision(this.rpl, {
      source: p.source,
      destination: p.destination,
      hopLimit: p.hopLimit,
    });
    if (d.action !== 'forward') {
      this.forwardDrops.push(d.action === 'drop' ? d.reason : 'deliver');
      return;
    }
    const out: Ipv6Packet = { ...p, destination: d.destination };
    if (d.rpl) out.hopByHop = [{ kind: 'rpl', rpl: d.rpl }];
    this.send(out, eui64FromIid(d.nextHop.subarray(8)), true);
  }

  /** Sends raw bytes on the link (for negative tests). */
  sendRaw(p: Ipv6Packet, to: LinkDestination, secure: boolean): Uint8Array[] {
    const r = this.link.send(this.bus.clock.now(), encodePacket(p), to, { secure });
    if (!r.ok) throw new Error(`meter send failed: ${r.reason}`);
    for (const psdu of r.psdus) void this.radio.transmit(psdu);
    return r.psdus;
  }

  private send(p: Ipv6Packet, to: LinkDestination, secure: boolean): void {
    const r = this.link.send(this.bus.clock.now(), encodePacket(p), to, { secure });
    if (!r.ok) {
      this.forwardDrops.push(`send:${r.reason}`);
      return;
    }
    for (const psdu of r.psdus) void this.radio.transmit(psdu);
  }

  private onFrame(psdu: Uint8Array, rssi: number, lqi: number): void {
    const now = this.bus.clock.now();
    const r = this.link.receive(now, psdu, { rssi, lqi });
    if (r.kind !== 'datagram') return;
    const p = r.packet;
    const u = p.upper;
    if (u.kind === 'udp' && u.datagram.destinationPort === MLE_UDP_PORT) {
      this.applySync(
        this.sync.receive(now, {
          payload: u.datagram.payload,
          ipv6Source: p.source,
          ipv6Destination: p.destination,
          macSource: r.link.source,
          hopLimit: p.hopLimit,
        }),
      );
      return;
    }
    if (u.kind === 'udp' && u.datagram.destinationPort === PANA_UDP_PORT) {
      this.delivered.push(p);
      return;
    }
    if (u.kind === 'icmpv6' && u.message.kind === 'rpl') {
      if (isMulticast(p.destination) || this.rpl.isOwnAddress(p.destination)) {
        this.applyRpl(
          this.rpl.handle(now, {
            kind: 'message',
            source: p.source,
            destination: p.destination,
            message: rplFromIcmpv6(u.message),
            link: { address: r.link.source, rssi, lqi },
          }),
        );
        return;
      }
    }
    if (isMulticast(p.destination)) return;
    const from = linkLocalFromEui64(r.link.source);
    const rplOption = p.hopByHop ? findRplOption(p.hopByHop) : undefined;
    const d = forwardDecision(this.rpl, {
      source: p.source,
      destination: p.destination,
      hopLimit: p.hopLimit,
      ...(rplOption ? { rpl: rplOption } : {}),
      ...(p.routing ? { routing: p.routing } : {}),
      from,
    });
    if (d.action === 'drop') {
      this.forwardDrops.push(d.reason);
      return;
    }
    if (d.action === 'deliver') {
      this.deliver(p);
      return;
    }
    const out: Ipv6Packet = { ...p, destination: d.destination, hopLimit: p.hopLimit - 1 };
    const others: Ipv6Option[] = (p.hopByHop ?? []).filter((o) => o.kind !== 'rpl');
    const hbh = d.rpl ? [...others, { kind: 'rpl' as const, rpl: d.rpl }] : others;
    if (hbh.length > 0) out.hopByHop = hbh;
    else delete out.hopByHop;
    if (d.routing) out.routing = d.routing;
    this.send(out, eui64FromIid(d.nextHop.subarray(8)), true);
  }

  private deliver(p: Ipv6Packet): void {
    if (p.upper.kind === 'raw' && p.upper.nextHeader === IP_PROTOCOL.IPV6) {
      // RFC 2473 §3: the tunnel exit point processes the inner packet as if just received.
      const inner = decodePacket(p.upper.bytes);
      if (this.rpl.isOwnAddress(inner.destination)) this.deliver(inner);
      else this.forwardDrops.push('tunnel-not-for-me');
      return;
    }
    this.delivered.push(p);
    if (p.upper.kind === 'icmpv6' && p.upper.message.kind === 'echo-request') {
      const m = p.upper.message;
      this.originate({
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: 64,
        source: p.destination,
        destination: p.source,
        upper: {
          kind: 'icmpv6',
          message: { kind: 'echo-reply', identifier: m.identifier, sequence: m.sequence, data: m.data },
        },
      });
    }
  }

  private applySync(out: LinkSyncOutput[]): void {
    for (const o of out) {
      if (o.kind === 'send') this.send(LinkSync.packet(o), o.linkDestination, false);
    }
  }

  private applyRpl(out: RplOutput<RplNodeEvent>): void {
    for (const s of out.send) {
      const multicast = isMulticast(s.destination);
      const ll = multicast || isLinkLocalUnicast(s.destination);
      const source = ll ? this.linkLocal : this.global;
      if (!source) continue;
      const p: Ipv6Packet = {
        trafficClass: 0,
        flowLabel: 0,
        hopLimit: ll ? 255 : 64,
        source,
        destination: s.destination,
        upper: { kind: 'icmpv6', message: rplToIcmpv6(s.message) },
      };
      if (multicast) this.send({ ...p, destination: ALL_RPL_NODES }, BROADCAST, true);
      else if (s.nextHop) this.send(p, eui64FromIid(s.nextHop.subarray(8)), true);
      else if (ll) this.send(p, eui64FromIid(s.destination.subarray(8)), true);
      else this.originate(p);
    }
    this.rplEvents.push(...out.events);
    const keep = new Set(out.timers.map((t) => t.id));
    for (const [id, h] of this.timers) {
      if (!keep.has(id)) {
        this.bus.clock.cancel(h as never);
        this.timers.delete(id);
      }
    }
    for (const t of out.timers) {
      const old = this.timers.get(t.id);
      if (old && old.dueMs === t.at) continue;
      if (old) this.bus.clock.cancel(old as never);
      this.timers.set(
        t.id,
        this.bus.clock.scheduleAt(t.at, () => {
          this.timers.delete(t.id);
          this.applyRpl(this.rpl.handle(this.bus.clock.now(), { kind: 'timer', id: t.id }));
        }),
      );
    }
  }
}
