/**
 * Join diagnostics for a scenario on the virtual clock (issue: town-200 does not converge).
 * Usage: node --import tsx scripts/diagnose-join.ts [scenario] [limitSeconds] [powerOnSpreadSeconds]
 * Prints joined counts at checkpoints, and channel / RPL / PANA counters at the end.
 * Env: MAC_JSON (RadioMac settings), PAA_IRT_MS, MAX_PENDING, JOIN_ATTEMPT_MS, METER_TIMING_JSON
 * (MeterTiming fields, e.g. '{"avoidRelayMs":60000}'), SEED (replaces the scenario's), DIAG_VERBOSE.
 */
import { RadioMac } from '../hardware/sim/medium/index.ts';
import { RadioPort } from '../hardware/sim/node/radio-port.ts';
import { loadScenario } from '../hardware/sim/scenario/index.ts';
import { buildVirtualSystem } from '../src/cli/sim/virtual-system.ts';
import type { Ipv6Packet } from '../src/stack/ipv6/index.ts';
import type { RplNode } from '../src/stack/rpl/index.ts';

// Frames (fragments and MAC retries included) per kind of traffic.
const perKind = new Map<string, { datagrams: number; frames: number; attempts: number; octets: number }>();
let currentKind = 'other';
function kindOf(p: Ipv6Packet): string {
  const u = p.upper;
  if (u.kind === 'udp') {
    const port = u.datagram.destinationPort === 19788 || u.datagram.sourcePort === 19788 ? 'mle' : '';
    if (u.datagram.destinationPort === 716 || u.datagram.sourcePort === 716) {
      // RFC 5191 §6.2: Flags (R = 0x8000) and Message Type at octets 4 and 6.
      const b = u.datagram.payload;
      if (b.length < 8) return 'pana';
      const type = ['?', 'PCI', 'auth', 'term', 'notif', 'PRY'][(b[6]! << 8) | b[7]!] ?? '?';
      return `pana ${type}${b[4]! & 0x80 ? ' req' : ' ans'}`;
    }
    if (port) return p.destination[0] === 0xff ? 'mle-multicast (beacons)' : 'mle-unicast';
    return `udp:${u.datagram.destinationPort}`;
  }
  if (u.kind === 'icmpv6') {
    const m = u.message as { kind: string; code?: number };
    return m.kind === 'rpl' ? `rpl:${m.code}` : m.kind;
  }
  return u.kind;
}
// Wrapped in place (a diagnostic, never in product code): the originals are called with `this`.
const portSend = Object.getOwnPropertyDescriptor(RadioPort.prototype, 'send')!.value as RadioPort['send'];
// First PCI and first PANA answer each PaC sent itself (link-local source), virtual ms.
const firstPci = new Map<string, number>();
const firstPan = new Map<string, number>();
let nowMs = () => 0;
RadioPort.prototype.send = function (this: RadioPort, packet, ...rest) {
  currentKind = kindOf(packet);
  if (packet.source[0] === 0xfe && packet.source[1] === 0x80) {
    const who = Buffer.from(packet.source.subarray(8)).toString('hex');
    if (currentKind === 'pana PCI ans' && !firstPci.has(who)) firstPci.set(who, nowMs());
    if (currentKind === 'pana auth ans' && !firstPan.has(who)) firstPan.set(who, nowMs());
  }
  const k = perKind.get(currentKind) ?? { datagrams: 0, frames: 0, attempts: 0, octets: 0 };
  k.datagrams++;
  perKind.set(currentKind, k);
  return portSend.call(this, packet, ...rest);
};
const macTransmit = Object.getOwnPropertyDescriptor(RadioMac.prototype, 'transmit')!
  .value as RadioMac['transmit'];
RadioMac.prototype.transmit = function (this: RadioMac, request, done) {
  // The tablet transmits through its own radio, not a RadioPort: its frames count as 'other'.
  const k = perKind.get(currentKind) ?? { datagrams: 0, frames: 0, attempts: 0, octets: 0 };
  perKind.set(currentKind, k);
  k.frames++;
  k.octets += request.psdu.length;
  return macTransmit.call(this, request, (r) => {
    k.attempts += r.attempts;
    done(r);
  });
};

const name = process.argv[2] ?? 'town-200';
const limitS = Number(process.argv[3] ?? 600);
const spreadS = Number(process.argv[4] ?? 10);
const started = performance.now();
const sys = await buildVirtualSystem({
  scenario: loadScenario(name),
  powerOnSpreadMs: spreadS * 1000,
  ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}),
  ...(process.env.MAC_JSON ? { mac: JSON.parse(process.env.MAC_JSON) as Record<string, number> } : {}),
  ...(process.env.PAA_IRT_MS
    ? { paaRetransmission: { irt: Number(process.env.PAA_IRT_MS), mrt: 60_000, mrc: 10 } }
    : {}),
  ...(process.env.MAX_PENDING ? { maxPendingSessions: Number(process.env.MAX_PENDING) } : {}),
  ...(process.env.JOIN_ATTEMPT_MS || process.env.METER_TIMING_JSON
    ? {
        meterTiming: {
          ...(process.env.JOIN_ATTEMPT_MS ? { joinAttemptMs: Number(process.env.JOIN_ATTEMPT_MS) } : {}),
          ...(process.env.METER_TIMING_JSON
            ? (JSON.parse(process.env.METER_TIMING_JSON) as Record<string, number>)
            : {}),
        },
      }
    : {}),
});
nowMs = () => sys.scheduler.now();
sys.start();
const n = sys.field.meters.length;
const checkpoints = [30, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200].filter((c) => c <= limitS);
let fullAt: number | undefined;
for (let t = 1; t <= limitS; t++) {
  sys.runUntil(t * 1000);
  await new Promise<void>((r) => setImmediate(r)); // the key server's async steps
  const joined = sys.field.meters.filter((m) => m.state === 'joined').length;
  if (joined === n && fullAt === undefined) fullAt = t;
  if (checkpoints.includes(t) || (fullAt === t && !checkpoints.includes(t))) {
    const states = new Map<string, number>();
    for (const m of sys.field.meters) states.set(m.state, (states.get(m.state) ?? 0) + 1);
    const authenticated = sys.report().filter((r) => r.authenticated).length;
    console.log(
      `t=${t}s joined ${joined}/${n} (${((100 * joined) / n).toFixed(1)} %) authenticated ${authenticated} ` +
        `${JSON.stringify(Object.fromEntries(states))} wall ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  if (fullAt !== undefined && t >= Math.max(120, fullAt)) break;
}
const sum: Record<string, number> = {};
for (const m of [sys.field.tabletNodeId, ...sys.field.meters.map((_, i) => i + 1)]) {
  const s = sys.field.medium.statsOf(m) as unknown as Record<string, number>;
  for (const [k, val] of Object.entries(s)) sum[k] = (sum[k] ?? 0) + val;
}
console.log('radio (all nodes)', JSON.stringify(sum));
const rpl: Record<string, number> = {};
const meter: Record<string, number> = {};
for (const m of sys.field.meters) {
  const c = (m as unknown as { v?: { rpl?: { counters: Record<string, number> } } }).v?.rpl?.counters;
  if (c) for (const [k, val] of Object.entries(c)) rpl[k] = (rpl[k] ?? 0) + val;
  for (const [k, val] of Object.entries(m.counters as unknown as Record<string, number>))
    meter[k] = (meter[k] ?? 0) + val;
}
console.log('rpl (current sessions)', JSON.stringify(rpl));
console.log('meter', JSON.stringify(meter));
console.log('root counters', JSON.stringify(sys.root.counters()));
const report = sys.report();
const hops = report.map((r) => r.hops ?? 0);
const hopHistogram = new Map<number, number>();
for (const h of hops) hopHistogram.set(h, (hopHistogram.get(h) ?? 0) + 1);
console.log('hops', JSON.stringify(Object.fromEntries([...hopHistogram].sort((a, b) => a[0] - b[0]))));
console.log('max hops', Math.max(...hops), 'full join at', fullAt ?? '-', 's');
console.log(`wall ${((performance.now() - started) / 1000).toFixed(1)} s, events ${sys.scheduler.eventsRun}`);
const reasons = new Map<string, number>();
for (const m of sys.field.meters)
  for (const e of m.history) {
    const key = e.event.replace(/[0-9a-f]{16}/g, 'X').replace(/\d+/g, 'N');
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
console.log('history', JSON.stringify([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 20)));
console.log('per kind (datagrams, frames, attempts, octets):');
for (const [k, c] of [...perKind].sort((a, b) => b[1].attempts - a[1].attempts))
  console.log(`  ${k.padEnd(24)} ${c.datagrams} ${c.frames} ${c.attempts} ${c.octets}`);
const pacDrops = new Map<string, number>();
for (const m of sys.field.meters) {
  const pacOf = (m as unknown as { v?: { pac?: { drops: ReadonlyMap<string, number> } } }).v?.pac;
  if (pacOf) for (const [k, c] of pacOf.drops) pacDrops.set(k, (pacDrops.get(k) ?? 0) + c);
}
console.log('pac drops (current sessions)', JSON.stringify(Object.fromEntries(pacDrops)));
console.log('tablet radio', JSON.stringify(sys.field.medium.statsOf(sys.field.tabletNodeId)));
function diagnoseTablet(r: object): unknown {
  const x = r as unknown as {
    neighbours: Map<string, { dioAt?: number; rank: number; version: number; linkLocal: Uint8Array }>;
    detachedAt: number;
    lowestRank: number;
    poisonUntil?: number;
  };
  const n = [...x.neighbours.values()].find((e) => sameAddress(e.linkLocal, tabletLinkLocal));
  return {
    dioAt: n?.dioAt,
    rank: n?.rank,
    v: n?.version,
    detachedAt: x.detachedAt,
    lowest: x.lowestRank,
    nb: x.neighbours.size,
  };
}
// How long each step of a join took (PANA start → authenticated → DAO acknowledged).
const authS: number[] = [];
const routeS: number[] = [];
for (const m of sys.field.meters) {
  const pana = m.history.findLast((e) => e.event.startsWith('PANA through'));
  const auth = m.history.find((e) => e.event.startsWith('authenticated'));
  const dao = m.history.find((e) => e.event.startsWith('DAO acknowledged'));
  if (pana && auth && auth.at >= pana.at) authS.push((auth.at - pana.at) / 1000);
  if (auth && dao) routeS.push((dao.at - auth.at) / 1000);
}
const median = (xs: number[]) =>
  xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1) : '-';
console.log(
  `PANA start → authenticated: median ${median(authS)} s of ${authS.length}; authenticated → DAO-ACK: median ${median(routeS)} s of ${routeS.length}`,
);
const pciToPan: number[] = [];
for (const [who, at] of firstPan) {
  const pci = firstPci.get(who);
  if (pci !== undefined) pciToPan.push((at - pci) / 1000);
}
console.log(
  `first PCI → first PAN: median ${median(pciToPan)} s of ${pciToPan.length} (PCIs from ${firstPci.size} PaCs)`,
);
// Meters the tablet hears well: their RPL parent and their ETX estimate to the tablet.
const tabletLinkLocal = sys.root.linkLocal;
const sameAddress = (a: Uint8Array | undefined, b: Uint8Array) => !!a && a.every((x, i) => x === b[i]);
let near = 0;
let viaTablet = 0;
const nearLines: string[] = [];
for (const m of sys.field.meters) {
  const id = sys.field.directory.get(m.eui64)!;
  const lb = sys.field.medium.linkBudget(id, sys.field.tabletNodeId);
  if (lb.rssiDbm < -100) continue;
  const r = (m as unknown as { v?: { rpl?: RplNode } }).v?.rpl;
  if (!r?.joined) continue;
  near++;
  const onTablet = sameAddress(r.preferredParent, tabletLinkLocal);
  if (onTablet) viaTablet++;
  nearLines.push(
    `${m.eui64.toString(16)} ${lb.rssiDbm.toFixed(0)} dBm rank ${r.rank} parent ${onTablet ? 'tablet' : 'meter'} etx(tablet) ${r.etxTo(tabletLinkLocal)?.toFixed(2) ?? '-'}` +
      (process.env.DIAG_VERBOSE === '2' ? ' ' + JSON.stringify(diagnoseTablet(r)) : ''),
  );
}
console.log(`RPL nodes hearing the tablet above -100 dBm: ${near}, with the tablet as parent: ${viaTablet}`);
if (process.env.DIAG_VERBOSE) for (const l of nearLines) console.log('  ' + l);
// A meter counted joined must hold an open PANA session at the key server, or no key rotation
// reaches it (a lost PAN-C: the PaC opened, the PAA failed the session).
await sys.settle();
const inSession = sys.keyServer.metersInSession();
const halfOpen = sys.report().filter((r) => r.joined && !inSession.has(r.id));
console.log(
  `joined without an open session at the key server: ${halfOpen.length}` +
    (halfOpen.length ? ` (${halfOpen.map((r) => r.id).join(' ')})` : ''),
);
await sys.close();
