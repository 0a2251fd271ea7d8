/**
 * A whole head-end (`startHeadend`: key server, WireGuard gateway, job provisioning, HTTPS API)
 * in this process on 127.0.0.1 with free ports, a supervisor and a worker account, one meter, and
 * a tool that enrolled through the API (its keys in a MemoryVault). Every wait is bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHeadend, type RunningHeadend } from '../../../src/cli/headend-command.ts';
import { HeadendClient } from '../../../src/field/headend-client/index.ts';
import {
  collectCertificate,
  loadDeviceCredentials,
  requestEnrolment,
} from '../../../src/field/enrolment/index.ts';
import { MemoryVault } from '../../../src/field/vault/index.ts';
import { openHeadendStore } from '../../../src/headend/storage/index.ts';
import { createLogger, memorySink } from '../../../src/log/index.ts';

export const DEVICE_ID = 'tablet-0042';
export const METER_ID = 'M-0001';
const SUP = { username: 'sato', password: 'supervisor-pass-1' };
const WORKER = { username: 'aiko', password: 'worker-pass-0001' };

export interface Field {
  readonly headend: RunningHeadend;
  readonly vault: MemoryVault;
  /** The tool's mutual-TLS client (device certificate from the vault). */
  readonly tool: HeadendClient;
  /** A supervisor's client (no device certificate: the console). */
  readonly console: HeadendClient;
  readonly supervisorToken: string;
  readonly workerToken: string;
  readonly logLines: string[];
  /** Assigns and starts a work order for the tool; its id. */
  activeWorkOrder(): Promise<string>;
  /** Runs `fn` first when the field closes (stopping tool sessions before the head-end). */
  beforeClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

/** The head-end's radio for jobs unless a test names another (the scenarios' default). */
export const JOB_RADIO = { channel: 33, panId: 0x7a3c } as const;
export const METER_EUI64 = '0012a1b2c3d4e5f6';

export async function startField(
  options: { radio?: { channel: number; panId: number } } = {},
): Promise<Field> {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-job-'));
  const seed = openHeadendStore({ directory: dir }, Date.now());
  await seed.repositories.meters.upsert({
    meterId: METER_ID,
    eui64: METER_EUI64,
    site: 'isolated-area',
    latitude: 35.0,
    longitude: 139.0,
    serving: { via: 'gateway', id: 'conc-1', sinceMs: Date.now() },
  });
  seed.close();
  const sink = memorySink();
  const headend = await startHeadend({
    dataDir: dir,
    panaPort: 0,
    panaHost: '127.0.0.1',
    gatewayPort: 0,
    gatewayHost: '127.0.0.1',
    apiPort: 0,
    radio: options.radio ?? JOB_RADIO,
    logger: createLogger('headend', { sink, level: 'info' }),
  });
  const sup = await headend.accounts.createAccount(SUP.username, SUP.password, 'supervisor', null);
  const worker = await headend.accounts.createAccount(
    WORKER.username,
    WORKER.password,
    'field-worker',
    sup.id,
  );
  const caPem = headend.ca.certificatePem;
  const console = new HeadendClient({ baseUrl: headend.apiUrl, caCertificatePem: caPem });
  const supervisorToken = (await console.call('signIn', { body: SUP })).token;

  // Enrolment from the tool: key and CSR, supervisor approval, certificate into the vault.
  const vault = new MemoryVault();
  const enrolClient = new HeadendClient({ baseUrl: headend.apiUrl, caCertificatePem: caPem });
  await requestEnrolment(vault, enrolClient, DEVICE_ID);
  await console.call('approveDevice', { token: supervisorToken, params: { id: DEVICE_ID } });
  const collected = await collectCertificate(vault, enrolClient, DEVICE_ID);
  enrolClient.close();
  if (collected.state !== 'issued') throw new Error(`enrolment ended ${collected.state}`);
  const credentials = await loadDeviceCredentials(vault, DEVICE_ID);
  if (credentials === null) throw new Error('no credentials after enrolment');
  const tool = new HeadendClient({
    baseUrl: headend.apiUrl,
    caCertificatePem: credentials.caCertificatePem,
    device: credentials,
  });
  const workerToken = (await tool.call('signIn', { body: WORKER })).token;
  const closing: (() => Promise<void>)[] = [];

  return {
    headend,
    vault,
    tool,
    console,
    supervisorToken,
    workerToken,
    logLines: sink.lines,
    async activeWorkOrder() {
      const now = Date.now();
      const order = await console.call('assignWorkOrder', {
        token: supervisorToken,
        body: {
          workerId: worker.id,
          toolId: DEVICE_ID,
          meterIds: [METER_ID],
          windowStartMs: now - 60_000,
          windowEndMs: now + 3_600_000,
        },
      });
      await tool.call('startWorkOrder', { token: workerToken, params: { id: order.id } });
      return order.id;
    },
    beforeClose(fn) {
      closing.push(fn);
    },
    async close() {
      for (const fn of closing) await fn().catch(() => undefined);
      tool.close();
      console.close();
      await headend.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
