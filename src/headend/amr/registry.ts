/**
 * The AMR meter registry: meter id, EUI-64, site and expected location come from the registry
 * table (imported with the meters); the serving path (through which gateway or tool, since when)
 * is updated here from the key server's join/leave events, and the meter's current address is
 * kept in memory while it is joined (an address is only good for the session it was seen in).
 *
 * The key server reports the PaC's address ("[addr]:port" as it saw it; through a PANA relay this
 * is the meter's own address, RFC 6345 §3). Which tool serves that address is the gateway's
 * knowledge (the tool whose tunnel AllowedIPs hold the mesh /64), so it is injected as
 * `servingOf`.
 */
import { formatIpv6Address, parseIpv6Address } from '../../stack/ipv6/index.ts';
import { parseIpPrefix, prefixContains } from '../../stack/wireguard/index.ts';
import type { AuditRepository, MeterRepository, ServingPath } from '../storage/index.ts';

/** The events of the key server (src/headend/keys KeyServerEvents) this registry consumes. */
export interface MeterJoinedEvent {
  readonly meterId: string;
  readonly eui64: string;
  readonly via: string;
  /** The PANA relay the meter came through ("[addr]:port"), when relayed. */
  readonly relay?: string;
  readonly at: number;
}
export interface MeterLeftEvent {
  readonly meterId: string;
  readonly reason: string;
  readonly at: number;
}

/** What the key server offers (KeyServer.on matches it). */
export interface MeterJoinSource {
  on(type: 'meter-joined', listener: (e: MeterJoinedEvent) => void): () => void;
  on(type: 'meter-left', listener: (e: MeterLeftEvent) => void): () => void;
}

/**
 * The address the AMR server reaches a joined meter at. A relayed PaC is known by its link-local
 * address (it has no other before it joins, RFC 6345 §3); its global address is the relay's mesh
 * /64 with the same interface identifier (both are formed from the EUI-64, RFC 4944 §6, RFC 6282
 * §3.2.2), so a link-local PaC behind a relay maps to the relay's prefix. Otherwise the PaC
 * address itself.
 */
export function meterAddressOf(e: Pick<MeterJoinedEvent, 'via' | 'relay'>): string | null {
  const pac = addressOfEndpoint(e.via);
  if (pac === null) return null;
  let bytes: Uint8Array;
  try {
    bytes = parseIpv6Address(pac);
  } catch {
    return null;
  }
  // fe80::/10 (RFC 4291 §2.5.6)
  const linkLocal = bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
  if (!linkLocal) return pac;
  const relay = e.relay === undefined ? null : addressOfEndpoint(e.relay);
  if (relay === null) return null;
  let global: Uint8Array;
  try {
    global = parseIpv6Address(relay);
  } catch {
    return null;
  }
  global.set(bytes.subarray(8), 8);
  return formatIpv6Address(global);
}

/** The gateway's answer to "which tool or gateway serves this IPv6 address?" */
export type ServingResolver = (address: string) => Omit<ServingPath, 'sinceMs'> | null;

export interface JoinedMeter {
  readonly meterId: string;
  readonly eui64: string;
  /** Canonical IPv6 text of the meter. */
  readonly address: string;
  readonly serving: ServingPath;
}

export type RegistryListener = (meter: JoinedMeter) => void;

/** The IPv6 address out of the key server's "[addr]:port" (or a bare address). */
export function addressOfEndpoint(via: string): string | null {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\]:\d{1,5}$/.exec(via);
  if (bracketed !== null) return bracketed[1]!.toLowerCase();
  return /^[0-9A-Fa-f:]+$/.test(via) && via.includes(':') ? via.toLowerCase() : null;
}

export interface RegistryStats {
  joined: number;
  left: number;
  /** Joins of a meter id the registry does not know (credentials imported, meter not registered). */
  unknownMeter: number;
  /** Joins whose address no tool or gateway serves. */
  noServingPath: number;
  /** Joins whose EUI-64 differs from the registry's. */
  euiMismatch: number;
}

export class MeterRegistry {
  readonly stats: RegistryStats = { joined: 0, left: 0, unknownMeter: 0, noServingPath: 0, euiMismatch: 0 };
  private readonly joinedMeters = new Map<string, JoinedMeter>();
  private readonly listeners: RegistryListener[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      readonly meters: MeterRepository;
      readonly audit: AuditRepository;
      readonly servingOf: ServingResolver;
    },
  ) {}

  /** Subscribes to a key server's join/leave events; returns the function that detaches. */
  attach(source: MeterJoinSource): () => void {
    const offJoin = source.on('meter-joined', (e) => void this.enqueue(() => this.joined(e)));
    const offLeft = source.on('meter-left', (e) => void this.enqueue(() => this.left(e)));
    return () => {
      offJoin();
      offLeft();
    };
  }

  /** Called after a joined meter's serving path is stored (the reading engine hooks in here). */
  onJoined(listener: RegistryListener): void {
    this.listeners.push(listener);
  }

  /** The meter while it is joined, else undefined. */
  current(meterId: string): JoinedMeter | undefined {
    return this.joinedMeters.get(meterId);
  }

  joinedThrough(toolId: string): JoinedMeter[] {
    return [...this.joinedMeters.values()].filter((m) => m.serving.id === toolId);
  }

  /** Resolves when every event received so far is processed (tests, orderly shutdown). */
  settled(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /** Events are processed one at a time, in order, so a quick leave cannot overtake its join. */
  private enqueue(step: () => Promise<void>): Promise<unknown> {
    this.chain = this.chain.then(step, step);
    return this.chain;
  }

  async joined(e: MeterJoinedEvent): Promise<void> {
    const record = await this.deps.meters.findById(e.meterId);
    if (record === undefined) {
      this.stats.unknownMeter++;
      return;
    }
    if (record.eui64 !== e.eui64.toLowerCase()) {
      this.stats.euiMismatch++;
      await this.deps.audit.append({
        atMs: e.at,
        actor: null,
        action: 'meter.join',
        outcome: 'denied',
        subject: e.meterId,
        reason: 'eui64-mismatch',
        detail: { registered: record.eui64, joined: e.eui64 },
      });
      return;
    }
    const address = meterAddressOf(e);
    const path = address === null ? null : this.deps.servingOf(address);
    if (address === null || path === null) {
      this.stats.noServingPath++;
      return;
    }
    const serving: ServingPath = { ...path, sinceMs: e.at };
    // The path changes only when it is a different gateway or tool; a rejoin keeps "since".
    const same = record.serving.via === serving.via && record.serving.id === serving.id;
    const stored = same ? record.serving : serving;
    if (!same) await this.deps.meters.setServingPath(e.meterId, serving);
    const meter: JoinedMeter = { meterId: e.meterId, eui64: record.eui64, address, serving: stored };
    this.joinedMeters.set(e.meterId, meter);
    this.stats.joined++;
    for (const l of this.listeners) l(meter);
  }

  async left(e: MeterLeftEvent): Promise<void> {
    // The stored serving path stays as the last known one; only the live address is dropped.
    if (this.joinedMeters.delete(e.meterId)) this.stats.left++;
    return Promise.resolve();
  }
}

/** A job as the job provisioner lists it: which tool roots which mesh /64. */
export interface ServingJob {
  readonly deviceId: string;
  /** "prefix/length", e.g. "fd00:db8:20::/64". */
  readonly meshPrefix: string;
  readonly state: 'active' | 'ended';
}

/**
 * A ServingResolver over the active jobs: an address inside a job's mesh prefix is served by that
 * job's tool (the gateway routes the prefix to that tool's tunnel).
 */
export function servingFromJobs(activeJobs: () => readonly ServingJob[]): ServingResolver {
  return (address) => {
    let bytes: Uint8Array;
    try {
      bytes = parseIpv6Address(address);
    } catch {
      return null;
    }
    for (const job of activeJobs()) {
      if (job.state !== 'active') continue;
      if (prefixContains(parseIpPrefix(job.meshPrefix), bytes)) return { via: 'tool', id: job.deviceId };
    }
    return null;
  };
}
