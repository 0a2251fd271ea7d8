/**
 * The AMR/DR endpoints (issue #5), merged into ENDPOINTS (endpoints.ts) so the server and the
 * OpenAPI document see them like every other endpoint.
 */
import type { Endpoint, EndpointAuth } from './endpoints.ts';
import {
  AuditList,
  ConsoleListQuery,
  DrAuthorisation,
  DrAuthorisationList,
  DrAuthoriseRequest,
  DrCommandRequest,
  DrCommandResponse,
  JobReadingsResponse,
  ReadExceptionList,
  UsableDrAuthorisationList,
} from './amr-schemas.ts';
import { IdParams, MeterParams, ReadingsQuery } from './schemas.ts';

const TOOL_WORKER_WITH_GRANT: EndpointAuth = { device: 'required', session: 'any', accessKey: true };
const SUPERVISOR: EndpointAuth = { device: 'optional', session: 'supervisor' };

function endpoint<const E extends Endpoint>(e: E): E {
  return e;
}

export const AMR_ENDPOINTS = {
  jobReadings: endpoint({
    operationId: 'jobReadings',
    method: 'GET',
    path: '/v1/work-orders/{id}/readings',
    summary:
      "Readings and read exceptions in [fromMs, toMs) of every meter of a work order, under its grant's access key.",
    auth: TOOL_WORKER_WITH_GRANT,
    params: IdParams,
    query: ReadingsQuery,
    status: 200,
    response: JobReadingsResponse,
  }),
  authoriseDr: endpoint({
    operationId: 'authoriseDr',
    method: 'POST',
    path: '/v1/meters/{id}/dr-authorisations',
    summary: 'A supervisor authorises one demand-response action on one meter (single use, time-limited).',
    auth: SUPERVISOR,
    params: MeterParams,
    body: DrAuthoriseRequest,
    status: 201,
    response: DrAuthorisation,
  }),
  meterDrAuthorisations: endpoint({
    operationId: 'meterDrAuthorisations',
    method: 'GET',
    path: '/v1/meters/{id}/dr-authorisations',
    summary:
      "The tool lists one meter's usable demand-response authorisations (unused, unexpired), under " +
      "the grant's access key of a work order that includes the meter.",
    auth: TOOL_WORKER_WITH_GRANT,
    params: MeterParams,
    status: 200,
    response: UsableDrAuthorisationList,
  }),
  drCommand: endpoint({
    operationId: 'drCommand',
    method: 'POST',
    path: '/v1/meters/{id}/dr',
    summary:
      "Disconnect, reconnect or limit a meter's load through the tool serving it, under a supervisor's " +
      "authorisation and the grant's access key; confirmed by reading the state back, and audited.",
    auth: TOOL_WORKER_WITH_GRANT,
    params: MeterParams,
    body: DrCommandRequest,
    status: 200,
    response: DrCommandResponse,
  }),
  consoleReadExceptions: endpoint({
    operationId: 'consoleReadExceptions',
    method: 'GET',
    path: '/v1/console/read-exceptions',
    summary: 'Supervisors: the newest read exceptions of every meter.',
    auth: SUPERVISOR,
    query: ConsoleListQuery,
    status: 200,
    response: ReadExceptionList,
  }),
  consoleDrAuthorisations: endpoint({
    operationId: 'consoleDrAuthorisations',
    method: 'GET',
    path: '/v1/console/dr-authorisations',
    summary: 'Supervisors: the newest demand-response authorisations and whether they were used.',
    auth: SUPERVISOR,
    query: ConsoleListQuery,
    status: 200,
    response: DrAuthorisationList,
  }),
  consoleAudit: endpoint({
    operationId: 'consoleAudit',
    method: 'GET',
    path: '/v1/console/audit',
    summary: 'Supervisors: the newest audit entries (demand response, access denials, grants), newest first.',
    auth: SUPERVISOR,
    query: ConsoleListQuery,
    status: 200,
    response: AuditList,
  }),
} as const satisfies Record<string, Endpoint>;
