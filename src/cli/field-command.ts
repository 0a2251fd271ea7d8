/**
 * `fieldroot field` — a field job without the UI (FIELD_HELP in field-help.ts): the field engine
 * (src/field/engine) over the Spinel dongle (hardware/spinel/mesh-radio.ts behind the
 * hot-plug DongleSupervisor), with the tool's credentials from the OS keychain (main/vault).
 * Loaded on demand by main.ts.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DongleSupervisor } from '../../hardware/ports/supervisor.ts';
import { DEFAULT_MESH_MAX_PSDU, SpinelMeshRadio } from '../../hardware/spinel/mesh-radio.ts';
import { DEFAULT_BAUD_RATE } from '../../hardware/spinel/serialport-link.ts';
import { KeytarVault, DEFAULT_KEYCHAIN_SERVICE } from '../../main/vault/index.ts';
import { FieldEngine, type FieldEngineEvent } from '../field/engine/index.ts';
import { collectCertificate, loadDeviceCredentials, requestEnrolment } from '../field/enrolment/index.ts';
import { HeadendApiError, HeadendClient } from '../field/headend-client/index.ts';
import {
  PersistedHandshakeClock,
  readText,
  VAULT_ENTRY,
  type CredentialVault,
} from '../field/vault/index.ts';
import { createLogger } from '../log/index.ts';
import { UsageError, type CliCommand, type CliIo } from './command.ts';
import { FIELD_HELP, FIELD_SUMMARY } from './field-help.ts';

/** The largest PSDU every meter takes (the mesh fragments to it even when the dongle takes more). */
export const DEFAULT_FIELD_MAX_PSDU = DEFAULT_MESH_MAX_PSDU;
/** Exit status when the tool was revoked (distinct from 1, "the job could not run"). */
export const EXIT_REVOKED = 3;

/** `--home`, else `$FIELDROOT_HOME`, else `~/.fieldroot`. */
export function fieldHome(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  const home = env.FIELDROOT_HOME;
  return home !== undefined && home !== '' ? resolve(home) : join(homedir(), '.fieldroot');
}

/** One keychain profile per home folder, so two profiles on one machine never share a key. */
export function keychainService(home: string): string {
  return home === join(homedir(), '.fieldroot')
    ? DEFAULT_KEYCHAIN_SERVICE
    : `${DEFAULT_KEYCHAIN_SERVICE}:${home}`;
}

function parse(argv: string[], options: Record<string, { type: 'string' }>) {
  try {
    return parseArgs({ args: argv, options, strict: true }).values as Record<string, string | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function integer(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  // Decimal, or 0x-hex (PAN IDs are usually written in hex).
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`--${flag} must be 0..${String(max)}, got ${value}`);
  return n;
}

async function readPassword(source: string): Promise<string> {
  let text: string;
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    text = readFileSync(source, 'utf8');
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** One progress line per engine event worth a worker's attention. */
export function describeEvent(e: FieldEngineEvent): string | null {
  switch (e.kind) {
    case 'phase':
      return `job: ${e.phase}`;
    case 'dongle':
      return e.attached
        ? `dongle: attached ${e.description}`
        : `dongle: detached (${e.reason}); waiting for it`;
    case 'radio-tuned':
      return `dongle: tuned to channel ${String(e.channel)}, PAN 0x${e.panId.toString(16).padStart(4, '0')}${e.source === 'override' ? ' (override, not the job’s radio)' : ' (the job’s radio)'}`;
    case 'tool-authenticated':
      return `tool authenticated to ${e.keyServer} with EAP-TLS (network key index ${String(e.keyIndex)})`;
    case 'mesh-started':
      return `mesh root ${e.address} for ${e.meshPrefix} on channel ${String(e.channel)}, PAN 0x${e.panId.toString(16).padStart(4, '0')}`;
    case 'network-key':
      return `network key index ${String(e.keyIndex)} ${e.activation === 'now' ? 'in force' : 'announced'}`;
    case 'joins':
      return `meters: ${String(e.inDodag)} in the DODAG (${String(e.synchronised)} neighbours synchronised), ${String(e.authenticating)} authenticating, ${String(e.detached)} left`;
    case 'revoked':
      return `REVOKED (${e.signal}): ${e.message}`;
    case 'stopped':
      return `stopped (${e.phase}); keys wiped`;
    case 'mesh':
      return null;
  }
}

async function runJob(argv: string[], io: CliIo): Promise<number> {
  const v = parse(argv, {
    headend: { type: 'string' },
    user: { type: 'string' },
    'password-file': { type: 'string' },
    port: { type: 'string' },
    baud: { type: 'string' },
    'work-order': { type: 'string' },
    channel: { type: 'string' },
    'pan-id': { type: 'string' },
    'max-psdu': { type: 'string' },
    home: { type: 'string' },
  });
  for (const flag of ['headend', 'user', 'password-file', 'port'])
    if (v[flag] === undefined) throw new UsageError(`--${flag} is required`);
  const baudRate = integer(v.baud, 'baud', DEFAULT_BAUD_RATE, 4_000_000);
  // The job names the radio; --channel/--pan-id override it for bench and lab use only.
  if ((v.channel === undefined) !== (v['pan-id'] === undefined))
    throw new UsageError('--channel and --pan-id override the job’s radio together: give both or neither');
  const radioOverride =
    v.channel === undefined
      ? undefined
      : { channel: integer(v.channel, 'channel', 0, 0xff), panId: integer(v['pan-id'], 'pan-id', 0, 0xfffe) };
  const maxPsdu = integer(v['max-psdu'], 'max-psdu', DEFAULT_FIELD_MAX_PSDU, 2047);
  const vault: CredentialVault = new KeytarVault(keychainService(fieldHome(v.home, process.env)));
  const password = await readPassword(v['password-file']!);
  return runFieldJob(
    {
      headend: v.headend!,
      user: v.user!,
      password,
      port: v.port!,
      baudRate,
      ...(radioOverride !== undefined ? { radioOverride } : {}),
      maxPsdu,
      workOrder: v['work-order'],
    },
    vault,
    io,
  );
}

export interface FieldJobOptions {
  readonly headend: string;
  readonly user: string;
  readonly password: string;
  readonly port: string;
  readonly baudRate: number;
  /** Bench and lab use only: this channel and PAN ID instead of the job's. */
  readonly radioOverride?: { readonly channel: number; readonly panId: number };
  readonly maxPsdu: number;
  readonly workOrder: string | undefined;
}

/** The job itself, given a vault (tests pass an in-memory one). Resolves with the exit status. */
export async function runFieldJob(o: FieldJobOptions, vault: CredentialVault, io: CliIo): Promise<number> {
  const creds = await loadDeviceCredentials(vault, 'this-tool');
  if (creds === null) {
    io.err('fieldroot field: this tool is not enrolled (run `fieldroot field enrol`, then `collect`)');
    return 1;
  }
  const deviceId = /CN=([^,\n]+)/.exec(new X509Certificate(creds.certificatePem).subject)?.[1] ?? 'unknown';
  const logger = createLogger('field', { level: 'warn' });
  const client = new HeadendClient({
    baseUrl: o.headend,
    caCertificatePem: creds.caCertificatePem,
    device: creds,
  });
  const supervisor = new DongleSupervisor({
    target: { kind: 'path', path: o.port },
    baudRate: o.baudRate,
    logger,
    dongleOptions: { logger },
  });
  try {
    let token: string;
    let workOrderId: string;
    try {
      token = (await client.call('signIn', { body: { username: o.user, password: o.password } })).token;
      workOrderId = await chooseWorkOrder(client, token, deviceId, o.workOrder);
    } catch (err) {
      if (!(err instanceof HeadendApiError)) throw err;
      io.err(
        `fieldroot field: the head-end refused: ${err.message}${err.isRevocation ? ' (this tool is revoked)' : ''}`,
      );
      return err.isRevocation ? EXIT_REVOKED : 1;
    }
    io.out(`tool ${deviceId}, work order ${workOrderId}`);
    // Untuned until the job names its radio: the engine tunes it before the mesh root starts.
    const radio = new SpinelMeshRadio({ maxPsdu: o.maxPsdu, logger });
    radio.follow(supervisor);
    supervisor.start();
    const engine = new FieldEngine({
      client,
      token,
      vault,
      handshakeClock: await PersistedHandshakeClock.open(vault),
      device: creds,
      radio,
      ...(o.radioOverride !== undefined ? { radioOverride: o.radioOverride } : {}),
      logger,
    });
    let revoked = false;
    engine.onEvent((e) => {
      if (e.kind === 'revoked') revoked = true;
      const line = describeEvent(e);
      if (line === null) return;
      if (e.kind === 'revoked') io.err(line);
      else io.out(line);
    });
    const onSignal = (): void => {
      io.out('ending the job…');
      void engine.end();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await engine.start(workOrderId);
    } catch (err) {
      await engine.whenStopped();
      if (revoked) return EXIT_REVOKED;
      io.err(`fieldroot field: the job could not start: ${(err as Error).message}`);
      return 1;
    }
    // Runs until the worker ends it or the tool is revoked.
    await new Promise<void>((done) =>
      engine.onEvent((e) => {
        if (e.kind === 'stopped') done();
      }),
    );
    await engine.whenStopped();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return revoked ? EXIT_REVOKED : 0;
  } finally {
    await supervisor.stop();
    client.close();
    creds.privateKeyPem.wipe();
  }
}

async function chooseWorkOrder(
  client: HeadendClient,
  token: string,
  deviceId: string,
  wanted: string | undefined,
): Promise<string> {
  const { workOrders } = await client.call('myWorkOrders', { token });
  const mine = workOrders.filter(
    (w) =>
      w.toolId === deviceId && (w.state === 'active' || w.state === 'assigned') && (wanted ?? w.id) === w.id,
  );
  const chosen = mine.find((w) => w.state === 'active') ?? mine[0];
  if (chosen === undefined)
    throw new HeadendApiError(
      404,
      'not-found',
      wanted ? `no open work order ${wanted} for this tool` : 'no open work order for this tool',
    );
  if (chosen.state === 'assigned') await client.call('startWorkOrder', { token, params: { id: chosen.id } });
  return chosen.id;
}

async function enrol(argv: string[], io: CliIo, collect: boolean): Promise<number> {
  const v = parse(argv, {
    headend: { type: 'string' },
    ca: { type: 'string' },
    'device-id': { type: 'string' },
    home: { type: 'string' },
  });
  if (v.headend === undefined) throw new UsageError('--headend is required');
  if (v['device-id'] === undefined) throw new UsageError('--device-id is required');
  const vault = new KeytarVault(keychainService(fieldHome(v.home, process.env)));
  // The CA is pinned at enrolment (--ca, checked out of band) and kept beside the key afterwards.
  const caPem =
    v.ca !== undefined ? readFileSync(v.ca, 'utf8') : await readText(vault, VAULT_ENTRY.CA_CERTIFICATE);
  if (caPem === null) throw new UsageError('--ca is required (the head-end CA certificate)');
  if (v.ca !== undefined) await vault.write(VAULT_ENTRY.CA_CERTIFICATE, new TextEncoder().encode(caPem));
  const client = new HeadendClient({ baseUrl: v.headend, caCertificatePem: caPem });
  try {
    const progress = collect
      ? await collectCertificate(vault, client, v['device-id'])
      : await requestEnrolment(vault, client, v['device-id']);
    if (progress.state === 'pending')
      io.out(
        `enrolment pending: ask a supervisor to approve ${v['device-id']} (key SHA-256 ${progress.publicKeySha256})`,
      );
    else if (progress.state === 'rejected') io.out('enrolment rejected by the supervisor');
    else io.out(`certificate stored; valid until ${new Date(progress.notAfterMs).toISOString()}`);
    return progress.state === 'rejected' ? 1 : 0;
  } catch (err) {
    if (!(err instanceof HeadendApiError)) throw err;
    io.err(`fieldroot field: the head-end refused: ${err.message}`);
    return 1;
  } finally {
    client.close();
  }
}

export const fieldCommand: CliCommand = {
  name: 'field',
  summary: FIELD_SUMMARY,
  help: FIELD_HELP,
  run(argv, io) {
    if (argv[0] === 'enrol') return enrol(argv.slice(1), io, false);
    if (argv[0] === 'collect') return enrol(argv.slice(1), io, true);
    return runJob(argv, io);
  },
};
