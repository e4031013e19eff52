import { Receiver } from '@upstash/qstash';
import type { z } from 'zod';
import { memoryBreakerStore } from '../breaker/index.ts';
import { loadConfig } from '../config/index.ts';
import { staticRegistry } from '../discovery/index.ts';
import {
  createOutboxRelay,
  memoryEventStore,
  memoryPublisher,
  type OutboxMessageToPublish,
  type OutboxPublisher,
} from '../event-store/index.ts';
import type { HealthCheck } from '../health/index.ts';
import { memoryReplayGuard } from '../http/index.ts';
import { qstashVerifier, signQstashMessage } from '../queue/index.ts';
import type { Env } from '../runtime/index.ts';
import { createTelemetry, memoryMetricsStore, type Telemetry } from '../telemetry/index.ts';
import type { ServiceRoutes } from './definition.ts';
import type { Service } from './define.ts';
import { chaosEventStore, createChaos } from '../chaos/index.ts';
import { assembleDeps, type RateLimitOverride, type ServiceDeps } from './deps.ts';
import { memoryLimiters, type LimiterFactory } from './rate-limit.ts';
import { storeSchemas } from './schemas.ts';
import type { ToolkitSettings } from './settings.ts';
import {
  createSettingsAdmin,
  createSettingsCache,
  memoryConfigStore,
  type ConfigStore,
  type JsonValue,
  type SettingsCache,
} from '../config/index.ts';

/** The signing key test deliveries are signed with (current and next). */
export const testSigningKey = 'sig_edgemesh_test_key';

export interface TestServiceOptions {
  /** Env the function's own config schema parses (defaults apply); `SERVICE_<NAME>_URL` for calls. */
  env?: Env;
  /** Start of the test clock, ms since the epoch. Default 2026-11-26T12:00:00Z. */
  now?: number;
  /** Where outbox messages go; default a memory publisher (`published`). */
  publisher?: OutboxPublisher;
  /** fetch for calls to other services. Default: refuses every call. */
  fetch?: typeof fetch;
  /** This function's URL as QStash reaches it. Default `http://<name>.test`. */
  selfUrl?: string;
  /** Ids; default `00000000-0000-4000-8000-<counter>`. */
  newId?: () => string;
  telemetry?: Telemetry;
  /** No queue configured: no relay, rows wait for a sweep that cannot publish. Default false. */
  noQueue?: boolean;
  /** Health probes. Default none. */
  healthChecks?: readonly HealthCheck[];
  /** Secrets that guard its routes (`SERVICE_AUTH_SECRET`, …); default none, so every caller passes. */
  authSecrets?: readonly string[];
  /** `EDGEMESH_OPERATOR_TOKEN`. */
  operatorToken?: string;
  /** Rate limits changed by name; default as declared. */
  rateLimits?: Readonly<Record<string, RateLimitOverride>>;
  /** Where rate limits count; default in memory on the test clock. */
  limiters?: LimiterFactory;
  /** Where its live settings are kept; default a memory store (`t.configStore`). */
  configStore?: ConfigStore;
  /** Applies the chaos rules of its live settings, as `CHAOS_ENABLED=true` does. Default false. */
  chaos?: boolean;
}

/**
 * A function built the way production builds it, on memory adapters: memory event store and
 * publisher, a fixed clock you advance, memory breakers, QStash signatures with
 * {@link testSigningKey}. Use `request` like `app.request`, `deliver` for signed QStash
 * deliveries, `settle` to run what waitUntil holds.
 * @example const t = testService(inventory); await t.request('/stock/kettle');
 */
export function testService<
  Config extends z.ZodObject,
  Extra extends object,
  Routes extends ServiceRoutes,
  Settings extends z.ZodObject,
>(service: Service<Config, Extra, Routes, Settings>, options: TestServiceOptions = {}) {
  const { definition } = service;
  let clock = options.now ?? Date.parse('2026-11-26T12:00:00Z');
  const now = () => clock;
  const pending: Promise<unknown>[] = [];
  const memory = memoryPublisher();
  const events = memoryEventStore({ schemas: storeSchemas(definition), now });
  const relay = createOutboxRelay({
    store: events,
    publisher: options.publisher ?? memory.publish,
  });
  const env = options.env ?? {};
  let counter = 0;
  const selfUrl = options.selfUrl ?? `http://${definition.name}.test`;
  const configStore = options.configStore ?? memoryConfigStore();
  const telemetry =
    options.telemetry ??
    createTelemetry({ service: definition.name, metricsStore: memoryMetricsStore() });
  const settings = createSettingsCache({
    store: configStore,
    service: definition.name,
    schema: service.settings,
    intervalMs: 0,
    now: () => Date.now(),
    waitUntil: (promise) => void pending.push(promise),
    log: telemetry.log,
  }) as SettingsCache<ToolkitSettings>;
  const admin = createSettingsAdmin({
    store: configStore,
    services: { [definition.name]: service.settings },
  });
  const chaos = options.chaos
    ? createChaos({ service: definition.name, settings: () => settings.current().chaos, telemetry })
    : undefined;
  type Deps = ServiceDeps<z.infer<Config>, z.output<Settings>>;
  const base: Deps = assembleDeps<z.infer<Config>, z.output<Settings>>(definition, {
    config: (definition.config ? loadConfig(env, definition.config) : {}) as z.infer<Config>,
    events: chaos ? chaosEventStore(events, chaos) : events,
    ...(chaos ? { chaos } : {}),
    ...(options.noQueue ? {} : { relay }),
    telemetry,
    settings,
    qstashVerifier: qstashVerifier(
      new Receiver({ currentSigningKey: testSigningKey, nextSigningKey: testSigningKey }),
    ),
    registry: staticRegistry(env),
    breakerStore: memoryBreakerStore(),
    healthChecks: options.healthChecks ?? [],
    selfUrl,
    limiters: options.limiters ?? memoryLimiters(now),
    ...(options.rateLimits ? { rateLimitOverrides: options.rateLimits } : {}),
    access: {
      secrets: options.authSecrets ?? [],
      operatorToken: options.operatorToken,
      replay: memoryReplayGuard(() => Date.now()),
    },
    fetch:
      options.fetch ??
      ((input) =>
        Promise.reject(
          new Error(
            `no fetch in this test for ${input instanceof Request ? input.url : input.toString()}`,
          ),
        )),
    now,
    newId:
      options.newId ?? (() => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`),
    waitUntil: (promise) => void pending.push(promise),
  });
  const { app, deps } = service.build(base);

  return {
    app,
    deps,
    configStore,
    /**
     * Sets `path` of its live settings (or `global`'s) the way `npm run config -- set` does, and
     * applies it at once, as the next revision check of a running isolate would.
     */
    async setting(path: string, value: JsonValue, scope: string = definition.name) {
      await admin.set(scope, path, value, { actor: 'test' });
      await settings.refresh();
    },
    events,
    relay,
    /** The memory publisher (unless `publisher` was given): `messages`, `failNext(n)`. */
    publisher: memory,
    /** Outbox messages the memory publisher accepted, in order. */
    published: memory.messages as readonly OutboxMessageToPublish[],
    now,
    advance(ms: number) {
      clock += ms;
    },
    /** Runs everything handed to waitUntil (outbox relays, flushes) to the end. */
    async settle() {
      while (pending.length > 0) await Promise.all(pending.splice(0));
    },
    request(path: string, init: RequestInit = {}) {
      return Promise.resolve(app.request(new URL(path, selfUrl).toString(), init));
    },
    /** A JSON request: method, path, body. */
    send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      return Promise.resolve(
        app.request(new URL(path, selfUrl).toString(), {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    },
    /** A QStash delivery to `path`, signed with {@link testSigningKey}, with QStash's headers. */
    async deliver(
      path: string,
      body: unknown,
      {
        messageId = `msg_${crypto.randomUUID()}`,
        retried = 0,
        headers = {},
      }: {
        messageId?: string;
        retried?: number;
        headers?: Record<string, string>;
      } = {},
    ) {
      const url = new URL(path, selfUrl).toString();
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return app.request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'upstash-message-id': messageId,
          'upstash-retried': String(retried),
          'upstash-signature': await signQstashMessage({ key: testSigningKey, url, body: text }),
          ...headers,
        },
        body: text,
      });
    },
  };
}

export type TestService = ReturnType<typeof testService>;
