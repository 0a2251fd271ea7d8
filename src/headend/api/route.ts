/**
 * Registers one contract endpoint on Fastify: identifies the caller as the endpoint's `auth`
 * demands, validates path, query and body with the endpoint's zod schemas (a failure is a
 * bad-request naming the field), runs the handler and checks its result against the response
 * schema before sending it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ACCESS_KEY_HEADER, routePath, type Endpoint } from '../../contract/headend-api/index.ts';
import { identifyCaller, type CallerContext } from './caller.ts';
import { ApiError } from './errors.ts';
import type { AccountService } from '../access/index.ts';
import type { CertificateAuthority } from '../ca/index.ts';

export interface HandlerInput<E extends Endpoint> {
  readonly params: E['params'] extends z.ZodType ? z.output<E['params']> : undefined;
  readonly query: E['query'] extends z.ZodType ? z.output<E['query']> : undefined;
  readonly body: E['body'] extends z.ZodType ? z.output<E['body']> : undefined;
  readonly caller: CallerContext;
  readonly accessKey: string | undefined;
  readonly request: FastifyRequest;
}

/** A response may be built from the services' readonly records. */
type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type Handler<E extends Endpoint> = (
  input: HandlerInput<E>,
) => Promise<DeepReadonly<z.input<E['response']>>>;

function validate(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined ? '' : issue.path.map(String).join('.');
  const field = issue?.code === 'unrecognized_keys' ? issue.keys.join(',') : path;
  throw new ApiError(
    'bad-request',
    `${where}${field === '' ? '' : ` field "${field}"`}: ${issue?.message ?? 'invalid'}`,
    {
      field: field === '' ? where : field,
    },
  );
}

export function registerEndpoint<E extends Endpoint>(
  app: FastifyInstance,
  endpoint: E,
  deps: { readonly ca: CertificateAuthority; readonly accounts: AccountService },
  handler: Handler<E>,
): void {
  app.route({
    method: endpoint.method,
    url: routePath(endpoint.path),
    handler: async (request, reply) => {
      const caller = await identifyCaller(request, endpoint.auth, deps);
      const input = {
        params: validate(endpoint.params, request.params, 'path'),
        query: validate(endpoint.query, request.query, 'query'),
        body: validate(endpoint.body, request.body, 'body'),
        caller,
        accessKey: undefined as string | undefined,
        request,
      };
      if (endpoint.auth.accessKey === true) {
        const header = request.headers[ACCESS_KEY_HEADER];
        if (typeof header !== 'string')
          throw new ApiError('unauthorized', `the ${ACCESS_KEY_HEADER} header is required`);
        input.accessKey = header;
      }
      const result = await handler(input as HandlerInput<E>);
      const checked = endpoint.response.safeParse(result);
      if (!checked.success) throw new Error(`response of ${endpoint.operationId} does not match its schema`);
      return reply.code(endpoint.status).send(checked.data);
    },
  });
}
