import { Hono, type Context, type ExecutionContext } from 'hono';
import { chaosMiddleware } from '../chaos/index.ts';
import { mountGuards } from './guards.ts';
import { mountLiveSettings } from './live-settings.ts';
import { mountOpenApi } from './openapi-route.ts';
import { mountToolkitRoutes } from './toolkit-routes.ts';
import { EdgeMeshError, problemErrorHandler, problemNotFound } from '../errors/index.ts';
import { instrumentApp } from '../telemetry/index.ts';
import { subscriptionsOf, type RouteRef, type ServiceDefinition } from './definition.ts';
import type { ServiceDeps, ServiceEnv } from './deps.ts';

/** Fails at build time when `access`, `rateLimits` or a subscription names a route it does not serve. */
function checkRoutes(definition: ServiceDefinition, routes: Hono<ServiceEnv>) {
  const served = new Set(routes.routes.map((route) => `${route.method} ${route.path}`));
  const unknown = [
    ...(Object.keys(definition.access ?? {}) as RouteRef[]),
    ...(Object.keys(definition.rateLimits ?? {}) as RouteRef[]),
    ...subscriptionsOf(definition).map((subscription) => `POST ${subscription.path}`),
  ].filter((route) => !served.has(route));
  if (unknown.length > 0) {
    throw new EdgeMeshError(
      'CONFIG',
      `invalid service ${definition.name}: it declares routes it does not serve: ${unknown.join(', ')}`,
    );
  }
}

/** The request's execution context, where the platform gives one. */
function contextOf(c: Context): ExecutionContext | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/**
 * A function's whole app: its routes with its access policy in front of the guarded ones, `/health`, the
 * signed `/outbox/sweep`, `/dead-letters` of its subscriptions, problem+json for errors and
 * unknown routes, and telemetry (server spans, RED metrics, `GET /metrics`) in front of all.
 */
export function serviceApp<Deps extends ServiceDeps<object>>(
  definition: ServiceDefinition,
  deps: Deps,
  routes: Hono<ServiceEnv>,
): Hono {
  const app = new Hono<ServiceEnv>();
  checkRoutes(definition, routes);
  mountGuards(app, definition, deps);
  mountLiveSettings(app, deps);
  if (deps.chaos) {
    app.use(
      chaosMiddleware(deps.chaos, async (request, c) => whole.fetch(request, c.env, contextOf(c))),
    );
  }
  mountToolkitRoutes(app, definition, deps);
  // The document describes the whole app, known only once it is instrumented below.
  mountOpenApi(app, definition, () => whole);
  app.route('/', routes);
  // Instrumented, the telemetry middleware logs 5xx through its redacting logger.
  app.onError(problemErrorHandler({ onServerError: () => {} }));
  app.notFound(problemNotFound);
  const whole = instrumentApp(app, deps.telemetry);
  return whole;
}
