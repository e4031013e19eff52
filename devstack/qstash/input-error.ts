import { EdgeMeshError } from '../../shared/errors/index.ts';

/** A 400 for a bad publish header, body or path, with a message that names the culprit. */
export function badInput(message: string): EdgeMeshError {
  return new EdgeMeshError('VALIDATION', message);
}

/** A 404 for an unknown message, schedule, queue, URL group or DLQ entry. */
export function notFound(message: string): EdgeMeshError {
  return new EdgeMeshError('NOT_FOUND', message);
}
