/**
 * The one error body every head-end API error has: `{ error: { code, message, requestId } }`.
 * Codes are stable (clients switch on them); messages are for people and may change. A
 * bad-request names the offending field in `field` (a dotted path such as `meterIds.0`).
 */
import { z } from 'zod';

export const API_ERROR_CODES = [
  'bad-request',
  'unauthorized',
  'forbidden',
  'not-found',
  'conflict',
  'too-many-requests',
  'payload-too-large',
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The HTTP status each code is sent with (RFC 9110 §15; 429 is RFC 6585 §4). */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-many-requests': 429,
  'payload-too-large': 413,
  internal: 500,
};

export const ApiErrorBody = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
    requestId: z.string(),
    field: z.string().optional().describe('For bad-request: the path of the offending field.'),
    reason: z.string().optional().describe('For forbidden: why access was denied (an audit reason).'),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
