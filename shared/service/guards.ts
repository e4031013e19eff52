import type { Hono } from 'hono';
import { accessGuard } from './access.ts';
import type { RouteRef, ServiceDefinition } from './definition.ts';
import type { ServiceDeps, ServiceEnv } from './deps.ts';
import { inputGuard } from './input-guard.ts';
import { rateLimit } from './rate-limit.ts';

function parseRoute(route: RouteRef): { method: string; path: string } {
  const [method = '', path = ''] = route.split(' ');
  return { method, path };
}

/**
 * Puts a function's guards in front of its routes, in this order: the body's size and the URL
 * (before anything reads them), the access policy of each guarded route (its signature covers
 * the raw body), the JSON body's shape, then each route's rate limits.
 */
export function mountGuards(
  app: Hono<ServiceEnv>,
  definition: ServiceDefinition,
  deps: ServiceDeps<object>,
): void {
  const service = definition.name;
  const metrics = deps.telemetry.metrics;
  const refused = metrics.counter(
    'edgemesh_access_refused_total',
    'Calls to a guarded route refused, by reason.',
    ['service', 'route', 'reason'],
  );
  const limited = metrics.counter(
    'edgemesh_rate_limited_total',
    'Calls refused with 429 by a rate limit.',
    ['service', 'route', 'limit'],
  );
  const limiterErrors = metrics.counter(
    'edgemesh_rate_limit_errors_total',
    'Rate-limit checks that failed (the call was let through).',
    ['service', 'limit'],
  );

  const [sizeLimit, urlGuard, jsonGuard] = inputGuard(deps.inputLimits);
  app.use(sizeLimit!, urlGuard!);
  const guardOptions = {
    service,
    ...deps.access,
    onRefused: (route: string, reason: string) => refused.inc({ service, route, reason }),
  };
  for (const [route, callers] of Object.entries(definition.access ?? {})) {
    const { method, path } = parseRoute(route as RouteRef);
    app.on(method, path, accessGuard(route as RouteRef, callers ?? [], guardOptions));
  }
  app.use(jsonGuard!);
  for (const [route, rules] of Object.entries(definition.rateLimits ?? {})) {
    const { method, path } = parseRoute(route as RouteRef);
    for (const configured of rules ?? []) {
      const rule = { ...configured, ...deps.rateLimitOverrides[configured.name] };
      const limiter = deps.limiters(rule, `edgemesh:ratelimit:${service}:${rule.name}`);
      app.on(
        method,
        path,
        rateLimit(rule, {
          service,
          route,
          limiter,
          onLimited: (limit) => limited.inc({ service, route, limit }),
          onError: (limit, error) => {
            limiterErrors.inc({ service, limit });
            deps.telemetry.log.warn('rate limit unavailable, call let through', { limit, error });
          },
        }),
      );
    }
  }
}
