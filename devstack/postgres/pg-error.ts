import type { DatabaseError } from 'pg';

/** The Postgres error fields Neon's `/sql` returns with HTTP 400; the driver copies them. */
export const postgresErrorFields = [
  'message',
  'code',
  'severity',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

/** The JSON body of a `/sql` error. */
export type NeonErrorBody = Partial<Record<(typeof postgresErrorFields)[number], string>>;

/**
 * True for an error the server sent (it has a SQLSTATE), as opposed to a network or client
 * failure. Checked by shape so a second copy of pg still counts.
 */
export function isPostgresError(error: unknown): error is DatabaseError {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as Partial<DatabaseError>;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/** Copies the set fields of a Postgres error into Neon's error body. */
export function toNeonError(error: DatabaseError): NeonErrorBody {
  const body: NeonErrorBody = {};
  for (const field of postgresErrorFields) {
    const value = error[field];
    if (typeof value === 'string') body[field] = value;
  }
  return body;
}

/** A one-line reason for any thrown value; Node's dual-stack connect fails with an empty message. */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map(errorText).join('; ') || 'connection failed';
  }
  if (error instanceof Error) {
    return error.message || (error as NodeJS.ErrnoException).code || error.name;
  }
  return String(error);
}
