/** What each endpoint does: thin glue from the validated request to the head-end services. */
import type { FastifyInstance } from 'fastify';
import { ENDPOINTS } from '../../contract/headend-api/index.ts';
import type { AccountService, GrantService, WorkOrderService } from '../access/index.ts';
import type { CertificateAuthority, EnrolmentService, IssuedCertificateRecord } from '../ca/index.ts';
import type { GrantRecord, ReadingRepository } from '../storage/index.ts';
import type { CallerContext } from './caller.ts';
import { presentedCertificate } from './caller.ts';
import { ApiError } from './errors.ts';
import { registerEndpoint } from './route.ts';

export interface HandlerDeps {
  readonly accounts: AccountService;
  readonly workOrders: WorkOrderService;
  readonly grants: GrantService;
  readonly readings: ReadingRepository;
  readonly ca: CertificateAuthority;
  readonly enrolments: EnrolmentService;
  /**
   * The whole revocation (gateway peer, key server, certificate: src/headend/jobs); without it the
   * revoke endpoint revokes the certificate only.
   */
  readonly revocation?: { revoke(deviceId: string, actor: string): Promise<{ revokedSerials: string[] }> };
}

/** The identity the endpoint's auth guaranteed; a missing one is a programming error. */
function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} missing after authentication`);
  return value;
}

function workerCaller(caller: CallerContext) {
  return {
    workerId: required(caller.account, 'account').id,
    toolId: required(caller.deviceId, 'device'),
  };
}

function grantView(g: GrantRecord) {
  return {
    id: g.id,
    workOrderId: g.workOrderId,
    workerId: g.workerId,
    toolId: g.toolId,
    state: g.state,
    requestedAtMs: g.requestedAtMs,
  };
}

function certificateView(r: IssuedCertificateRecord, ca: CertificateAuthority) {
  return {
    deviceId: r.deviceId,
    serial: r.serial,
    notBeforeMs: r.notBeforeMs,
    notAfterMs: r.notAfterMs,
    certificatePem: r.certificatePem,
    caCertificatePem: ca.certificatePem,
  };
}

export function registerHandlers(app: FastifyInstance, deps: HandlerDeps): void {
  const E = ENDPOINTS;
  const auth = { ca: deps.ca, accounts: deps.accounts };

  registerEndpoint(app, E.signIn, auth, async ({ body, request }) => {
    const signedIn = await deps.accounts.signIn(body.username, body.password, request.ip);
    return {
      token: signedIn.token,
      accountId: signedIn.account.id,
      role: signedIn.account.role,
      idleExpiresAtMs: signedIn.idleExpiresAtMs,
      absoluteExpiresAtMs: signedIn.absoluteExpiresAtMs,
    };
  });

  registerEndpoint(app, E.signOut, auth, async ({ caller }) => ({
    signedOut: await deps.accounts.signOut(required(caller.token, 'token')),
  }));

  registerEndpoint(app, E.myWorkOrders, auth, async ({ caller }) => {
    const orders = await deps.workOrders.listForWorker(required(caller.account, 'account').id);
    return { workOrders: await Promise.all(orders.map((o) => deps.workOrders.view(o))) };
  });

  registerEndpoint(app, E.assignWorkOrder, auth, async ({ body, caller }) =>
    deps.workOrders.view(await deps.workOrders.assign(required(caller.account, 'account').id, body)),
  );

  registerEndpoint(app, E.startWorkOrder, auth, async ({ params, caller }) => {
    const workerId = required(caller.account, 'account').id;
    // The order is started from the tool it was assigned to, and no other.
    const order = (await deps.workOrders.listForWorker(workerId)).find((o) => o.id === params.id);
    if (order !== undefined && order.toolId !== caller.deviceId)
      throw new ApiError('forbidden', 'this work order is assigned to another tool', {
        reason: 'wrong-tool',
      });
    return deps.workOrders.view(await deps.workOrders.start(workerId, params.id));
  });

  registerEndpoint(app, E.requestGrant, auth, async ({ body, caller }) =>
    grantView(await deps.grants.request(workerCaller(caller), body.workOrderId)),
  );

  registerEndpoint(app, E.approveGrant, auth, ({ params, caller }) =>
    deps.grants.approve(required(caller.account, 'account').id, params.id),
  );

  registerEndpoint(app, E.exchangeGrant, auth, ({ body, caller }) =>
    deps.grants.exchange(workerCaller(caller), body.verificationKey),
  );

  registerEndpoint(app, E.meterReadings, auth, async ({ params, query, caller, accessKey }) => {
    const decision = await deps.grants.authorize({
      ...workerCaller(caller),
      accessKey: required(accessKey, 'access key'),
      meterId: params.id,
      action: 'read',
    });
    if (!decision.allowed)
      throw new ApiError('forbidden', `access denied: ${decision.reason}`, { reason: decision.reason });
    if (query.toMs < query.fromMs)
      throw new ApiError('bad-request', 'toMs must not be before fromMs', { field: 'toMs' });
    return {
      meterId: params.id,
      readings: await deps.readings.listReadings(params.id, query.fromMs, query.toMs),
    };
  });

  registerEndpoint(app, E.enrolDevice, auth, async ({ body, request }) => {
    const record = await deps.enrolments.enrol(body.deviceId, body.csrPem, request.ip);
    return { deviceId: record.deviceId, state: record.state, publicKeySha256: record.publicKeySha256 };
  });

  registerEndpoint(app, E.approveDevice, auth, async ({ params, caller }) =>
    certificateView(
      await deps.enrolments.approve(required(caller.account, 'account').id, params.id),
      deps.ca,
    ),
  );

  registerEndpoint(app, E.deviceCertificate, auth, ({ params }) => {
    const record = deps.enrolments.find(params.id);
    if (record === undefined) throw new ApiError('not-found', `no enrolment for ${params.id}`);
    if (record.state !== 'issued') return Promise.resolve({ state: record.state, deviceId: params.id });
    const issued = deps.ca.certificatesOf(params.id).find((c) => c.serial === record.serial);
    if (issued === undefined) throw new Error(`certificate ${String(record.serial)} is not on record`);
    return Promise.resolve({ state: 'issued' as const, ...certificateView(issued, deps.ca) });
  });

  registerEndpoint(app, E.rejectDevice, auth, async ({ params, caller }) => {
    await deps.enrolments.reject(required(caller.account, 'account').id, params.id);
    return { state: 'rejected' as const, deviceId: params.id };
  });

  registerEndpoint(app, E.renewDevice, auth, async ({ params, body, caller, request }) => {
    if (caller.deviceId !== params.id)
      throw new ApiError('forbidden', 'a device renews only its own certificate', { reason: 'wrong-tool' });
    const current = required(presentedCertificate(request), 'certificate');
    return certificateView(await deps.ca.renew(current, body.csrPem), deps.ca);
  });

  registerEndpoint(app, E.revokeDevice, auth, async ({ params, caller }) => ({
    deviceId: params.id,
    revokedSerials:
      deps.revocation === undefined
        ? await deps.enrolments.revoke(required(caller.account, 'account').id, params.id)
        : (await deps.revocation.revoke(params.id, required(caller.account, 'account').id)).revokedSerials,
  }));
}
