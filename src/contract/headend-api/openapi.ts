/**
 * The OpenAPI 3.1 document of the head-end API, generated from ENDPOINTS and the zod schemas
 * (`z.toJSONSchema`, whose default target is JSON Schema draft 2020-12, the dialect OpenAPI 3.1
 * uses: OpenAPI 3.1.0 §4.8.24).
 */
import { z } from 'zod';
import { ENDPOINTS, OPENAPI_PATH, type Endpoint } from './endpoints.ts';
import { API_ERROR_CODES, API_ERROR_STATUS, ApiErrorBody } from './errors.ts';
import { ACCESS_KEY_HEADER } from './schemas.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (schema === undefined) return [];
  const s = jsonSchema(schema, 'input');
  const properties = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

const errorResponse = (description: string): Json => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
});

function operation(e: Endpoint): Json {
  const security: Json[] = [];
  if (e.auth.session !== 'none') security.push({ session: [] });
  const params = [...parameters(e.params, 'path'), ...parameters(e.query, 'query')];
  if (e.auth.accessKey === true)
    params.push({ name: ACCESS_KEY_HEADER, in: 'header', required: true, schema: { type: 'string' } });
  const responses: Json = {
    [String(e.status)]: {
      description: 'Success.',
      content: { 'application/json': { schema: jsonSchema(e.response, 'output') } },
    },
    default: errorResponse(`An error: one of ${API_ERROR_CODES.join(', ')}.`),
  };
  return {
    operationId: e.operationId,
    summary: e.summary,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(e.body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(e.body, 'input') } },
          },
        }),
    responses,
    ...(security.length > 0 ? { security } : {}),
    'x-client-certificate': e.auth.device,
  };
}

/** The document served at GET /v1/openapi.json. */
export function buildOpenApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const e of Object.values(ENDPOINTS) as Endpoint[]) {
    paths[e.path] ??= {};
    paths[e.path]![e.method.toLowerCase()] = operation(e);
  }
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'openApiDocument',
      summary: 'This document.',
      responses: { '200': { description: 'The OpenAPI 3.1 document.' } },
      'x-client-certificate': 'none',
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'FieldRoot head-end API',
      version,
      description:
        'Mutual TLS: tool endpoints need a client certificate from the head-end CA ' +
        '(x-client-certificate: required). Error statuses: ' +
        API_ERROR_CODES.map((c) => `${c} ${String(API_ERROR_STATUS[c])}`).join(', ') +
        '.',
    },
    paths,
    components: {
      schemas: { ApiError: jsonSchema(ApiErrorBody, 'output') },
      securitySchemes: { session: { type: 'http', scheme: 'bearer' } },
    },
  };
}
