/**
 * The supervisor console's lists (contract: CONSOLE_ENDPOINTS): enrolled tools, work orders and
 * access grants, paged by id. Each row is a view built field by field here, so no CSR,
 * certificate, key or key hash can reach a response by accident.
 */
import type { FastifyInstance } from 'fastify';
import { CONSOLE_ENDPOINTS } from '../../contract/headend-api/index.ts';
import type { Clock } from '../access/index.ts';
import type { EnrolmentRecord } from '../ca/index.ts';
import type { JobProvisioner } from '../jobs/index.ts';
import type { GrantRecord } from '../storage/index.ts';
import type { HandlerDeps } from './handlers.ts';
import { registerEndpoint } from './route.ts';

export const CONSOLE_DEFAULT_PAGE = 50;

export interface ConsoleRouteDeps extends HandlerDeps {
  readonly clock: Clock;
  /** Online/offline of each tool comes from its active job; without jobs it is unknown (null). */
  readonly jobs?: Pick<JobProvisioner, 'list'>;
}

/** One page plus the cursor of the next: fetch one row more than asked to know if there is one. */
function page<T>(rows: readonly T[], limit: number, idOf: (row: T) => string) {
  const rowsOut = rows.slice(0, limit);
  const last = rowsOut.at(-1);
  return { rows: rowsOut, next: rows.length > limit && last !== undefined ? idOf(last) : null };
}

function grantState(g: GrantRecord, nowMs: number) {
  switch (g.state) {
    case 'requested':
      return { state: 'pending' as const, expiresAtMs: null };
    case 'approved': {
      const at = g.verificationExpiresAtMs;
      return {
        state: at !== null && at <= nowMs ? ('expired' as const) : ('approved' as const),
        expiresAtMs: at,
      };
    }
    case 'issued': {
      const at = g.accessExpiresAtMs;
      return {
        state: at !== null && at <= nowMs ? ('expired' as const) : ('exchanged' as const),
        expiresAtMs: at,
      };
    }
    case 'revoked':
      return { state: 'revoked' as const, expiresAtMs: null };
  }
}

export function registerConsoleRoutes(app: FastifyInstance, deps: ConsoleRouteDeps): void {
  const E = CONSOLE_ENDPOINTS;
  const auth = { ca: deps.ca, accounts: deps.accounts };

  function deviceView(r: EnrolmentRecord, online: ReadonlyMap<string, boolean>) {
    const certificates = deps.ca.certificatesOf(r.deviceId);
    const newest = certificates.reduce<(typeof certificates)[number] | undefined>(
      (a, c) => (a === undefined || c.notBeforeMs > a.notBeforeMs ? c : a),
      undefined,
    );
    // Issued, but every certificate revoked: the tool is revoked.
    const revoked =
      r.state === 'issued' && certificates.length > 0 && certificates.every((c) => c.revokedAtMs !== null);
    return {
      deviceId: r.deviceId,
      state: revoked ? ('revoked' as const) : r.state,
      publicKeySha256: r.publicKeySha256,
      requestedAtMs: r.requestedAtMs,
      decidedBy: r.decidedBy,
      decidedAtMs: r.decidedAtMs,
      certificateNotAfterMs: newest?.notAfterMs ?? null,
      online: online.get(r.deviceId) ?? null,
    };
  }

  registerEndpoint(app, E.consoleDevices, auth, ({ query }) => {
    const limit = query.limit ?? CONSOLE_DEFAULT_PAGE;
    const after = query.after;
    const rows = deps.enrolments
      .list()
      .filter((r) => after === undefined || r.deviceId > after)
      .slice(0, limit + 1);
    const online = new Map<string, boolean>();
    for (const job of deps.jobs?.list() ?? [])
      if (job.state === 'active') online.set(job.deviceId, job.online || online.get(job.deviceId) === true);
    const { rows: shown, next } = page(rows, limit, (r) => r.deviceId);
    return Promise.resolve({ devices: shown.map((r) => deviceView(r, online)), next });
  });

  registerEndpoint(app, E.consoleWorkOrders, auth, async ({ query }) => {
    const limit = query.limit ?? CONSOLE_DEFAULT_PAGE;
    const rows = await deps.workOrders.list({
      limit: limit + 1,
      ...(query.after === undefined ? {} : { afterId: query.after }),
    });
    const { rows: shown, next } = page(rows, limit, (o) => o.id);
    return {
      workOrders: shown.map((o) => ({
        id: o.id,
        workerId: o.workerId,
        toolId: o.toolId,
        meterCount: o.meterIds.length,
        windowStartMs: o.windowStartMs,
        windowEndMs: o.windowEndMs,
        state: o.state,
        createdAtMs: o.createdAtMs,
      })),
      next,
    };
  });

  registerEndpoint(app, E.consoleGrants, auth, async ({ query }) => {
    const limit = query.limit ?? CONSOLE_DEFAULT_PAGE;
    const rows = await deps.grants.list({
      limit: limit + 1,
      ...(query.after === undefined ? {} : { afterId: query.after }),
    });
    const nowMs = deps.clock();
    const { rows: shown, next } = page(rows, limit, (g) => g.id);
    return {
      grants: shown.map((g) => ({
        id: g.id,
        workOrderId: g.workOrderId,
        workerId: g.workerId,
        toolId: g.toolId,
        requestedAtMs: g.requestedAtMs,
        ...grantState(g, nowMs),
      })),
      next,
    };
  });
}
