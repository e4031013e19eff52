import { Hono } from 'hono';
import { accessGuard } from './access.ts';
import { EdgeMeshError, problemErrorHandler, problemNotFound } from '../errors/index.ts';
import { healthHandler } from '../health/index.ts';
import { readDeadLetters } from '../queue/index.ts';
import { instrumentApp } from '../telemetry/index.ts';
import { subscriptionsOf, type RouteRef, type ServiceDefinition } from './definition.ts';
import type { ServiceDeps, ServiceEnv } from './deps.ts';

function parseRoute(route: RouteRef): { method: string; path: string } {
  const [method = '', path = ''] = route.split(' ');
  return { method, path };
}

/** Fails at build time when `access` or a subscription names a route the service does not serve. */
function checkRoutes(definition: ServiceDefinition, routes: Hono<ServiceEnv>) {
  const served = new Set(routes.routes.map((route) => `${route.method} ${route.path}`));
  const unknown = [
    ...(Object.keys(definition.access ?? {}) as RouteRef[]),
    ...subscriptionsOf(definition).map((subscription) => `POST ${subscription.path}`),
  ].filter((route) => !served.has(route));
  if (unknown.length > 0) {
    throw new EdgeMeshError(
      'CONFIG',
      `invalid service ${definition.name}: it declares routes it does not serve: ${unknown.join(', ')}`,
    );
  }
}

const minAgeLimitMs = 600_000;

/** `?minAgeMs=` of a sweep: whole ms up to 10 minutes, else a VALIDATION problem. */
function readMinAge(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > minAgeLimitMs) {
    throw new EdgeMeshError(
      'VALIDATION',
      `minAgeMs must be a whole number of ms up to ${minAgeLimitMs}.`,
      {
        issues: [{ path: 'query.minAgeMs', message: `expected 0 to ${minAgeLimitMs}` }],
      },
    );
  }
  return value;
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
  const refused = deps.telemetry.metrics.counter(
    'edgemesh_access_refused_total',
    'Calls to a guarded route refused, by reason.',
    ['service', 'route', 'reason'],
  );
  const guardOptions = {
    service: definition.name,
    ...deps.access,
    onRefused: (route: string, reason: string) =>
      refused.inc({ service: definition.name, route, reason }),
  };
  for (const [route, callers] of Object.entries(definition.access ?? {})) {
    const { method, path } = parseRoute(route as RouteRef);
    app.on(method, path, accessGuard(route as RouteRef, callers ?? [], guardOptions));
  }

  app.get('/health', healthHandler(deps));

  if (definition.outbox) {
    app.post('/outbox/sweep', async (c) => {
      await deps.signedBody(c, 'The sweep');
      const relay = deps.outbox.relay;
      if (!relay) {
        throw new EdgeMeshError('UNAVAILABLE', 'No outbox publisher is configured (QSTASH_TOKEN).');
      }
      // `?minAgeMs=` relays younger rows too (after a known crash); default the relay's 10 s.
      const minAgeMs = readMinAge(c.req.query('minAgeMs'));
      const report = await relay.sweep({
        signal: c.req.raw.signal,
        ...(minAgeMs === undefined ? {} : { minAgeMs }),
      });
      return c.json(report, 200);
    });
  }

  const subscriptions = subscriptionsOf(definition);
  if (subscriptions.length > 0) {
    app.get('/dead-letters', async (c) => {
      const lists = await Promise.all(
        subscriptions.map((subscription) =>
          readDeadLetters(deps.events, subscription.name, { signal: c.req.raw.signal }),
        ),
      );
      const deadLetters = lists.flat().sort((a, b) => b.recordedAt.localeCompare(a.recordedAt));
      return c.json({ deadLetters }, 200);
    });
  }

  app.route('/', routes);
  // Instrumented, the telemetry middleware logs 5xx through its redacting logger.
  app.onError(problemErrorHandler({ onServerError: () => {} }));
  app.notFound(problemNotFound);
  return instrumentApp(app, deps.telemetry);
}
