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
  GatewayPanaTransport,
  KeyServer,
  loadOrCreateMasterKey,
  MeterCredentials,
  MeterImportError,
  networkKeyStatus,
  NetworkKeyManager,
  RotationInProgressError,
  UdpPanaTransport,
} from '../headend/keys/index.ts';
import { parseMeterCredentials } from '../headend/keys/index.ts';
import { FIELDROOT_HOME_ENV, openHeadendStore, type HeadendStore } from '../headend/storage/index.ts';
import { AccountService, GrantService, WorkOrderService } from '../headend/access/index.ts';
import { createApiServer, type ApiServer } from '../headend/api/index.ts';
import { attachAmrServer } from '../headend/amr/index.ts';
import { CertificateAuthority, EnrolmentService, fileCaStore } from '../headend/ca/index.ts';
import { DEFAULT_GATEWAY_PORT, WireguardGateway, gatewayKeyFromMaster } from '../headend/gateway/index.ts';
import { DeviceRevocation, JobAddressPlan, JobProvisioner } from '../headend/jobs/index.ts';
import { DEFAULT_SERVER_ID } from '../headend/keys/index.ts';
import { ENDPOINTS, type EndpointName } from '../contract/headend-api/index.ts';
import { formatIpv6Address, parseIpv6Address } from '../stack/ipv6/index.ts';
import { parseIpPrefix } from '../stack/wireguard/index.ts';
import { request as httpsRequest } from 'node:https';
import { PANA_UDP_PORT } from '../stack/pana/index.ts';
import { UsageError } from './command.ts';
import type { CliCommand, CliIo } from './command.ts';

/** The API's default port (HTTPS, not the privileged 443, so no root is needed). */
export const DEFAULT_API_PORT = 8443;
/**
 * The radio jobs are given unless `serve` is told otherwise: the isolated area of the demo and the
 * simulated field (hardware/sim/scenarios/isolated-area-20.json "radio": channel 33, PAN 0x7a3c).
 */
export const DEFAULT_JOB_RADIO = { channel: 33, panId: 0x7a3c } as const;

const HELP = [
  'Usage: fieldroot headend import-meters --file <path.csv|path.json> [--data <dir>]',
  '       fieldroot headend rotate-key --reason <text> [--data <dir>]',
  '       fieldroot headend keys-status [--json] [--data <dir>]',
  '       fieldroot headend serve [--pana-port <n>] [--pana-host <addr>] [--gateway-port <n>]',
  '                                   [--gateway-endpoint <host:port>] [--api-port <n>] [--api-host <addr>]',
  '                                   [--radio-channel <n>] [--radio-pan-id <n|0xhhhh>] [--data <dir>]',
  '       fieldroot headend revoke-device <device-id> --user <supervisor> [--api <url>] [--data <dir>]',
  '',
  'import-meters  Imports meter credentials, all or nothing. CSV: header "meter_id,eui64,psk_hex";',
  '               JSON: [{"meterId","eui64","psk"}]. PSKs are 32 hex digits; they are stored',
  '               encrypted under the master key and never printed. Prints only counts.',
  "               A meter's EAP-PSK identity (ID_P) is its EUI-64 as 16 lower-case hex digits.",
  'rotate-key     Creates the next network key; a running key server announces it to every',
  '               PANA session, puts it in force after the activation delay and retires the',
  '               old key after the grace period.',
  'keys-status    Network key indices, states and times.',
  'serve          Runs the head-end services in one process: the PANA key server (UDP, default',
  `               port ${PANA_UDP_PORT}), the WireGuard gateway (UDP, default ${DEFAULT_GATEWAY_PORT}; tools are told`,
  '               --gateway-endpoint, default 127.0.0.1:<port>) and the HTTPS API with mutual TLS',
  `               (default 127.0.0.1:${DEFAULT_API_PORT}; its certificate from the head-end CA under`,
  '               <data>/ca). Stops on SIGINT/SIGTERM. Every job is told the channel and PAN ID',
  `               of the area's meters (default channel ${String(DEFAULT_JOB_RADIO.channel)}, PAN 0x${DEFAULT_JOB_RADIO.panId.toString(16)}, the isolated-area-20`,
  '               scenario); the tool tunes its dongle to them.',
  'revoke-device  Revokes a tool through the running API as a supervisor (password from',
  '               $FIELDROOT_PASSWORD): certificate refused, gateway peer dropped, PANA session',
  '               ended, network key rotated. Prints how long the head-end took.',
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

/** Addresses behind the gateway where the head-end services answer tunnel traffic. */
export const DEFAULT_SERVICE_PREFIX = 'fd00:f1e1:c000::/64';
export const DEFAULT_SERVICE_PROVIDER_ID = 'fieldroot';

export interface HeadendServeOptions {
  readonly dataDir: string;
  readonly panaPort?: number;
  readonly panaHost?: string;
  /** WireGuard UDP port; 0 picks a free one. */
  readonly gatewayPort?: number;
  readonly gatewayHost?: string;
  /** What tools are told to connect to; default 127.0.0.1:<bound port>. */
  readonly gatewayEndpoint?: string;
  /** HTTPS port; 0 picks a free one. */
  readonly apiPort?: number;
  readonly apiHost?: string;
  readonly serviceProviderId?: string;
  /** Channel and PAN ID every job's tool tunes to; default DEFAULT_JOB_RADIO. */
  readonly radio?: { readonly channel: number; readonly panId: number };
  /** Offline threshold of the gateway (default REJECT_AFTER_TIME). */
  readonly offlineAfterMs?: number;
  readonly logger?: Logger;
}

export interface RunningHeadend {
  readonly services: readonly RunningService[];
  readonly keyServer: KeyServer;
  readonly gateway: WireguardGateway;
  readonly api: ApiServer;
  readonly apiUrl: string;
  readonly jobs: JobProvisioner;
  readonly ca: CertificateAuthority;
  readonly accounts: AccountService;
  readonly workOrders: WorkOrderService;
  readonly revocation: DeviceRevocation;
  stop(): Promise<void>;
}

/**
 * Starts the head-end services over one data folder — key server, WireGuard gateway, job
 * provisioning and the HTTPS API — and returns them with how to stop them.
 */
export async function startHeadend(options: HeadendServeOptions): Promise<RunningHeadend> {
  const log = options.logger ?? createLogger('headend');
  const opened = open(options.dataDir);
  const services: RunningService[] = [];
  const stopAll = async () => {
    for (const s of [...services].reverse()) await s.stop();
    opened.close();
  };
  try {
    const r = opened.store.repositories;
    const addresses = new JobAddressPlan();
    const gatewayKey = gatewayKeyFromMaster(opened.master);
    const gateway = new WireguardGateway({
      privateKey: gatewayKey,
      tunnelAddress: addresses.gatewayAddress,
      port: options.gatewayPort ?? DEFAULT_GATEWAY_PORT,
      ...(options.gatewayHost !== undefined ? { bindAddress: options.gatewayHost } : {}),
      ...(options.offlineAfterMs !== undefined ? { offlineAfterMs: options.offlineAfterMs } : {}),
      logger: log.child('gateway'),
    });
    gatewayKey.wipe(); // the device holds its own copy
    const gatewayPort = await gateway.start();
    services.push({ name: 'gateway', stop: () => gateway.stop() });

    const servicePrefix = parseIpPrefix(DEFAULT_SERVICE_PREFIX);
    const serviceAddress = (last: number) => {
      const a = servicePrefix.address.slice();
      a[15] = last;
      return formatIpv6Address(a);
    };
    // The CA before the key server: the key server's EAP-TLS certificate comes from it.
    const caStore = fileCaStore(options.dataDir);
    const ca = await CertificateAuthority.open({ store: caStore, clock: systemClock, random: systemRandom });
    const keyServerTls = await ca.issueServerCertificate({ dnsNames: [DEFAULT_SERVER_ID], ipAddresses: [] });
    const keyServerAddress = serviceAddress(1);
    const keyServer = await KeyServer.start({
      repositories: r,
      masterKey: opened.master,
      logger: log.child('keys'),
      // Tools reach the key server through their tunnels (issue #4 §6); the UDP port stays for
      // PaCs outside any tunnel.
      transport: new GatewayPanaTransport(
        gateway,
        parseIpv6Address(keyServerAddress),
        new UdpPanaTransport(options.panaHost ?? '::', options.panaPort ?? PANA_UDP_PORT, log.child('keys')),
        log.child('keys'),
      ),
      toolAuthentication: {
        certificate: keyServerTls.certificatePem,
        privateKey: keyServerTls.privateKeyPem,
        caCertificate: ca.certificatePem,
        identifyClient: (cert) => ca.identifyClient(cert),
      },
    });
    services.push({ name: 'key server', stop: () => keyServer.stop() });

    const jobs = new JobProvisioner({
      gateway,
      gatewayEndpoint: options.gatewayEndpoint ?? `127.0.0.1:${String(gatewayPort)}`,
      serviceProviderId: options.serviceProviderId ?? DEFAULT_SERVICE_PROVIDER_ID,
      keyServer: { id: DEFAULT_SERVER_ID, address: keyServerAddress, port: PANA_UDP_PORT },
      amrServer: { id: 'amr.fieldroot', address: serviceAddress(2), port: 3610 },
      radio: options.radio ?? DEFAULT_JOB_RADIO,
      addresses,
      servicePrefixes: [servicePrefix],
      clock: systemClock,
      random: systemRandom,
    });
    jobs.on('job-online', (j) => log.info('tool online', { jobId: j.jobId, deviceId: j.deviceId }));
    jobs.on('job-offline', (j) => log.info('tool offline', { jobId: j.jobId, deviceId: j.deviceId }));
    services.push({ name: 'jobs', stop: () => Promise.resolve(jobs.endAll()) });

    const enrolments = await EnrolmentService.open({
      ca,
      store: caStore,
      audit: r.audit,
      clock: systemClock,
    });
    const accounts = new AccountService({ ...r, clock: systemClock, random: systemRandom });
    const workOrders = new WorkOrderService({ ...r, clock: systemClock, random: systemRandom });
    const revocation = new DeviceRevocation({ enrolments, jobs, keyServer });
    // The AMR/DR server (issue #5) at the AMR address tools are given: reads meters as they join
    // through a tool's tunnel; the gateway routes that address's packets to it.
    const amrServer = attachAmrServer({
      store: opened.store,
      keyServer,
      gateway,
      serverAddress: serviceAddress(2),
      activeJobs: () => jobs.list(),
    });
    services.push({ name: 'amr', stop: () => Promise.resolve(amrServer.detach()) });
    const api = await createApiServer({
      accounts,
      workOrders,
      grants: new GrantService({ ...r, clock: systemClock, random: systemRandom }),
      readings: r.readings,
      ca,
      enrolments,
      jobs,
      revocation,
      amr: amrServer.api,
      clock: systemClock,
      random: systemRandom,
      logger: log.child('api'),
    });
    const listening = await api.listen({
      host: options.apiHost ?? '127.0.0.1',
      port: options.apiPort ?? DEFAULT_API_PORT,
    });
    services.push({ name: 'api', stop: () => api.close() });
    return {
      services,
      keyServer,
      gateway,
      api,
      apiUrl: listening.url,
      jobs,
      ca,
      accounts,
      workOrders,
      revocation,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function portFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 0xffff)
    throw new UsageError(`--${flag} must be 0..65535, got ${value}`);
  return port;
}

/** A whole number in `0..max`, decimal or 0x-hex (PAN IDs are usually written in hex). */
function radioFlag(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`--${flag} must be 0..${String(max)} (decimal or 0x hex), got ${value}`);
  return n;
}

async function serve(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, {
    'pana-port': { type: 'string' },
    'pana-host': { type: 'string' },
    'gateway-port': { type: 'string' },
    'gateway-host': { type: 'string' },
    'gateway-endpoint': { type: 'string' },
    'api-port': { type: 'string' },
    'api-host': { type: 'string' },
    'radio-channel': { type: 'string' },
    'radio-pan-id': { type: 'string' },
  });
  const dataDir = headendDataDir(values.data);
  const radio = {
    channel: radioFlag(values['radio-channel'], 'radio-channel', DEFAULT_JOB_RADIO.channel, 0xff),
    // 0xffff is the broadcast PAN ID (IEEE 802.15.4-2015 §6.1), never a network's own.
    panId: radioFlag(values['radio-pan-id'], 'radio-pan-id', DEFAULT_JOB_RADIO.panId, 0xfffe),
  };
  const running = await startHeadend({
    dataDir,
    panaPort: portFlag(values['pana-port'], 'pana-port', PANA_UDP_PORT),
    gatewayPort: portFlag(values['gateway-port'], 'gateway-port', DEFAULT_GATEWAY_PORT),
    apiPort: portFlag(values['api-port'], 'api-port', DEFAULT_API_PORT),
    radio,
    ...(values['pana-host'] !== undefined ? { panaHost: values['pana-host'] } : {}),
    ...(values['gateway-host'] !== undefined ? { gatewayHost: values['gateway-host'] } : {}),
    ...(values['gateway-endpoint'] !== undefined ? { gatewayEndpoint: values['gateway-endpoint'] } : {}),
    ...(values['api-host'] !== undefined ? { apiHost: values['api-host'] } : {}),
  });
  const pana = running.keyServer.address();
  io.out(`head-end serving from ${dataDir}`);
  io.out(`  key server: PANA on udp [${pana.address}]:${pana.port}`);
  io.out(`  gateway: WireGuard on udp port ${running.gateway.port}`);
  io.out(`  api: ${running.apiUrl} (CA certificate: ${dataDir}/ca/ca-cert.pem)`);
  io.out(
    `  jobs: meters on channel ${String(radio.channel)}, PAN 0x${radio.panId.toString(16).padStart(4, '0')}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.out('stopping…');
  await running.stop();
  return 0;
}

/** One JSON call to the running API, pinned to the head-end CA. */
function apiCall(
  baseUrl: string,
  caPem: string,
  name: EndpointName,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  const endpoint = ENDPOINTS[name];
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      new URL(path, baseUrl),
      {
        method: endpoint.method,
        ca: caPem,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let json: unknown = null;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('the API did not answer')));
    req.on('error', reject);
    req.end(payload);
  });
}

async function revokeDevice(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { user: { type: 'string' }, api: { type: 'string' }, data: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const [deviceId, ...extra] = parsed.positionals;
  if (deviceId === undefined || extra.length > 0) throw new UsageError('exactly one device id is required');
  const user = parsed.values.user;
  if (user === undefined) throw new UsageError('--user is required (a supervisor account)');
  const password = process.env.FIELDROOT_PASSWORD;
  if (password === undefined || password === '')
    throw new UsageError('set FIELDROOT_PASSWORD to the supervisor password (it is never a flag)');
  const dataDir = headendDataDir(parsed.values.data);
  let caPem: string;
  try {
    caPem = readFileSync(join(dataDir, 'ca', 'ca-cert.pem'), 'utf8');
  } catch {
    io.err(`no head-end CA under ${dataDir}/ca: is this the head-end's data folder?`);
    return 1;
  }
  const base = parsed.values.api ?? `https://127.0.0.1:${String(DEFAULT_API_PORT)}`;
  const signIn = await apiCall(base, caPem, 'signIn', '/v1/session', { username: user, password });
  const token = (signIn.json as { token?: unknown } | null)?.token;
  if (signIn.status !== 201 || typeof token !== 'string') {
    io.err(`sign-in refused (${String(signIn.status)})`);
    return 1;
  }
  const started = performance.now();
  const res = await apiCall(
    base,
    caPem,
    'revokeDevice',
    `/v1/devices/${encodeURIComponent(deviceId)}/revoke`,
    undefined,
    token,
  );
  const tookMs = performance.now() - started;
  await apiCall(base, caPem, 'signOut', '/v1/session', undefined, token).catch(() => undefined);
  if (res.status !== 200) {
    const error = (res.json as { error?: { message?: string } } | null)?.error;
    io.err(`revocation refused (${String(res.status)}): ${error?.message ?? 'no detail'}`);
    return 1;
  }
  const serials = (res.json as { revokedSerials?: string[] }).revokedSerials ?? [];
  io.out(`${deviceId} revoked: ${serials.length} certificate(s), gateway peer dropped, key rotation started`);
  io.out(`head-end answered in ${tookMs.toFixed(0)} ms`);
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  'import-meters': importMeters,
  'rotate-key': rotateKey,
  'keys-status': keysStatus,
  serve,
  'revoke-device': revokeDevice,
};

export const headendCommand: CliCommand = {
  name: 'headend',
  summary:
    'Head-end services (key server, gateway, jobs, API, AMR/DR, console), meter import, key rotation, revocation',
  help: HELP,
  run(argv, io) {
    const [sub, ...rest] = argv;
    const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (!run)
      throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand "${sub}"`);
    return run(rest, io);
  },
};
