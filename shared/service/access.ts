import type { MiddlewareHandler } from 'hono';
import { EdgeMeshError } from '../errors/index.ts';
import {
  signatureHeader,
  verifyServiceAuth,
  type CallerVariables,
  type ReplayGuard,
} from '../http/index.ts';
import type { RouteRef } from './definition.ts';

/** Who may call a route: service names, and `operator` for the operator's bearer token. */
export type Callers = readonly string[];

/** The key word in a route's callers for the operator token (`EDGEMESH_OPERATOR_TOKEN`). */
export const operator = 'operator';

/** Why a call was refused, a metric label. */
export type RefusalReason =
  'missing' | 'malformed' | 'expired' | 'invalid' | 'replayed' | 'forbidden' | 'operator';

export interface AccessGuardOptions {
  /** The service's name, for messages. */
  service: string;
  /** `SERVICE_AUTH_SECRET` and, during a rotation, `SERVICE_AUTH_NEXT_SECRET`; none: every caller passes (development only). */
  secrets: readonly string[];
  /** `EDGEMESH_OPERATOR_TOKEN`; none: the operator cannot call. */
  operatorToken?: string | undefined;
  replay?: ReplayGuard;
  onRefused: (route: string, reason: RefusalReason) => void;
}

const encoder = new TextEncoder();

/** Compares two strings in time that depends on their length only. */
function sameSecret(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  }
  return difference === 0;
}

/**
 * The guard of one route that only `callers` may use: the operator's bearer token passes where
 * `operator` is listed; otherwise a valid service signature is required (401 SIGNATURE when
 * missing, malformed, expired, forged or replayed) from a caller on the list (403 FORBIDDEN).
 * Without secrets (development) every caller passes.
 */
export function accessGuard(
  route: RouteRef,
  callers: Callers,
  { service, secrets, operatorToken, replay, onRefused }: AccessGuardOptions,
): MiddlewareHandler<{ Variables: CallerVariables }> {
  if (secrets.length === 0) return (_c, next) => next();
  const verify = verifyServiceAuth({
    secrets,
    ...(replay ? { replay } : {}),
    onRefused: (reason) => onRefused(route, reason),
  });
  const services = callers.filter((caller) => caller !== operator);
  const operatorAllowed = callers.includes(operator);
  return async function guardRoute(c, next) {
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined && !c.req.header(signatureHeader)) {
      if (operatorAllowed && operatorToken && sameSecret(bearer, operatorToken)) return next();
      onRefused(route, 'operator');
      throw new EdgeMeshError('UNAUTHORIZED', `The operator token is not valid for ${route}.`);
    }
    if (operatorAllowed && !c.req.header(signatureHeader)) {
      onRefused(route, 'operator');
      throw new EdgeMeshError(
        'UNAUTHORIZED',
        `${route} needs the operator token or a signed caller.`,
      );
    }
    return verify(c, async () => {
      const caller = c.get('caller');
      if (!services.includes(caller)) {
        onRefused(route, 'forbidden');
        throw new EdgeMeshError('FORBIDDEN', `${caller} may not call ${route} of ${service}.`, {
          extensions: { caller },
        });
      }
      await next();
    });
  };
}
