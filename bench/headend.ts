/**
 * Head-end AMR figures (issue #5 benchmark):
 *  1. ingest: readings per second stored through ReadingRepository.ingest (SQLite WAL, one
 *     transaction per batch), each reading with E0+E3 registers and one day of E2 history;
 *  2. read-results API latency (p50/p99) with 100 tools calling at once, each over its own
 *     keep-alive mutual-TLS connection with a worker session and a grant's access key, against a
 *     database of 10,000 meters.
 * Single process (server and clients share the event loop and one core); timing is printed with
 * the conditions, never asserted.
 */
import { Agent, request } from 'node:https';
import os from 'node:os';
import { ACCESS_KEY_HEADER } from '../src/contract/headend-api/index.ts';
import type { MeterReading } from '../src/headend/storage/index.ts';
import { AmrApi, type Worker } from '../test/headend/amr/fixtures/amr-api.ts';
import { conditions } from './support/measure.ts';

const METERS = 10_000;
const TOOLS = 100;
const METERS_PER_TOOL = METERS / TOOLS;
const READINGS_PER_METER = 3;
const BATCH = 100;
const REQUESTS_PER_TOOL = 20;

function reading(meterId: string, readAtMs: number, raw: number): MeterReading {
  return {
    meterId,
    readAtMs,
    registers: [
      { register: 'normal', raw, coefficient: 1, unitExponent: -1, digits: 8 },
      { register: 'reverse', raw: raw >> 3, coefficient: 1, unitExponent: -1, digits: 8 },
    ],
    instantaneousPowerW: 1_234,
    currentRDeciampere: 70,
    currentTDeciampere: 53,
    history: [
      {
        register: 'normal',
        day: '2026-11-21',
        slots: Array.from({ length: 48 }, (_, i) => raw - 48 + i),
      },
    ],
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function get(agent: Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function run(): Promise<void> {
  const api = await AmrApi.start('bench-headend');
  try {
    const r = api.field.store.repositories;
    for (let i = 0; i < METERS; i++) {
      const id = `B-${String(i).padStart(5, '0')}`;
      await r.meters.upsert({
        meterId: id,
        eui64: `0200b00000${i.toString(16).padStart(6, '0')}`,
        site: 'bench',
        latitude: 35,
        longitude: 139,
        serving: { via: 'gateway', id: 'gw', sinceMs: api.field.now },
      });
    }

    // 1. ingest
    const base = api.field.now - 10 * 86_400_000;
    let batches = 0;
    const ingestStart = performance.now();
    for (let round = 0; round < READINGS_PER_METER; round++) {
      for (let first = 0; first < METERS; first += BATCH) {
        const readings: MeterReading[] = [];
        for (let i = first; i < first + BATCH; i++)
          readings.push(
            reading(
              `B-${String(i).padStart(5, '0')}`,
              base + round * 3_600_000 + i,
              1_000_000 + round * 10 + i,
            ),
          );
        await r.readings.ingest({
          batchId: `bench-${batches++}`,
          receivedAtMs: api.field.now,
          readings,
          exceptions: [],
        });
      }
    }
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    const ingested = METERS * READINGS_PER_METER;

    // 2. API latency
    const workers: Worker[] = [];
    for (let t = 0; t < TOOLS; t++) {
      const meterIds = Array.from(
        { length: METERS_PER_TOOL },
        (_, i) => `B-${String(t * METERS_PER_TOOL + i).padStart(5, '0')}`,
      );
      workers.push(
        await api.worker(`w${t}`, `bench-tool-${String(t).padStart(3, '0')}`, meterIds, 4 * 3_600_000),
      );
    }
    const latencies: number[] = [];
    const firstLatencies: number[] = [];
    let errors = 0;
    const wallStart = performance.now();
    await Promise.all(
      workers.map(async (w, t) => {
        const agent = new Agent({
          keepAlive: true,
          maxSockets: 1,
          // The bench trusts its own head-end CA only.
          ca: api.caCertificatePem,
          cert: w.client.certificatePem,
          key: w.client.privateKeyPem,
        });
        const headers = { authorization: `Bearer ${w.token}`, [ACCESS_KEY_HEADER]: w.accessKey };
        // The first request pays the TLS handshake (ECDSA P-256 client certificate); it is
        // reported apart from the steady state.
        for (let n = -1; n < REQUESTS_PER_TOOL; n++) {
          const meter = `B-${String(t * METERS_PER_TOOL + ((Math.max(n, 0) * 7) % METERS_PER_TOOL)).padStart(5, '0')}`;
          const start = performance.now();
          const status = await get(
            agent,
            `${api.url}/v1/meters/${meter}/readings?fromMs=0&toMs=${String(api.field.now + 1)}`,
            headers,
          );
          (n < 0 ? firstLatencies : latencies).push(performance.now() - start);
          if (status !== 200) errors++;
        }
        agent.destroy();
      }),
    );
    const wallSeconds = (performance.now() - wallStart) / 1000;
    latencies.sort((a, b) => a - b);
    firstLatencies.sort((a, b) => a - b);

    console.log('headend (AMR storage and read-results API)');
    console.log(
      conditions({
        database: `SQLite WAL in a temp folder; ${METERS} meters, ${ingested} readings (2 registers + 48-slot day each)`,
        api: `Fastify HTTPS mTLS on 127.0.0.1, ${TOOLS} tools × ${REQUESTS_PER_TOOL} sequential requests each, all tools at once, keep-alive`,
        note: 'server and clients in one process on one event loop',
        'load average (1/5/15 min)': os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' / '),
      }),
    );
    console.log(
      `  ingest: ${(ingested / ingestSeconds).toFixed(0)} readings/s (${ingested} in ${ingestSeconds.toFixed(2)} s, batches of ${BATCH})`,
    );
    console.log(
      `  GET /v1/meters/{id}/readings (steady state): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `${((latencies.length + firstLatencies.length) / wallSeconds).toFixed(0)} req/s overall, ` +
        `${errors} non-200 of ${latencies.length + firstLatencies.length}`,
    );
    console.log(
      `  first request of each tool (with its TLS handshake): p50 ${percentile(firstLatencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(firstLatencies, 99).toFixed(1)} ms`,
    );
  } finally {
    await api.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
