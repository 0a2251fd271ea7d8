/**
 * Benchmark measurement: runs a function in batches until a time budget is spent and reports
 * operations per second, after a warm-up so the JIT has settled. Single-threaded, so the figure
 * is "on one core".
 */
import os from 'node:os';

export interface Measurement {
  name: string;
  ops: number;
  seconds: number;
  opsPerSecond: number;
}

export function measure(name: string, fn: () => unknown, budgetSeconds = 1.0): Measurement {
  const warmUntil = performance.now() + Math.min(200, budgetSeconds * 250);
  while (performance.now() < warmUntil) fn();
  let ops = 0;
  let batch = 16;
  const start = performance.now();
  const stop = start + budgetSeconds * 1000;
  let now = start;
  while (now < stop) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    now = performance.now();
    if (now - start < 50) batch *= 2;
  }
  const seconds = (now - start) / 1000;
  return { name, ops, seconds, opsPerSecond: ops / seconds };
}

/** The conditions every benchmark prints with its figures. */
export function conditions(extra: Record<string, string> = {}): string {
  const cpus = os.cpus();
  const lines = {
    date: new Date().toISOString(),
    node: process.version,
    openssl: process.versions.openssl ?? 'none',
    cpu: `${cpus[0]?.model ?? 'unknown'} (${cpus.length} logical cores; benchmark uses one)`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    ...extra,
  };
  return Object.entries(lines)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n');
}

export function formatRate(m: Measurement, extra = ''): string {
  const rate =
    m.opsPerSecond >= 1000 ? `${(m.opsPerSecond / 1000).toFixed(1)} k/s` : `${m.opsPerSecond.toFixed(0)} /s`;
  return `  ${m.name.padEnd(52)} ${rate.padStart(12)}${extra ? '  ' + extra : ''}`;
}
