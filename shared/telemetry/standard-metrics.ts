import type { MetricsRegistry } from './metrics/registry.ts';

/** What a queue consumer did with one delivery, a metric label. */
export type DeliveryOutcome = 'processed' | 'duplicate' | 'expired' | 'failed' | 'poison';

/** A circuit breaker's change of state, as `onTransition` of shared/breaker reports it. */
export interface BreakerTransitionLike {
  readonly scope: string;
  readonly from: string;
  readonly to: string;
}

/** Breaker states the `edgemesh_breaker_state` gauge has one series for. */
export const breakerStates = ['CLOSED', 'OPEN', 'HALF_OPEN', 'FORCED_OPEN', 'DISABLED'] as const;

/**
 * The instruments every service records: RED per route, per dependency, breakers, queue
 * deliveries and dead letters, saga outcomes. Labels are bounded names, never ids.
 */
export interface StandardMetrics {
  recordRequest(method: string, route: string, status: number, seconds: number): void;
  recordDependency(
    dependency: string,
    operation: string,
    outcome: 'ok' | 'error',
    seconds: number,
    attempt?: number,
  ): void;
  /** Breaker transitions (counter) and state (gauge, 1 for the current state, 0 for the rest). */
  recordBreakerTransition(transition: BreakerTransitionLike): void;
  /** One delivery to `consumer`; a `duplicate` also counts in the duplicates counter. */
  recordDelivery(consumer: string, outcome: DeliveryOutcome): void;
  /** A message `consumer` received as dead (QStash's failure callback). */
  recordDeadLetter(consumer: string): void;
  /** A saga that ended: outcome, reason (`none` when completed) and start-to-end seconds. */
  recordSaga(
    saga: string,
    outcome: 'completed' | 'aborted',
    reason: string | undefined,
    seconds: number | undefined,
  ): void;
}

function registerInstruments(metrics: MetricsRegistry) {
  return {
    requests: metrics.counter('edgemesh_http_requests_total', 'HTTP requests served.', [
      'service',
      'method',
      'route',
      'status',
    ]),
    requestErrors: metrics.counter(
      'edgemesh_http_request_errors_total',
      'HTTP requests answered with a 5xx status.',
      ['service', 'method', 'route'],
    ),
    requestDuration: metrics.histogram(
      'edgemesh_http_request_duration_seconds',
      'Time to answer an HTTP request, in seconds.',
      ['service', 'method', 'route'],
    ),
    dependencyCalls: metrics.counter(
      'edgemesh_dependency_calls_total',
      'Calls to a dependency, by outcome.',
      ['service', 'dependency', 'operation', 'outcome'],
    ),
    dependencyErrors: metrics.counter(
      'edgemesh_dependency_errors_total',
      'Calls to a dependency that failed.',
      ['service', 'dependency', 'operation'],
    ),
    dependencyRetries: metrics.counter(
      'edgemesh_dependency_retries_total',
      'Calls to a dependency that were retries (attempt > 1).',
      ['service', 'dependency', 'operation'],
    ),
    dependencyDuration: metrics.histogram(
      'edgemesh_dependency_duration_seconds',
      'Duration of a dependency call, in seconds.',
      ['service', 'dependency', 'operation'],
    ),
    breakerTransitions: metrics.counter(
      'edgemesh_breaker_transitions_total',
      'Circuit breaker transitions this isolate made or observed.',
      ['service', 'breaker', 'from', 'to'],
    ),
    breakerState: metrics.gauge(
      'edgemesh_breaker_state',
      'Circuit breaker state: 1 for the current state, 0 for the others.',
      ['service', 'breaker', 'state'],
    ),
    deliveries: metrics.counter(
      'edgemesh_queue_deliveries_total',
      'Queue messages delivered to a consumer, by outcome.',
      ['service', 'consumer', 'outcome'],
    ),
    duplicates: metrics.counter(
      'edgemesh_queue_duplicates_total',
      'Deliveries of a message the consumer had already processed.',
      ['service', 'consumer'],
    ),
    deadLetters: metrics.counter(
      'edgemesh_queue_dead_letters_total',
      'Messages dead-lettered after their retries were exhausted.',
      ['service', 'consumer'],
    ),
    sagaOutcomes: metrics.counter(
      'edgemesh_saga_outcomes_total',
      'Sagas that ended, by outcome and reason.',
      ['service', 'saga', 'outcome', 'reason'],
    ),
    sagaDuration: metrics.histogram(
      'edgemesh_saga_duration_seconds',
      'Time from a saga start to its end, in seconds.',
      ['service', 'saga', 'outcome'],
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    ),
  };
}

/** Registers the standard instruments in `metrics` and records into them with `service` as label. */
export function createStandardMetrics(metrics: MetricsRegistry, service: string): StandardMetrics {
  const {
    requests,
    requestErrors,
    requestDuration,
    dependencyCalls,
    dependencyErrors,
    dependencyRetries,
    dependencyDuration,
    breakerTransitions,
    breakerState,
    deliveries,
    duplicates,
    deadLetters,
    sagaOutcomes,
    sagaDuration,
  } = registerInstruments(metrics);
  return {
    recordRequest(method, route, status, seconds) {
      requests.inc({ service, method, route, status: String(status) });
      if (status >= 500) requestErrors.inc({ service, method, route });
      requestDuration.observe({ service, method, route }, seconds);
    },
    recordDependency(dependency, operation, outcome, seconds, attempt = 1) {
      const labels = { service, dependency, operation };
      dependencyCalls.inc({ ...labels, outcome });
      if (outcome === 'error') dependencyErrors.inc(labels);
      if (attempt > 1) dependencyRetries.inc(labels);
      dependencyDuration.observe(labels, seconds);
    },
    recordBreakerTransition({ scope, from, to }) {
      breakerTransitions.inc({ service, breaker: scope, from, to });
      for (const state of breakerStates) {
        breakerState.set({ service, breaker: scope, state }, state === to ? 1 : 0);
      }
    },
    recordDelivery(consumer, outcome) {
      deliveries.inc({ service, consumer, outcome });
      if (outcome === 'duplicate') duplicates.inc({ service, consumer });
    },
    recordDeadLetter(consumer) {
      deadLetters.inc({ service, consumer });
    },
    recordSaga(saga, outcome, reason, seconds) {
      sagaOutcomes.inc({ service, saga, outcome, reason: reason ?? 'none' });
      if (seconds !== undefined && seconds >= 0) {
        sagaDuration.observe({ service, saga, outcome }, seconds);
      }
    },
  };
}
