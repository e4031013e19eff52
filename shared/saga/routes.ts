import { Hono, type Context } from 'hono';
import * as z from 'zod';
import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import type { OutboxRecord } from '../event-store/event-store.ts';
import type { OutboxRelay } from '../event-store/outbox-relay.ts';
import { fieldIssues } from '../http/validate.ts';
import type { TelemetryEnv } from '../telemetry/hono.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import {
  decodeBase64,
  failureCallbackSchema,
  sagaMessageSchema,
  type SagaMessage,
} from './messages.ts';
import type { SagaDelivery, SagaOrchestrator } from './orchestrator-types.ts';
import { keepAlive } from '../http/keep-alive.ts';
import { operation, type OperationDoc } from '../openapi/index.ts';
import { requestScope } from '../telemetry/hono.ts';

/** Checks a QStash `Upstash-Signature` over the raw body; false for a bad or unsigned message. */
export type MessageVerifier = (signature: string, body: string, url: string) => Promise<boolean>;

export interface SagaRoutesOptions {
  /** Verifies QStash signatures; absent accepts unsigned messages (unit tests, no keys configured). */
  verify?: MessageVerifier;
  /**
   * Publishes what a commit wrote and runs the saga's next step inline after the answer;
   * absent leaves everything to the outbox sweep.
   */
  relay?: OutboxRelay;
  /** Keeps the relay alive when the request has no execution context (Deno, tests). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

const handled = {
  description: 'The outcome is recorded, or the message was stale or a duplicate',
  body: z.object({ status: z.string() }),
};

/** How QStash's deliveries of saga messages are answered. */
function sagaDoc(summary: string): OperationDoc {
  return {
    summary,
    tags: ['saga'],
    callers: ['qstash'],
    responses: {
      200: handled,
      401: 'SIGNATURE: not a valid QStash delivery',
      489: 'A malformed message, never retried (Upstash-NonRetryable-Error)',
      503: 'UNAVAILABLE: the work failed and has attempts left; QStash retries',
    },
  };
}

/** A message QStash must not retry: 489 with `Upstash-NonRetryable-Error` sends it to the DLQ. */
function poison(c: Context, detail: string, issues: unknown[] = []): Response {
  return new Response(
    JSON.stringify({
      type: 'about:blank',
      title: 'Poison message',
      status: 489,
      detail,
      code: 'VALIDATION',
      instance: c.req.path,
      errors: issues,
    }),
    {
      status: 489,
      headers: {
        'content-type': 'application/problem+json',
        'Upstash-NonRetryable-Error': 'true',
      },
    },
  );
}

/** Attempts a message's work had inline before QStash took over its retries. */
function prior(message: SagaMessage): number {
  return 'prior' in message ? (message.prior ?? 0) : 0;
}

function traceHeadersOf(c: Context, scope: TraceScope | undefined): Record<string, string> {
  if (scope) return scope.headers();
  const headers: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = c.req.header(name);
    if (value) headers[name] = value;
  }
  return headers;
}

/**
 * The saga's QStash endpoints, to mount under a prefix (`app.route('/saga', sagaRoutes(...))`):
 * `POST /steps` runs one message (signature checked before the body is parsed; 401 unsigned,
 * 489 non-retryable for a malformed body, 503 while the work has attempts left, 200 once the
 * outcome is recorded or the message turned out stale) and `POST /failures`, the failure
 * callback QStash calls when it gave up on a message, which records the work as failed.
 */
export function sagaRoutes<Input>(
  orchestrator: SagaOrchestrator<Input>,
  options: SagaRoutesOptions = {},
) {
  async function readVerified(c: Context): Promise<string> {
    const body = await c.req.text();
    if (options.verify) {
      const signature = c.req.header('upstash-signature');
      if (!signature || !(await options.verify(signature, body, c.req.url))) {
        throw new EdgeMeshError('SIGNATURE', 'Saga messages must carry a valid QStash signature.');
      }
    }
    return body;
  }

  async function run(c: Context<TelemetryEnv>, message: SagaMessage, delivery: SagaDelivery) {
    const result = await orchestrator.handle(message, delivery);
    const consumer = `saga:${orchestrator.definition.name}`;
    if (delivery.exhausted) delivery.scope?.metrics.recordDeadLetter(consumer);
    delivery.scope?.metrics.recordDelivery(
      consumer,
      result.status === 'retry'
        ? 'failed'
        : result.status === 'duplicate'
          ? 'duplicate'
          : 'processed',
    );
    if (result.status === 'retry') {
      throw new EdgeMeshError('UNAVAILABLE', `Saga ${message.sagaId}: ${result.error}`);
    }
    const outbox: readonly OutboxRecord[] = 'outbox' in result ? result.outbox : [];
    if (outbox.length > 0 && options.relay) {
      // The next step runs inline after this answer; the deadline and order events are relayed.
      const drive = orchestrator.drive(outbox, {
        relay: options.relay,
        scope: delivery.scope,
        traceHeaders: delivery.traceHeaders ?? {},
      });
      keepAlive(c, drive, options.waitUntil);
    }
    await orchestrator.inject('before-ack', {
      sagaId: message.sagaId,
      kind: message.kind,
      ...('index' in message ? { index: message.index } : {}),
    });
    return c.json({ status: result.status }, 200);
  }

  function parse(c: Context, text: string): SagaMessage | Response {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return poison(c, 'The message body is not JSON.');
    }
    const parsed = sagaMessageSchema.safeParse(json);
    if (!parsed.success)
      return poison(c, 'The message is not a saga message.', fieldIssues(parsed.error));
    return parsed.data;
  }

  return new Hono<TelemetryEnv>()
    .post('/steps', operation(sagaDoc('Run one saga message (QStash)')), async (c) => {
      const message = parse(c, await readVerified(c));
      if (message instanceof Response) return message;
      const scope = requestScope(c);
      scope?.annotate({ 'saga.id': message.sagaId, 'saga.message': message.kind });
      const retried = Number(c.req.header('upstash-retried') ?? 0);
      return run(c, message, {
        attempt: (Number.isSafeInteger(retried) && retried >= 0 ? retried + 1 : 1) + prior(message),
        signal: c.req.raw.signal,
        traceHeaders: traceHeadersOf(c, scope),
        ...(scope ? { scope } : {}),
      });
    })
    .post(
      '/failures',
      operation(sagaDoc('Record a saga message QStash gave up on (failure callback)')),
      async (c) => {
        const text = await readVerified(c);
        let callback: unknown;
        try {
          callback = JSON.parse(text);
        } catch {
          return poison(c, 'The failure callback body is not JSON.');
        }
        const parsed = failureCallbackSchema.safeParse(callback);
        if (!parsed.success)
          return poison(c, 'Not a QStash failure callback.', fieldIssues(parsed.error));
        let source: string;
        try {
          source = decodeBase64(parsed.data.sourceBody);
        } catch {
          return poison(c, 'sourceBody is not base64.');
        }
        const message = parse(c, source);
        if (message instanceof Response) return message;
        const scope = requestScope(c);
        return run(c, message, {
          attempt: (parsed.data.retried ?? 0) + 1 + prior(message),
          exhausted: message.kind !== 'deadline',
          signal: c.req.raw.signal,
          traceHeaders: traceHeadersOf(c, scope),
          ...(scope ? { scope } : {}),
        });
      },
    );
}
