import type { Hono } from 'hono';
import { hc } from 'hono/client';
import type { BreakerSet } from '../breaker/breakers.ts';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { assertServiceName } from '../discovery/endpoint.ts';
import type { Registry } from '../discovery/registry.ts';
import { requestSigner } from './auth.ts';
import type { Balancer } from './balancers/balancer.ts';
import { roundRobin } from './balancers/round-robin.ts';
import { deadlineHeader } from './deadline.ts';
import { noopPolicy, wrap, type Policy } from './policy.ts';
import { createRetryBudget, type RetryBudget } from './retry-budget.ts';
import { idempotentMethods, retryPolicy, type RetryOptions } from './retry.ts';
import {
  runAttempt,
  type AttemptObservation,
  type AttemptPipeline,
  type ServiceAttempt,
  type ServiceCall,
} from './service-attempt.ts';
import { deadlinePolicy } from './timeout.ts';
import { isUpstreamStatusError } from './upstream-error.ts';

export type { AttemptObservation, ServiceAttempt } from './service-attempt.ts';

/** Options of a resilient client for one named service. */
export interface ServiceClientOptions {
  /** The service to call; must be known to the registry when the registry lists its services. */
  service: string;
  /** Where endpoints come from (wrap dynamic ones in `cachedRegistry`). */
  registry: Registry;
  /** How an endpoint is chosen per attempt. Default `roundRobin()`. */
  balancer?: Balancer;
  /** Circuit breakers; omit to call without one. */
  breakers?: BreakerSet;
  /** One breaker per service, or one per endpoint (OPEN endpoints are skipped while others are available). Default `service`. */
  breakerScope?: 'service' | 'endpoint';
  /** Retry policy for idempotent requests (or ones with `Idempotency-Key`); `false` never retries. Default `{ maxAttempts: 3 }`. */
  retry?: Omit<RetryOptions, 'budget' | 'remainingMs' | 'onRetry'> | false;
  /** Retry budget shared by every call of this client. Default `createRetryBudget()` (20 % of calls). */
  retryBudget?: RetryBudget;
  /** Timeout of one attempt, ms (1–600,000). Default 5,000. */
  attemptTimeoutMs?: number;
  /** Overall deadline of a call including retries, ms (1–600,000); an inbound deadline header can only shorten it. Default 15,000. */
  deadlineMs?: number;
  /** `SERVICE_AUTH_SECRET`: sign every request when set. */
  authSecret?: string;
  /** The calling service's name, signed with each request for the callee's access policy. */
  caller?: string;
  /** Extra headers per attempt, e.g. `traceparent` from telemetry. */
  headers?: () => Record<string, string>;
  /** Observes every attempt (spans, dependency metrics; see `serviceCallObserver` of shared/telemetry). */
  observe?: (attempt: ServiceAttempt) => AttemptObservation | undefined;
  /** Key for consistent hashing, per request (e.g. a customer id header). */
  hashKey?: (request: Request) => string | undefined;
  /** The network fetch (the runtime's). Default `fetch`. */
  fetch?: typeof fetch;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Placeholder origin of the typed client; the pipeline replaces it with a discovered endpoint. */
const placeholderOrigin = (service: string) => `http://${service}.service`;

function checkMs(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 1 || value > 600_000) {
    throw new EdgeMeshError(
      'CONFIG',
      `service client option ${name} must be 1 to 600000 ms, got ${value}`,
    );
  }
}

/** Throws CONFIG for an unknown service or an out-of-range option, at construction. */
function checkClientOptions(
  service: string,
  registry: Registry,
  attemptTimeoutMs: number,
  deadlineMs: number,
  breakerScope: string,
): void {
  assertServiceName(service);
  if (registry.knows && !registry.knows(service)) {
    throw new EdgeMeshError(
      'CONFIG',
      `unknown service "${service}": no binding or SERVICE_${service.toUpperCase().replaceAll('-', '_')}_URL`,
    );
  }
  checkMs('attemptTimeoutMs', attemptTimeoutMs);
  checkMs('deadlineMs', deadlineMs);
  if (breakerScope !== 'service' && breakerScope !== 'endpoint') {
    throw new EdgeMeshError(
      'CONFIG',
      `service client option breakerScope must be service or endpoint`,
    );
  }
}

/**
 * A `fetch` for one service that runs every call through one pipeline:
 * deadline → retry (budget, backoff, Retry-After) → per attempt: discovery → balancer →
 * breaker → attempt timeout → auth and trace headers → the request. Retry wraps the breaker
 * (resilience4j's order) so a retry can reach another endpoint and each attempt is one outcome.
 * A spent deadline is never sent; failing statuses come back as the callee's Response.
 * Throws CONFIG at construction for an unknown service or an out-of-range option.
 */
export function createServiceFetch({
  service,
  registry,
  balancer = roundRobin(),
  breakers,
  breakerScope = 'service',
  retry = {},
  retryBudget = createRetryBudget(),
  attemptTimeoutMs = 5_000,
  deadlineMs = 15_000,
  authSecret,
  caller,
  headers: extraHeaders,
  observe,
  hashKey,
  fetch: fetchFn = (input, init) => fetch(input, init),
  now = () => Date.now(),
}: ServiceClientOptions): typeof fetch {
  checkClientOptions(service, registry, attemptTimeoutMs, deadlineMs, breakerScope);
  const signer =
    authSecret === undefined
      ? undefined
      : requestSigner(authSecret, { now, ...(caller ? { caller } : {}) });
  // Validate retry options now rather than on the first call.
  if (retry) retryPolicy(retry);
  const pipeline: AttemptPipeline = {
    service,
    registry,
    balancer,
    breakerOf: (endpoint) =>
      breakers?.get(service, breakerScope === 'endpoint' ? endpoint.url : undefined),
    attemptTimeoutMs,
    extraHeaders,
    observe,
    signer,
    fetch: fetchFn,
    now,
  };

  return async function serviceFetch(
    input: RequestInfo | URL,
    init?: RequestInit,
  ): Promise<Response> {
    const request = new Request(input, init);
    const body = request.body ? await request.arrayBuffer() : undefined;
    const started = now();
    const inbound = Number(request.headers.get(deadlineHeader) ?? Number.NaN);
    const deadlineAt = Math.min(
      started + deadlineMs,
      Number.isFinite(inbound) ? started + inbound : Infinity,
    );
    const idempotent =
      idempotentMethods.has(request.method) || request.headers.has('idempotency-key');
    const retrying: Policy =
      retry && idempotent
        ? retryPolicy({
            ...retry,
            budget: retryBudget,
            remainingMs: () => deadlineAt - now(),
            onRetry: (error) => {
              if (isUpstreamStatusError(error)) error.discard();
            },
          })
        : noopPolicy;
    const call: ServiceCall = { request, body, deadlineAt, key: hashKey?.(request), attempts: 0 };

    try {
      return await wrap(deadlinePolicy(deadlineAt, now), retrying).execute(
        (signal) => runAttempt(pipeline, call, signal),
        request.signal,
      );
    } catch (error) {
      if (isUpstreamStatusError(error)) return error.response;
      throw error;
    }
  };
}

/**
 * A typed `hono/client` for a service whose `fetch` is the resilient pipeline of createServiceFetch.
 * @example const inventory = createServiceClient<InventoryApp>({ service: 'inventory', registry, breakers });
 *          const res = await inventory.stock[':sku'].$get({ param: { sku } }, { headers: forwardHeaders(c) });
 */
export function createServiceClient<App extends Hono<any, any, any>>( // eslint-disable-line @typescript-eslint/no-explicit-any
  options: ServiceClientOptions,
) {
  return hc<App>(placeholderOrigin(options.service), { fetch: createServiceFetch(options) });
}
