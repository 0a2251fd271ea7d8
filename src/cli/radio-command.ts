/**
 * `fieldroot radio list` — serial ports with their USB ids, allowed dongles marked.
 * `fieldroot radio info --port <path> [--baud <n>]` — resets the dongle and prints what it reports.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_DONGLE_USB_IDS,
  allowedDongle,
  listPorts,
  parseUsbIdList,
} from '../../hardware/ports/index.ts';
import type { UsbId } from '../../hardware/ports/index.ts';
import {
  DEFAULT_BAUD_RATE,
  SPINEL_BAUD_RATES,
  SerialOpenError,
  SerialPortLink,
  SpinelDongle,
  SpinelDongleError,
  formatChannels,
} from '../../hardware/spinel/index.ts';
import { SPINEL_CAP, SPINEL_PROTOCOL_TYPE } from '../stack/spinel/index.ts';
import { createLogger } from '../log/index.ts';
import type { LogLevel } from '../log/index.ts';
import { UsageError } from './command.ts';
import type { CliCommand, CliIo } from './command.ts';

const HELP = [
  'Usage: fieldroot radio list [--allow <vid:pid,...>] [--json]',
  '       fieldroot radio info --port <path> [--baud <n>] [--timeout <ms>]',
  '',
  'list   Lists serial ports with their USB vendor:product ids, serial numbers and makers.',
  '       Ports whose USB id is on the dongle allow-list are marked with "*".',
  '       --allow   replaces the allow-list (comma-separated vendor:product ids)',
  '       --json    prints the list as JSON',
  '',
  'info   Resets the dongle on --port, then prints its Spinel protocol and firmware versions,',
  '       RCP API version, capabilities, supported channels, PSDU limit and hardware address.',
  `       --baud     ${SPINEL_BAUD_RATES.join(', ')} (default ${DEFAULT_BAUD_RATE})`,
  '       --timeout  per-request timeout in ms (default 2000; the reset wait is 1.5x this)',
  '       Exits 1 when the port cannot be opened or the dongle does not answer properly.',
  '',
  `Default allow-list: ${DEFAULT_DONGLE_USB_IDS.map((id) => `${id.vendorId}:${id.productId}`).join(', ')}`,
  'Set FIELDROOT_LOG_LEVEL=debug to see the driver log.',
].join('\n');

const CAP_NAMES = new Map<number, string>(Object.entries(SPINEL_CAP).map(([k, v]) => [v, k]));
const PROTOCOL_TYPE_NAMES = new Map<number, string>(
  Object.entries(SPINEL_PROTOCOL_TYPE).map(([k, v]) => [v, k]),
);

function capName(cap: number): string {
  return CAP_NAMES.get(cap) ?? `CAP_${cap}`;
}

function hexColon(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

async function runList(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { allow: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  let allow: readonly UsbId[] = DEFAULT_DONGLE_USB_IDS;
  if (values.allow !== undefined) {
    try {
      allow = parseUsbIdList(values.allow);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const ports = await listPorts();
  if (values.json) {
    io.out(
      JSON.stringify(
        ports.map((p) => ({ ...p, allowed: allowedDongle(p, allow) !== undefined })),
        null,
        2,
      ),
    );
    return 0;
  }
  if (ports.length === 0) {
    io.out('No serial ports found.');
    return 0;
  }
  for (const p of ports) {
    const allowed = allowedDongle(p, allow);
    const id = p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : '-';
    const parts = [`${allowed ? '*' : ' '} ${p.path}`, id];
    if (p.serialNumber) parts.push(`serial ${p.serialNumber}`);
    if (p.manufacturer) parts.push(p.manufacturer);
    if (allowed?.label) parts.push(`(${allowed.label})`);
    if (p.byIdPath) parts.push(`alias ${p.byIdPath}`);
    io.out(parts.join('  '));
  }
  io.out('');
  io.out('* = on the dongle allow-list');
  return 0;
}

function cliLogLevel(): LogLevel {
  const env = process.env.FIELDROOT_LOG_LEVEL;
  return env === 'trace' || env === 'debug' || env === 'info' || env === 'warn' || env === 'error'
    ? env
    : 'error';
}

async function runInfo(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, baud: { type: 'string' }, timeout: { type: 'string' } },
    strict: true,
  });
  if (!values.port) throw new UsageError('radio info needs --port <path>');
  const baud = values.baud === undefined ? DEFAULT_BAUD_RATE : Number(values.baud);
  if (!(SPINEL_BAUD_RATES as readonly number[]).includes(baud)) {
    throw new UsageError(`--baud must be one of ${SPINEL_BAUD_RATES.join(', ')}`);
  }
  const timeout = values.timeout === undefined ? 2000 : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 50 || timeout > 60_000) {
    throw new UsageError('--timeout must be an integer number of ms, 50..60000');
  }
  let link: SerialPortLink;
  try {
    link = await SerialPortLink.open(values.port, { baudRate: baud });
  } catch (e) {
    io.err(`fieldroot radio info: ${e instanceof SerialOpenError ? e.message : String(e)}`);
    return 1;
  }
  const dongle = new SpinelDongle({
    link,
    logger: createLogger('hardware.spinel', { level: cliLogLevel() }),
    requestTimeoutMs: timeout,
    resetTimeoutMs: Math.round(timeout * 1.5),
  });
  try {
    const info = await dongle.start();
    io.out(`port:             ${values.port} (${baud} baud)`);
    io.out(`protocol:         Spinel ${info.protocolVersion.major}.${info.protocolVersion.minor}`);
    io.out(`firmware:         ${info.ncpVersion}`);
    io.out(
      `RCP API:          ${info.rcpApiVersion}` +
        (info.rcpMinHostApiVersion !== undefined ? ` (needs host API >= ${info.rcpMinHostApiVersion})` : ''),
    );
    io.out(
      `interface type:   ${info.interfaceType} (${PROTOCOL_TYPE_NAMES.get(info.interfaceType) ?? 'unknown'})`,
    );
    io.out(`capabilities:     ${info.caps.map(capName).join(', ')}`);
    io.out(`channels:         ${formatChannels(info.supportedChannels)}`);
    io.out(`max PSDU:         ${info.maxPsduLength} bytes (${info.psduLimitReason})`);
    io.out(`hardware address: ${hexColon(info.hardwareAddress)}`);
    return 0;
  } catch (e) {
    const why = e instanceof SpinelDongleError ? e.message : String(e);
    io.err(`fieldroot radio info: ${values.port}: ${why}`);
    return 1;
  } finally {
    await dongle.close();
  }
}

export const radioCommand: CliCommand = {
  name: 'radio',
  summary: 'List serial ports and dongles; show what a Spinel dongle reports',
  help: HELP,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    try {
      switch (sub) {
        case 'list':
          return await runList(rest, io);
        case 'info':
          return await runInfo(rest, io);
        default:
          throw new UsageError(
            sub === undefined ? 'missing subcommand: list or info' : `unknown subcommand "${sub}"`,
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
