import { EdgeMeshError, hasCode } from '../errors/edgemesh-error.ts';

/** A call refused because its breaker is open; renders as 503 problem+json with `Retry-After`. */
export class CircuitOpenError extends EdgeMeshError {
  /** The breaker's scope: a service name, or `service endpoint`. */
  readonly scope: string;
  /** When a retry may succeed, ms from now. */
  readonly retryAfterMs: number;

  constructor(scope: string, retryAfterMs: number, options: { cause?: unknown } = {}) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super('CIRCUIT_OPEN', `The circuit for ${scope} is open; retry in ${seconds} s.`, {
      cause: options.cause,
      headers: { 'Retry-After': String(seconds) },
      extensions: { scope, retryAfterMs },
    });
    this.name = 'CircuitOpenError';
    this.scope = scope;
    this.retryAfterMs = retryAfterMs;
  }
}

/** True for a CircuitOpenError, even one from a duplicated bundle (tests the code, not the class). */
export function isCircuitOpenError(value: unknown): value is EdgeMeshError {
  return hasCode(value, 'CIRCUIT_OPEN');
}
