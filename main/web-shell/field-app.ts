/**
 * Builds the whole app engine for a host (the web shell, Electron main): the credential vault,
 * enrolment, the head-end client with the device certificate (mutual TLS), the job driver over
 * the field engine on the dongle the worker picks (DongleSupervisor + SpinelMeshRadio), and read
 * results / DR through the head-end under the job's access grant.
 *
 * Radio: the dongle is tuned to the channel and PAN ID the head-end gives with each job
 * (JobConnection.radio: the PAN the job's meters stayed on). `radio` (flags --channel/--pan-id,
 * or FIELDROOT_RADIO_CHANNEL and FIELDROOT_RADIO_PAN_ID) overrides it, for bench and lab use only:
 * a tool in the field must not be set up by hand for a PAN the head-end already knows.
 *
 * Vault: the OS keychain (KeytarVault) when one answers. Without one, a real enrolment refuses to
 * proceed (the enrolment card says the vault is unavailable); only the demo may keep the demo
 * tool's keys in an ephemeral in-memory vault, and the card says so.
 *
 * The grant's verification key is handed over by the worker: the approving supervisor reads it
 * from the console and the worker types it into the app (GrantHandOver). DR authorisations are
 * looked up by the tool under the grant's access key. With `demoSupervisor` (the demo only) the
 * host may approve grants itself with the demo supervisor's session, and the app says so on
 * screen; `demoApprovesGrants: false` (FIELDROOT_DEMO_MANUAL_GRANTS=1) keeps the real hand-over.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DongleSupervisor } from '../../hardware/ports/supervisor.ts';
import { SpinelMeshRadio } from '../../hardware/spinel/mesh-radio.ts';
import type { EnrolmentView } from '../../src/contract/app/index.ts';
import {
  AppEngine,
  FieldJobDriver,
  GrantHandOver,
  HeadendMeterData,
  VaultEnrolment,
  headendSessions,
  type BuiltFieldJob,
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
  /** Bench and lab only: this channel and PAN ID instead of the job's (see above). */
  readonly radio?: { readonly channel: number; readonly panId: number } | undefined;
  readonly settings: SettingsStore;
  readonly logger: Logger;
  /** The ephemeral demo vault to use (tests inspect it afterwards); a fresh one otherwise. */
  readonly demoVault?: MemoryVault;
  /** Demo and tests: enrol and approve the tool at start-up, and approve grants (see below). */
  readonly demoSupervisor?: DemoSupervisor;
  /**
   * With `demoSupervisor`: whether the demo supervisor also approves the job's grants (default
   * true). False leaves the grant to a real supervisor and the worker's verification key.
   */
  readonly demoApprovesGrants?: boolean;
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
  const demoSupervisor = o.demoApprovesGrants === false ? undefined : o.demoSupervisor;
  const grant = new GrantHandOver(
    demoSupervisor === undefined
      ? null
      : {
          supervisor: demoSupervisor.username,
          async fetchKey({ grantId }) {
            const res = await plain.call('approveGrant', {
              token: await supervisor(),
              params: { id: grantId },
            });
            return res.verificationKey;
          },
        },
  );
  const meterData = new HeadendMeterData({ client: forward, approval: grant, clock: Date.now });

  const build = async (request: JobStartRequest): Promise<BuiltFieldJob> => {
    if (vault === null) throw new Error('no credential vault: the tool cannot hold its keys');
    const client = await deviceClient();
    const creds = await loadDeviceCredentials(vault, o.deviceId);
    if (client === null || creds === null) throw new Error('this tool is not enrolled yet');
    const log = o.logger.child('field');
    // Untuned until the job names its radio: the engine tunes it before the mesh root starts.
    const radio = new SpinelMeshRadio({ logger: log });
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
      ...(o.radio !== undefined ? { radioOverride: o.radio } : {}),
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
    grant,
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

function radioNumber(value: string, name: string, max: number): number {
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`${name} must be 0..${String(max)} (decimal or 0x hex), got ${value}`);
  return n;
}

/** The bench/lab radio override: both values or neither (the job's radio then). */
function radioOverride(
  channel: string | undefined,
  panId: string | undefined,
): { channel: number; panId: number } | undefined {
  const c = channel === '' ? undefined : channel;
  const p = panId === '' ? undefined : panId;
  if (c === undefined && p === undefined) return undefined;
  if (c === undefined || p === undefined)
    throw new Error('the radio override needs both a channel and a PAN ID (or neither: the job’s radio)');
  // 0xffff is the broadcast PAN ID (IEEE 802.15.4-2015 §6.1), never a network's own.
  return { channel: radioNumber(c, 'channel', 0xff), panId: radioNumber(p, 'PAN ID', 0xfffe) };
}

/**
 * The app engine for a host: the full tool when a head-end is configured (flags first, then
 * FIELDROOT_HEADEND_URL, FIELDROOT_HEADEND_CA, FIELDROOT_DEVICE_ID, FIELDROOT_DEMO=1,
 * FIELDROOT_DEMO_SUPERVISOR="user:password"; FIELDROOT_RADIO_CHANNEL and FIELDROOT_RADIO_PAN_ID
 * only to override the job's radio on a bench), else an engine that says the head-end is not
 * configured.
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
    radio: radioOverride(
      flags.channel ?? env.FIELDROOT_RADIO_CHANNEL,
      flags.panId ?? env.FIELDROOT_RADIO_PAN_ID,
    ),
    settings,
    logger,
    ...(demoSupervisor !== undefined ? { demoSupervisor } : {}),
    demoApprovesGrants: env.FIELDROOT_DEMO_MANUAL_GRANTS !== '1',
  });
  return { engine: field.engine, field };
}
