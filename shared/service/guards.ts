import type { Hono } from 'hono';
import { accessGuard } from './access.ts';
import { accessOf, type RouteRef, type ServiceDefinition } from './definition.ts';
import type { ServiceDeps, ServiceEnv } from './deps.ts';
import { inputGuard } from './input-guard.ts';
import { rateLimit, type LimiterFactory, type RateLimitRule } from './rate-limit.ts';

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

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
  for (const [route, callers] of Object.entries(accessOf(definition))) {
    const { method, path } = parseRoute(route as RouteRef);
    app.on(method, path, accessGuard(route as RouteRef, callers ?? [], guardOptions));
  }
  app.use(jsonGuard!);
  for (const [route, rules] of Object.entries(definition.rateLimits ?? {})) {
    const { method, path } = parseRoute(route as RouteRef);
    for (const declared of rules ?? []) {
      // One limiter per limit and window; all count in the rule's keys, so a changed limit keeps
      // counting what the window already holds.
      const limiters = new Map<string, ReturnType<LimiterFactory>>();
      // The rule in force: the declaration, the deployment's override, the live settings.
      const ruleNow = () => ({
        ...declared,
        ...deps.rateLimitOverrides[declared.name],
        ...definedOnly(deps.settings.current().rateLimits[declared.name]),
      });
      const limiterOf = (rule: RateLimitRule) => {
        const key = `${rule.limit}/${rule.windowMs}`;
        let limiter = limiters.get(key);
        if (!limiter) {
          limiter = deps.limiters(rule, `edgemesh:ratelimit:${service}:${rule.name}`);
          limiters.set(key, limiter);
        }
        return limiter;
      };
      app.on(
        method,
        path,
        rateLimit(ruleNow, {
          service,
          route,
          limiterOf,
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
