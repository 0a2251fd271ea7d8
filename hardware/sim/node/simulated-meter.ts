/**
 * A simulated smart meter: the finished node-side protocol roles of src/stack composed on one
 * simulated radio (issue "Radio" item 5, issue "Mesh root" item 6, meter side).
 *
 * Join sequence (power on → reachable):
 * 1. Listen for join beacons (mesh-link/join-beacon.ts: unsecured MLE Advertisements from the root
 *    and every joined node; DIOs are MAC-secured and unreadable without the network key). After the
 *    first beacon, collect for `beaconCollectMs`, then pick the best link (relay-choice.ts).
 * 2. Rebuild the MeshLink with the beacon's mesh prefix as 6LoWPAN context 0 (RFC 6282 §3.1.2) and
 *    run PANA (RFC 5191) with EAP-PSK (RFC 4764) through that neighbour, its PRE (RFC 6345 §3: the
 *    PaC's peer is the relay's link-local address, port 716); join traffic goes in unsecured MAC
 *    frames (mesh-link/join-traffic.ts).
 * 3. PAR-C delivers the network key and its index: install and activate it in the MeshLink, MLE
 *    Link Request to the relay (frame-counter synchronisation), start RPL (RFC 6550 DIS/DIO).
 * 4. RPL parent chosen → DAO (non-storing: to the root) → reachable; MLE with the parent; from
 *    then on the meter relays PANA for its neighbours (PRY to the PAA's global address via its
 *    parent) and sends join beacons itself.
 *
 * Rekey: a PNR key announced as `next` is installed (pending); the PNR confirming it activates it
 * (the old key is still accepted for the MeshLink's grace period), LinkSync forgets the index's MLE
 * counters when a key is (re)installed under it, and MLE runs again with parent and relay.
 *
 * Network lost: the tool that rooted the DODAG can leave (a revoked tablet stops at once) and
 * nothing in RPL tells the nodes below it — their parents keep advertising the old DODAG. A meter
 * therefore (a) leaves the network when, once reachable, it has had no RPL parent for
 * `networkLostMs` (RFC 6550 §8.2.2.5 local repair found none), and (b) checks that the root still
 * answers (ICMPv6 echo to the DODAG ID) when something suggests another network is about — a join
 * beacon for another mesh prefix, a secured frame under a key index it does not hold — and leaves
 * when `rootProbeAttempts` echoes go unanswered. Neither fires in a healthy single-tool join. An unauthenticated hint only starts a check,
 * so a forged beacon cannot make a meter leave a root that answers. Leaving wipes keys, PANA
 * session and RPL state and scans again at once, with no relay penalty (the analogue of Wi-SUN FAN
 * 1.1 §6.3.4.6.4's return to join state 1 when the PAN is lost). The key server replaces the old
 * PANA session when the new one opens (src/headend/keys/key-server.ts).
 *
 * Session check: a PAN-C lost on a one-way link leaves the meter holding the key with its session
 * open while the PAA, its PAR-C unanswered, fails the session — a meter on the mesh that no key
 * rotation can reach. A PAR-C arriving again after the session opened is the sign (the PaC answers
 * it from its cache: our PAN-C, or the first PAR-C's, was lost). Then, once per session and
 * `sessionCheckMs` (jittered) later, the PaC pings the PAA through its relay (PNR-P, RFC 5191
 * §4.2); the PAA answers only a session it holds open, and when the ping's retransmissions run out
 * the session fails and the meter joins again through another relay (`joinFailed`, relay avoided).
 * A meter whose PAN-C got through before the PAA's first PAR-C retransmission pings nobody (in a
 * town-200 join 80–100 of 200 meters ping, docs/protocol-decisions.md).
 *
 * Power loss wipes everything volatile (keys, PANA session, RPL state, relay); the outgoing MAC and
 * MLE frame counters survive as they would in a real meter's non-volatile memory (802.15.4-2015
 * §9.2.1: a counter must never repeat under one key), so neighbours accept its frames after rejoin.
 * Frames already queued in the radio when power fails still go out (RadioMac has no flush).
 *
 * The meter's PSK stays inside this object: it is handed only to its own EAP-PSK peer.
 */
import type { Scheduler } from '../clock/scheduler.ts';
import type { Random } from '../random.ts';
import type { MacSettings, NodeId, RadioMedium } from '../medium/index.ts';
import { RadioMac } from '../medium/index.ts';
import type { CryptoProvider } from '../../../src/stack/crypto/index.ts';
import { createEapPskPeer } from '../../../src/stack/eap/index.ts';
import { ECHONET_LITE_PORT } from '../../../src/stack/echonet/constants.ts';
import {
  addressesEqual,
  decodePacket,
  IP_PROTOCOL,
  ALL_NODES_LINK_LOCAL,
  ALL_RPL_NODES,
  eui64FromIid,
  isLinkLocalUnicast,
  isMulticast,
  linkLocalFromEui64,
  matchesPrefix,
  type Ipv6Address,
  type Ipv6Option,
  type Ipv6Packet,
} from '../../../src/stack/ipv6/index.ts';
import { BROADCAST, MeshLink, type LinkDestination } from '../../../src/stack/mesh-link/index.ts';
import {
  decodeJoinBeacon,
  joinBeaconPacket,
  looksLikeJoinBeacon,
  type JoinBeacon,
} from '../../../src/stack/mesh-link/join-beacon.ts';
import { LinkSync, MLE_UDP_PORT, type LinkSyncOutput } from '../../../src/stack/mle/index.ts';
import {
  PANA_UDP_PORT,
  PanaPac,
  PanaRelay,
  panaEndpoint,
  type PanaDatagram,
  type PanaOutput,
  type PanaPacEvent,
  type PanaPacState,
} from '../../../src/stack/pana/index.ts';
import {
  forwardDecision,
  rplFromIcmpv6,
  rplToIcmpv6,
  RplNode,
  type RplNodeEvent,
  type RplOutput,
  type RplSend,
  type RplTimer,
} from '../../../src/stack/rpl/index.ts';
import { DecodeError } from '../../../src/stack/wire/index.ts';
import type { MeterApplication } from './meter-application.ts';
import { RadioPort, type Datagram, type EuiDirectory, type LinkOutcome } from './radio-port.ts';
import { RelayChoice } from './relay-choice.ts';
import { Wakeup } from './wakeup.ts';

export type MeterJoinState =
  /** No power. */
  | 'off'
  /** Listening for join beacons. */
  | 'scanning'
  /** PANA with EAP-PSK through a relay. */
  | 'authenticating'
  /** Network key held; looking for an RPL parent. */
  | 'routing'
  /** RPL parent chosen and a DAO acknowledged by the root: reachable, relaying, beaconing. */
  | 'joined';

export interface MeterTiming {
  /** Join beacons of a joined meter, every interval × U(0.5, 1). Default 20 s. */
  beaconIntervalMs: number;
  /** After the first beacon heard, keep listening this long before choosing. Default 3 s. */
  beaconCollectMs: number;
  /**
   * A PANA authentication through one relay that has not completed after this long is abandoned
   * and the relay avoided. Default 300 s: the key server keeps retrying a set-up for minutes
   * (PANA_MESH_REQ_RETRANSMISSION, MRT 60 s, MRC 10) and a join at a busy mesh has a long tail;
   * at 120 s town-200 abandoned 318 of 510 attempts that were mostly still progressing
   * (docs/protocol-decisions.md, session 4).
   */
  joinAttemptMs: number;
  /** Wait after a failed join before scanning again; doubles per failure up to 16×. Default 30 s. */
  retryBackoffMs: number;
  /** How long a relay that failed us is avoided. Default 300 s. */
  avoidRelayMs: number;
  /**
   * Once reachable (a DAO acknowledged), without an RPL parent this long, the meter leaves the
   * network and scans for join beacons again. Default 90 s: several DIS/DIO rounds
   * and the 2·Imin poisoning hold-down (RFC 6550 §8.2.2.5) of the field profile (Imin 4 s).
   */
  networkLostMs: number;
  /** One root reachability echo waits this long for its reply. Default 10 s. */
  rootProbeTimeoutMs: number;
  /** Unanswered echoes to the root before the meter leaves. Default 3. */
  rootProbeAttempts: number;
  /** After the root answered, further hints are ignored this long. Default 60 s. */
  rootProbeHoldoffMs: number;
  /**
   * This long (times 0.5–1.5) after a PAA request came again once its session opened, the meter
   * pings the PAA (PNR-P) to learn whether the PAA holds the session too. Default 30 s: a PAN-C
   * that was late rather than lost has usually arrived by then, so the ping is answered at once.
   */
  sessionCheckMs: number;
}

export const METER_TIMING_DEFAULTS: Readonly<MeterTiming> = Object.freeze({
  beaconIntervalMs: 20_000,
  beaconCollectMs: 3_000,
  joinAttemptMs: 300_000,
  retryBackoffMs: 30_000,
  avoidRelayMs: 300_000,
  networkLostMs: 90_000,
  rootProbeTimeoutMs: 10_000,
  rootProbeAttempts: 3,
  rootProbeHoldoffMs: 60_000,
  sessionCheckMs: 30_000,
});

export interface SimulatedMeterOptions {
  scheduler: Scheduler;
  medium: RadioMedium;
  /** This meter's node in the medium (already added with its position). */
  nodeId: NodeId;
  /** EUI-64 → NodeId of every radio in the field (this meter is registered by the constructor). */
  directory: EuiDirectory;
  crypto: CryptoProvider;
  /** This meter's own random stream (fork it per meter). */
  random: Random;
  eui64: bigint;
  panId: number;
  /** The meter's EAP-PSK key (copied; never exposed). */
  psk: Uint8Array;
  /** ID_P (RFC 4764 §5.2). Default: the EUI-64 as 16 lower-case hex digits, as the head-end stores it. */
  idP?: Uint8Array;
  application?: MeterApplication;
  mac?: Partial<MacSettings>;
  timing?: Partial<MeterTiming>;
  /** Largest PSDU (FCS included). Default 255, what most 920 MHz meter radios take. */
  maxPsdu?: number;
  /**
   * Sees each new network key the meter installs (a copy). Only the simulator's capture key table
   * (`fieldroot sim --keys-out`) uses it; the tool never learns a key this way.
   */
  onNetworkKey?: (keyIndex: number, key: Uint8Array) => void;
}

/** What reports show of a meter. */
export interface MeterStatus {
  eui64: bigint;
  state: MeterJoinState;
  /** First time (ms) the meter became joined (DAO acknowledged) since its last power-up. */
  joinedAt: number | undefined;
  /** Times the meter has become joined in total (rejoins after power loss count). */
  joins: number;
  panaState: PanaPacState | 'none';
  keyIndex: number | undefined;
  /** The relay (EUI-64) the PANA session runs through. */
  relay: bigint | undefined;
  /** RPL preferred parent (EUI-64). */
  parent: bigint | undefined;
  rank: number | undefined;
  globalAddress: Ipv6Address | undefined;
  /** PRYs this meter sent towards the PAA for its neighbours. */
  relayedToPaa: number;
}

/** Drop and trouble counts a test or report can read. */
export interface MeterCounters {
  beaconsHeard: number;
  beaconsSent: number;
  joinAttempts: number;
  joinFailures: number;
  prefixMismatches: number;
  forwarded: number;
  forwardDrops: number;
  sendFailures: number;
  echoReplies: number;
  applicationAnswers: number;
  /** Root reachability checks started (a hint of another network, a DAO unacknowledged). */
  rootProbes: number;
  /** Times the meter left the network it had joined (no parent, root unreachable) to join anew. */
  networkLost: number;
}

/** Everything that lives only while the meter has power. */
interface Volatile {
  link: MeshLink;
  choice: RelayChoice;
  network?: { relay: bigint; prefix: Uint8Array; paa: Uint8Array };
  pac?: PanaPac;
  attemptDeadline?: number;
  /** Scanning resumes at this time (after a failure back-off). */
  scanAt?: number;
  linkSync?: LinkSync;
  /** Network keys installed, by index (to tell a confirmation from a new key). */
  keys: Map<number, Uint8Array>;
  rpl?: RplNode;
  rplTimers: RplTimer[];
  relay?: PanaRelay;
  beaconAt?: number;
  joinedAt?: number;
  /** The root acknowledged a DAO since the last detach: the meter is reachable from the root. */
  daoAcked?: boolean;
  /** The root acknowledged a DAO of ours in this network at least once. */
  reachedRoot?: boolean;
  /** Since when the meter, once reachable, has had no RPL parent (undefined while it has one). */
  lostSince?: number;
  /** A root reachability check in progress: next echo (or the verdict) at `at`. */
  probe?: { at: number; left: number; sequence: number };
  /** The root answered: hints are ignored until then. */
  probeHoldUntil?: number;
  /** When the PaC pings the PAA to check that its session is open there too. */
  sessionCheckAt?: number;
  /** The PaC's `repeatedRequests` when its session opened; undefined once the check is scheduled. */
  repeatsAtOpen?: number;
}

const MESH_HOP_LIMIT = 64;
const LINK_LOCAL_HOP_LIMIT = 255;
/** ICMPv6 echo identifier of the meter's root reachability checks. */
const ROOT_PROBE_IDENTIFIER = 0x5250;
/** Context 0 before a beacon names the mesh prefix: only link-local traffic flows then. */
const NO_PREFIX = new Uint8Array(16);

export class SimulatedMeter {
  readonly eui64: bigint;
  readonly linkLocal: Ipv6Address;
  readonly counters: MeterCounters = {
    beaconsHeard: 0,
    beaconsSent: 0,
    joinAttempts: 0,
    joinFailures: 0,
    prefixMismatches: 0,
    forwarded: 0,
    forwardDrops: 0,
    sendFailures: 0,
    echoReplies: 0,
    applicationAnswers: 0,
    rootProbes: 0,
    networkLost: 0,
  };
  /** PANA events (authenticated, failed, network-key without the key…) with their time, for reports. */
  readonly history: { at: number; event: string }[] = [];

  private readonly o: SimulatedMeterOptions;
  private readonly timing: MeterTiming;
  private readonly port: RadioPort;
  private readonly wakeup: Wakeup;
  private readonly psk: Uint8Array;
  private readonly idP: Uint8Array;
  private readonly maxPsdu: number;
  /** Non-volatile: next outgoing MAC frame counter per key index, and the MLE frame counter. */
  private readonly nvmFrameCounters = new Map<number, number>();
  private nvmMleFrameCounter = 0;
  private v: Volatile | undefined;
  /**
   * The mesh prefix of the network this meter found lost, and until when its join beacons are
   * ignored: the meters still in it keep inviting joins (they have not noticed yet), and a PANA
   * set-up through one of them would end only at `joinAttemptMs`.
   */
  private lostNetwork: { prefix: Uint8Array; until: number } | undefined;
  private readonly sessionCheckRandom: Random;
  private failures = 0;
  private joinCount = 0;
  private relayed = 0;

  constructor(options: SimulatedMeterOptions) {
    this.o = options;
    this.eui64 = options.eui64;
    this.linkLocal = linkLocalFromEui64(options.eui64);
    this.timing = { ...METER_TIMING_DEFAULTS, ...options.timing };
    this.psk = options.psk.slice();
    this.idP = options.idP?.slice() ?? new TextEncoder().encode(options.eui64.toString(16).padStart(16, '0'));
    this.maxPsdu = options.maxPsdu ?? 255;
    options.directory.set(options.eui64, options.nodeId);
    const mac = new RadioMac(options.medium, options.nodeId, options.mac, options.random.fork('mac'));
    // Its own stream: a session check leaves the meter's other random choices as they were.
    this.sessionCheckRandom = options.random.fork('session-check');
    this.port = new RadioPort(options.scheduler, options.medium, mac, options.directory);
    this.port.onDatagram = (now, d) => this.onDatagram(now, d);
    this.port.onDrop = (now, r) => {
      // A neighbour securing under a key index we do not hold: maybe a new network around us.
      if (r.reason === 'no-key' && this.v) this.doubtRoot(now, this.v);
    };
    this.port.powerOff();
    this.wakeup = new Wakeup(options.scheduler, () => this.onWakeup());
  }

  // ---- power ---------------------------------------------------------------------------------

  get powered(): boolean {
    return this.v !== undefined;
  }

  powerOn(): void {
    if (this.v) return;
    const now = this.now();
    const v: Volatile = {
      link: this.newLink(NO_PREFIX),
      choice: new RelayChoice(this.timing.beaconIntervalMs * 3),
      keys: new Map(),
      rplTimers: [],
    };
    this.v = v;
    this.failures = 0;
    this.port.powerOn(v.link);
    this.note(now, 'power on');
    this.rearm();
  }

  /** Power loss: every volatile state is gone; frame counters survive (non-volatile memory). */
  powerOff(): void {
    const v = this.v;
    if (!v) return;
    this.saveCounters(v);
    this.wipeKeys(v);
    this.v = undefined;
    this.port.powerOff();
    this.wakeup.cancel();
    this.note(this.now(), 'power off');
  }

  // ---- read-only view ------------------------------------------------------------------------

  status(): MeterStatus {
    const v = this.v;
    const parent = v?.rpl?.preferredParent;
    return {
      eui64: this.eui64,
      state: this.state,
      joinedAt: v?.joinedAt,
      joins: this.joinCount,
      panaState: v?.pac?.state ?? 'none',
      keyIndex: v?.link.activeKeyIndex,
      relay: v?.network?.relay,
      parent: parent ? eui64FromIid(parent.subarray(8)) : undefined,
      rank: v?.rpl?.joined ? v.rpl.rank : undefined,
      globalAddress: v?.rpl?.globalAddress,
      relayedToPaa: this.relayed,
    };
  }

  get state(): MeterJoinState {
    const v = this.v;
    if (!v) return 'off';
    if (v.rpl?.joined && v.daoAcked) return 'joined';
    if (v.rpl) return 'routing';
    if (v.pac) return 'authenticating';
    return 'scanning';
  }

  /**
   * Copies of the network keys the meter still holds (installed, in force, or within the link's
   * grace), by index. Simulation only, like `onNetworkKey`: a system test compares them with the
   * keys a revoked tool saw.
   */
  heldNetworkKeys(): { index: number; key: Uint8Array }[] {
    const v = this.v;
    if (!v) return [];
    this.forgetRetiredKeys(v);
    return [...v.keys].map(([index, key]) => ({ index, key: key.slice() }));
  }

  /** The MeshLink in use (tests read keys and counters from it). */
  get meshLink(): MeshLink | undefined {
    return this.v?.link;
  }

  // ---- wake-up -------------------------------------------------------------------------------

  private now(): number {
    return this.o.scheduler.now();
  }

  private rearm(): void {
    const v = this.v;
    if (!v) return this.wakeup.cancel();
    const ds: (number | undefined)[] = [
      v.scanAt,
      v.pac ? undefined : this.scanDecisionAt(v),
      v.pac?.nextDeadline(),
      v.attemptDeadline,
      v.linkSync?.nextDeadline(),
      v.beaconAt,
      v.lostSince === undefined ? undefined : v.lostSince + this.timing.networkLostMs,
      v.probe?.at,
      v.sessionCheckAt,
      ...v.rplTimers.map((t) => t.at),
    ];
    let min: number | undefined;
    for (const d of ds) if (d !== undefined && (min === undefined || d < min)) min = d;
    this.wakeup.arm(min);
  }

  private scanDecisionAt(v: Volatile): number | undefined {
    if (v.scanAt !== undefined) return undefined;
    const first = v.choice.firstHeardAt;
    return first === undefined ? undefined : first + this.timing.beaconCollectMs;
  }

  private onWakeup(): void {
    const v = this.v;
    if (!v) return;
    const now = this.now();
    if (v.scanAt !== undefined && now >= v.scanAt) {
      v.scanAt = undefined;
      v.choice.restart();
    }
    const decide = v.pac ? undefined : this.scanDecisionAt(v);
    if (decide !== undefined && now >= decide) this.chooseRelay(now, v);
    if (v.pac && this.v === v) this.handlePana(now, v, v.pac.poll(now));
    if (this.v !== v) return;
    if (v.sessionCheckAt !== undefined && now >= v.sessionCheckAt) this.checkSession(now, v);
    if (this.v !== v) return;
    if (v.attemptDeadline !== undefined && now >= v.attemptDeadline) {
      this.joinFailed(now, v, 'authentication through this relay took too long', true);
      return;
    }
    if (v.linkSync) this.handleLinkSync(now, v.linkSync.poll(now));
    if (v.rpl) {
      const due = v.rplTimers.filter((t) => t.at <= now);
      if (due.length > 0) {
        for (const t of due) this.handleRpl(now, v, v.rpl.handle(now, { kind: 'timer', id: t.id }));
      }
    }
    if (this.v !== v) return;
    if (v.lostSince !== undefined && now >= v.lostSince + this.timing.networkLostMs) {
      this.leaveNetwork(now, v, `no RPL parent for ${Math.round((now - v.lostSince) / 1000)} s`);
      return;
    }
    if (v.probe && now >= v.probe.at) {
      this.probeRoot(now, v);
      if (this.v !== v) return;
    }
    if (v.beaconAt !== undefined && now >= v.beaconAt) this.sendBeacon(now, v);
    this.rearm();
  }

  // ---- join ----------------------------------------------------------------------------------

  private newLink(prefix: Uint8Array): MeshLink {
    return new MeshLink({
      crypto: this.o.crypto,
      extendedAddress: this.eui64,
      panId: this.o.panId,
      meshPrefix: prefix,
      maxPsdu: this.maxPsdu,
      fcsLength: 4,
      randomBytes: (n) => this.randomBytes(n),
    });
  }

  private randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.o.random.nextUint32() & 0xff;
    return out;
  }

  private onBeacon(now: number, v: Volatile, beacon: JoinBeacon, rssi: number, lqi: number): void {
    this.counters.beaconsHeard++;
    if (beacon.panId !== this.o.panId) return;
    if (v.network && !sameBytes(beacon.meshPrefix, v.network.prefix)) this.doubtRoot(now, v);
    const lost = this.lostNetwork;
    if (lost && now < lost.until && sameBytes(beacon.meshPrefix, lost.prefix)) return;
    if (v.pac || v.scanAt !== undefined) return; // not scanning
    v.choice.hear(now, beacon, rssi, lqi);
  }

  private chooseRelay(now: number, v: Volatile): void {
    const best = v.choice.best(now);
    if (!best) {
      v.choice.restart();
      return;
    }
    this.counters.joinAttempts++;
    const b = best.beacon;
    v.network = { relay: b.source, prefix: b.meshPrefix.slice(), paa: b.paaAddress.slice() };
    // The mesh prefix is context 0 from now on (RFC 6282 §3.1.2): a new link before any key.
    v.link = this.newLink(v.network.prefix);
    this.port.powerOn(v.link);
    v.attemptDeadline = now + this.timing.joinAttemptMs;
    const pac = new PanaPac({
      crypto: this.o.crypto,
      random: (n) => this.randomBytes(n),
      peer: panaEndpoint(linkLocalFromEui64(b.source)),
      createEapPeer: () =>
        createEapPskPeer({
          crypto: this.o.crypto,
          psk: this.psk,
          idP: this.idP,
          random: (n) => this.randomBytes(n),
        }),
    });
    v.pac = pac;
    this.note(now, `PANA through ${hex(b.source)}`);
    this.handlePana(now, v, pac.start(now));
  }

  /** Leaves the network (keys, session, routing) and scans again after a back-off. */
  private joinFailed(now: number, v: Volatile, reason: string, avoidRelay: boolean): void {
    this.counters.joinFailures++;
    this.note(now, `join failed: ${reason}`);
    if (avoidRelay && v.network) v.choice.avoid(v.network.relay, now + this.timing.avoidRelayMs);
    const backoff = this.timing.retryBackoffMs * 2 ** Math.min(this.failures, 4);
    this.failures++;
    this.resetToScanning(v, now + backoff * (0.5 + 0.5 * this.o.random.uniform()));
  }

  /**
   * The network this meter joined is gone (no parent, or its root no longer answers): leave it
   * and scan for join beacons at once — no back-off and no relay avoided, since nothing failed
   * on our side and a new tool may already be beaconing.
   */
  private leaveNetwork(now: number, v: Volatile, reason: string): void {
    this.counters.networkLost++;
    this.note(now, `network lost: ${reason}`);
    if (v.network)
      this.lostNetwork = { prefix: v.network.prefix.slice(), until: now + this.timing.avoidRelayMs };
    this.failures = 0;
    this.resetToScanning(v, undefined);
  }

  /** Keys, PANA session, RPL and relay state wiped (counters kept in NVM); scanning from `scanAt`. */
  private resetToScanning(v: Volatile, scanAt: number | undefined): void {
    this.saveCounters(v);
    this.wipeKeys(v);
    Object.assign(v, {
      network: undefined,
      pac: undefined,
      attemptDeadline: undefined,
      linkSync: undefined,
      rpl: undefined,
      rplTimers: [],
      relay: undefined,
      beaconAt: undefined,
      joinedAt: undefined,
      daoAcked: undefined,
      reachedRoot: undefined,
      lostSince: undefined,
      probe: undefined,
      probeHoldUntil: undefined,
      sessionCheckAt: undefined,
      repeatsAtOpen: undefined,
      scanAt,
    });
    v.choice.restart();
    v.link = this.newLink(NO_PREFIX);
    this.port.powerOn(v.link);
    this.rearm();
  }

  private wipeKeys(v: Volatile): void {
    v.link.wipeKeys();
    v.linkSync?.reset();
    for (const k of v.keys.values()) k.fill(0);
    v.keys.clear();
  }

  /** Our copies of keys the link has retired after their grace are wiped too. */
  private forgetRetiredKeys(v: Volatile): void {
    v.link.expire(this.now());
    const inLink = new Set(v.link.keyInfo().map((k) => k.index));
    for (const [index, key] of v.keys) {
      if (inLink.has(index)) continue;
      key.fill(0);
      v.keys.delete(index);
    }
  }

  private saveCounters(v: Volatile): void {
    for (const k of v.link.keyInfo()) this.nvmFrameCounters.set(k.index, k.outgoingFrameCounter);
    if (v.linkSync) this.nvmMleFrameCounter = v.linkSync.outgoingMleFrameCounter;
  }

  // ---- PANA ----------------------------------------------------------------------------------

  private handlePana(now: number, v: Volatile, out: PanaOutput<PanaPacEvent>): void {
    for (const d of out.send) this.sendPanaLinkLocal(d);
    for (const e of out.events) {
      if (this.v !== v) return;
      switch (e.type) {
        case 'authenticated':
          this.note(now, `authenticated (key index ${e.keyIndex ?? 'none'})`);
          v.attemptDeadline = undefined;
          this.failures = 0;
          if (!e.reauthentication) v.repeatsAtOpen = v.pac?.repeatedRequests;
          break;
        case 'network-key':
          this.takeKey(now, v, e.key, e.keyIndex, e.activation);
          e.key.fill(0);
          break;
        case 'failed':
        case 'terminated':
          this.joinFailed(now, v, `PANA ${e.type}: ${e.reason}`, e.type === 'failed');
          return;
      }
    }
  }

  /** A PAA request answered again from the cache after our session opened: check the session once. */
  private doubtSession(now: number, v: Volatile, pac: PanaPac): void {
    if (v.repeatsAtOpen === undefined || pac.state !== 'open') return;
    if (pac.repeatedRequests === v.repeatsAtOpen) return;
    v.repeatsAtOpen = undefined;
    v.sessionCheckAt = now + this.timing.sessionCheckMs * (0.5 + this.sessionCheckRandom.uniform());
    this.rearm();
  }

  /** The once-per-session PNR-P; its answer (or its retransmissions running out) does the rest. */
  private checkSession(now: number, v: Volatile): void {
    const pac = v.pac;
    if (!pac || pac.state !== 'open') {
      v.sessionCheckAt = undefined; // re-authenticating: its own PAR-C exchange tells
      return;
    }
    if (pac.requestOutstanding) {
      v.sessionCheckAt = now + 1_000; // a PNR of ours awaits its answer: ping after it
      return;
    }
    v.sessionCheckAt = undefined;
    this.note(now, 'session check: PNR-P to the PAA');
    this.handlePana(now, v, pac.ping(now));
  }

  private takeKey(
    now: number,
    v: Volatile,
    key: Uint8Array,
    index: number,
    activation: 'now' | 'next',
  ): void {
    this.forgetRetiredKeys(v);
    const known = v.keys.get(index);
    const same = known !== undefined && known.length === key.length && known.every((b, i) => b === key[i]);
    if (!same) {
      this.saveCounters(v);
      v.link.installNetworkKey(index, key, now, {
        outgoingFrameCounter: this.nvmFrameCounters.get(index) ?? 0,
      });
      known?.fill(0);
      v.keys.set(index, key.slice());
      this.o.onNetworkKey?.(index, key.slice());
      v.linkSync?.forgetKey(index);
      this.note(now, `network key ${index} installed (${activation})`);
    }
    if (activation === 'next') return;
    if (v.link.activeKeyIndex !== index) v.link.activate(index, now);
    this.note(now, `network key ${index} active`);
    if (!v.linkSync) {
      v.linkSync = new LinkSync({
        crypto: this.o.crypto,
        link: v.link,
        extendedAddress: this.eui64,
        randomBytes: (n) => this.randomBytes(n),
        mleFrameCounter: this.nvmMleFrameCounter,
      });
    }
    for (const n of this.syncNeighbours(v)) this.handleLinkSync(now, v.linkSync.requestLink(now, n));
    if (!v.rpl) {
      v.rpl = new RplNode({ linkLocal: this.linkLocal, random: () => this.o.random.uniform() });
      this.handleRpl(now, v, v.rpl.start(now));
    }
  }

  private syncNeighbours(v: Volatile): bigint[] {
    const out: bigint[] = [];
    if (v.network) out.push(v.network.relay);
    const parent = v.rpl?.preferredParent;
    if (parent) {
      const eui = eui64FromIid(parent.subarray(8));
      if (!out.includes(eui)) out.push(eui);
    }
    return out;
  }

  /** PaC ↔ relay and relay ↔ PaC: link-local, unsecured MAC frames (mesh-link/join-traffic.ts). */
  private sendPanaLinkLocal(d: PanaDatagram): void {
    this.originate(this.udpPacket(this.linkLocal, d.to.address, PANA_UDP_PORT, d.to.port, d.bytes));
  }

  private onPana(
    now: number,
    v: Volatile,
    packet: Ipv6Packet,
    payload: Uint8Array,
    sourcePort: number,
  ): void {
    const from = { address: packet.source.slice(), port: sourcePort };
    const pac = v.pac;
    const relayPeer = v.network ? linkLocalFromEui64(v.network.relay) : undefined;
    if (pac && relayPeer && addressesEqual(from.address, relayPeer) && sourcePort === PANA_UDP_PORT) {
      // Our relay may also be a PaC that joins through us (after its own power loss): what our
      // PaC refuses (a PCI, a foreign session) is offered to our relay role.
      const before = dropTotal(pac.drops);
      this.handlePana(now, v, pac.receive(now, from, payload));
      if (this.v !== v) return;
      this.doubtSession(now, v, pac);
      if (dropTotal(pac.drops) === before) return;
    }
    if (!v.relay) return;
    const r = v.relay.handle(from, payload);
    if (!('send' in r)) return;
    const to = r.send.to;
    if (isLinkLocalUnicast(to.address)) {
      this.sendPanaLinkLocal(r.send);
    } else {
      const source = v.rpl?.globalAddress;
      if (!source) return;
      this.relayed++;
      this.originate(this.udpPacket(source, to.address, PANA_UDP_PORT, to.port, r.send.bytes));
    }
  }

  // ---- MLE -----------------------------------------------------------------------------------

  private handleLinkSync(now: number, out: LinkSyncOutput[]): void {
    for (const o of out) {
      if (o.kind === 'send') this.originate(LinkSync.packet(o), o.linkDestination);
      else if (o.kind === 'synchronised') this.note(now, `MLE synchronised with ${hex(o.neighbour)}`);
    }
  }

  private sendBeacon(now: number, v: Volatile): void {
    v.beaconAt = now + this.timing.beaconIntervalMs * (0.5 + 0.5 * this.o.random.uniform());
    // Invite joins only while reachable from the root (DAO acknowledged): a relay whose own route
    // is not installed at the root cannot get the PAA's answers (PRY, RFC 6345 §3) back to a PaC.
    if (!v.network || !v.rpl?.joined || !v.daoAcked) return;
    const packet = joinBeaconPacket({
      source: this.eui64,
      panId: this.o.panId,
      permitJoin: true,
      meshPrefix: v.network.prefix,
      paaAddress: v.network.paa,
    });
    if (this.originate(packet)) this.counters.beaconsSent++;
  }

  // ---- RPL -----------------------------------------------------------------------------------

  private handleRpl(now: number, v: Volatile, out: RplOutput<RplNodeEvent>): void {
    if (this.v !== v || !v.rpl) return;
    v.rplTimers = out.timers;
    for (const s of out.send) this.sendRpl(v, s);
    for (const e of out.events) this.onRplEvent(now, v, e);
    // Only a meter the root once acknowledged can lose the network; one still looking for its
    // first parent is joining (and the join's own deadlines apply).
    if (this.v !== v || !v.rpl || !v.reachedRoot) return;
    v.lostSince = v.rpl.joined ? undefined : (v.lostSince ?? now);
  }

  private onRplEvent(now: number, v: Volatile, e: RplNodeEvent): void {
    switch (e.kind) {
      case 'joined': {
        const global = v.rpl?.globalAddress;
        if (global && v.network && !matchesPrefix(global, v.network.prefix, 64)) {
          // The DIO's PIO disagrees with the beacon's context 0: our compressed globals would be wrong.
          this.counters.prefixMismatches++;
        }
        v.relay = v.network ? new PanaRelay({ paa: panaEndpoint(v.network.paa) }) : undefined;
        v.beaconAt = now + this.timing.beaconIntervalMs * 0.5 * this.o.random.uniform();
        this.note(now, `RPL joined, parent ${hex(eui64FromIid(e.parent.subarray(8)))}`);
        this.syncWith(now, v, e.parent);
        break;
      }
      case 'dao-acked':
        this.rootAnswered(now, v);
        if (!v.daoAcked) {
          v.daoAcked = true;
          v.reachedRoot = true;
          this.lostNetwork = undefined;
          this.joinCount++;
          v.joinedAt ??= now;
          this.note(now, 'DAO acknowledged: reachable');
        }
        break;
      case 'parent-changed':
        this.syncWith(now, v, e.to);
        break;
      case 'detached':
        this.note(now, 'RPL detached');
        v.daoAcked = false;
        v.relay = undefined;
        v.beaconAt = undefined;
        v.probe = undefined; // the no-parent rule takes over
        break;
      default:
        break;
    }
  }

  // ---- is the root still there? -------------------------------------------------------------

  /** A hint that the root may be gone: check with echoes unless a check is running or just passed. */
  private doubtRoot(now: number, v: Volatile): void {
    // Only a meter the root has acknowledged can expect echo replies (non-storing: the root routes
    // down only to nodes whose DAO it took); without a parent the no-parent rule applies instead.
    if (!v.rpl?.joined || !v.daoAcked || v.probe) return;
    if (v.probeHoldUntil !== undefined && now < v.probeHoldUntil) return;
    this.counters.rootProbes++;
    v.probe = { at: now, left: this.timing.rootProbeAttempts, sequence: 0 };
    this.rearm();
  }

  /** The next echo to the DODAG root, or — all unanswered — leave the network. */
  private probeRoot(now: number, v: Volatile): void {
    const probe = v.probe!;
    const root = v.rpl?.currentDio()?.dodagId;
    if (probe.left === 0 || !root || !v.rpl?.joined || !v.daoAcked) {
      if (v.rpl?.joined && v.daoAcked) this.leaveNetwork(now, v, 'the DODAG root does not answer');
      else v.probe = undefined;
      return;
    }
    probe.left--;
    probe.at = now + this.timing.rootProbeTimeoutMs;
    this.originate({
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: MESH_HOP_LIMIT,
      source: this.ownAddressFor(v, root),
      destination: root.slice(),
      upper: {
        kind: 'icmpv6',
        message: {
          kind: 'echo-request',
          identifier: ROOT_PROBE_IDENTIFIER,
          sequence: probe.sequence++ & 0xffff,
          data: new Uint8Array(0),
        },
      },
    });
  }

  private rootAnswered(now: number, v: Volatile): void {
    if (!v.probe) return;
    v.probe = undefined;
    v.probeHoldUntil = now + this.timing.rootProbeHoldoffMs;
  }

  private syncWith(now: number, v: Volatile, neighbour: Ipv6Address): void {
    if (!v.linkSync) return;
    const eui = eui64FromIid(neighbour.subarray(8));
    if (v.linkSync.isSynchronised(eui, v.link.activeKeyIndex ?? 0)) return;
    this.handleLinkSync(now, v.linkSync.requestLink(now, eui));
  }

  private sendRpl(v: Volatile, s: RplSend): void {
    const linkScope = isMulticast(s.destination) || isLinkLocalUnicast(s.destination);
    const source = linkScope ? this.linkLocal : (v.rpl?.globalAddress ?? this.linkLocal);
    const packet: Ipv6Packet = {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: linkScope ? LINK_LOCAL_HOP_LIMIT : MESH_HOP_LIMIT,
      source,
      destination: s.destination.slice(),
      upper: { kind: 'icmpv6', message: rplToIcmpv6(s.message) },
    };
    this.originate(packet, s.nextHop ? eui64FromIid(s.nextHop.subarray(8)) : undefined);
  }

  // ---- receive and forward -------------------------------------------------------------------

  private onDatagram(now: number, d: Datagram): void {
    const v = this.v;
    if (!v) return;
    const p = d.packet;
    if (isMulticast(p.destination)) {
      if (addressesEqual(p.destination, ALL_NODES_LINK_LOCAL) || addressesEqual(p.destination, ALL_RPL_NODES))
        this.deliver(now, v, d);
    } else if (addressesEqual(p.destination, this.linkLocal) && !p.routing) {
      this.deliver(now, v, d);
    } else if (v.rpl && d.link.secured) {
      this.route(now, v, d);
    }
    if (this.v === v) this.rearm();
  }

  private route(now: number, v: Volatile, d: Datagram): void {
    const rpl = v.rpl!;
    const p = d.packet;
    const rplOption = p.hopByHop?.find((o) => o.kind === 'rpl');
    const decision = forwardDecision(rpl, {
      source: p.source,
      destination: p.destination,
      hopLimit: p.hopLimit,
      ...(rplOption?.kind === 'rpl' ? { rpl: rplOption.rpl } : {}),
      ...(p.routing ? { routing: p.routing } : {}),
      from: linkLocalFromEui64(d.link.source),
    });
    if (decision.action === 'deliver') return this.deliver(now, v, d);
    if (decision.action === 'drop') {
      this.counters.forwardDrops++;
      return;
    }
    this.counters.forwarded++;
    const hopByHop: Ipv6Option[] = (p.hopByHop ?? []).filter((o) => o.kind !== 'rpl');
    if (decision.rpl) hopByHop.push({ kind: 'rpl', rpl: decision.rpl });
    const routing =
      decision.routing ?? (addressesEqual(decision.destination, p.destination) ? p.routing : undefined);
    const { hopByHop: _hbh, routing: _rh, ...rest } = p;
    const forwarded: Ipv6Packet = { ...rest, hopLimit: p.hopLimit - 1, destination: decision.destination };
    if (hopByHop.length > 0) forwarded.hopByHop = hopByHop;
    if (routing) forwarded.routing = routing;
    this.transmit(v, forwarded, eui64FromIid(decision.nextHop.subarray(8)), true);
  }

  private deliver(now: number, v: Volatile, d: Datagram & { tunnelled?: boolean }): void {
    const p = d.packet;
    const u = p.upper;
    // RFC 9008 §7.3.3: the root carries traffic from outside the RPL domain to a node in
    // IPv6-in-IPv6 (the outer header holds the RH3); the node is the tunnel exit (RFC 2473 §3)
    // and takes the inner packet if it is its own. No tunnel in a tunnel.
    if (u.kind === 'raw' && u.nextHeader === IP_PROTOCOL.IPV6) {
      if (!d.link.secured || d.tunnelled === true || !v.rpl) return;
      let inner: Ipv6Packet;
      try {
        inner = decodePacket(u.bytes);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        this.counters.forwardDrops++;
        return;
      }
      const own = v.rpl.globalAddress;
      if (own === undefined || !addressesEqual(inner.destination, own)) {
        this.counters.forwardDrops++;
        return;
      }
      return this.deliver(now, v, { ...d, packet: inner, tunnelled: true });
    }
    if (u.kind === 'icmpv6') {
      const m = u.message;
      if (m.kind === 'rpl') {
        if (!v.rpl || !d.link.secured) return;
        let message;
        try {
          message = rplFromIcmpv6(m);
        } catch (e) {
          if (e instanceof DecodeError) return;
          throw e;
        }
        this.handleRpl(
          now,
          v,
          v.rpl.handle(now, {
            kind: 'message',
            source: p.source,
            destination: p.destination,
            message,
            link: { address: d.link.source, rssi: d.link.rssi, lqi: d.link.lqi },
          }),
        );
      } else if (m.kind === 'echo-reply' && d.link.secured && m.identifier === ROOT_PROBE_IDENTIFIER) {
        const root = v.rpl?.currentDio()?.dodagId;
        if (root && addressesEqual(p.source, root)) this.rootAnswered(now, v);
      } else if (m.kind === 'echo-request' && d.link.secured && !isMulticast(p.destination)) {
        this.counters.echoReplies++;
        this.originate({
          trafficClass: 0,
          flowLabel: 0,
          hopLimit: MESH_HOP_LIMIT,
          source: this.ownAddressFor(v, p.destination),
          destination: p.source.slice(),
          upper: {
            kind: 'icmpv6',
            message: { kind: 'echo-reply', identifier: m.identifier, sequence: m.sequence, data: m.data },
          },
        });
      }
      return;
    }
    if (u.kind !== 'udp') return;
    const { sourcePort, destinationPort, payload } = u.datagram;
    if (destinationPort === PANA_UDP_PORT) return this.onPana(now, v, p, payload, sourcePort);
    if (destinationPort === MLE_UDP_PORT) {
      if (looksLikeJoinBeacon(payload)) {
        try {
          this.onBeacon(now, v, decodeJoinBeacon(payload, d.link.source), d.link.rssi, d.link.lqi);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
        return;
      }
      if (!v.linkSync) return;
      this.handleLinkSync(
        now,
        v.linkSync.receive(now, {
          payload,
          ipv6Source: p.source,
          ipv6Destination: p.destination,
          macSource: d.link.source,
          hopLimit: p.hopLimit,
        }),
      );
      return;
    }
    if (destinationPort === ECHONET_LITE_PORT && d.link.secured && this.o.application) {
      const answer = this.o.application.handle(now, payload);
      if (!answer) return;
      this.counters.applicationAnswers++;
      this.originate(
        this.udpPacket(this.ownAddressFor(v, p.destination), p.source, ECHONET_LITE_PORT, sourcePort, answer),
      );
    }
  }

  private ownAddressFor(v: Volatile, destination: Ipv6Address): Ipv6Address {
    if (isLinkLocalUnicast(destination)) return this.linkLocal;
    return v.rpl?.globalAddress ?? this.linkLocal;
  }

  // ---- send ----------------------------------------------------------------------------------

  private udpPacket(
    source: Ipv6Address,
    destination: Ipv6Address,
    sourcePort: number,
    destinationPort: number,
    payload: Uint8Array,
  ): Ipv6Packet {
    const linkScope = isLinkLocalUnicast(destination) || isMulticast(destination);
    return {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: linkScope ? LINK_LOCAL_HOP_LIMIT : MESH_HOP_LIMIT,
      source: source.slice(),
      destination: destination.slice(),
      upper: { kind: 'udp', datagram: { sourcePort, destinationPort, payload } },
    };
  }

  /**
   * Sends a packet this meter originates: link-scope destinations to the neighbour (or broadcast),
   * others up the DODAG via forwardDecision (RFC 6550 §11.2, with the RPL Option). `nextHop` forces
   * the neighbour (a non-storing DAO names its parent). Returns false when nothing was sent.
   */
  private originate(packet: Ipv6Packet, nextHop?: bigint): boolean {
    const v = this.v;
    if (!v) return false;
    const d = packet.destination;
    const joinTraffic =
      packet.upper.kind === 'udp' &&
      (packet.upper.datagram.destinationPort === PANA_UDP_PORT ||
        packet.upper.datagram.destinationPort === MLE_UDP_PORT) &&
      (isLinkLocalUnicast(d) || isMulticast(d));
    if (nextHop !== undefined) return this.transmit(v, packet, nextHop, !joinTraffic);
    if (isMulticast(d)) return this.transmit(v, packet, BROADCAST, !joinTraffic);
    if (isLinkLocalUnicast(d)) return this.transmit(v, packet, eui64FromIid(d.subarray(8)), !joinTraffic);
    if (!v.rpl) return false;
    const decision = forwardDecision(v.rpl, {
      source: packet.source,
      destination: d,
      hopLimit: packet.hopLimit,
    });
    if (decision.action !== 'forward') {
      this.counters.sendFailures++;
      return false;
    }
    const out: Ipv6Packet = { ...packet, destination: decision.destination };
    if (decision.rpl) out.hopByHop = [{ kind: 'rpl', rpl: decision.rpl }];
    if (decision.routing) out.routing = decision.routing;
    return this.transmit(v, out, eui64FromIid(decision.nextHop.subarray(8)), true);
  }

  private transmit(v: Volatile, packet: Ipv6Packet, nextHop: LinkDestination, secure: boolean): boolean {
    const neighbour = nextHop === BROADCAST ? undefined : linkLocalFromEui64(nextHop);
    const failure = this.port.send(packet, nextHop, secure, (o: LinkOutcome) => {
      if (this.v !== v || !v.rpl || !neighbour) return;
      // One ETX sample per frame that went on air (RFC 6719 §3.1 leaves the estimator open;
      // link-estimator.ts): a busy channel or the duty-cycle limit says nothing about the link.
      for (const f of o.frames) {
        if (!v.rpl) break;
        if (f.status !== 'sent' && f.status !== 'no-ack') continue;
        const input = {
          kind: 'link-tx',
          neighbour,
          acked: f.acked,
          transmissions: Math.max(1, f.transmissions),
        } as const;
        this.handleRpl(this.now(), v, v.rpl.handle(this.now(), input));
      }
      this.rearm();
    });
    if (failure) {
      this.counters.sendFailures++;
      return false;
    }
    return true;
  }

  private note(at: number, event: string): void {
    if (this.history.length >= 200) this.history.shift();
    this.history.push({ at, event });
  }
}

function dropTotal(drops: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const c of drops.values()) n += c;
  return n;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hex(eui: bigint): string {
  return eui.toString(16).padStart(16, '0');
}
