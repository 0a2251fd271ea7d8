export { createApiServer, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_SERVER_NAMES, API_VERSION } from './server.ts';
export type { ApiServer, ApiServerDeps } from './server.ts';
export { ApiError, toApiError, errorBody } from './errors.ts';
export type { HandlerDeps } from './handlers.ts';
export type { CallerContext } from './caller.ts';
