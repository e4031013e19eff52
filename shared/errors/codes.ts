/** Stable error codes; the HTTP status of each comes from this one table. */
export const errorStatus = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  SIGNATURE: 401,
  PAYMENT_DECLINED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  CONCURRENCY: 409,
  IDEMPOTENCY_MISMATCH: 409,
  OUT_OF_STOCK: 409,
  RESERVATION_EXPIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** A queue message that can never succeed: QStash moves it to the DLQ without retrying. */
  UNPROCESSABLE_MESSAGE: 489,
  INTERNAL: 500,
  CONFIG: 500,
  UPSTREAM: 502,
  CIRCUIT_OPEN: 503,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;

/** Human titles per code, used as the problem's `title`. */
export const errorTitle: Record<ErrorCode, string> = {
  VALIDATION: 'Request validation failed',
  UNAUTHORIZED: 'Unauthorized',
  SIGNATURE: 'Invalid signature',
  PAYMENT_DECLINED: 'Payment declined',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  CONFLICT: 'Conflict',
  CONCURRENCY: 'Concurrent modification',
  IDEMPOTENCY_MISMATCH: 'Idempotency key reused with a different request',
  OUT_OF_STOCK: 'Out of stock',
  RESERVATION_EXPIRED: 'Reservation expired',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  RATE_LIMITED: 'Too many requests',
  UNPROCESSABLE_MESSAGE: 'Message can never be processed',
  INTERNAL: 'Internal error',
  CONFIG: 'Invalid configuration',
  UPSTREAM: 'Upstream failure',
  CIRCUIT_OPEN: 'Circuit open',
  UNAVAILABLE: 'Service unavailable',
  TIMEOUT: 'Deadline exceeded',
};
