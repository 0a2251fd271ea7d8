/**
 * API errors: every failure leaves as `{ error: { code, message, requestId } }` (the contract's
 * ApiErrorBody) with the code's status; the service errors map onto codes here. Nothing from an
 * unexpected error (message, stack) reaches the client: it gets 'internal' and the request id.
 */
import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from '../../contract/headend-api/index.ts';
import { AccessDeniedError, SignInError } from '../access/index.ts';
import { CsrRefusedError, EnrolmentConflictError, EnrolmentNotFoundError } from '../ca/index.ts';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { readonly field?: string; readonly reason?: string; readonly retryAfterS?: number } = {},
  ) {
    super(message);
  }

  get status(): number {
    return API_ERROR_STATUS[this.code];
  }
}

/** The ApiError a thrown value becomes; undefined for an unexpected error (→ 'internal'). */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof SignInError)
    return err.code === 'locked-out'
      ? new ApiError('too-many-requests', err.message, {
          retryAfterS: Math.max(1, Math.ceil(err.retryAfterMs / 1000)),
        })
      : new ApiError('unauthorized', err.message);
  if (err instanceof AccessDeniedError)
    return err.reason === 'not-found'
      ? new ApiError('not-found', 'not found', { reason: err.reason })
      : new ApiError('forbidden', err.message, { reason: err.reason });
  if (err instanceof CsrRefusedError)
    return new ApiError('bad-request', err.message, { field: 'csrPem', reason: err.reason });
  if (err instanceof EnrolmentConflictError) return new ApiError('conflict', err.message);
  if (err instanceof EnrolmentNotFoundError) return new ApiError('not-found', err.message);
  // Fastify's own client errors, some of them RangeErrors (body too large, unparsable JSON, wrong content type).
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new ApiError('payload-too-large', 'the request body is too large');
    return new ApiError('bad-request', (err as Error).message);
  }
  // The access services throw RangeError for a request that cannot be carried out as asked.
  if (err instanceof RangeError) return new ApiError('bad-request', err.message);
  return undefined;
}

export function errorBody(err: ApiError, requestId: string): ApiErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      requestId,
      ...(err.extra.field === undefined ? {} : { field: err.extra.field }),
      ...(err.extra.reason === undefined ? {} : { reason: err.extra.reason }),
    },
  };
}
