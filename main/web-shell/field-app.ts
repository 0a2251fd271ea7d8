/**
 * Builds the whole app engine for a host (the web shell, Electron main): the credential vault,
 * enrolment, the head-end client with the device certificate (mutual TLS), the job driver over
 * the field engine on the dongle the worker picks (DongleSupervisor + SpinelMeshRadio), and read
 * results / DR through the head-end under the job's access grant.
 *
 * Vault: the OS keychain (KeytarVault) when one answers. Without one, a real enrolment refuses to
 * proceed (the enrolment card says the vault is unavailable); only the demo may keep the demo
 * tool's keys in an ephemeral in-memory vault, and the card says so.
 *
 * The two things a supervisor hands a worker — the grant's verification key and a DR
 * authorisation — have no entry in the app contract yet. With `demoSupervisor` (the demo and the
 * end-to-end tests only) the host fetches them itself with the demo supervisor's session;
 * without it the app asks the head-end and says plainly that the hand-over is missing.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DongleSupervisor } from '../../hardware/ports/supervisor.ts';
import { SpinelMeshRadio } from '../../hardware/spinel/mesh-radio.ts';
import type { EnrolmentView } from '../../src/contract/app/index.ts';
import {
  AppEngine,
  FieldJobDriver,
  HeadendMeterData,
  VaultEnrolment,
  headendSessions,
  type BuiltFieldJob,
  type DrAuthorisationSource,
  type GrantApproval,
  type JobStartRequest,
  type SettingsStore,
} from '../../src/field/app-engine/index.ts';
import { FieldEngine } from '../../src/field/engine/index.ts';
import {
  collectCertificate,
  loadDeviceCredentials,
  requestEnrolment,
} from '../../src/field/enrolment/index.ts';
import { HeadendClient } from '../../src/field/headend-client/index.ts';
import { MemoryVault, PersistedHandshakeClock, type CredentialVault } from '../../src/field/vault/index.ts';
import type { Logger } from '../../src/log/index.ts';
import { KeytarVault } from '../vault/index.ts';

export interface DemoSupervisor {
  readonly username: string;
  readonly password: string;
}

export interface FieldAppOptions {
  readonly headendUrl: string;
  readonly headendCaPem: string;
  /** This tool's device id at the head-end CA. */
  readonly deviceId: string;
  /** 'keychain' (the product) or 'ephemeral-demo' (the demo only: keys in memory, gone on exit). */
  readonly vault: 'keychain' | 'ephemeral-demo';
  readonly radio: { readonly channel: number; readonly panId: number };
  readonly settings: SettingsStore;
  readonly logger: Logger;
  /** The ephemeral demo vault to use (tests inspect it afterwards); a fresh one otherwise. */
  readonly demoVault?: MemoryVault;
  /** Demo and tests: enrol and approve at start-up, approve grants, find DR authorisations. */
  readonly demoSupervisor?: DemoSupervisor;
  /** How often a pending enrolment asks whether it was approved, ms. */
  readonly enrolmentPollMs?: number;
}

export interface FieldApp {
  readonly engine: AppEngine;
  /** What the host should tell the user at start-up (one line each). */
  readonly notices: readonly string[];
  stop(): Promise<void>;
}

const DEFAULT_ENROLMENT_POLL_MS = 5_000;

/** The OS keychain, or null with the reason it cannot be used here. */
async function keychainVault(): Promise<{ vault: CredentialVault | null; reason: string | null }> {
  const vault = new KeytarVault();
  try {
    await vault.read('device-certificate');
    return { vault, reason: null };
  } catch (err) {
    return { vault: null, reason: err instanceof Error ? err.message : String(err) };
  }
}

export async function buildFieldApp(o: FieldAppOptions): Promise<FieldApp> {
  const notices: string[] = [];
  const plain = new HeadendClient({ baseUrl: o.headendUrl, caCertificatePem: o.headendCaPem });
  let vault: CredentialVault | null;
  let kind: EnrolmentView['vault'];
  if (o.vault === 'ephemeral-demo') {
    vault = o.demoVault ?? new MemoryVault();
    kind = 'ephemeral-demo';
    notices.push('demo: the tool keys live in an in-memory vault and are gone when the app stops');
  } else {
    const found = await keychainVault();
    vault = found.vault;
    kind = vault === null ? 'unavailable' : 'os-keychain';
    if (vault === null)
      notices.push(
        `no OS keychain (${found.reason ?? 'unknown'}): enrolment cannot proceed; install and unlock a ` +
          'Secret Service (gnome-keyring) and start again',
      );
  }
  const enrolment = new VaultEnrolment(vault, o.deviceId, kind);

  // The device client: rebuilt once the vault holds a certificate.
  let device: HeadendClient | null = null;
  const deviceClient = async (): Promise<HeadendClient | null> => {
    if (device !== null || vault === null) return device;
    const creds = await loadDeviceCredentials(vault, o.deviceId);
    if (creds === null) return null;
    device = new HeadendClient({ baseUrl: o.headendUrl, caCertificatePem: o.headendCaPem, device: creds });
    return device;
  };
  const forward = {
    call: (async (name: never, input: never) => {
      const client = (await deviceClient()) ?? plain;
      return client.call(name, input);
    }) as HeadendClient['call'],
  };

  let supervisorToken: string | null = null;
  const supervisor = async (): Promise<string> => {
    if (o.demoSupervisor === undefined) throw new Error('no supervisor session in this app');
    supervisorToken ??= (await plain.call('signIn', { body: o.demoSupervisor })).token;
    return supervisorToken;
  };
  const approval: GrantApproval = {
    async verificationKey({ grantId }) {
      if (o.demoSupervisor === undefined)
        throw new Error(
          'the grant waits for a supervisor, and this app has no field to enter their verification key yet',
        );
      const res = await plain.call('approveGrant', { token: await supervisor(), params: { id: grantId } });
      return res.verificationKey;
    },
  };
  const authorisations: DrAuthorisationSource = {
    async find(meterId, action) {
      if (o.demoSupervisor === undefined) return null;
      const now = Date.now();
      const { authorisations: list } = await plain.call('consoleDrAuthorisations', {
        token: await supervisor(),
        query: {},
      });
      const match = list
        .filter(
          (a) => a.meterId === meterId && a.action === action && a.usedAtMs === null && a.expiresAtMs > now,
        )
        .sort((a, b) => b.issuedAtMs - a.issuedAtMs)[0];
      return match?.id ?? null;
    },
  };
  const meterData = new HeadendMeterData({ client: forward, approval, authorisations, clock: Date.now });

  const build = async (request: JobStartRequest): Promise<BuiltFieldJob> => {
    if (vault === null) throw new Error('no credential vault: the tool cannot hold its keys');
    const client = await deviceClient();
    const creds = await loadDeviceCredentials(vault, o.deviceId);
    if (client === null || creds === null) throw new Error('this tool is not enrolled yet');
    const log = o.logger.child('field');
    const radio = new SpinelMeshRadio({ channel: o.radio.channel, panId: o.radio.panId, logger: log });
    const dongles = new DongleSupervisor({ target: { kind: 'path', path: request.donglePath }, logger: log });
    radio.follow(dongles);
    dongles.start();
    const engine = new FieldEngine({
      client,
      token: request.sessionToken,
      vault,
      handshakeClock: await PersistedHandshakeClock.open(vault),
      device: {
        certificatePem: creds.certificatePem,
        privateKeyPem: creds.privateKeyPem,
        caCertificatePem: creds.caCertificatePem,
      },
      radio,
      channel: o.radio.channel,
      panId: o.radio.panId,
      logger: log,
    });
    engine.onEvent((e) => {
      if (e.kind === 'revoked') {
        enrolment.markRevoked();
        void app.refreshEnrolment();
      }
    });
    return {
      job: {
        onEvent: (l) => engine.onEvent(l),
        start: (id) => engine.start(id),
        end: () => engine.end(),
        whenStopped: () => engine.whenStopped(),
        get rootEui() {
          return radio.extendedAddress;
        },
      },
      async release() {
        creds.privateKeyPem.wipe();
        await dongles.stop();
      },
    };
  };

  const app = new AppEngine({
    clock: Date.now,
    settings: o.settings,
    headend: headendSessions(forward),
    job: new FieldJobDriver({ client: forward, build, reads: meterData, clock: Date.now }),
    meterData,
    enrolment,
    vault: kind,
  });

  // Enrolment: the demo enrols and approves at once; a real tool requests and waits.
  let enrolTimer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  if (
    vault !== null &&
    (await loadDeviceCredentials(vault, o.deviceId).then((c) => (c?.privateKeyPem.wipe(), c))) === null
  ) {
    const pending = (await enrolment.current()).state === 'pending';
    if (!pending) await requestEnrolment(vault, plain, o.deviceId);
    if (o.demoSupervisor !== undefined) {
      await plain.call('approveDevice', { token: await supervisor(), params: { id: o.deviceId } });
      const got = await collectCertificate(vault, plain, o.deviceId);
      if (got.state !== 'issued') throw new Error(`demo enrolment: ${got.state}`);
      notices.push(`demo: tool ${o.deviceId} enrolled and approved by ${o.demoSupervisor.username}`);
    } else {
      notices.push(`tool ${o.deviceId}: enrolment requested; a supervisor must approve it in the console`);
      const poll = async () => {
        enrolTimer = null;
        const got = await collectCertificate(vault, plain, o.deviceId).catch(() => null);
        if (got?.state === 'rejected') enrolment.markRejected();
        if (got?.state === 'issued' || got?.state === 'rejected') return void (await app.refreshEnrolment());
        if (!stopped)
          enrolTimer = setTimeout(() => void poll(), o.enrolmentPollMs ?? DEFAULT_ENROLMENT_POLL_MS);
      };
      enrolTimer = setTimeout(() => void poll(), o.enrolmentPollMs ?? DEFAULT_ENROLMENT_POLL_MS);
    }
  }
  await app.refreshEnrolment();

  return {
    engine: app,
    notices,
    stop() {
      stopped = true;
      if (enrolTimer !== null) clearTimeout(enrolTimer);
      plain.close();
      device?.close();
      return Promise.resolve();
    },
  };
}

/** What a host is told on its command line (the web shell) or only in its environment (Electron). */
export interface FieldAppFlags {
  readonly headendUrl?: string | undefined;
  readonly headendCa?: string | undefined;
  readonly deviceId?: string | undefined;
  readonly channel?: string | undefined;
  readonly panId?: string | undefined;
  readonly demo?: boolean | undefined;
}

/** isolated-area-20's radio (hardware/sim/scenarios): the demo field, used when none is configured. */
const DEMO_FIELD_RADIO = { channel: 33, panId: 31292 } as const;

function radioNumber(value: string | undefined, name: string, fallback: number): number {
  const n = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw new Error(`${name} must be 0..65535, got ${String(value)}`);
  return n;
}

/**
 * The app engine for a host: the full tool when a head-end is configured (flags first, then
 * FIELDROOT_HEADEND_URL, FIELDROOT_HEADEND_CA, FIELDROOT_DEVICE_ID, FIELDROOT_RADIO_CHANNEL,
 * FIELDROOT_RADIO_PAN_ID, FIELDROOT_DEMO=1, FIELDROOT_DEMO_SUPERVISOR="user:password"), else an
 * engine that says the head-end is not configured.
 */
export async function startFieldApp(
  flags: FieldAppFlags,
  env: Readonly<Record<string, string | undefined>>,
  settings: SettingsStore,
  logger: Logger,
): Promise<{ engine: AppEngine; field: FieldApp | null }> {
  const headendUrl = flags.headendUrl ?? env.FIELDROOT_HEADEND_URL;
  const headendCa = flags.headendCa ?? env.FIELDROOT_HEADEND_CA;
  if (headendUrl === undefined || headendCa === undefined || headendUrl === '' || headendCa === '')
    return { engine: new AppEngine({ clock: Date.now, settings, headend: null }), field: null };
  const demo = flags.demo === true || env.FIELDROOT_DEMO === '1';
  const supervisorText = env.FIELDROOT_DEMO_SUPERVISOR ?? '';
  const colon = supervisorText.indexOf(':');
  const demoSupervisor =
    demo && colon > 0
      ? { username: supervisorText.slice(0, colon), password: supervisorText.slice(colon + 1) }
      : undefined;
  const field = await buildFieldApp({
    headendUrl,
    headendCaPem: readFileSync(headendCa, 'utf8'),
    deviceId: flags.deviceId ?? env.FIELDROOT_DEVICE_ID ?? `fieldroot-${hostname()}`,
    vault: demo ? 'ephemeral-demo' : 'keychain',
    radio: {
      channel: radioNumber(flags.channel ?? env.FIELDROOT_RADIO_CHANNEL, 'channel', DEMO_FIELD_RADIO.channel),
      panId: radioNumber(flags.panId ?? env.FIELDROOT_RADIO_PAN_ID, 'PAN ID', DEMO_FIELD_RADIO.panId),
    },
    settings,
    logger,
    ...(demoSupervisor !== undefined ? { demoSupervisor } : {}),
  });
  return { engine: field.engine, field };
}
