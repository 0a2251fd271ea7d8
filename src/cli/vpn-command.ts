/**
 * `fieldroot vpn ping --config <wg-quick file> --target <ipv6> [--count N]` — brings up the
 * tool's WireGuard client to the config's [Peer] (the gateway) and pings through the tunnel.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { VpnClient, VpnConfigError, vpnClientOptionsFromConfig } from '../field/vpn/index.ts';
import type { PingResult } from '../field/vpn/index.ts';
import { createLogger } from '../log/index.ts';
import type { LogLevel } from '../log/index.ts';
import { formatIpv6Address, parseIpv6Address } from '../stack/ipv6/index.ts';
import { DecodeError } from '../stack/wire/index.ts';
import { REKEY_TIMEOUT, WgConfigError, parseWgQuickConfig } from '../stack/wireguard/index.ts';
import { UsageError } from './command.ts';
import type { CliCommand, CliIo } from './command.ts';

/** Two initiation attempts (whitepaper §6.4 retransmits after REKEY_TIMEOUT), then give up. */
const HANDSHAKE_WAIT_MS = 2 * REKEY_TIMEOUT;

const HELP = [
  'Usage: fieldroot vpn ping --config <file> --target <ipv6> [--count <n>] [--timeout <ms>]',
  '                          [--interval <ms>]',
  '',
  'ping   Brings up the WireGuard tunnel described by a wg-quick style config file (one',
  '       [Interface] with an IPv6 Address, one [Peer] with an Endpoint: the gateway), then sends',
  '       ICMPv6 echo requests to --target through the tunnel and prints each round trip and a',
  '       summary. PreUp/PostUp/DNS/Table and other host-changing keys are refused.',
  '       --config    wg-quick file (the private key is read from it and never printed)',
  "       --target    IPv6 address inside the tunnel, e.g. the gateway's tunnel address",
  '       --count     echo requests to send, 1..1000 (default 3)',
  '       --timeout   ms to wait for each reply, 10..60000 (default 2000)',
  '       --interval  ms between requests, 0..60000 (default 1000)',
  `       Exits 1 when no reply came (or no handshake within ${HANDSHAKE_WAIT_MS / 1000} s), 2 on usage or`,
  '       config errors.',
  '',
  'Set FIELDROOT_LOG_LEVEL=info to see the tunnel log.',
].join('\n');

function cliLogLevel(): LogLevel {
  const env = process.env.FIELDROOT_LOG_LEVEL;
  return env === 'trace' || env === 'debug' || env === 'info' || env === 'warn' || env === 'error'
    ? env
    : 'error';
}

function intOption(value: string | undefined, name: string, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  }
  return Number(value);
}

function waitForUp(client: VpnClient, ms: number): Promise<boolean> {
  if (client.state === 'up') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('up', onUp);
      resolve(false);
    }, ms);
    const onUp = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('up', onUp);
  });
}

function summary(target: string, results: PingResult[]): string[] {
  const rtts = results.map((r) => r.rttMs).filter((r): r is number => r !== null);
  const loss = Math.round((100 * (results.length - rtts.length)) / results.length);
  const lines = [
    `--- ${target} ping statistics ---`,
    `${results.length} packets transmitted, ${rtts.length} received, ${loss}% packet loss`,
  ];
  if (rtts.length > 0) {
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    lines.push(
      `rtt min/avg/max = ${Math.min(...rtts).toFixed(1)}/${avg.toFixed(1)}/${Math.max(...rtts).toFixed(1)} ms`,
    );
  }
  return lines;
}

async function runPing(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      target: { type: 'string' },
      count: { type: 'string' },
      timeout: { type: 'string' },
      interval: { type: 'string' },
    },
    strict: true,
  });
  if (values.config === undefined) throw new UsageError('vpn ping needs --config <file>');
  if (values.target === undefined) throw new UsageError('vpn ping needs --target <ipv6>');
  let target: Uint8Array;
  try {
    target = parseIpv6Address(values.target);
  } catch (e) {
    if (e instanceof DecodeError) throw new UsageError(`--target: ${e.reason}`);
    throw e;
  }
  const count = intOption(values.count, 'count', 1, 1000, 3);
  const timeoutMs = intOption(values.timeout, 'timeout', 10, 60_000, 2000);
  const intervalMs = intOption(values.interval, 'interval', 0, 60_000, 1000);

  let text: string;
  try {
    text = readFileSync(values.config, 'utf8');
  } catch (e) {
    io.err(`fieldroot vpn: cannot read ${values.config}: ${(e as Error).message}`);
    return 2;
  }
  let client: VpnClient;
  try {
    const config = parseWgQuickConfig(text);
    const options = vpnClientOptionsFromConfig(config);
    config.interface.privateKey.fill(0);
    client = new VpnClient({ ...options, logger: createLogger('field.vpn', { level: cliLogLevel() }) });
    options.privateKey.wipe();
    options.gateway.presharedKey?.wipe();
  } catch (e) {
    if (e instanceof WgConfigError || e instanceof VpnConfigError) {
      io.err(`fieldroot vpn: ${values.config}: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const targetText = formatIpv6Address(target);
  try {
    await client.start();
    if (!(await waitForUp(client, HANDSHAKE_WAIT_MS))) {
      io.err(`fieldroot vpn: no handshake with the gateway within ${HANDSHAKE_WAIT_MS / 1000} s`);
      return 1;
    }
    io.out(`PING ${targetText} through the WireGuard tunnel`);
    const results: PingResult[] = [];
    for (let i = 0; i < count; i++) {
      if (i > 0 && intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
      const [result] = await client.ping(target, { count: 1, timeoutMs });
      if (result === undefined) break;
      const seq = result.sequence;
      results.push(result);
      io.out(
        result.rttMs === null
          ? `no reply from ${targetText}: seq=${seq} (timeout ${timeoutMs} ms)`
          : `reply from ${targetText}: seq=${seq} time=${result.rttMs.toFixed(1)} ms`,
      );
    }
    for (const line of summary(targetText, results)) io.out(line);
    return results.some((r) => r.rttMs !== null) ? 0 : 1;
  } catch (e) {
    io.err(`fieldroot vpn: ${(e as Error).message}`);
    return 1;
  } finally {
    await client.stop();
  }
}

export const vpnCommand: CliCommand = {
  name: 'vpn',
  summary: 'Bring up the WireGuard tunnel from a wg-quick file and ping through it',
  help: HELP,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    try {
      switch (sub) {
        case 'ping':
          return await runPing(rest, io);
        default:
          throw new UsageError(
            sub === undefined ? 'missing subcommand: ping' : `unknown subcommand "${sub}"`,
          );
      }
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
        throw new UsageError((e as Error).message);
      }
      throw e;
    }
  },
};
