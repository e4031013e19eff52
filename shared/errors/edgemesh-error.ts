import { errorStatus, type ErrorCode } from './codes.ts';

const brand = '__edgemeshError';

/** One field that failed validation: a dotted path and what is wrong with it. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface EdgeMeshErrorOptions {
  /** The underlying error, kept for logs and `cause` chains. */
  cause?: unknown;
  /** Failing fields, for `VALIDATION`. */
  issues?: readonly FieldIssue[];
  /** Extra problem members (RFC 9457 extensions), e.g. `{ orderId }`. */
  extensions?: Record<string, unknown>;
  /** Response headers to add, e.g. `Retry-After`. */
  headers?: Record<string, string>;
}

/** The one error base of the toolkit: a stable `code`, a status from one table, a brand. */
export class EdgeMeshError extends Error {
  readonly [brand] = true;
  readonly code: ErrorCode;
  readonly issues: readonly FieldIssue[];
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: EdgeMeshErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'EdgeMeshError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return errorStatus[this.code];
  }
}

/** True for any EdgeMeshError, even one from a duplicated bundle of the toolkit. */
export function isEdgeMeshError(value: unknown): value is EdgeMeshError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[brand] === true
  );
}

/** True when `value` is an EdgeMeshError with the given code. */
export function hasCode(value: unknown, code: ErrorCode): value is EdgeMeshError {
  return isEdgeMeshError(value) && value.code === code;
}
