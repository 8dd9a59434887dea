import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError, ErrorCode } from '../core/shared/errors.js';

/** Codes only the HTTP layer produces (transport problems). */
export type HttpErrorCode =
  | ErrorCode
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'ROUTE_NOT_FOUND'
  | 'URI_TOO_LONG'
  | 'IDEMPOTENCY_KEY_REQUIRED'
  | 'INTERNAL';

/** The one table from error code to HTTP status. */
export const STATUS: Record<HttpErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  INVALID_STATE: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL: 500,
};

export interface ErrorBody {
  code: HttpErrorCode;
  message: string;
  requestId: string;
}

export function sendError(reply: FastifyReply, code: HttpErrorCode, message: string): FastifyReply {
  const body: ErrorBody = { code, message, requestId: String(reply.request.id) };
  return reply.code(STATUS[code]).header('x-request-id', String(reply.request.id)).type('application/json; charset=utf-8').send(body);
}

export const sendAppError = (reply: FastifyReply, e: AppError): FastifyReply => sendError(reply, e.code, e.message);

/** Maps Fastify's own errors (schema, parser, limits) to our codes; anything else is a bug → 500. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation) {
    const ctx = error.validationContext ?? 'body';
    if (ctx === 'headers' && /idempotency-key/.test(error.message) && /required/.test(error.message))
      return sendError(reply, 'IDEMPOTENCY_KEY_REQUIRED', 'the Idempotency-Key header is required');
    return sendError(reply, 'VALIDATION_FAILED', error.message);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(reply, 'PAYLOAD_TOO_LARGE', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendError(reply, 'MALFORMED_JSON', 'the body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendError(reply, 'VALIDATION_FAILED', 'content-length does not match the body');
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
    return sendError(reply, 'MALFORMED_JSON', 'the body is not valid JSON');
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return sendError(reply, 'VALIDATION_FAILED', error.message);
  request.log.error({ err: error }, 'unhandled error');
  return sendError(reply, 'INTERNAL', 'internal error');
}
