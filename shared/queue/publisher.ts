import type { Context } from 'hono';
import type { Registry } from '../discovery/registry.ts';
import { serviceUrlVariable } from '../discovery/static.ts';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { DeadlineVariables } from '../http/deadline.ts';

/** Where a message goes: a topic (QStash URL group), a URL, or a path of a service. */
export type Destination =
  | { readonly topic: string }
  | { readonly url: string }
  | { readonly service: string; readonly path: string };

/**
 * Header carrying a message's deadline as absolute ms since the epoch. Absolute, unlike the
 * HTTP `x-edgemesh-deadline-ms` budget, because a message waits in the queue for an unknown time.
 */
export const messageDeadlineHeader = 'x-edgemesh-deadline-at';

/** Header a subscriber receives with the message's retry count, so it knows its last attempt. */
export const maxRetriesHeader = 'x-edgemesh-max-retries';

/** Trace context and deadline that travel with a message; see {@link carriedBy}. */
export interface MessageContext {
  /** W3C `traceparent` of the work that publishes. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** When the publisher's caller gives up, ms since the epoch. */
  readonly deadline?: number;
}

/** One message to publish. The body is sent as JSON. */
export interface PublishRequest extends MessageContext {
  readonly to: Destination;
  readonly body: unknown;
  /** Wait before the first delivery, in ms (QStash rounds up to whole seconds). Default 0. */
  readonly delayMs?: number;
  /** A second publish with the same id is accepted but not delivered (QStash keeps ids for days). */
  readonly deduplicationId?: string;
  /** Delivery retries after the first attempt. Default: the queue's (QStash: 3). */
  readonly retries?: number;
  /** Headers the subscriber receives as-is (QStash forwards them as `Upstash-Forward-*`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** URL QStash POSTs the last response to when retries are exhausted. Default: the topic's. */
  readonly failureCallback?: string;
}

/** One delivery a publish created: a topic yields one per subscriber. */
export interface PublishReceipt {
  readonly messageId: string;
  /** The subscriber URL, when the queue reports it. */
  readonly url?: string;
  /** True when the deduplication id was seen before and nothing new was enqueued. */
  readonly deduplicated: boolean;
}

/** Per-call options of a publish. */
export interface PublishOptions {
  readonly signal?: AbortSignal;
}

/** The publisher port: one contract suite, a memory and a QStash adapter. */
export interface Publisher {
  /** Publishes one message; resolves once the queue accepted it. */
  publish(request: PublishRequest, options?: PublishOptions): Promise<PublishReceipt[]>;
  /** Publishes many messages in one request; receipts in the order of `requests`. */
  publishBatch(
    requests: readonly PublishRequest[],
    options?: PublishOptions,
  ): Promise<PublishReceipt[][]>;
}

/**
 * The headers a subscriber receives for `request`: its own headers, `traceparent`/`tracestate`,
 * the {@link messageDeadlineHeader} and the {@link maxRetriesHeader}. Adapters forward exactly these.
 */
export function deliveredHeaders(request: PublishRequest): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.traceparent) headers.traceparent = request.traceparent;
  if (request.tracestate) headers.tracestate = request.tracestate;
  if (request.deadline !== undefined) {
    headers[messageDeadlineHeader] = String(Math.floor(request.deadline));
  }
  if (request.retries !== undefined) headers[maxRetriesHeader] = String(request.retries);
  return headers;
}

/**
 * The trace context and deadline of the request being handled, to publish with: the telemetry
 * scope's span when the app is instrumented (else the inbound `traceparent`), and the deadline
 * set by `deadlineMiddleware`.
 * @example await publisher.publish({ to: { topic: 'order-events' }, body, ...carriedBy(c) })
 */
export function carriedBy(c: Context): MessageContext {
  const vars = c.var as DeadlineVariables & {
    telemetry?: { headers(): Record<string, string> };
  };
  const trace = vars.telemetry?.headers() ?? {
    ...(c.req.header('traceparent') ? { traceparent: c.req.header('traceparent') } : {}),
    ...(c.req.header('tracestate') ? { tracestate: c.req.header('tracestate') } : {}),
  };
  return {
    ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
    ...(trace.tracestate ? { tracestate: trace.tracestate } : {}),
    ...(vars.deadline !== undefined ? { deadline: vars.deadline } : {}),
  };
}

/** A human-readable name of a destination, for errors and logs. */
export function describeDestination(to: Destination): string {
  if ('topic' in to) return `topic ${to.topic}`;
  if ('url' in to) return to.url;
  return `service ${to.service}${to.path}`;
}

/** The base URL of a service (no trailing slash); throws NOT_FOUND/CONFIG when unknown. */
export type ResolveService = (service: string, signal?: AbortSignal) => Promise<string>;

/**
 * A {@link ResolveService} over a discovery registry: the first endpoint of the service.
 * @example qstashPublisher(client, { resolveService: serviceResolver(staticRegistry(env)) })
 */
export function serviceResolver(registry: Registry): ResolveService {
  return async function resolveService(service, signal) {
    const [endpoint] = await registry.resolve(service, signal);
    if (!endpoint) {
      throw new EdgeMeshError(
        'CONFIG',
        `no endpoint for service ${service} (set ${serviceUrlVariable(service)})`,
      );
    }
    return endpoint.url.replace(/\/+$/, '');
  };
}

/** The URL of a `{ service, path }` destination. */
export async function serviceUrl(
  resolve: ResolveService | undefined,
  to: { readonly service: string; readonly path: string },
  signal?: AbortSignal,
): Promise<string> {
  if (!resolve) {
    throw new EdgeMeshError(
      'CONFIG',
      `cannot publish to service ${to.service}: no service resolver`,
    );
  }
  return `${await resolve(to.service, signal)}${to.path.startsWith('/') ? '' : '/'}${to.path}`;
}
