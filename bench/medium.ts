/**
 * RF medium throughput on the virtual clock: a 1,000-meter field (dense-1000) where every meter
 * sends periodic frames through its RadioMac (CSMA-CA, ACKs, duty-cycle accounting), and the
 * medium works out who hears what. Figures: simulated frames put on air per wall-clock second,
 * and decoded receptions per wall-clock second. Single-threaded; timing is printed, not asserted.
 */
import os from 'node:os';
import { VirtualScheduler } from '../hardware/sim/clock/index.ts';
import type { TransmitResult } from '../hardware/sim/medium/index.ts';
import { RadioMac, RadioMedium } from '../hardware/sim/medium/index.ts';
import { Random } from '../hardware/sim/random.ts';
import { conditions } from './support/measure.ts';

interface Scenario {
  name: string;
  nodes: number;
  areaM: number;
  psduOctets: number;
  /** Mean interval between a node's frames, ms (uniform in ½…1½ of it). */
  intervalMs: number;
  unicastWithAck: boolean;
  simulatedSeconds: number;
}

const SCENARIOS: Scenario[] = [
  // Meter-like load: a frame per meter every 20 s; most frames reach most neighbours.
  {
    name: 'dense-1000 broadcast, light load',
    nodes: 1000,
    areaM: 2000,
    psduOctets: 80,
    intervalMs: 20_000,
    unicastWithAck: false,
    simulatedSeconds: 600,
  },
  // Stress loads: the channel around each meter is busy about half the time.
  {
    name: 'dense-1000 broadcast',
    nodes: 1000,
    areaM: 2000,
    psduOctets: 80,
    intervalMs: 1000,
    unicastWithAck: false,
    simulatedSeconds: 60,
  },
  {
    name: 'dense-1000 unicast + ACK',
    nodes: 1000,
    areaM: 2000,
    psduOctets: 80,
    intervalMs: 2000,
    unicastWithAck: true,
    simulatedSeconds: 60,
  },
];

function runScenario(sc: Scenario, report = true): void {
  const buildStart = performance.now();
  const scheduler = new VirtualScheduler();
  const medium = new RadioMedium(scheduler, { seed: sc.name });
  const placement = new Random(`${sc.name}:placement`);
  for (let i = 0; i < sc.nodes; i++) {
    medium.addNode({ x: placement.uniformRange(0, sc.areaM), y: placement.uniformRange(0, sc.areaM) });
  }
  const macs: RadioMac[] = [];
  const neighbours: number[][] = [];
  let received = 0;
  let unacked = 0;
  const onDone = (r: TransmitResult): void => {
    if (r.status !== 'sent' || (sc.unicastWithAck && !r.acked)) unacked++;
  };
  for (let id = 0; id < sc.nodes; id++) {
    const mac = new RadioMac(medium, id);
    mac.onReceive = () => {
      received++;
    };
    macs.push(mac);
    neighbours.push(medium.neighbours(id));
  }
  const buildMs = performance.now() - buildStart;

  const psdu = new Uint8Array(sc.psduOctets);
  for (let id = 0; id < sc.nodes; id++) {
    const random = medium.random.fork(`traffic:${id}`);
    const mac = macs[id]!;
    const around = neighbours[id]!;
    const send = (): void => {
      const destination =
        sc.unicastWithAck && around.length > 0 ? around[random.int(0, around.length - 1)]! : 'broadcast';
      mac.transmit({ psdu, ackRequest: destination !== 'broadcast', destination }, onDone);
      scheduler.scheduleAfter(sc.intervalMs * (0.5 + random.uniform()), send);
    };
    scheduler.scheduleAt(random.uniformRange(0, sc.intervalMs), send);
  }

  const runStart = performance.now();
  const cpuStart = process.cpuUsage();
  const events = scheduler.runFor(sc.simulatedSeconds * 1000);
  const wallS = (performance.now() - runStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  // On a shared machine the wall clock includes time the process waited for a core; the CPU
  // time (user + system) shows what the simulator itself costs.
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const t = medium.totals();
  const meanNeighbours = neighbours.reduce((n, list) => n + list.length, 0) / sc.nodes;
  const framesPerWallS = t.transmissions / wallS;
  const heardAttempts =
    t.framesReceived + t.framesOverheard + t.lostCollision + t.lostNoise + t.lostHalfDuplex;

  if (!report) return;
  console.log(`\n${sc.name}`);
  console.log(
    conditions({
      field: `${sc.nodes} nodes uniform in ${sc.areaM} m × ${sc.areaM} m (seeded), mean ${meanNeighbours.toFixed(1)} decodable neighbours`,
      radio: '13 dBm, sensitivity −105 dBm, CCA −95 dBm, n = 3.5, shadowing σ 6 dB, 100 kb/s SUN-FSK',
      traffic: `${sc.psduOctets}-octet PSDU every ${sc.intervalMs} ms ± 50 % per node, ${
        sc.unicastWithAck ? 'unicast to a random neighbour with ACK request' : 'broadcast'
      }`,
      simulated: `${sc.simulatedSeconds} s`,
      load: `1-min load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores (wall figures shrink with it)`,
    }),
  );
  console.log(`  build (links for ${sc.nodes} nodes)                    ${buildMs.toFixed(0)} ms`);
  console.log(
    `  wall time                                          ${wallS.toFixed(2)} s, CPU ${cpuS.toFixed(2)} s (${events} events)`,
  );
  console.log(
    `  speed-up over real time                            ${(sc.simulatedSeconds / wallS).toFixed(0)}×`,
  );
  console.log(
    `  simulated frames on air per wall second            ${(framesPerWallS / 1000).toFixed(1)} k/s  (${t.transmissions} frames, ${t.acksSent} of them ACKs)`,
  );
  console.log(
    `  simulated frames on air per CPU second             ${(t.transmissions / cpuS / 1000).toFixed(1)} k/s`,
  );
  console.log(
    `  delivered receptions per wall second               ${(received / wallS / 1000).toFixed(1)} k/s  (${received} receptions)`,
  );
  console.log(
    `  of frames a neighbour could have decoded: received ${pct(t.framesReceived + t.framesOverheard, heardAttempts)}, collision ${pct(t.lostCollision, heardAttempts)}, noise ${pct(t.lostNoise, heardAttempts)}, half-duplex ${pct(t.lostHalfDuplex, heardAttempts)}`,
  );
  console.log(
    `  MAC: ${t.transmitRequests} requests, ${t.ccaBusy} busy CCAs, ${t.channelAccessFailures} access failures, ${t.retries} retries, ${t.noAck} no-ack, ${unacked} not sent/acked`,
  );
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} %`;
}

export function run(): void {
  console.log('medium: RF medium + RadioMac on the virtual clock');
  // Warm-up (not reported): the first scenario would otherwise pay for the JIT compiling the medium.
  for (const sc of SCENARIOS) runScenario({ ...sc, simulatedSeconds: 5 }, false);
  for (const sc of SCENARIOS) runScenario(sc);
}
