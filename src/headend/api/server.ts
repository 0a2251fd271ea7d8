/**
 * The head-end HTTPS API (Fastify) with mutual TLS.
 *
 * TLS: the server presents a certificate the head-end CA issues at start-up (SAN 127.0.0.1 and
 * localhost by default; a fresh key each start, never written to disk: tools pin the CA, not
 * the server certificate). `requestCert: true` asks every client for a certificate signed by
 * the CA; `rejectUnauthorized: false` lets a handshake without one through, because enrolment
 * and the supervisor console have none, and each endpoint then decides (caller.ts). TLS 1.2 is
 * the minimum (RFC 9325 §3.1.1).
 *
 * Requests: bodies over `bodyLimitBytes` (64 KiB) are refused with 413 before they are parsed;
 * every error leaves as the contract's error body with the request id; unexpected errors are
 * logged (name and message, never a stack to the client) and answered 'internal'. The request
 * log has method, route, status, request id and device id: never headers or bodies, so no
 * password, token or key reaches it.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildOpenApiDocument, OPENAPI_PATH } from '../../contract/headend-api/index.ts';
import type { Clock, RandomSource } from '../access/index.ts';
import type { Logger } from '../../log/index.ts';
import { errorBody, toApiError, ApiError } from './errors.ts';
import { registerHandlers, type HandlerDeps } from './handlers.ts';
import type { JobProvisioner } from '../jobs/index.ts';
import { registerJobRoutes } from './job-routes.ts';
import { registerConsole } from '../console/index.ts';
import { registerAmrRoutes, type AmrApiDeps } from './amr-routes.ts';
import { registerConsoleRoutes } from './console-routes.ts';

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_SERVER_NAMES = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } as const;
export const API_VERSION = '0.1.0';

export interface ApiServerDeps extends HandlerDeps {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  /** Job provisioning (issue #4); without it the job endpoints answer 404. */
  readonly jobs?: JobProvisioner;
  /** The AMR/DR server (issue #5); without it the read-result and DR endpoints answer 404. */
  readonly amr?: AmrApiDeps;
  readonly bodyLimitBytes?: number;
  readonly serverNames?: { readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
}

export interface ApiServer {
  readonly app: FastifyInstance;
  /** The server certificate's PEM (signed by the head-end CA). */
  readonly serverCertificatePem: string;
  listen(options: {
    readonly host: string;
    readonly port: number;
  }): Promise<{ readonly port: number; readonly url: string }>;
  close(): Promise<void>;
}

export async function createApiServer(deps: ApiServerDeps): Promise<ApiServer> {
  const log = deps.logger;
  const server = await deps.ca.issueServerCertificate(deps.serverNames ?? DEFAULT_SERVER_NAMES);
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    forceCloseConnections: true,
    genReqId: () => `req-${Buffer.from(deps.random(9)).toString('base64url')}`,
    https: {
      key: server.privateKeyPem,
      cert: server.certificatePem,
      ca: [deps.ca.certificatePem],
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
  });

  app.setErrorHandler((err, request, reply) => {
    const apiError = toApiError(err);
    if (apiError === undefined) {
      const e = err instanceof Error ? err : new Error(String(err));
      log.error('unexpected error', { requestId: request.id, error: { name: e.name, message: e.message } });
    }
    const sent = apiError ?? new ApiError('internal', 'internal error');
    if (sent.extra.retryAfterS !== undefined)
      void reply.header('retry-after', String(sent.extra.retryAfterS)); // RFC 9110 §10.2.3
    void reply.code(sent.status).send(errorBody(sent, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody(new ApiError('not-found', 'no such endpoint'), request.id));
  });
  app.addHook('onResponse', (request, reply, done) => {
    log.info('request', {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
    });
    done();
  });

  const openApi = buildOpenApiDocument(API_VERSION);
  app.get(OPENAPI_PATH, (_request, reply) => reply.send(openApi));
  registerHandlers(app, deps);
  if (deps.jobs !== undefined) registerJobRoutes(app, { ...deps, jobs: deps.jobs });
  if (deps.amr !== undefined) registerAmrRoutes(app, { ...deps, amr: deps.amr });
  registerConsoleRoutes(app, deps);
  registerConsole(app);

  return {
    app,
    serverCertificatePem: server.certificatePem,
    async listen({ host, port }) {
      await app.listen({ host, port });
      const address = app.server.address() as AddressInfo;
      log.info('listening', { host, port: address.port });
      return { port: address.port, url: `https://${host}:${String(address.port)}` };
    },
    close: () => app.close(),
  };
}
