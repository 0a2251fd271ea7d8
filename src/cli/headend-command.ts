/**
 * `fieldroot headend` — the head-end services and their administration:
 *
 *   import-meters --file <csv|json>   meter EAP-PSK credentials into the key server's registry
 *   rotate-key --reason <text>        start a network key rotation
 *   keys-status                       network key indices, states and times (never key bytes)
 *   serve                             run the head-end services (today: the PANA key server)
 *
 * Every subcommand takes `--data <dir>` (default `$FIELDROOT_HOME/headend`, else
 * `~/.fieldroot/headend`), holding the database and `keys/master.key`. Nothing here prints a
 * PSK or a key: there is deliberately no subcommand that could.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, type Logger, type SecretBytes } from '../log/index.ts';
import { systemClock, systemRandom } from '../headend/access/index.ts';
import {
  detectImportFormat,
  KeyServer,
  loadOrCreateMasterKey,
  MeterCredentials,
  MeterImportError,
  networkKeyStatus,
  NetworkKeyManager,
  RotationInProgressError,
} from '../headend/keys/index.ts';
import { parseMeterCredentials } from '../headend/keys/index.ts';
import { FIELDROOT_HOME_ENV, openHeadendStore, type HeadendStore } from '../headend/storage/index.ts';
import { PANA_UDP_PORT } from '../stack/pana/index.ts';
import { UsageError } from './command.ts';
import type { CliCommand, CliIo } from './command.ts';

const HELP = [
  'Usage: fieldroot headend import-meters --file <path.csv|path.json> [--data <dir>]',
  '       fieldroot headend rotate-key --reason <text> [--data <dir>]',
  '       fieldroot headend keys-status [--json] [--data <dir>]',
  '       fieldroot headend serve [--pana-port <n>] [--pana-host <addr>] [--data <dir>]',
  '',
  'import-meters  Imports meter credentials, all or nothing. CSV: header "meter_id,eui64,psk_hex";',
  '               JSON: [{"meterId","eui64","psk"}]. PSKs are 32 hex digits; they are stored',
  '               encrypted under the master key and never printed. Prints only counts.',
  "               A meter's EAP-PSK identity (ID_P) is its EUI-64 as 16 lower-case hex digits.",
  'rotate-key     Creates the next network key; a running key server announces it to every',
  '               PANA session, puts it in force after the activation delay and retires the',
  '               old key after the grace period.',
  'keys-status    Network key indices, states and times.',
  'serve          Runs the head-end services: the PANA key server (UDP, default port',
  `               ${PANA_UDP_PORT}, all addresses). Stops on SIGINT/SIGTERM.`,
  '',
  `--data  data folder (default $${FIELDROOT_HOME_ENV}/headend, else ~/.fieldroot/headend); the`,
  '        master key is <data>/keys/master.key (created on first use, mode 0600).',
].join('\n');

/** `--data`, else `$FIELDROOT_HOME/headend`, else `~/.fieldroot/headend`. */
export function headendDataDir(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  if (flag !== undefined && flag !== '') return flag;
  const home = env[FIELDROOT_HOME_ENV];
  return join(home !== undefined && home !== '' ? home : join(homedir(), '.fieldroot'), 'headend');
}

interface Opened {
  readonly store: HeadendStore;
  readonly master: SecretBytes;
  close(): void;
}

function open(dataDir: string): Opened {
  const { key: master } = loadOrCreateMasterKey(dataDir, systemRandom);
  let store: HeadendStore;
  try {
    store = openHeadendStore({ directory: dataDir }, systemClock());
  } catch (err) {
    master.wipe();
    throw err;
  }
  return {
    store,
    master,
    close: () => {
      store.close();
      master.wipe();
    },
  };
}

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, data: { type: 'string' } }, strict: true }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function importMeters(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, { file: { type: 'string' } });
  if (values.file === undefined) throw new UsageError('--file is required');
  let text: string;
  try {
    text = readFileSync(values.file, 'utf8');
  } catch (e) {
    io.err(`cannot read ${values.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  const opened = open(headendDataDir(values.data));
  try {
    const entries = parseMeterCredentials(text, detectImportFormat(values.file, text));
    const credentials = new MeterCredentials({
      repository: opened.store.repositories.meterCredentials,
      audit: opened.store.repositories.audit,
      master: opened.master,
      clock: systemClock,
      random: systemRandom,
    });
    try {
      const counts = await credentials.import(entries, 'cli:import-meters');
      io.out(`added ${counts.added}, replaced ${counts.replaced}, unchanged ${counts.unchanged}`);
      io.out(`active meters: ${credentials.activeCount}`);
      return 0;
    } finally {
      for (const e of entries) e.psk.wipe();
    }
  } catch (e) {
    if (!(e instanceof MeterImportError)) throw e;
    io.err(e.message);
    return 1;
  } finally {
    opened.close();
  }
}

async function rotateKey(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, { reason: { type: 'string' } });
  if (values.reason === undefined || values.reason.trim() === '')
    throw new UsageError('--reason is required');
  const opened = open(headendDataDir(values.data));
  try {
    const keys = new NetworkKeyManager({
      repository: opened.store.repositories.networkKeys,
      audit: opened.store.repositories.audit,
      master: opened.master,
      random: systemRandom,
    });
    try {
      await keys.rotate(systemClock(), values.reason.trim(), 'cli:rotate-key');
    } catch (e) {
      if (!(e instanceof RotationInProgressError)) throw e;
      io.err(e.message);
      return 1;
    } finally {
      keys.wipe();
    }
    const next = (await networkKeyStatus(opened.store.repositories.networkKeys)).find(
      (k) => k.state === 'next',
    )!;
    io.out(
      `key index ${next.keyIndex} created; comes into force at ${new Date(next.activateAtMs).toISOString()} ` +
        '(a running key server announces it at its next refresh)',
    );
    return 0;
  } finally {
    opened.close();
  }
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

async function keysStatus(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, { json: { type: 'boolean' } });
  const store = openHeadendStore({ directory: headendDataDir(values.data) }, systemClock());
  try {
    const keys = await networkKeyStatus(store.repositories.networkKeys);
    if (values.json) {
      io.out(JSON.stringify(keys, null, 2));
      return 0;
    }
    if (keys.length === 0)
      io.out('no network keys yet (the key server creates the first one when it starts)');
    for (const k of keys) {
      io.out(
        `index ${String(k.keyIndex).padStart(3)}  ${k.state.padEnd(8)}  created ${iso(k.createdAtMs)}  ` +
          `active ${iso(k.activatedAtMs ?? (k.state === 'next' ? k.activateAtMs : null))}  ` +
          `retire ${iso(k.retiredAtMs ?? k.retireAtMs)}  reason: ${k.reason}`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}

/** A running head-end service, as `serve` starts and stops it. */
interface RunningService {
  readonly name: string;
  stop(): Promise<void>;
}

export interface HeadendServeOptions {
  readonly dataDir: string;
  readonly panaPort?: number;
  readonly panaHost?: string;
  readonly logger?: Logger;
}

/**
 * Starts the head-end services over one data folder and returns how to stop them. The gateway
 * and the API join the list here as they arrive.
 */
export async function startHeadend(options: HeadendServeOptions): Promise<{
  services: readonly RunningService[];
  keyServer: KeyServer;
  stop(): Promise<void>;
}> {
  const log = options.logger ?? createLogger('headend');
  const opened = open(options.dataDir);
  const services: RunningService[] = [];
  try {
    const keyServer = await KeyServer.start({
      repositories: opened.store.repositories,
      masterKey: opened.master,
      logger: log.child('keys'),
      port: options.panaPort ?? PANA_UDP_PORT,
      host: options.panaHost ?? '::',
    });
    services.push({ name: 'key server', stop: () => keyServer.stop() });
    return {
      services,
      keyServer,
      stop: async () => {
        for (const s of [...services].reverse()) await s.stop();
        opened.close();
      },
    };
  } catch (err) {
    for (const s of [...services].reverse()) await s.stop();
    opened.close();
    throw err;
  }
}

async function serve(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, { 'pana-port': { type: 'string' }, 'pana-host': { type: 'string' } });
  let panaPort = PANA_UDP_PORT;
  if (values['pana-port'] !== undefined) {
    panaPort = Number(values['pana-port']);
    if (!Number.isInteger(panaPort) || panaPort < 0 || panaPort > 0xffff)
      throw new UsageError(`--pana-port must be 0..65535, got ${values['pana-port']}`);
  }
  const dataDir = headendDataDir(values.data);
  const running = await startHeadend({
    dataDir,
    panaPort,
    ...(values['pana-host'] !== undefined ? { panaHost: values['pana-host'] } : {}),
  });
  const pana = running.keyServer.address();
  io.out(`head-end serving from ${dataDir}`);
  io.out(`  key server: PANA on udp [${pana.address}]:${pana.port}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.out('stopping…');
  await running.stop();
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  'import-meters': importMeters,
  'rotate-key': rotateKey,
  'keys-status': keysStatus,
  serve,
};

export const headendCommand: CliCommand = {
  name: 'headend',
  summary: 'Head-end services: key server, meter credential import, network key rotation',
  help: HELP,
  run(argv, io) {
    const [sub, ...rest] = argv;
    const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (!run)
      throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand "${sub}"`);
    return run(rest, io);
  },
};
