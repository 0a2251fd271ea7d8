/**
 * AMR/DR endpoints (contract: AMR_ENDPOINTS): read results of a job, demand-response
 * authorisations and commands, and the supervisor console's lists.
 *
 * Access: read results and DR commands carry the grant's access key; GrantService.authorize
 * checks it for every meter touched (outside the grant, after expiry, another worker's meters or
 * another tool → 403 with the reason, and the denial is audited there). DR refusals about the
 * authorisation or the tool are 403 too (audited by the DR service); a meter that is not reachable
 * or does not implement the DR EPCs is 409.
 */
import type { FastifyInstance } from 'fastify';
import { AMR_ENDPOINTS } from '../../contract/headend-api/index.ts';
import type { MeterAction } from '../access/index.ts';
import type { DemandResponseService, DrRefusal } from '../amr/index.ts';
import type { AmrRepository } from '../storage/index.ts';
import type { CallerContext } from './caller.ts';
import { ApiError } from './errors.ts';
import type { HandlerDeps } from './handlers.ts';
import { registerEndpoint } from './route.ts';

export interface AmrApiDeps {
  readonly demandResponse: Pick<DemandResponseService, 'authorise' | 'execute'>;
  readonly amr: AmrRepository;
}

const DEFAULT_LIST_LIMIT = 100;

const REFUSAL_STATUS: Readonly<Record<DrRefusal, 'forbidden' | 'conflict'>> = {
  'unknown-authorisation': 'forbidden',
  'authorisation-mismatch': 'forbidden',
  'authorisation-used': 'forbidden',
  'authorisation-expired': 'forbidden',
  'wrong-tool': 'forbidden',
  'not-reachable': 'conflict',
  'not-supported': 'conflict',
};

function identity(caller: CallerContext): { workerId: string; toolId: string } {
  if (caller.account === undefined || caller.deviceId === undefined)
    throw new Error('worker and tool missing after authentication');
  return { workerId: caller.account.id, toolId: caller.deviceId };
}

function supervisorId(caller: CallerContext): string {
  if (caller.account === undefined) throw new Error('account missing after authentication');
  return caller.account.id;
}

export function registerAmrRoutes(
  app: FastifyInstance,
  deps: HandlerDeps & { readonly amr: AmrApiDeps; readonly clock: () => number },
): void {
  const E = AMR_ENDPOINTS;
  const auth = { ca: deps.ca, accounts: deps.accounts };

  async function allow(
    caller: CallerContext,
    accessKey: string | undefined,
    meterId: string,
    action: MeterAction,
  ) {
    if (accessKey === undefined) throw new Error('access key missing after authentication');
    const decision = await deps.grants.authorize({ ...identity(caller), accessKey, meterId, action });
    if (!decision.allowed)
      throw new ApiError('forbidden', `access denied: ${decision.reason}`, { reason: decision.reason });
    return decision;
  }

  registerEndpoint(app, E.jobReadings, auth, async ({ params, query, caller, accessKey }) => {
    if (query.toMs < query.fromMs)
      throw new ApiError('bad-request', 'toMs must not be before fromMs', { field: 'toMs' });
    const { workerId } = identity(caller);
    const order = (await deps.workOrders.listForWorker(workerId)).find((o) => o.id === params.id);
    // Another worker's order looks the same as none: 403, audited through authorize below.
    const meterIds = order?.meterIds ?? [];
    if (order === undefined) {
      await allow(caller, accessKey, `work-order:${params.id}`, 'read');
      throw new ApiError('forbidden', 'access denied: not-in-grant', { reason: 'not-in-grant' });
    }
    const meters = [];
    for (const meterId of meterIds) {
      const decision = await allow(caller, accessKey, meterId, 'read');
      if (decision.workOrderId !== order.id)
        throw new ApiError('forbidden', 'access denied: the access key is for another work order', {
          reason: 'not-in-grant',
        });
      meters.push({
        meterId,
        readings: await deps.readings.listReadings(meterId, query.fromMs, query.toMs),
        exceptions: await deps.readings.listExceptions(meterId, query.fromMs, query.toMs),
      });
    }
    return { workOrderId: order.id, meters };
  });

  registerEndpoint(app, E.authoriseDr, auth, async ({ params, body, caller }) => {
    if ((body.action === 'load-limit') !== (body.loadLimitW !== undefined))
      throw new ApiError('bad-request', 'loadLimitW is required for load-limit and only for it', {
        field: 'loadLimitW',
      });
    try {
      return await deps.amr.demandResponse.authorise(supervisorId(caller), { meterId: params.id, ...body });
    } catch (e) {
      // The meter id is a foreign key: an unknown meter fails the insert.
      if (e instanceof Error && /FOREIGN KEY/.test(e.message))
        throw new ApiError('not-found', `no meter ${params.id}`);
      throw e;
    }
  });

  // Under the same checks as a DR command on this meter: the grant's work order must include it,
  // so a tool never learns of authorisations for meters it may not act on.
  registerEndpoint(app, E.meterDrAuthorisations, auth, async ({ params, caller, accessKey }) => {
    await allow(caller, accessKey, params.id, 'demand-response');
    const records = await deps.amr.amr.listUsableDrAuthorisations(params.id, deps.clock());
    const names = new Map<string, string>();
    const authorisations = [];
    for (const r of records) {
      if (!names.has(r.issuedBy))
        names.set(r.issuedBy, (await deps.accounts.username(r.issuedBy)) ?? r.issuedBy);
      authorisations.push({
        id: r.id,
        action: r.action,
        loadLimitW: r.loadLimitW,
        issuedBy: r.issuedBy,
        issuedByName: names.get(r.issuedBy) ?? r.issuedBy,
        issuedAtMs: r.issuedAtMs,
        expiresAtMs: r.expiresAtMs,
      });
    }
    return { meterId: params.id, authorisations };
  });

  registerEndpoint(app, E.drCommand, auth, async ({ params, body, caller, accessKey }) => {
    await allow(caller, accessKey, params.id, 'demand-response');
    const result = await deps.amr.demandResponse.execute({
      meterId: params.id,
      action: body.action,
      ...(body.loadLimitW !== undefined ? { loadLimitW: body.loadLimitW } : {}),
      authorisationId: body.authorisationId,
      ...identity(caller),
    });
    if (result.kind === 'refused')
      throw new ApiError(REFUSAL_STATUS[result.reason], `demand response refused: ${result.reason}`, {
        reason: result.reason,
      });
    return {
      meterId: params.id,
      action: body.action,
      outcome: result.outcome,
      switchState: result.switchState,
      loadLimitW: result.loadLimitW,
      toolId: result.toolId,
      atMs: result.atMs,
    };
  });

  registerEndpoint(app, E.consoleReadExceptions, auth, async ({ query }) => ({
    exceptions: (await deps.amr.amr.recentExceptions(query.limit ?? DEFAULT_LIST_LIMIT)).map((e) => ({
      meterId: e.meterId,
      atMs: e.atMs,
      reason: e.reason,
      detail: e.detail,
    })),
  }));

  registerEndpoint(app, E.consoleDrAuthorisations, auth, async ({ query }) => ({
    authorisations: await deps.amr.amr.listDrAuthorisations(query.limit ?? DEFAULT_LIST_LIMIT),
  }));

  registerEndpoint(app, E.consoleAudit, auth, async ({ query }) => ({
    entries: await deps.amr.amr.recentAudit(query.limit ?? DEFAULT_LIST_LIMIT),
  }));
}
