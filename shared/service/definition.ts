import type { Hono } from 'hono';
import type * as z from 'zod';
import type { BreakerOptions } from '../breaker/index.ts';
import { EdgeMeshError } from '../errors/index.ts';
import type { EventSchemas } from '../event-store/index.ts';
import type { Migration } from '../postgres/migrate.ts';
import type { CallPolicy, ServiceDeps, ServiceEnv } from './deps.ts';
import type { RateLimitRule } from './rate-limit.ts';

/** A Hono app of a service's own routes, typed so `hono/client` callers see them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServiceRoutes = Hono<ServiceEnv, any, any>;

/** `'<METHOD> <route template>'`, e.g. `'POST /reservations/:id/confirm'`. */
export type RouteRef = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

/**
 * A subscription of this service to a topic (QStash URL group): QStash delivers the topic's
 * messages to `path`, a POST route whose handler is `deps.consume(...)`.
 */
export interface SubscriptionDefinition {
  /** The topic, e.g. `order-events`. */
  readonly topic: string;
  /** The route QStash delivers to, e.g. `/events/orders`. */
  readonly path: `/${string}`;
  /** Inbox scope (`inbox:<name>`), dead-letter stream and URL group endpoint name; default the service's name. */
  readonly name?: string;
}

/** A QStash schedule that POSTs to one of this service's routes. */
export interface ScheduleDefinition {
  /** Unique within the service; the QStash schedule id is `<service>-<id>`. */
  readonly id: string;
  readonly path: `/${string}`;
  /** Cron expression, 1-minute resolution, UTC unless prefixed `CRON_TZ=`. */
  readonly cron: string;
  /** Delivery retries. Default QStash's (3). */
  readonly retries?: number;
}

/** Everything a function declares; the toolkit derives the rest. */
export interface ServiceDefinition<
  Config extends z.ZodObject = z.ZodObject,
  Extra extends object = object,
  Routes extends ServiceRoutes = ServiceRoutes,
  Settings extends z.ZodObject = z.ZodObject,
> {
  /** Lower-case name, `[a-z][a-z0-9-]*`: `SERVICE_<NAME>_URL`, metrics, the wrangler env. */
  readonly name: string;
  /** Local port: `npm start` and the Deno task serve the function here. */
  readonly port: number;
  /** The function's own env variables (zod object); the toolkit's are added. */
  readonly config?: Config;
  /**
   * Its own live settings (zod object, every field with a default; nested objects
   * `.prefault({})`), changed with `npm run config` and read with `deps.settings.current()`;
   * the toolkit's (call and breaker policies, rate limits, log level, sampling, flags) are added.
   */
  readonly settings?: Settings;
  /** zod schemas of the events its store accepts, by type. */
  readonly events: EventSchemas;
  /** Writes outbox rows: relay after commit, a signed `POST /outbox/sweep` and its schedule. Default false. */
  readonly outbox?: boolean;
  /** Topics it publishes to (documentation, the console's map, a check that someone subscribes). */
  readonly topics?: readonly string[];
  /** Services it calls, with the policy of those calls. */
  readonly calls?: Readonly<Record<string, CallPolicy>>;
  /** Breaker settings of every call it makes (state shared through Redis). */
  readonly breaker?: BreakerOptions;
  /**
   * Routes only some callers may use, and who: service names (a valid service signature from one
   * of them), or `operator` (the operator's bearer token). Other routes are public.
   * @example access: { 'POST /reservations': ['orders'], 'PUT /stock/:sku': ['operator'] }
   */
  readonly access?: Readonly<Partial<Record<RouteRef, readonly string[]>>>;
  /**
   * Rate limits of public routes (sliding windows in Redis), each overridable by name through
   * `EDGEMESH_RATE_LIMITS`.
   * @example rateLimits: { 'POST /orders': [{ name: 'orders-per-customer', limit: 30, windowMs: 60_000, by: bodyField('customerId') }] }
   */
  readonly rateLimits?: Readonly<Partial<Record<RouteRef, readonly RateLimitRule[]>>>;
  /** What it needs besides the base deps (built once per isolate). */
  deps?(base: ServiceDeps<z.infer<Config>, z.output<Settings>>): Extra;
  /** Its HTTP routes; `/health`, `/metrics`, errors and not-found are added. */
  routes(deps: ServiceDeps<z.infer<Config>, z.output<Settings>> & Extra): Routes;
  /** Topics it consumes, and the route each is delivered to. */
  readonly subscriptions?: readonly SubscriptionDefinition[];
  readonly schedules?: readonly ScheduleDefinition[];
  /** Its own tables, applied after the toolkit's by `npm start` and `npm run migrate`. */
  readonly migrations?: readonly Migration[];
}

/** The service name alphabet: it becomes env variable names, URLs and metric labels. */
export const serviceNamePattern = /^[a-z][a-z0-9-]{0,38}$/;

/** The subscriptions of a definition with their names filled in. */
export function subscriptionsOf(definition: {
  name: string;
  subscriptions?: readonly SubscriptionDefinition[] | undefined;
}): Array<SubscriptionDefinition & { name: string }> {
  return (definition.subscriptions ?? []).map((subscription) => ({
    ...subscription,
    name: subscription.name ?? definition.name,
  }));
}

/**
 * Who may call each guarded route: the declaration's `access`, and the toolkit's operator reads
 * (`GET /dead-letters`: message bodies are private).
 */
export function accessOf(
  definition: ServiceDefinition,
): Partial<Record<RouteRef, readonly string[]>> {
  const toolkit: Partial<Record<RouteRef, readonly string[]>> =
    subscriptionsOf(definition).length > 0 ? { 'GET /dead-letters': ['operator'] } : {};
  return { ...toolkit, ...definition.access };
}

/** Checks what the types cannot: names, ports, unique consumer names and paths. Throws CONFIG. */
export function checkDefinition(definition: ServiceDefinition): void {
  const problems: string[] = [];
  if (!serviceNamePattern.test(definition.name)) {
    problems.push(`name "${definition.name}" must match ${String(serviceNamePattern)}`);
  }
  if (!Number.isInteger(definition.port) || definition.port < 1024 || definition.port > 65535) {
    problems.push(`port ${definition.port} must be an integer from 1024 to 65535`);
  }
  const names = subscriptionsOf(definition).map((subscription) => subscription.name);
  if (new Set(names).size !== names.length) {
    problems.push('each subscription needs its own name when a service has several');
  }
  const ids = (definition.schedules ?? []).map((schedule) => schedule.id);
  if (new Set(ids).size !== ids.length) problems.push('schedule ids must be unique');
  if (problems.length > 0) {
    throw new EdgeMeshError('CONFIG', `invalid service ${definition.name}: ${problems.join('; ')}`);
  }
}
