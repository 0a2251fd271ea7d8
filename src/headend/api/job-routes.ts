/**
 * The job endpoints (issue #4 §5): the tool starts a job of its active work order and gets its
 * connection information, checks its job (which doubles as its revocation check), and ends it;
 * supervisors list every job with the gateway's online/offline view.
 */
import type { FastifyInstance } from 'fastify';
import { ENDPOINTS } from '../../contract/headend-api/index.ts';
import type { AccountService, WorkOrderService } from '../access/index.ts';
import type { CertificateAuthority } from '../ca/index.ts';
import { JobConflictError } from '../jobs/index.ts';
import type { JobProvisioner, JobStatusView } from '../jobs/index.ts';
import { decodeKeyBase64 } from '../../stack/wireguard/index.ts';
import type { CallerContext } from './caller.ts';
import { ApiError } from './errors.ts';
import { registerEndpoint } from './route.ts';

export interface JobRouteDeps {
  readonly accounts: AccountService;
  readonly ca: CertificateAuthority;
  readonly workOrders: WorkOrderService;
  readonly jobs: JobProvisioner;
}

function account(caller: CallerContext) {
  if (caller.account === undefined) throw new Error('account missing after authentication');
  return caller.account;
}

/** A tool sees only its own jobs; a supervisor sees every job. */
function ownJob(jobs: JobProvisioner, jobId: string, caller: CallerContext): JobStatusView {
  const job = jobs.find(jobId);
  const supervisor = account(caller).role !== 'field-worker';
  const mine = job !== undefined && job.deviceId === caller.deviceId && job.workerId === account(caller).id;
  if (job === undefined || (!mine && !supervisor)) throw new ApiError('not-found', `no job ${jobId}`);
  return job;
}

export function registerJobRoutes(app: FastifyInstance, deps: JobRouteDeps): void {
  const E = ENDPOINTS;
  const auth = { ca: deps.ca, accounts: deps.accounts };

  registerEndpoint(app, E.startJob, auth, async ({ body, caller }) => {
    const worker = account(caller);
    const order = (await deps.workOrders.listForWorker(worker.id)).find((o) => o.id === body.workOrderId);
    if (order === undefined) throw new ApiError('not-found', `no work order ${body.workOrderId}`);
    if (order.toolId !== caller.deviceId)
      throw new ApiError('forbidden', 'this work order is assigned to another tool', {
        reason: 'wrong-tool',
      });
    if (order.state !== 'active')
      throw new ApiError('forbidden', 'start the work order first', { reason: 'work-order-inactive' });
    const publicKey = decodeKeyBase64(body.wireguardPublicKey);
    if (publicKey === null)
      throw new ApiError('bad-request', 'not a WireGuard key', { field: 'wireguardPublicKey' });
    try {
      return deps.jobs.start({
        workOrderId: order.id,
        deviceId: order.toolId,
        workerId: worker.id,
        publicKey,
      });
    } catch (err) {
      if (err instanceof JobConflictError) throw new ApiError('conflict', err.message);
      throw err;
    }
  });

  registerEndpoint(app, E.jobStatus, auth, ({ params, caller }) =>
    Promise.resolve(ownJob(deps.jobs, params.id, caller)),
  );

  registerEndpoint(app, E.endJob, auth, ({ params, caller }) => {
    const job = ownJob(deps.jobs, params.id, caller);
    const byTool = job.deviceId === caller.deviceId && job.workerId === account(caller).id;
    return Promise.resolve(deps.jobs.end(job.jobId, byTool ? 'ended-by-tool' : 'ended-by-supervisor') ?? job);
  });

  registerEndpoint(app, E.listJobs, auth, () => Promise.resolve({ jobs: deps.jobs.list() }));
}
