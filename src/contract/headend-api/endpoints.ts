/**
 * Every head-end API endpoint: method, path, who may call it and its schemas. The server
 * registers routes from this table and the OpenAPI document is generated from it, so the two
 * cannot drift apart.
 *
 * Caller requirements:
 * - `device`: 'required' — a valid, unrevoked client certificate issued by the head-end CA
 *   (mutual TLS); 'none' — no certificate is looked at (enrolment, supervisor console);
 *   'optional' — checked when present.
 * - `session`: a bearer session token (`Authorization: Bearer <token>`, RFC 6750 §2.1) of any
 *   role ('any'), of a supervisor or admin ('supervisor'), or none.
 * - `accessKey`: the grant's access key in the `x-fieldroot-access-key` header.
 */
import type { z } from 'zod';
import { AMR_ENDPOINTS } from './amr-endpoints.ts';
import { CONSOLE_ENDPOINTS } from './console-endpoints.ts';
import {
  AccessKeyResponse,
  AssignWorkOrderRequest,
  DeviceCertificateResponse,
  DeviceParams,
  EnrolDeviceRequest,
  EnrolmentResponse,
  ExchangeGrantRequest,
  Grant,
  IdParams,
  IssuedCertificate,
  JobConnection,
  JobList,
  JobStatus,
  MeterParams,
  ReadingsQuery,
  ReadingsResponse,
  RejectDeviceResponse,
  RenewDeviceRequest,
  RequestGrantRequest,
  RevokeDeviceResponse,
  SignInRequest,
  SignInResponse,
  SignOutResponse,
  StartJobRequest,
  VerificationKeyResponse,
  WorkOrder,
  WorkOrderList,
} from './schemas.ts';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface EndpointAuth {
  readonly device: 'required' | 'optional' | 'none';
  readonly session: 'any' | 'supervisor' | 'none';
  readonly accessKey?: boolean;
}

export interface Endpoint {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** OpenAPI path template: `/v1/grants/{id}/approve`. */
  readonly path: string;
  readonly summary: string;
  readonly auth: EndpointAuth;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly status: number;
  readonly response: z.ZodType;
}

const TOOL_WORKER: EndpointAuth = { device: 'required', session: 'any' };
const SUPERVISOR: EndpointAuth = { device: 'optional', session: 'supervisor' };
const ENROLMENT: EndpointAuth = { device: 'none', session: 'none' };

function endpoint<const E extends Endpoint>(e: E): E {
  return e;
}

export const ENDPOINTS = {
  signIn: endpoint({
    operationId: 'signIn',
    method: 'POST',
    path: '/v1/session',
    summary: 'Sign in with a user name and password; returns a session token.',
    auth: { device: 'optional', session: 'none' },
    body: SignInRequest,
    status: 201,
    response: SignInResponse,
  }),
  signOut: endpoint({
    operationId: 'signOut',
    method: 'DELETE',
    path: '/v1/session',
    summary: 'End the session whose token is presented.',
    auth: { device: 'optional', session: 'any' },
    status: 200,
    response: SignOutResponse,
  }),
  myWorkOrders: endpoint({
    operationId: 'myWorkOrders',
    method: 'GET',
    path: '/v1/me/work-orders',
    summary: "The signed-in worker's work orders.",
    auth: TOOL_WORKER,
    status: 200,
    response: WorkOrderList,
  }),
  assignWorkOrder: endpoint({
    operationId: 'assignWorkOrder',
    method: 'POST',
    path: '/v1/work-orders',
    summary: 'A supervisor assigns a worker, their tool, meters and a time window.',
    auth: SUPERVISOR,
    body: AssignWorkOrderRequest,
    status: 201,
    response: WorkOrder,
  }),
  startWorkOrder: endpoint({
    operationId: 'startWorkOrder',
    method: 'POST',
    path: '/v1/work-orders/{id}/start',
    summary: 'The worker starts an assigned work order of theirs inside its window.',
    auth: TOOL_WORKER,
    params: IdParams,
    status: 200,
    response: WorkOrder,
  }),
  requestGrant: endpoint({
    operationId: 'requestGrant',
    method: 'POST',
    path: '/v1/grants',
    summary: "The worker's tool asks for access to the meters of an active work order.",
    auth: TOOL_WORKER,
    body: RequestGrantRequest,
    status: 201,
    response: Grant,
  }),
  approveGrant: endpoint({
    operationId: 'approveGrant',
    method: 'POST',
    path: '/v1/grants/{id}/approve',
    summary:
      'A supervisor approves a grant; the single-use verification key is returned once, in this ' +
      'response, for the supervisor to hand to the worker.',
    auth: SUPERVISOR,
    params: IdParams,
    status: 200,
    response: VerificationKeyResponse,
  }),
  exchangeGrant: endpoint({
    operationId: 'exchangeGrant',
    method: 'POST',
    path: '/v1/grants/exchange',
    summary: 'The tool exchanges a verification key (once) for an access key.',
    auth: TOOL_WORKER,
    body: ExchangeGrantRequest,
    status: 200,
    response: AccessKeyResponse,
  }),
  meterReadings: endpoint({
    operationId: 'meterReadings',
    method: 'GET',
    path: '/v1/meters/{id}/readings',
    summary: "A meter's readings in [fromMs, toMs), under a grant's access key.",
    auth: { ...TOOL_WORKER, accessKey: true },
    params: MeterParams,
    query: ReadingsQuery,
    status: 200,
    response: ReadingsResponse,
  }),
  enrolDevice: endpoint({
    operationId: 'enrolDevice',
    method: 'POST',
    path: '/v1/devices/enrol',
    summary: 'A tool uploads a certificate signing request; it waits for a supervisor.',
    auth: ENROLMENT,
    body: EnrolDeviceRequest,
    status: 202,
    response: EnrolmentResponse,
  }),
  approveDevice: endpoint({
    operationId: 'approveDevice',
    method: 'POST',
    path: '/v1/devices/{id}/approve',
    summary: "A supervisor approves a pending enrolment; the tool's certificate is issued.",
    auth: SUPERVISOR,
    params: DeviceParams,
    status: 200,
    response: IssuedCertificate,
  }),
  rejectDevice: endpoint({
    operationId: 'rejectDevice',
    method: 'POST',
    path: '/v1/devices/{id}/reject',
    summary: 'A supervisor rejects a pending enrolment (e.g. its key fingerprint did not match).',
    auth: SUPERVISOR,
    params: DeviceParams,
    status: 200,
    response: RejectDeviceResponse,
  }),
  deviceCertificate: endpoint({
    operationId: 'deviceCertificate',
    method: 'GET',
    path: '/v1/devices/{id}/certificate',
    summary: "The enrolment's state and, once issued, the certificate and the CA certificate.",
    auth: ENROLMENT,
    params: DeviceParams,
    status: 200,
    response: DeviceCertificateResponse,
  }),
  renewDevice: endpoint({
    operationId: 'renewDevice',
    method: 'POST',
    path: '/v1/devices/{id}/renew',
    summary: 'A tool with a valid certificate gets a new one for a new key before expiry.',
    auth: { device: 'required', session: 'none' },
    params: DeviceParams,
    body: RenewDeviceRequest,
    status: 200,
    response: IssuedCertificate,
  }),
  revokeDevice: endpoint({
    operationId: 'revokeDevice',
    method: 'POST',
    path: '/v1/devices/{id}/revoke',
    summary: 'A supervisor revokes every certificate of a device; it is refused from then on.',
    auth: SUPERVISOR,
    params: DeviceParams,
    status: 200,
    response: RevokeDeviceResponse,
  }),
  startJob: endpoint({
    operationId: 'startJob',
    method: 'POST',
    path: '/v1/jobs',
    summary:
      'The tool starts the job of an active work order: the head-end allocates the tunnel address and ' +
      'mesh /64, configures the gateway peer for the given WireGuard key and returns how to connect.',
    auth: TOOL_WORKER,
    body: StartJobRequest,
    status: 201,
    response: JobConnection,
  }),
  jobStatus: endpoint({
    operationId: 'jobStatus',
    method: 'GET',
    path: '/v1/jobs/{id}',
    summary: "The tool's own job: state and whether the gateway sees its tunnel (also a revocation check).",
    auth: TOOL_WORKER,
    params: IdParams,
    status: 200,
    response: JobStatus,
  }),
  endJob: endpoint({
    operationId: 'endJob',
    method: 'POST',
    path: '/v1/jobs/{id}/end',
    summary: 'The tool (or a supervisor) ends a job; the gateway peer and its credential are removed.',
    auth: { device: 'optional', session: 'any' },
    params: IdParams,
    status: 200,
    response: JobStatus,
  }),
  listJobs: endpoint({
    operationId: 'listJobs',
    method: 'GET',
    path: '/v1/jobs',
    summary: 'Supervisors: every job with its tool online/offline status from the gateway.',
    auth: SUPERVISOR,
    status: 200,
    response: JobList,
  }),
  ...AMR_ENDPOINTS,
  ...CONSOLE_ENDPOINTS,
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;

/** Fastify-style route path (`/v1/grants/:id/approve`) of an OpenAPI path template. */
export function routePath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

export const OPENAPI_PATH = '/v1/openapi.json';
