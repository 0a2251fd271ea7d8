export * from './schemas.ts';
export * from './amr-schemas.ts';
export { AMR_ENDPOINTS } from './amr-endpoints.ts';
export { API_ERROR_CODES, API_ERROR_STATUS, ApiErrorBody } from './errors.ts';
export type { ApiErrorCode } from './errors.ts';
export { ENDPOINTS, OPENAPI_PATH, routePath } from './endpoints.ts';
export type { Endpoint, EndpointAuth, EndpointName, HttpMethod } from './endpoints.ts';
export { buildOpenApiDocument } from './openapi.ts';
