/**
 * Join convergence on the virtual clock (issue #3 "Benchmark"): the tool's real MeshRoot and the
 * head-end's real KeyServer with a shipped scenario's simulated meters (src/cli/sim/virtual-system.ts).
 *
 * Figures per scenario: simulated seconds until every meter is joined (or the share joined at the
 * bound), airtime used per meter, the ratio of the join time to a lower bound the radio allows, and
 * the wall-clock time of the run. Nothing is asserted; the conditions are printed.
 *
 * The lower bound: every meter's join needs a minimum set of frames that cross the tablet's own
 * radio neighbourhood, whatever the path: the PANA exchange the tablet relays for it (or that the
 * first-hop relay forwards to the tablet), the MLE Link Request/Accept with its parent and the
 * DAO/DAO-ACK to the root. All of them share one channel around the tablet (one transmitter at a
 * time there, half-duplex), so at best they are serialised back to back: bound = meters × Σ
 * airtime(mandatory frame + its ACK). Collisions, back-offs, retries, the Trickle DIOs, beacons,
 * multi-hop copies and the round trips to the head-end all come on top.
 */
import { loadScenario } from '../hardware/sim/scenario/index.ts';
import { buildVirtualSystem } from '../src/cli/sim/virtual-system.ts';
import { conditions } from './support/measure.ts';

/**
 * Mandatory frames per meter join at their last hop, nominal PSDU octets (64-bit MAC addresses,
 * 4-octet FCS, 6LoWPAN IPHC; secured frames add the auxiliary header and MIC-32).
 */
const MANDATORY_FRAMES: readonly { what: string; octets: number }[] = [
  { what: 'PCI', octets: 66 },
  { what: 'PAR (start)', octets: 90 },
  { what: 'PAN (start)', octets: 90 },
  { what: 'PAR (EAP-PSK 1)', octets: 120 },
  { what: 'PAN (EAP-PSK 2)', octets: 140 },
  { what: 'PAR (EAP-PSK 3)', octets: 130 },
  { what: 'PAN (EAP-PSK 4)', octets: 110 },
  { what: 'PAR-C (success, key-wrap)', octets: 170 },
  { what: 'PAN-C', octets: 90 },
  { what: 'MLE Link Request', octets: 75 },
  { what: 'MLE Link Accept', octets: 85 },
  { what: 'DAO', octets: 80 },
  { what: 'DAO-ACK', octets: 50 },
];
const ACK_OCTETS = 9;

const RUNS: readonly { scenario: string; limitS: number }[] = [
  { scenario: 'isolated-area-20', limitS: 300 },
  // 900 s: long enough to print town-200's full-join time (594 s in session 4), not just a share.
  { scenario: 'town-200', limitS: 900 },
  { scenario: 'dense-1000', limitS: 120 },
];

export async function run(): Promise<void> {
  console.log('bench join — virtual clock, real MeshRoot + KeyServer, simulated meters');
  console.log(conditions());
  const wanted = process.env.BENCH_JOIN_SCENARIOS?.split(',');
  for (const r of RUNS) {
    if (wanted && !wanted.includes(r.scenario)) continue;
    const scenario = loadScenario(r.scenario);
    const started = performance.now();
    const sys = await buildVirtualSystem({ scenario });
    try {
      sys.start();
      const progress = await sys.runUntilJoined({ limitMs: r.limitS * 1000, stepMs: 1_000 });
      const wallS = (performance.now() - started) / 1000;
      const n = sys.field.meters.length;
      const medium = sys.field.medium;
      let meterAirUs = 0;
      for (const m of sys.field.meters)
        meterAirUs += medium.statsOf(sys.field.directory.get(m.eui64)!).airtimeUs;
      const tabletAirUs = medium.statsOf(sys.field.tabletNodeId).airtimeUs;
      const perJoinUs = MANDATORY_FRAMES.reduce(
        (s, f) => s + medium.airtimeUs(f.octets) + medium.airtimeUs(ACK_OCTETS),
        0,
      );
      const boundS = (n * perJoinUs) / 1e6;
      const hops = sys.report().map((x) => x.hops ?? 0);
      console.log(
        `\n${r.scenario}: ${n} meters, ${scenario.radio.lossRate * 100} % extra loss, max ${Math.max(...hops)} hops`,
      );
      console.log(
        `  joined: ${progress.atMs !== undefined ? `all in ${(progress.atMs / 1000).toFixed(1)} simulated s` : `${(100 * progress.joinedFraction).toFixed(1)} % at the bound of ${r.limitS} s`}`,
      );
      console.log(
        `  airtime: ${(meterAirUs / n / 1000).toFixed(0)} ms per meter, tablet ${(tabletAirUs / 1000).toFixed(0)} ms in total`,
      );
      console.log(
        `  lower bound: ${boundS.toFixed(1)} s (${MANDATORY_FRAMES.length} mandatory frames + ACKs per meter, ${(perJoinUs / 1000).toFixed(0)} ms, serialised around the tablet at ${medium.phy.bitRateBps / 1000} kbps)`,
      );
      const joinS = progress.atMs !== undefined ? progress.atMs / 1000 : r.limitS;
      console.log(
        `  ratio join time / bound: ${progress.atMs !== undefined ? '' : '≥ '}${(joinS / boundS).toFixed(1)}`,
      );
      // Joined must mean a session open at the key server too (a lost PAN-C leaves it half-open).
      await sys.settle();
      const inSession = sys.keyServer.metersInSession();
      const halfOpen = sys.report().filter((x) => x.joined && !inSession.has(x.id));
      console.log(
        `  joined without an open PANA session at the key server: ${halfOpen.length}${halfOpen.length ? ` (${halfOpen.map((x) => x.id).join(' ')})` : ''}`,
      );
      console.log(`  wall clock: ${wallS.toFixed(1)} s, ${sys.scheduler.eventsRun} events`);
    } finally {
      await sys.close();
    }
  }
}
