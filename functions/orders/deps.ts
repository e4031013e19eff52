import { Receiver } from '@upstash/qstash';
import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { createBreakerSet } from '../../shared/breaker/breakers.ts';
import { upstashBreakerStore } from '../../shared/breaker/upstash-store.ts';
import { loadConfig } from '../../shared/config/load.ts';
import {
  httpUrl,
  qstashVars,
  requireSigningKeysWithToken,
  serviceCallVars,
  storageVars,
} from '../../shared/config/vars.ts';
import { firstServiceUrl, staticRegistry } from '../../shared/discovery/static.ts';
import type { EventStore } from '../../shared/event-store/event-store.ts';
import { neonHttpEventStore } from '../../shared/event-store/neon.ts';
import type { OutboxRelay } from '../../shared/event-store/outbox-relay.ts';
import { qstashOutboxRelay } from '../../shared/queue/outbox-wiring.ts';
import { storageHealthChecks, type HealthCheck } from '../../shared/health/health.ts';
import { createSql, type PostgresOptions } from '../../shared/postgres/neon.ts';
import { createRedis } from '../../shared/redis/upstash.ts';
import { sharesIoAcrossRequests, type Env, type Runtime } from '../../shared/runtime/runtime.ts';
import { sagaEventSchemas } from '../../shared/saga/events.ts';
import {
  createSagaOrchestrator,
  type SagaFaultPoint,
  type SagaFaults,
  type SagaOrchestrator,
} from '../../shared/saga/orchestrator.ts';
import type { MessageVerifier } from '../../shared/saga/routes.ts';
import { receiverVerifier } from '../../shared/saga/verify.ts';
import { telemetryFromEnv } from '../../shared/telemetry/from-env.ts';
import { serviceCallObserver } from '../../shared/telemetry/service-calls.ts';
import type { Telemetry } from '../../shared/telemetry/telemetry.ts';
import { ordersProjection, orderStream } from './app.ts';
import { httpParticipants, type OrderParticipants } from './participants.ts';
import { orderSaga, type OrderSagaInput } from './saga.ts';
import { orderEventSchemas } from './schema.ts';

const faultPoints = ['before-action', 'after-action', 'after-commit', 'before-ack'] as const;

export const ordersConfigSchema = storageVars.extend({
  ...qstashVars.partial().shape,
  ...serviceCallVars.partial().shape,
  /** Where order events go: a QStash URL group, or a URL. Default `order-events`. */
  ORDERS_EVENTS_DESTINATION: z.string().trim().min(1).default('order-events'),
  /** This service's URL as QStash reaches it (saga messages). Default the first SERVICE_ORDERS_URL. */
  ORDERS_SELF_URL: httpUrl.optional(),
  SERVICE_ORDERS_URL: z.string().optional(),
  /** A saga whose tries have not all succeeded after this long is cancelled (`timeout`), ms. Default 30,000. */
  ORDERS_SAGA_DEADLINE_MS: z.coerce.number().int().min(1000).max(86_400_000).default(30_000),
  /** How long inventory holds an order's stock unless confirmed, ms. Default 60,000. */
  ORDERS_RESERVATION_TTL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  /** Test and chaos only: crash once at these points of every saga message (comma-separated). */
  SAGA_FAULTS: z
    .string()
    .trim()
    .refine(
      (value) =>
        value === '' ||
        value
          .split(',')
          .every((point) => (faultPoints as readonly string[]).includes(point.trim())),
      { message: `expected a comma-separated list of ${faultPoints.join(', ')}` },
    )
    .optional(),
});

/** Everything the orders app does I/O through. */
export interface OrdersDeps {
  service: string;
  /** Events, the `orders` read model, the outbox and idempotency keys. */
  events: EventStore;
  /** Publishes outbox rows; absent when no queue is configured (rows wait for a sweep). */
  relay?: OutboxRelay;
  /** Destination of order events in the outbox. */
  eventsDestination: string;
  /** Checks the `Upstash-Signature` of QStash deliveries against the delivered URL; absent only when no QStash is configured. */
  verifySchedule?: MessageVerifier;
  /** The place-order saga; absent, orders are placed and stay pending. */
  saga?: SagaOrchestrator<OrderSagaInput>;
  /** Checks QStash signatures of saga messages (with the delivered URL); absent accepts unsigned ones. */
  verifyMessage?: MessageVerifier;
  healthChecks: readonly HealthCheck[];
  now(): number;
  newId(): string;
  /** Keeps work alive after the response when the request has no execution context. */
  waitUntil(promise: Promise<unknown>): void;
  redis?: Redis;
  /** Traces, metrics and logs; `instrumentApp` wires it in the entry files. */
  telemetry?: Telemetry;
}

/** Crashes once per (saga, message, step, point): a handler that dies and is delivered again. */
export function crashOnce(points: readonly SagaFaultPoint[]): SagaFaults {
  const crashed = new Set<string>();
  return function injectCrash(point, at) {
    if (!points.includes(point)) return;
    const key = `${point}:${at.sagaId}:${at.kind}:${at.index ?? '-'}`;
    if (crashed.has(key)) return;
    crashed.add(key);
    throw new Error(`injected crash at ${key}`);
  };
}

export interface OrdersSagaWiring {
  events: EventStore;
  participants: OrderParticipants;
  /** This service's base URL as QStash reaches it. */
  selfUrl: string;
  eventsDestination: string;
  deadlineMs: number;
  reservationTtlMs: number;
  now: () => number;
  faults?: SagaFaults;
}

/** The place-order saga orchestrator, its stream shared with the order's own events. */
export function orderSagaOrchestrator(wiring: OrdersSagaWiring): SagaOrchestrator<OrderSagaInput> {
  return createSagaOrchestrator({
    definition: orderSaga({
      participants: wiring.participants,
      deadlineMs: wiring.deadlineMs,
      reservationTtlMs: wiring.reservationTtlMs,
      eventsDestination: wiring.eventsDestination,
      projection: ordersProjection,
      streamId: orderStream,
      newId: () => crypto.randomUUID(),
    }),
    store: wiring.events,
    endpoint: `${wiring.selfUrl.replace(/\/$/, '')}/saga/steps`,
    streamId: orderStream,
    streamType: 'order',
    now: wiring.now,
    ...(wiring.faults ? { faults: wiring.faults } : {}),
  });
}

/** Builds the orders deps from the platform's env; throws a CONFIG error naming bad variables. */
export function wire(env: Env, runtime: Runtime, options: PostgresOptions = {}): OrdersDeps {
  const config = loadConfig(env, ordersConfigSchema);
  requireSigningKeysWithToken(config);
  const sql = createSql(config, { fetch: runtime.fetch, ...options });
  const redis = createRedis(config);
  const telemetry = telemetryFromEnv(env, runtime, { service: 'orders', redis });
  const events = neonHttpEventStore(sql, {
    schemas: { ...orderEventSchemas, ...sagaEventSchemas },
    now: () => runtime.now(),
    batchAppends: sharesIoAcrossRequests(runtime),
  });
  const relay = qstashOutboxRelay({ store: events, env, telemetry });
  const { QSTASH_CURRENT_SIGNING_KEY: current, QSTASH_NEXT_SIGNING_KEY: next } = config;
  const receiver =
    current && next
      ? new Receiver({ currentSigningKey: current, nextSigningKey: next })
      : undefined;
  const registry = staticRegistry(env);
  const selfUrl = config.ORDERS_SELF_URL ?? firstServiceUrl(env, 'orders');
  const canRunSaga =
    relay !== undefined &&
    selfUrl !== undefined &&
    registry.knows?.('inventory') === true &&
    registry.knows('payments');
  const faults = config.SAGA_FAULTS
    ? crashOnce(config.SAGA_FAULTS.split(',').map((point) => point.trim() as SagaFaultPoint))
    : undefined;
  const saga = canRunSaga
    ? orderSagaOrchestrator({
        events,
        participants: httpParticipants({
          registry,
          breakers: createBreakerSet({
            store: upstashBreakerStore(redis, { prefix: 'edgemesh:breaker:orders:' }),
            waitUntil: (promise) => runtime.waitUntil(promise),
            // Saga steps retry through QStash anyway: probe again soon rather than after 30 s.
            waitInOpenMs: 5_000,
            log: (line) => telemetry.log.warn(line),
            onTransition: (transition) => telemetry.standard.recordBreakerTransition(transition),
          }),
          observe: serviceCallObserver(telemetry),
          retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500 },
          attemptTimeoutMs: 4_000,
          deadlineMs: 8_000,
          ...(config.SERVICE_AUTH_SECRET ? { authSecret: config.SERVICE_AUTH_SECRET } : {}),
          fetch: runtime.fetch,
          now: () => runtime.now(),
        }),
        selfUrl: selfUrl,
        eventsDestination: config.ORDERS_EVENTS_DESTINATION,
        deadlineMs: config.ORDERS_SAGA_DEADLINE_MS,
        reservationTtlMs: config.ORDERS_RESERVATION_TTL_MS,
        now: () => runtime.now(),
        ...(faults ? { faults } : {}),
      })
    : undefined;
  return {
    service: 'orders',
    events,
    ...(relay ? { relay } : {}),
    eventsDestination: config.ORDERS_EVENTS_DESTINATION,
    ...(receiver
      ? {
          verifySchedule: receiverVerifier(receiver),
        }
      : {}),
    ...(saga ? { saga } : {}),
    ...(receiver ? { verifyMessage: receiverVerifier(receiver) } : {}),
    healthChecks: storageHealthChecks(sql, redis),
    now: () => runtime.now(),
    newId: () => crypto.randomUUID(),
    waitUntil: (promise) => runtime.waitUntil(promise),
    redis,
    telemetry,
  };
}
