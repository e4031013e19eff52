import type { Breaker } from '../breaker/breaker.ts';
import type { Endpoint } from '../discovery/endpoint.ts';
import type { Registry } from '../discovery/registry.ts';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { signatureHeader, type RequestSigner } from './auth.ts';
import type { Balancer } from './balancers/balancer.ts';
import { deadlineHeader } from './deadline.ts';
import { noopPolicy, wrap } from './policy.ts';
import { retryableStatuses } from './retry.ts';
import { timeoutPolicy } from './timeout.ts';
import { isUpstreamStatusError, UpstreamStatusError } from './upstream-error.ts';

/** One attempt of a service call, as an observer (telemetry) sees it before it is sent. */
export interface ServiceAttempt {
  readonly service: string;
  /** Base URL of the endpoint the attempt goes to. */
  readonly endpoint: string;
  readonly method: string;
  /** The request's path, without the query (it may carry ids; observers template it). */
  readonly path: string;
  /** 1 for the first attempt of a call. */
  readonly attempt: number;
  /** The guarding breaker's cached state when the attempt starts; absent without a breaker. */
  readonly breakerState?: string;
  /** The caller's request headers (its `traceparent`, …). */
  readonly headers: Headers;
}

/** What an attempt observer returns: headers to send with the attempt, and its outcome hook. */
export interface AttemptObservation {
  /** Set on the attempt's request (e.g. the `traceparent` of a client span). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called once: the status the callee answered, or the error (breaker open, timeout, network). */
  end(outcome: { status?: number; error?: unknown }): void;
}

/** The per-attempt part of a service client's pipeline, settled when the client is built. */
export interface AttemptPipeline {
  readonly service: string;
  readonly registry: Registry;
  readonly balancer: Balancer;
  /** The breaker guarding calls to `endpoint`, if the client has breakers. */
  readonly breakerOf: (endpoint: Endpoint) => Breaker | undefined;
  /** Timeout of one attempt, ms; a nearer deadline shortens it. */
  readonly attemptTimeoutMs: number;
  readonly extraHeaders: (() => Record<string, string>) | undefined;
  readonly observe: ((attempt: ServiceAttempt) => AttemptObservation | undefined) | undefined;
  readonly signer: RequestSigner | undefined;
  readonly fetch: typeof fetch;
  /** Clock, ms since the epoch. */
  readonly now: () => number;
}

/** One call in flight: its request with the body read once, its deadline and its attempts so far. */
export interface ServiceCall {
  readonly request: Request;
  readonly body: ArrayBuffer | undefined;
  /** When the whole call must be over, ms since the epoch. */
  readonly deadlineAt: number;
  /** Key for consistent hashing, if the client has one. */
  readonly key: string | undefined;
  attempts: number;
}

/** Sends one attempt to `endpoint` with deadline, extra, observer and signature headers; a 5xx throws. */
async function send(
  pipeline: AttemptPipeline,
  endpoint: Endpoint,
  { request, body, deadlineAt }: ServiceCall,
  signal: AbortSignal,
  observed: Readonly<Record<string, string>> = {},
): Promise<Response> {
  const { service, balancer, signer, now } = pipeline;
  const url = new URL(request.url);
  const pathAndQuery = url.pathname + url.search;
  const headers = new Headers(request.headers);
  headers.set(deadlineHeader, String(Math.max(0, Math.floor(deadlineAt - now()))));
  for (const [name, value] of Object.entries(pipeline.extraHeaders?.() ?? {}))
    headers.set(name, value);
  for (const [name, value] of Object.entries(observed)) headers.set(name, value);
  if (signer) {
    const deadlineMs = headers.get(deadlineHeader) ?? undefined;
    headers.set(
      signatureHeader,
      await signer.sign(request.method, pathAndQuery, body, { deadlineMs }),
    );
  }
  const target = `${endpoint.url}${pathAndQuery}`;
  const init: RequestInit = {
    method: request.method,
    headers,
    body: body ?? null,
    signal,
    redirect: 'manual',
  };
  const started = now();
  let response: Response;
  try {
    response = endpoint.fetcher
      ? await endpoint.fetcher.fetch(target, init)
      : await pipeline.fetch(target, init);
  } catch (error) {
    balancer.observe?.(endpoint, now() - started, false);
    if (signal.aborted) throw error;
    throw new EdgeMeshError('UPSTREAM', `${service} at ${endpoint.url} could not be reached.`, {
      cause: error,
    });
  }
  balancer.observe?.(endpoint, now() - started, response.status < 500);
  if (response.status >= 500) throw new UpstreamStatusError(service, response, now());
  return response;
}

/** Picks a live endpoint, skipping ones whose breaker is open while others are available. */
async function pickEndpoint(
  { service, registry, balancer, breakerOf }: AttemptPipeline,
  call: ServiceCall,
  signal: AbortSignal,
): Promise<Endpoint> {
  const endpoints = await registry.resolve(service, signal);
  if (endpoints.length === 0)
    throw new EdgeMeshError('UNAVAILABLE', `${service} has no live endpoints.`);
  const open = endpoints.filter((endpoint) => breakerOf(endpoint)?.available() === false);
  const pool =
    open.length > 0 && open.length < endpoints.length
      ? endpoints.filter((e) => !open.includes(e))
      : endpoints;
  return balancer.pick(pool, { key: call.key });
}

/**
 * One attempt of a call: discovery → balancer → breaker → attempt timeout → the request,
 * observed; a retryable status throws UpstreamStatusError so the retry policy sees it.
 */
export async function runAttempt(
  pipeline: AttemptPipeline,
  call: ServiceCall,
  signal: AbortSignal,
): Promise<Response> {
  const { service, now } = pipeline;
  const { request, deadlineAt } = call;
  call.attempts += 1;
  const endpoint = await pickEndpoint(pipeline, call, signal);
  const timeout = timeoutPolicy(
    Math.max(1, Math.min(pipeline.attemptTimeoutMs, Math.ceil(deadlineAt - now()))),
  );
  const breaker = pipeline.breakerOf(endpoint);
  const observation = pipeline.observe?.({
    service,
    endpoint: endpoint.url,
    method: request.method,
    path: new URL(request.url).pathname,
    attempt: call.attempts,
    ...(breaker ? { breakerState: breaker.state().kind } : {}),
    headers: request.headers,
  });
  let response: Response;
  try {
    response = await wrap(breaker ?? noopPolicy, timeout).execute(
      (s) => send(pipeline, endpoint, call, s, observation?.headers),
      signal,
    );
  } catch (error) {
    observation?.end(isUpstreamStatusError(error) ? { status: error.response.status } : { error });
    throw error;
  }
  observation?.end({ status: response.status });
  // A callee shedding load is retryable but not the callee failing, so the breaker sees success.
  if (retryableStatuses.has(response.status))
    throw new UpstreamStatusError(service, response, now());
  return response;
}
