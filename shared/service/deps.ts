import type { Context, Env as HonoEnv, Handler, Hono } from 'hono';
import type * as z from 'zod';
import type { BreakerOptions, BreakerStore } from '../breaker/index.ts';
import type { Chaos } from '../chaos/index.ts';
import type { Registry } from '../discovery/index.ts';
import { EdgeMeshError } from '../errors/index.ts';
import type { EventStore, OutboxRecord, OutboxRelay } from '../event-store/index.ts';
import { tracedEventStore } from '../event-store/index.ts';
import type { HealthCheck } from '../health/index.ts';
import { clientFactory } from './clients.ts';
import { defaultInputLimits, type InputLimits } from './input-guard.ts';
import type { ToolkitSettings } from './settings.ts';
import type { SettingsCache } from '../config/index.ts';
import type { LimiterFactory } from './rate-limit.ts';
import type { createServiceClient } from '../http/index.ts';
import {
  describeInput,
  keepAlive,
  type ReplayGuard,
  type ServiceClientOptions,
} from '../http/index.ts';
import { documentedBody } from '../openapi/index.ts';
import { consumer, type ConsumerOptions, type SignatureVerifier } from '../queue/index.ts';
import { requestScope, type Telemetry, type TelemetryVariables } from '../telemetry/index.ts';

/** The Hono env of a service's routes: `c.get('telemetry')` is the request's trace scope. */
export interface ServiceEnv extends HonoEnv {
  Variables: TelemetryVariables;
}

/** Outbox rows an append committed, and how they leave. */
export interface ServiceOutbox {
  /** Publishes outbox rows; absent when no queue is configured (rows wait for a sweep). */
  readonly relay?: OutboxRelay;
  /** Publishes rows an append just committed after the response, when a relay is configured. */
  afterCommit: (c: Context, rows: readonly OutboxRecord[]) => void;
}

/** What every function gets from the toolkit, built once per isolate from its env. */
export interface ServiceDeps<Config = object, Settings = object> {
  /** The service's name. */
  readonly service: string;
  /** Its validated configuration: its own variables and the toolkit's. */
  readonly config: Readonly<Config>;
  /** Events, read models, outbox, idempotency and inbox claims. */
  readonly events: EventStore;
  readonly outbox: ServiceOutbox;
  /** Traces, metrics and logs. */
  readonly telemetry: Telemetry;
  /** This function's base URL as QStash reaches it (`<NAME>_SELF_URL`, else the first `SERVICE_<NAME>_URL`). */
  readonly selfUrl?: string;
  /** Checks `Upstash-Signature`; absent when no signing keys are configured. */
  readonly qstashVerifier?: SignatureVerifier;
  readonly healthChecks: readonly HealthCheck[];
  /** Which local devstack started this function (`EDGEMESH_INSTANCE`), shown on `/health`. */
  readonly instance?: string;
  /** What guards its routes: service-auth secrets (current, next), the operator token, the replay guard. */
  readonly access: ServiceAccess;
  /**
   * Its live settings (the toolkit's and its own): `settings.current()` is a frozen object read
   * with no I/O; keep it for the whole of a call.
   */
  readonly settings: SettingsCache<ToolkitSettings & Settings>;
  /** What any request may carry before a route's schema sees it. */
  readonly inputLimits: InputLimits;
  /** Makes the limiter of each rate limit (Redis, or memory in tests). */
  readonly limiters: LimiterFactory;
  /** Rate limits changed by name (`EDGEMESH_RATE_LIMITS`). */
  readonly rateLimitOverrides: Readonly<Record<string, RateLimitOverride>>;
  /** Its fault injection, present only where the env allows chaos (`CHAOS_ENABLED=true`). */
  readonly chaos?: Chaos;
  /** Wall clock, ms since the epoch. */
  now: () => number;
  /** A new UUID. */
  newId: () => string;
  /** Keeps work alive after the response. */
  waitUntil: (promise: Promise<unknown>) => void;
  /** Whether discovery knows `service` (a binding or `SERVICE_<NAME>_URL`). */
  knows: (service: string) => boolean;
  /** The store, each statement traced in the request's trace. */
  eventsFor: (c: Context) => EventStore;
  /** Reads a request's body after checking its QStash signature; 401 SIGNATURE when it fails. */
  signedBody: (c: Context, what: string) => Promise<string>;
  /**
   * A typed `hono/client` of a service this one declares in `calls`: discovery, breaker (shared
   * through Redis), retries, deadline, service signature, spans and dependency metrics.
   * @example const inventory = deps.client<InventoryApp>('inventory');
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  client<App extends Hono<any, any, any>>(service: string): ServiceClient<App>;
  /**
   * The handler of a subscription's route: verifies `Upstash-Signature` (current, then next key),
   * validates the body (else 489, dead-lettered at once), dedupes by event id in the same append
   * as the handler's writes, and records in `/dead-letters` what it gives up on.
   * @example .post('/events/orders', deps.consume({ schema: orderEvent, handle: async (message) => {…} }))
   */
  consume<Schema extends z.ZodType>(options: ConsumeOptions<Schema>): Handler;
}

/** What a subscription's handler is made of; see `consumer` of the queue module. */
export type ConsumeOptions<Schema extends z.ZodType> = Pick<
  ConsumerOptions<Schema>,
  'schema' | 'handle' | 'eventIdOf'
> & {
  /** The subscription's name (inbox scope, dead letters). Default the service's. */
  name?: string;
};

/** A rate limit changed at deployment: its limit and window. */
export interface RateLimitOverride {
  readonly limit?: number;
  readonly windowMs?: number;
}

/** What the access policy of a function checks calls against. */
export interface ServiceAccess {
  /** `SERVICE_AUTH_SECRET` then `SERVICE_AUTH_NEXT_SECRET`; empty in development without them. */
  readonly secrets: readonly string[];
  readonly operatorToken?: string | undefined;
  readonly replay?: ReplayGuard | undefined;
}

/** The parts the base deps are made of: from the env in production, memory in tests. */
export interface DepsParts<Config> {
  config: Readonly<Config>;
  events: EventStore;
  relay?: OutboxRelay;
  telemetry: Telemetry;
  qstashVerifier?: SignatureVerifier;
  registry: Registry;
  breakerStore: BreakerStore;
  healthChecks: readonly HealthCheck[];
  selfUrl?: string;
  access: ServiceAccess;
  settings: SettingsCache<ToolkitSettings>;
  limiters: LimiterFactory;
  rateLimitOverrides?: Readonly<Record<string, RateLimitOverride>>;
  inputLimits?: InputLimits;
  instance?: string;
  chaos?: Chaos;
  fetch: typeof fetch;
  now: () => number;
  newId: () => string;
  waitUntil: (promise: Promise<unknown>) => void;
}

/** A typed `hono/client` of another service, over the resilient service fetch. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServiceClient<App extends Hono<any, any, any>> = ReturnType<
  typeof createServiceClient<App>
>;

/** How calls to one dependency are made (timeouts, retries, balancer…); see the service client. */
export type CallPolicy = Omit<
  ServiceClientOptions,
  'service' | 'registry' | 'breakers' | 'authSecret' | 'observe' | 'fetch' | 'now'
>;

/** What the base deps need of a definition: its name and how it calls others. */
export interface CallingService {
  readonly name: string;
  readonly calls?: Readonly<Record<string, CallPolicy>> | undefined;
  readonly breaker?: BreakerOptions | undefined;
}

/** Assembles the base deps of a definition from its parts. */
export function assembleDeps<Config, Settings = object>(
  definition: CallingService,
  parts: DepsParts<Config>,
): ServiceDeps<Config, Settings> {
  const { telemetry, registry } = parts;
  const client = clientFactory({
    definition,
    registry,
    breakerStore: parts.breakerStore,
    telemetry,
    authSecret: parts.access.secrets[0],
    fetch: parts.fetch,
    now: parts.now,
    waitUntil: parts.waitUntil,
    settings: () => parts.settings.current(),
    ...(parts.chaos ? { chaos: parts.chaos } : {}),
  });

  return {
    service: definition.name,
    config: parts.config,
    events: parts.events,
    outbox: {
      ...(parts.relay ? { relay: parts.relay } : {}),
      afterCommit(c, rows) {
        if (rows.length === 0 || !parts.relay) return;
        keepAlive(c, parts.relay.relay(rows), parts.waitUntil);
      },
    },
    telemetry,
    ...(parts.selfUrl ? { selfUrl: parts.selfUrl.replace(/\/$/, '') } : {}),
    ...(parts.qstashVerifier ? { qstashVerifier: parts.qstashVerifier } : {}),
    healthChecks: parts.healthChecks,
    ...(parts.instance ? { instance: parts.instance } : {}),
    access: parts.access,
    settings: parts.settings as SettingsCache<ToolkitSettings & Settings>,
    inputLimits: parts.inputLimits ?? defaultInputLimits,
    limiters: parts.limiters,
    rateLimitOverrides: parts.rateLimitOverrides ?? {},
    ...(parts.chaos ? { chaos: parts.chaos } : {}),
    now: parts.now,
    newId: parts.newId,
    waitUntil: parts.waitUntil,
    knows: (service) => registry.knows?.(service) ?? true,
    eventsFor: (c) => tracedEventStore(parts.events, requestScope(c)),
    async signedBody(c, what) {
      const body = await c.req.text();
      const verify = parts.qstashVerifier;
      if (!verify) return body;
      const signature = c.req.header('upstash-signature');
      if (!signature || !(await verify({ signature, body, url: c.req.url }))) {
        throw new EdgeMeshError('SIGNATURE', `${what} must be a signed QStash message.`);
      }
      return body;
    },
    consume(options) {
      const verify = parts.qstashVerifier;
      if (!verify) {
        throw new EdgeMeshError(
          'CONFIG',
          `${definition.name} consumes messages but has no QStash signing keys`,
        );
      }
      const handler = consumer({
        ...options,
        name: options.name ?? definition.name,
        verify,
        store: parts.events,
        now: parts.now,
        recordDeadLetters: true,
      });
      const delivery = describeInput(handler, { target: 'delivery', schema: options.schema });
      return documentedBody(delivery, options.schema);
    },
    client,
  };
}
