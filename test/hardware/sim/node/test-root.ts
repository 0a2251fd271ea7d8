/**
 * A minimal mesh root for the simulated-meter tests (the tool's real root lives in src/field/mesh):
 * RplRoot + MeshLink + PanaRelay + LinkSync on a RadioMac at the tablet's node, join beacons, and
 * an in-process PAA with an EAP-PSK server (the "key server", reached directly: no VPN). Packets to
 * the PAA's address are handed to the PAA; the PAA's answers to meter relays go down the mesh
 * with source routes (RFC 6554), its answers to the root's own relay go to that relay.
 */
import type { Scheduler } from '../../../../hardware/sim/clock/index.ts';
import { RadioMac } from '../../../../hardware/sim/medium/index.ts';
import {
  RadioPort,
  Wakeup,
  type Datagram,
  type SimulatedField,
} from '../../../../hardware/sim/node/index.ts';
import type { Random } from '../../../../hardware/sim/random.ts';
import type { CryptoProvider } from '../../../../src/stack/crypto/index.ts';
import { createEapPskServer } from '../../../../src/stack/eap/index.ts';
import {
  addressFromPrefixAndIid,
  addressesEqual,
  eui64FromIid,
  iidFromEui64,
  isLinkLocalUnicast,
  isMulticast,
  linkLocalFromEui64,
  type Ipv6Address,
  type Ipv6Packet,
} from '../../../../src/stack/ipv6/index.ts';
import { BROADCAST, MeshLink, type LinkDestination } from '../../../../src/stack/mesh-link/index.ts';
import { joinBeaconPacket } from '../../../../src/stack/mesh-link/join-beacon.ts';
import { LinkSync, MLE_UDP_PORT, type LinkSyncOutput } from '../../../../src/stack/mle/index.ts';
import {
  PANA_UDP_PORT,
  PanaPaa,
  PanaRelay,
  panaEndpoint,
  type NetworkKey,
  type PanaDatagram,
  type PanaOutput,
  type PanaPaaEvent,
} from '../../../../src/stack/pana/index.ts';
import {
  rplFromIcmpv6,
  rplToIcmpv6,
  RplRoot,
  sourceRouteFor,
  type RplOutput,
  type RplRootEvent,
  type RplSend,
  type RplTimer,
} from '../../../../src/stack/rpl/index.ts';

export interface TestRootOptions {
  scheduler: Scheduler;
  field: SimulatedField;
  crypto: CryptoProvider;
  random: Random;
  meshPrefix: Uint8Array;
  paaAddress: Uint8Array;
  networkKey: NetworkKey;
  /** The key server's PSK lookup by ID_P. */
  lookupPsk: (idP: Uint8Array) => Uint8Array | undefined;
  beaconIntervalMs?: number;
}

export class TestRoot {
  readonly global: Ipv6Address;
  readonly linkLocal: Ipv6Address;
  readonly eui64: bigint;
  readonly rpl: RplRoot;
  readonly paa: PanaPaa;
  readonly link: MeshLink;
  readonly paaEvents: { at: number; event: PanaPaaEvent }[] = [];
  readonly echoReplies: { at: number; from: Ipv6Address; sequence: number }[] = [];
  echoRequestsAnswered = 0;
  /** UDP datagrams to the root's global address on ports other than PANA/MLE. */
  readonly udpReceived: { at: number; from: Ipv6Address; sourcePort: number; payload: Uint8Array }[] = [];
  /** PRYs that reached the PAA, by the relay's address (hex) that sent them. */
  readonly pryBySender = new Map<string, number>();
  readonly drops = { noSourceRoute: 0, sendFailures: 0 };
  private readonly port: RadioPort;
  private readonly relay: PanaRelay;
  private readonly linkSync: LinkSync;
  private readonly wakeup: Wakeup;
  private keys: { current: NetworkKey; next?: NetworkKey };
  private rplTimers: RplTimer[] = [];
  private beaconAt: number | undefined;

  constructor(private readonly o: TestRootOptions) {
    const field = o.field;
    this.eui64 = field.tabletEui64;
    this.global = addressFromPrefixAndIid(o.meshPrefix.subarray(0, 8), iidFromEui64(this.eui64));
    this.linkLocal = linkLocalFromEui64(this.eui64);
    const randomBytes = (n: number): Uint8Array => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = o.random.nextUint32() & 0xff;
      return out;
    };
    this.link = new MeshLink({
      crypto: o.crypto,
      extendedAddress: this.eui64,
      panId: field.panId,
      meshPrefix: o.meshPrefix,
      maxPsdu: 255,
      fcsLength: 4,
      randomBytes,
    });
    this.keys = { current: { key: o.networkKey.key.slice(), index: o.networkKey.index } };
    this.link.installNetworkKey(o.networkKey.index, o.networkKey.key, o.scheduler.now());
    this.link.activate(o.networkKey.index, o.scheduler.now());
    const mac = new RadioMac(field.medium, field.tabletNodeId, {}, o.random.fork('root-mac'));
    this.port = new RadioPort(o.scheduler, field.medium, mac, field.directory);
    this.port.powerOn(this.link);
    this.port.onDatagram = (now, d) => this.onDatagram(now, d);
    this.rpl = new RplRoot({
      dodagId: this.global,
      linkLocal: this.linkLocal,
      random: () => o.random.uniform(),
    });
    this.relay = new PanaRelay({ paa: panaEndpoint(o.paaAddress) });
    this.paa = new PanaPaa({
      crypto: o.crypto,
      random: randomBytes,
      createEapServer: () =>
        createEapPskServer({
          crypto: o.crypto,
          idS: new TextEncoder().encode('keyserver.fieldroot.test'),
          lookupPsk: o.lookupPsk,
          random: randomBytes,
        }),
      networkKeys: () => this.keys,
      sessionLifetime: 86_400,
    });
    this.linkSync = new LinkSync({
      crypto: o.crypto,
      link: this.link,
      extendedAddress: this.eui64,
      randomBytes,
    });
    this.wakeup = new Wakeup(o.scheduler, () => this.onWakeup());
  }

  start(): void {
    const now = this.o.scheduler.now();
    this.handleRpl(now, this.rpl.start(now));
    this.beaconAt = now;
    this.rearm();
  }

  /** Announces the next network key (PNR with it to every open session). */
  announceKey(key: NetworkKey): void {
    const now = this.o.scheduler.now();
    this.keys = { current: this.keys.current, next: { key: key.key.slice(), index: key.index } };
    this.link.installNetworkKey(key.index, key.key, now);
    this.linkSync.forgetKey(key.index);
    this.handlePaa(now, this.paa.rekeyAll(now));
  }

  /** Makes the announced key current here and at every meter (PNR confirming it). */
  activateAnnouncedKey(): void {
    const now = this.o.scheduler.now();
    const next = this.keys.next;
    if (!next) throw new Error('no key announced');
    this.keys = { current: next };
    this.link.activate(next.index, now);
    this.handlePaa(now, this.paa.rekeyAll(now));
  }

  ping(target: Ipv6Address, sequence: number): boolean {
    return this.sendDown({
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 64,
      source: this.global,
      destination: target.slice(),
      upper: {
        kind: 'icmpv6',
        message: { kind: 'echo-request', identifier: 7, sequence, data: new Uint8Array(8) },
      },
    });
  }

  /** A UDP datagram from the root's global address down the mesh (e.g. ECHONET Lite to 3610). */
  sendUdp(target: Ipv6Address, port: number, payload: Uint8Array): boolean {
    return this.sendDown(udp(this.global, target, port, port, payload, 64));
  }

  // ---- timers --------------------------------------------------------------------------------

  private rearm(): void {
    const ds = [
      this.paa.nextDeadline(),
      this.linkSync.nextDeadline(),
      this.beaconAt,
      ...this.rplTimers.map((t) => t.at),
    ];
    let min: number | undefined;
    for (const d of ds) if (d !== undefined && (min === undefined || d < min)) min = d;
    this.wakeup.arm(min);
  }

  private onWakeup(): void {
    const now = this.o.scheduler.now();
    this.handlePaa(now, this.paa.poll(now));
    this.handleLinkSync(this.linkSync.poll(now));
    for (const t of this.rplTimers.filter((t) => t.at <= now))
      this.handleRpl(now, this.rpl.handle(now, { kind: 'timer', id: t.id }));
    if (this.beaconAt !== undefined && now >= this.beaconAt) {
      this.beaconAt = now + (this.o.beaconIntervalMs ?? 20_000) * (0.5 + 0.5 * this.o.random.uniform());
      this.transmit(
        joinBeaconPacket({
          source: this.eui64,
          panId: this.link.panId,
          permitJoin: true,
          meshPrefix: this.o.meshPrefix,
          paaAddress: this.o.paaAddress,
        }),
        BROADCAST,
        false,
      );
    }
    this.rearm();
  }

  // ---- outputs -------------------------------------------------------------------------------

  private handleRpl(now: number, out: RplOutput<RplRootEvent>): void {
    this.rplTimers = out.timers;
    for (const s of out.send) this.sendRpl(s);
    void now;
  }

  private sendRpl(s: RplSend): void {
    const linkScope = isMulticast(s.destination) || isLinkLocalUnicast(s.destination);
    const packet: Ipv6Packet = {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: linkScope ? 255 : 64,
      source: linkScope ? this.linkLocal : this.global,
      destination: s.destination.slice(),
      upper: { kind: 'icmpv6', message: rplToIcmpv6(s.message) },
    };
    if (isMulticast(s.destination)) this.transmit(packet, BROADCAST, true);
    else if (isLinkLocalUnicast(s.destination))
      this.transmit(packet, eui64FromIid(s.destination.subarray(8)), true);
    else this.sendDown(packet);
  }

  private handlePaa(now: number, out: PanaOutput<PanaPaaEvent>): void {
    for (const e of out.events) this.paaEvents.push({ at: now, event: e });
    for (const d of out.send) this.fromPaa(d);
  }

  private fromPaa(d: PanaDatagram): void {
    if (addressesEqual(d.to.address, this.global)) {
      const r = this.relay.handle(panaEndpoint(this.o.paaAddress), d.bytes);
      if ('send' in r) this.sendPanaLinkLocal(r.send);
      return;
    }
    this.sendDown(udp(this.o.paaAddress, d.to.address, PANA_UDP_PORT, d.to.port, d.bytes, 64));
  }

  private sendPanaLinkLocal(d: PanaDatagram): void {
    this.transmit(
      udp(this.linkLocal, d.to.address, PANA_UDP_PORT, d.to.port, d.bytes, 255),
      eui64FromIid(d.to.address.subarray(8)),
      false,
    );
  }

  private handleLinkSync(out: LinkSyncOutput[]): void {
    for (const o of out) if (o.kind === 'send') this.transmit(LinkSync.packet(o), o.linkDestination, false);
  }

  /** Non-storing downward routing: a source route from the DAO parents (RFC 6550 §9.7, RFC 6554). */
  private sendDown(packet: Ipv6Packet): boolean {
    const route = this.rpl.sourceRoute(packet.destination);
    if (!route.ok) {
      this.drops.noSourceRoute++;
      return false;
    }
    const { destination, routing } = sourceRouteFor(route.hops);
    const out: Ipv6Packet = { ...packet, destination };
    if (routing) out.routing = routing;
    return this.transmit(out, eui64FromIid(destination.subarray(8)), true);
  }

  private transmit(packet: Ipv6Packet, nextHop: LinkDestination, secure: boolean): boolean {
    const failure = this.port.send(packet, nextHop, secure);
    if (failure) this.drops.sendFailures++;
    return failure === undefined;
  }

  // ---- input ---------------------------------------------------------------------------------

  private onDatagram(now: number, d: Datagram): void {
    const p = d.packet;
    const u = p.upper;
    if (addressesEqual(p.destination, this.o.paaAddress)) {
      // The "VPN": straight to the key server.
      if (u.kind === 'udp' && u.datagram.destinationPort === PANA_UDP_PORT && d.link.secured) {
        const key = Buffer.from(p.source).toString('hex');
        this.pryBySender.set(key, (this.pryBySender.get(key) ?? 0) + 1);
        this.handlePaa(
          now,
          this.paa.receive(now, { address: p.source, port: u.datagram.sourcePort }, u.datagram.payload),
        );
      }
      this.rearm();
      return;
    }
    const forUs =
      isMulticast(p.destination) ||
      addressesEqual(p.destination, this.linkLocal) ||
      addressesEqual(p.destination, this.global);
    if (!forUs) return;
    if (u.kind === 'icmpv6') {
      const m = u.message;
      if (m.kind === 'rpl' && d.link.secured) {
        let message;
        try {
          message = rplFromIcmpv6(m);
        } catch {
          return;
        }
        this.handleRpl(
          now,
          this.rpl.handle(now, {
            kind: 'message',
            source: p.source,
            destination: p.destination,
            message,
            link: { address: d.link.source, rssi: d.link.rssi, lqi: d.link.lqi },
          }),
        );
      } else if (m.kind === 'echo-reply') {
        this.echoReplies.push({ at: now, from: p.source.slice(), sequence: m.sequence });
      } else if (m.kind === 'echo-request' && d.link.secured && addressesEqual(p.destination, this.global)) {
        // As the tool's root does (mesh-root.ts): meters check with an echo that their root is there.
        this.echoRequestsAnswered++;
        this.sendDown({
          trafficClass: 0,
          flowLabel: 0,
          hopLimit: 64,
          source: this.global,
          destination: p.source.slice(),
          upper: {
            kind: 'icmpv6',
            message: { kind: 'echo-reply', identifier: m.identifier, sequence: m.sequence, data: m.data },
          },
        });
      }
    } else if (u.kind === 'udp') {
      const { destinationPort, sourcePort, payload } = u.datagram;
      if (destinationPort === PANA_UDP_PORT && isLinkLocalUnicast(p.source)) {
        const r = this.relay.handle({ address: p.source, port: sourcePort }, payload);
        if ('send' in r) this.handlePaa(now, this.paa.receive(now, panaEndpoint(this.global), r.send.bytes));
      } else if (destinationPort !== MLE_UDP_PORT && destinationPort !== PANA_UDP_PORT) {
        if (d.link.secured && addressesEqual(p.destination, this.global))
          this.udpReceived.push({ at: now, from: p.source.slice(), sourcePort, payload: payload.slice() });
      } else if (destinationPort === MLE_UDP_PORT && payload[0] !== 255) {
        this.handleLinkSync(
          this.linkSync.receive(now, {
            payload,
            ipv6Source: p.source,
            ipv6Destination: p.destination,
            macSource: d.link.source,
            hopLimit: p.hopLimit,
          }),
        );
      }
    }
    this.rearm();
  }
}

function udp(
  source: Ipv6Address,
  destination: Ipv6Address,
  sourcePort: number,
  destinationPort: number,
  payload: Uint8Array,
  hopLimit: number,
): Ipv6Packet {
  return {
    trafficClass: 0,
    flowLabel: 0,
    hopLimit,
    source: source.slice(),
    destination: destination.slice(),
    upper: { kind: 'udp', datagram: { sourcePort, destinationPort, payload } },
  };
}
