import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { OutboxPublisher } from '../event-store/publisher.ts';
import { extractTraceContext, traceHeaders, upstashForwardPrefix } from './propagation.ts';
import { templatePath } from './service-calls.ts';
import type { Telemetry } from './telemetry.ts';

const traceNames = new Set(
  ['traceparent', 'tracestate'].flatMap((name) => [
    name,
    `${upstashForwardPrefix}${name}`.toLowerCase(),
  ]),
);

function destinationName(destination: string): string {
  try {
    return templatePath(new URL(destination).pathname);
  } catch {
    return destination;
  }
}

function sagaAttributes(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  const { sagaId, kind } = body as { sagaId?: unknown; kind?: unknown };
  return typeof sagaId === 'string' && typeof kind === 'string'
    ? { 'saga.id': sagaId, 'saga.message': kind }
    : {};
}

/**
 * Wraps an outbox publisher so each publish is a producer span, child of the `traceparent` the
 * row was written with; the message carries the producer span's `traceparent` instead, so the
 * consumer's span hangs under the publish. Flushes telemetry after, as the relay runs after the
 * response (in waitUntil).
 * @example createOutboxRelay({ store, publisher: tracedOutboxPublisher(qstashPublisher(client), telemetry) })
 */
export function tracedOutboxPublisher(
  publisher: OutboxPublisher,
  telemetry: Telemetry,
): OutboxPublisher {
  return async function publishTraced(message, signal) {
    const parent = extractTraceContext(message.headers);
    const name = destinationName(message.destination);
    const span = telemetry.tracer.startSpan(
      `publish ${name}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'qstash',
          'messaging.operation.type': 'send',
          'messaging.destination.name': name,
          'messaging.message.id': message.id,
          ...sagaAttributes(message.body),
        },
      },
      parent,
    );
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(message.headers)) {
      if (!traceNames.has(key.toLowerCase())) headers[key] = value;
    }
    Object.assign(headers, traceHeaders(trace.setSpan(parent, span)));
    try {
      await publisher({ ...message, headers }, signal);
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
      void telemetry.scheduleFlush(telemetry.waitUntil);
    }
  };
}
