/**
 * The supervisor console's list endpoints (issue #5 item 7), merged into ENDPOINTS
 * (endpoints.ts) like AMR_ENDPOINTS. Each is paged by id: `?limit&after`.
 */
import type { Endpoint, EndpointAuth } from './endpoints.ts';
import {
  ConsoleDeviceList,
  ConsoleGrantList,
  ConsolePageQuery,
  ConsoleWorkOrderList,
} from './console-schemas.ts';

const SUPERVISOR: EndpointAuth = { device: 'optional', session: 'supervisor' };

function endpoint<const E extends Endpoint>(e: E): E {
  return e;
}

export const CONSOLE_ENDPOINTS = {
  consoleDevices: endpoint({
    operationId: 'consoleDevices',
    method: 'GET',
    path: '/v1/console/devices',
    summary:
      'Supervisors: enrolled tools by device id — enrolment state (pending, issued, rejected, revoked), ' +
      'certificate expiry and online/offline from the active job.',
    auth: SUPERVISOR,
    query: ConsolePageQuery,
    status: 200,
    response: ConsoleDeviceList,
  }),
  consoleWorkOrders: endpoint({
    operationId: 'consoleWorkOrders',
    method: 'GET',
    path: '/v1/console/work-orders',
    summary: 'Supervisors: every work order by id — worker, tool, meter count, window and state.',
    auth: SUPERVISOR,
    query: ConsolePageQuery,
    status: 200,
    response: ConsoleWorkOrderList,
  }),
  consoleGrants: endpoint({
    operationId: 'consoleGrants',
    method: 'GET',
    path: '/v1/console/grants',
    summary: 'Supervisors: every access grant by id — state and when its current key expires; never a key.',
    auth: SUPERVISOR,
    query: ConsolePageQuery,
    status: 200,
    response: ConsoleGrantList,
  }),
} as const satisfies Record<string, Endpoint>;
