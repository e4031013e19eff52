import type { Context, Handler } from 'hono';
import type * as z from 'zod';
import { EdgeMeshError, isEdgeMeshError } from '../errors/edgemesh-error.ts';
import { requestScope } from '../telemetry/hono.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import { consumedMessage, parseDelivery } from './consumed-message.ts';
import { isFinal, recordConsumerDeadLetter } from './consumer-dead-letter.ts';
import type { ConsumedMessage, ConsumerOptions, ConsumeStatus } from './consumer-types.ts';
import type { SignatureVerifier } from './signature.ts';

export type { ConsumedMessage, ConsumerOptions, ConsumeStatus } from './consumer-types.ts';

function defaultEventId(body: unknown): string | undefined {
  const id = (body as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** The delivery's body, read only after its `Upstash-Signature` is checked; else SIGNATURE (401). */
async function verifiedBody(
  c: Context,
  verify: SignatureVerifier,
  deliveredUrl: (c: Context) => string,
): Promise<string> {
  const signature = c.req.header('upstash-signature');
  if (!signature) throw new EdgeMeshError('SIGNATURE', 'Upstash-Signature is missing.');
  const raw = await c.req.text();
  if (!(await verify({ signature, body: raw, url: deliveredUrl(c) }))) {
    throw new EdgeMeshError(
      'SIGNATURE',
      'Upstash-Signature does not match this body and URL, or has expired.',
    );
  }
  return raw;
}

/** Aborts when the delivery is cancelled or its deadline (ms since the epoch) passes. */
function deliverySignal(c: Context, deadline: number | undefined, now: () => number): AbortSignal {
  const signals = [c.req.raw.signal];
  if (deadline !== undefined) {
    signals.push(AbortSignal.timeout(Math.max(0, deadline - now())));
  }
  return AbortSignal.any(signals);
}

/** Runs the handler in a `consume <name>` span when traced; a failure is counted, a deadline one is TIMEOUT. */
async function runHandler<Body>(
  name: string,
  message: ConsumedMessage<Body>,
  scope: TraceScope | undefined,
  run: () => Promise<void>,
): Promise<void> {
  const { messageId, eventId, deadline, signal } = message;
  try {
    if (scope) {
      await scope.run(`consume ${name}`, run, {
        attributes: {
          'messaging.system': 'qstash',
          'messaging.message.id': messageId,
          'messaging.consumer.group.name': name,
          ...(eventId ? { 'messaging.message.event_id': eventId } : {}),
        },
      });
    } else {
      await run();
    }
  } catch (error) {
    scope?.metrics.recordDelivery(
      name,
      isEdgeMeshError(error) && error.code === 'UNPROCESSABLE_MESSAGE' ? 'poison' : 'failed',
    );
    if (deadline !== undefined && signal.aborted && !isEdgeMeshError(error)) {
      throw new EdgeMeshError('TIMEOUT', 'The message deadline passed while handling it.', {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * A Hono handler for QStash deliveries. In order: verifies `Upstash-Signature` (current, then
 * next key; the delivered URL must match) before the body is parsed, else 401; parses and
 * validates the body, else 489 non-retryable; acknowledges without work a message whose deadline
 * passed; runs the handler, whose `append` writes the inbox claim in the same statement as its
 * events; answers 200 only after that statement committed. A handler error is a problem
 * response (5xx → QStash retries).
 * @example app.post('/events/orders', consumer({ name: 'notifications', schema, verify, store, handle }))
 */
export function consumer<Schema extends z.ZodType>({
  name,
  schema,
  verify,
  store,
  handle,
  eventIdOf = defaultEventId,
  deliveredUrl = (c) => c.req.url,
  now = () => Date.now(),
  recordDeadLetters = false,
}: ConsumerOptions<Schema>): Handler {
  return async function consumeMessage(c) {
    const raw = await verifiedBody(c, verify, deliveredUrl);
    try {
      const delivery = parseDelivery(c, raw, name, schema, eventIdOf);
      const { messageId, eventId, deadline } = delivery;
      const scope = requestScope(c);
      const answer = (status: ConsumeStatus) =>
        c.json({ status, messageId, ...(eventId ? { eventId } : {}) }, 200);
      if (deadline !== undefined && deadline <= now()) {
        scope?.metrics.recordDelivery(name, 'expired');
        return answer('expired');
      }
      const signal = deliverySignal(c, deadline, now);
      const { message, outcome } = consumedMessage(c, { name, store }, delivery, signal, scope);
      await runHandler(name, message, scope, () => handle(message, c));
      scope?.metrics.recordDelivery(name, outcome());
      return answer(outcome());
    } catch (error) {
      if (recordDeadLetters && isFinal(c, error)) {
        await recordConsumerDeadLetter(c, raw, error, { name, store, deliveredUrl, now }).catch(
          (cause: unknown) =>
            requestScope(c)?.log.warn('could not record a dead letter', { error: cause }),
        );
      }
      throw error;
    }
  };
}
