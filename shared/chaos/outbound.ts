import type { Redis, Requester } from '@upstash/redis';
import { EdgeMeshError } from '../errors/index.ts';
import type { EventStore } from '../event-store/event-store.ts';
import type { OutboxPublisher } from '../event-store/publisher.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import type { Chaos, Injection } from './chaos.ts';
import { injectedProblem, latencyOf, resetError, sleep, slowBody } from './faults.ts';

/** Longest a call `abort` without `afterMs` hangs when the caller set no deadline, ms. */
const longestHang = 600_000;

function signalOf(input: RequestInfo | URL, init?: RequestInit): AbortSignal | undefined {
  return init?.signal ?? (input instanceof Request ? input.signal : undefined);
}

async function applyToCall(
  hit: Injection,
  call: () => Promise<Response>,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const { fault } = hit;
  switch (fault.kind) {
    case 'latency':
      await sleep(latencyOf(fault), signal);
      return call();
    case 'error':
      return injectedProblem(hit.rule, fault);
    case 'abort':
      await sleep(fault.afterMs ?? longestHang, signal);
      throw new DOMException(`chaos rule ${hit.rule} timed the call out`, 'TimeoutError');
    case 'reset':
      throw resetError(hit.rule);
    case 'slow-body':
      return slowBody(await call(), fault.bytesPerSecond);
    default:
      return call();
  }
}

/**
 * The call seam: `fetch` toward `dependency` with the faults of the rules aiming at it, recorded
 * on a span in the call's trace (its `traceparent`).
 */
export function chaosFetch(
  fetchImpl: typeof fetch,
  chaos: Chaos,
  dependency: string,
): typeof fetch {
  return function fetchWithChaos(input: RequestInfo | URL, init?: RequestInit) {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? (input instanceof URL ? input.href : (input as string)));
    const hit = chaos.pick({
      seam: 'call',
      service: chaos.service,
      dependency,
      method: init?.method ?? request?.method ?? 'GET',
      path: url.pathname,
      headers: new Headers(init?.headers ?? request?.headers),
    });
    if (!hit) return fetchImpl(input, init);
    return applyToCall(hit, () => fetchImpl(input, init), signalOf(input, init));
  };
}

/**
 * Latency or failure for one storage call; recorded on `scope`'s span when the call runs in one,
 * else on a span of its own.
 */
async function storageFault(
  chaos: Chaos,
  seam: 'postgres' | 'redis' | 'qstash',
  headers?: Headers,
  scope?: TraceScope,
) {
  const hit = chaos.pick({ seam, service: chaos.service, ...(headers ? { headers } : {}) }, scope);
  if (!hit) return;
  if (hit.fault.kind === 'latency') return sleep(latencyOf(hit.fault));
  throw new EdgeMeshError('UPSTREAM', `chaos rule ${hit.rule}: injected ${seam} failure`);
}

/** The request's scope a store operation was given (`CallOptions.trace`), when it was one. */
function scopeIn(args: readonly unknown[]): TraceScope | undefined {
  for (const arg of args) {
    const trace = (arg as { trace?: unknown } | undefined)?.trace;
    if (trace && typeof trace === 'object' && 'span' in trace) return trace as TraceScope;
  }
  return undefined;
}

/**
 * The Postgres seam: every store operation may wait or fail first; the fault is an event on the
 * span of the request whose operation it is (its `trace` option), when it has one.
 */
export function chaosEventStore(store: EventStore, chaos: Chaos): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await storageFault(chaos, 'postgres', undefined, scopeIn(args));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/**
 * The Redis seam: every Upstash REST request (a command or a pipeline) of `redis` may wait or
 * fail first. Changes `redis` itself: give it a client of its own.
 */
export function chaosRedis(redis: Redis, chaos: Chaos): Redis {
  // The requester is the client's one I/O path; only the Node build takes a custom one in its
  // constructor, so it is swapped on the instance (the same field in every build).
  const holder = redis as unknown as { client: Requester };
  const inner = holder.client;
  holder.client = new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'request') return Reflect.get(target, property, receiver) as unknown;
      return async (request: Parameters<Requester['request']>[0]) => {
        await storageFault(chaos, 'redis');
        return target.request(request);
      };
    },
  });
  return redis;
}

/** The QStash seam: a publish may wait or fail (the outbox then keeps the row for a retry). */
export function chaosPublisher(publish: OutboxPublisher, chaos: Chaos): OutboxPublisher {
  return async function publishWithChaos(message, signal) {
    await storageFault(chaos, 'qstash', new Headers(message.headers));
    return publish(message, signal);
  };
}
