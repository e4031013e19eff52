import { EdgeMeshError } from '../errors/edgemesh-error.ts';

/** Names a replica (a region, a server): 1–64 of `A-Z a-z 0-9 _ . -`, starting with a letter or digit. */
export type ReplicaId = string;

const replicaIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** True when `value` is a well-formed replica id. */
export function isReplicaId(value: unknown): value is ReplicaId {
  return typeof value === 'string' && replicaIdPattern.test(value);
}

/** Throws VALIDATION unless `value` is a well-formed replica id. */
export function assertReplicaId(value: unknown, path = 'replica'): asserts value is ReplicaId {
  if (!isReplicaId(value)) {
    const message = 'must be 1-64 of A-Z a-z 0-9 _ . - starting with a letter or digit';
    throw new EdgeMeshError('VALIDATION', `Invalid replica id: ${message}.`, {
      issues: [{ path, message }],
    });
  }
}

/** Orders replica ids by UTF-16 code units, the one order every canonical form here uses. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
