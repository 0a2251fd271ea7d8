// In-test message pump on virtual time for the PANA roles: nodes addressed by IPv6 endpoint,
// per-datagram latency, seeded loss and a tamper hook. Bounded: every run has a step limit.
import { Random } from '../../../hardware/sim/random.ts';
import type { CryptoProvider } from '../../../src/stack/crypto/index.ts';
import { createEapPskPeer, createEapPskServer } from '../../../src/stack/eap/index.ts';
import { endpointKey, panaEndpoint, PanaPaa, PanaPac, PanaRelay } from '../../../src/stack/pana/index.ts';
import type {
  NetworkKey,
  PanaDatagram,
  PanaEndpoint,
  PanaOutput,
  PanaPaaEvent,
  PanaPaaOptions,
  PanaPacEvent,
  PanaPacOptions,
} from '../../../src/stack/pana/index.ts';

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Link-local fe80::n, or a global 2001:db8::n. */
export function addr(n: number, linkLocal = true): Uint8Array {
  const a = new Uint8Array(16);
  if (linkLocal) a.set([0xfe, 0x80]);
  else a.set([0x20, 0x01, 0x0d, 0xb8]);
  a[14] = n >> 8;
  a[15] = n & 0xff;
  return a;
}

/** Deterministic "random bytes" for the roles (tests only). */
export function seededBytes(seed: string): (n: number) => Uint8Array {
  const r = new Random(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = r.nextUint32() & 0xff;
    return out;
  };
}

type Node =
  | { kind: 'pac'; role: PanaPac; events: PanaPacEvent[] }
  | { kind: 'paa'; role: PanaPaa; events: PanaPaaEvent[] }
  | { kind: 'relay'; role: PanaRelay };

interface InFlight {
  at: number;
  order: number;
  from: PanaEndpoint;
  datagram: PanaDatagram;
}

export interface NetOptions {
  /** Latency of every datagram, ms. */
  latency?: number;
  /** Loss probability per datagram. */
  loss?: number;
  seed?: string;
  /** Which datagrams the loss applies to (default: all). */
  lossy?: (from: PanaEndpoint, to: PanaEndpoint) => boolean;
}

export class Net {
  now = 0;
  readonly nodes = new Map<string, Node>();
  private readonly endpoints = new Map<string, PanaEndpoint>();
  private inFlight: InFlight[] = [];
  private order = 0;
  private readonly lossRandom: Random;
  delivered = 0;
  lost = 0;
  /** Return undefined to drop, or other bytes to deliver instead. */
  tamper: ((from: PanaEndpoint, d: PanaDatagram) => Uint8Array | undefined) | undefined;
  /** Every datagram sent, for inspection. */
  readonly log: { at: number; from: PanaEndpoint; datagram: PanaDatagram }[] = [];

  constructor(private readonly options: NetOptions = {}) {
    this.lossRandom = new Random(options.seed ?? 'net');
  }

  add(at: PanaEndpoint, node: Node): void {
    this.nodes.set(endpointKey(at), node);
    this.endpoints.set(endpointKey(at), at);
  }

  addPac(at: PanaEndpoint, options: PanaPacOptions): { pac: PanaPac; events: PanaPacEvent[] } {
    const node = { kind: 'pac' as const, role: new PanaPac(options), events: [] as PanaPacEvent[] };
    this.add(at, node);
    return { pac: node.role, events: node.events };
  }

  addPaa(at: PanaEndpoint, options: PanaPaaOptions): { paa: PanaPaa; events: PanaPaaEvent[] } {
    const node = { kind: 'paa' as const, role: new PanaPaa(options), events: [] as PanaPaaEvent[] };
    this.add(at, node);
    return { paa: node.role, events: node.events };
  }

  addRelay(at: PanaEndpoint, paa: PanaEndpoint, isPacAcceptable?: (p: PanaEndpoint) => boolean): PanaRelay {
    const role = new PanaRelay({ paa, ...(isPacAcceptable ? { isPacAcceptable } : {}) });
    this.add(at, { kind: 'relay', role });
    return role;
  }

  /** Feeds the output of a role call made by the test. */
  apply(from: PanaEndpoint, out: PanaOutput<PanaPacEvent> | PanaOutput<PanaPaaEvent>): void {
    const node = this.nodes.get(endpointKey(from));
    if (node && node.kind !== 'relay') (node.events as (PanaPacEvent | PanaPaaEvent)[]).push(...out.events);
    for (const d of out.send) this.sendFrom(from, d);
  }

  sendFrom(from: PanaEndpoint, d: PanaDatagram): void {
    this.log.push({ at: this.now, from, datagram: d });
    const lossy = this.options.lossy ? this.options.lossy(from, d.to) : true;
    if (lossy && (this.options.loss ?? 0) > 0 && this.lossRandom.chance(this.options.loss!)) {
      this.lost++;
      return;
    }
    this.inFlight.push({
      at: this.now + (this.options.latency ?? 300),
      order: this.order++,
      from,
      datagram: d,
    });
  }

  private nextTime(): number | undefined {
    let t: number | undefined;
    for (const f of this.inFlight) if (t === undefined || f.at < t) t = f.at;
    for (const n of this.nodes.values()) {
      if (n.kind === 'relay') continue;
      const d = n.role.nextDeadline();
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    return t;
  }

  /** Runs until `done()` or `until` ms of virtual time; returns whether `done()` held. */
  run(until: number, done: () => boolean = () => false, maxSteps = 20_000): boolean {
    for (let step = 0; step < maxSteps; step++) {
      if (done()) return true;
      const t = this.nextTime();
      if (t === undefined || t > until) {
        this.now = until;
        return done();
      }
      this.now = Math.max(this.now, t);
      const due = this.inFlight
        .filter((f) => f.at <= this.now)
        .sort((a, b) => a.at - b.at || a.order - b.order);
      this.inFlight = this.inFlight.filter((f) => f.at > this.now);
      for (const f of due) this.deliver(f);
      for (const [k, n] of this.nodes) {
        if (n.kind === 'relay') continue;
        const d = n.role.nextDeadline();
        if (d !== undefined && d <= this.now) this.apply(this.endpoints.get(k)!, n.role.poll(this.now));
      }
    }
    throw new Error(`network pump exceeded ${maxSteps} steps at ${this.now} ms`);
  }

  private deliver(f: InFlight): void {
    const key = endpointKey(f.datagram.to);
    const node = this.nodes.get(key);
    if (!node) return;
    let bytes: Uint8Array | undefined = f.datagram.bytes;
    if (this.tamper) bytes = this.tamper(f.from, f.datagram);
    if (!bytes) return;
    this.delivered++;
    const at = this.endpoints.get(key)!;
    if (node.kind === 'relay') {
      const r = node.role.handle(f.from, bytes);
      if ('send' in r) this.sendFrom(at, r.send);
      return;
    }
    this.apply(at, node.role.receive(this.now, f.from, bytes));
  }
}

// ---------------------------------------------------------------------------------------------
// A standard cast: a key server with a PSK table and network keys.

export const ID_S = ascii('keyserver.example');

export interface KeyServerSetup {
  psks: Map<string, Uint8Array>;
  keys: { current: NetworkKey; next?: NetworkKey };
}

export function paaOptions(
  crypto: CryptoProvider,
  setup: KeyServerSetup,
  extra: Partial<PanaPaaOptions> = {},
): PanaPaaOptions {
  const random = seededBytes('paa');
  return {
    crypto,
    random,
    createEapServer: () =>
      createEapPskServer({
        crypto,
        idS: ID_S,
        lookupPsk: (idP) => setup.psks.get(new TextDecoder().decode(idP)),
        random,
      }),
    networkKeys: () => setup.keys,
    sessionLifetime: 3600,
    ...extra,
  };
}

export function pacOptions(
  crypto: CryptoProvider,
  peer: PanaEndpoint,
  idP: string,
  psk: Uint8Array,
  extra: Partial<PanaPacOptions> = {},
): PanaPacOptions {
  const random = seededBytes(`pac-${idP}`);
  return {
    crypto,
    random,
    peer,
    createEapPeer: () => createEapPskPeer({ crypto, psk, idP: ascii(idP), random }),
    ...extra,
  };
}

export { panaEndpoint };
