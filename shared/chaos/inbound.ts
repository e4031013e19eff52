import type { Context, MiddlewareHandler } from 'hono';
import { problemResponse, toProblem, EdgeMeshError } from '../errors/index.ts';
import { requestScope } from '../telemetry/hono.ts';
import type { Chaos, Injection } from './chaos.ts';
import { brokenBody, injectedProblem, latencyOf, sleep, slowBody } from './faults.ts';
import type { ChaosSeam } from './rule.ts';

/** Marks the second copy of a delivery the `duplicate` fault sends, so it is not duplicated again. */
const duplicateHeader = 'x-chaos-duplicate';
/** Longest an inbound `abort` without `afterMs` holds a request, ms. */
const longestHold = 600_000;

/** Sends a request through the whole app again (the `duplicate` fault's second delivery). */
export type Redeliver = (request: Request, c: Context) => Promise<Response>;

function isDelivery(c: Context): boolean {
  return c.req.header('upstash-message-id') !== undefined && !c.req.header(duplicateHeader);
}

function point(c: Context, chaos: Chaos, seam: ChaosSeam) {
  return {
    seam,
    service: chaos.service,
    method: c.req.method,
    path: c.req.path,
    headers: c.req.raw.headers,
  };
}

async function copyOf(c: Context): Promise<Request> {
  const headers = new Headers(c.req.raw.headers);
  headers.set(duplicateHeader, '1');
  const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.arrayBuffer();
  return new Request(c.req.url, { method: c.req.method, headers, body });
}

async function applyDelivery(
  c: Context,
  hit: Injection,
  next: () => Promise<void>,
  redeliver: Redeliver,
) {
  const { fault } = hit;
  if (fault.kind === 'delay') {
    await sleep(fault.ms);
    return next();
  }
  if (fault.kind === 'duplicate') {
    const copy = await copyOf(c);
    await Promise.all([redeliver(copy, c), next()]);
    return;
  }
  await next();
  // drop-ack: the work is done and committed; the answer QStash sees says otherwise.
  c.res = problemResponse(
    toProblem(
      new EdgeMeshError('UNAVAILABLE', `chaos rule ${hit.rule} dropped the acknowledgement`),
    ),
    { 'x-chaos-rule': hit.rule },
  );
}

async function applyInbound(c: Context, hit: Injection, next: () => Promise<void>) {
  const { fault } = hit;
  switch (fault.kind) {
    case 'latency':
      await sleep(latencyOf(fault));
      return next();
    case 'error':
      c.res = injectedProblem(hit.rule, fault);
      return;
    case 'abort':
      await sleep(fault.afterMs ?? longestHold, c.req.raw.signal).catch(() => {});
      c.res = problemResponse(
        toProblem(new EdgeMeshError('TIMEOUT', `chaos rule ${hit.rule} held the request`)),
      );
      return;
    case 'reset':
      await next();
      c.res = brokenBody(c.res, hit.rule);
      return;
    case 'slow-body':
      await next();
      c.res = slowBody(c.res, fault.bytesPerSecond);
      return;
    default:
      return next();
  }
}

/**
 * The inbound seam: faults on requests to the function (latency, error, abort, reset, slow
 * body) and on QStash deliveries (delay, duplicate, drop-ack), each recorded on the request's span.
 */
export function chaosMiddleware(chaos: Chaos, redeliver: Redeliver): MiddlewareHandler {
  return async function injectChaos(c, next) {
    const scope = requestScope(c);
    if (isDelivery(c)) {
      const hit = chaos.pick(point(c, chaos, 'delivery'), scope);
      if (hit) return applyDelivery(c, hit, next, redeliver);
    }
    const hit = chaos.pick(point(c, chaos, 'inbound'), scope);
    return hit ? applyInbound(c, hit, next) : next();
  };
}
