/**
 * Stable error codes of use cases. Each maps to one HTTP status in `src/http/errors.ts`;
 * the mapping lives there so that the core never knows about HTTP.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'INVALID_STATE',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A use-case failure that is the caller's doing (bad input, unknown id, wrong state). */
export interface AppError {
  readonly code: ErrorCode;
  readonly message: string;
}

export const appError = (code: ErrorCode, message: string): AppError => ({ code, message });
