import type { OutboxRecord } from '../event-store/event-store.ts';
import type { OutboxRelay } from '../event-store/outbox-relay.ts';
import type { TraceScope } from '../telemetry/trace-scope.ts';
import { defaultAttempts, retrySettings, type SagaDefinition } from './definition.ts';
import type { SagaMessage } from './messages.ts';
import type { SagaDelivery, SagaFaults, SagaHandleResult } from './orchestrator-types.ts';

/** A step or compensation message, as its outbox row holds it. */
type WorkBody = Extract<SagaMessage, { kind: 'step' | 'compensate' }>;

/** How the work an append committed is carried on in the same invocation. */
export interface DriveOptions {
  /** Publishes the other rows (order events, the deadline) and a step that must wait for a retry. */
  readonly relay: OutboxRelay;
  /** The invocation's scope: steps run as its children and record the saga's metrics. */
  readonly scope?: TraceScope | undefined;
  /** `traceparent`/`tracestate` the steps forward when there is no scope. */
  readonly traceHeaders?: Record<string, string>;
}

/** What the driver of one saga definition needs from its orchestrator. */
export interface InlineDriverOptions<Input> {
  readonly definition: SagaDefinition<Input>;
  readonly endpoint: string;
  readonly faults: SagaFaults | undefined;
  readonly handle: (message: WorkBody, delivery: SagaDelivery) => Promise<SagaHandleResult>;
  /**
   * Sagas this isolate runs inline at once; the work of any more is handed to QStash at once,
   * under a flow-control key that lets as many through at a time. Default 16.
   */
  readonly maxInline?: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs saga work inline, checkpoint style: the rows an append committed hold the next step's
 * message, unpublished; the driver runs that step at once and its commit marks the row done
 * (`outboxDone`) with the outcome and the following step's row, and so on until the saga ends.
 * Other rows are relayed as usual. If the invocation dies, the step's row is still unpublished
 * and the outbox sweep relays it once it is older than the sweep's minimum age (10 s), so QStash
 * resumes the saga. A step that fails with attempts left is relayed at once with its backoff as
 * `Upstash-Delay`, and QStash's retries take over. Never rejects.
 */
export function inlineDriver<Input>({
  definition,
  endpoint,
  faults,
  handle,
  maxInline = 16,
}: InlineDriverOptions<Input>): (
  rows: readonly OutboxRecord[],
  options: DriveOptions,
) => Promise<void> {
  function isWork(row: OutboxRecord): boolean {
    if (row.destination !== endpoint) return false;
    const body = row.body as Partial<SagaMessage> | null;
    return body?.saga === definition.name && (body.kind === 'step' || body.kind === 'compensate');
  }

  /** The row relayed for QStash to retry after the step's backoff, counting the inline attempt. */
  function forRetry(row: OutboxRecord, body: WorkBody): OutboxRecord {
    const step = definition.steps[body.index];
    const policy =
      body.kind === 'step'
        ? retrySettings(step?.retry, defaultAttempts.action)
        : retrySettings(step?.compensationRetry, defaultAttempts.compensation);
    const delayS = Math.round(Math.min(policy.backoffMs, policy.maxBackoffMs) / 1000);
    const retries = Number(row.headers['Upstash-Retries'] ?? policy.maxAttempts - 1);
    return {
      ...row,
      body: { ...body, prior: (body.prior ?? 0) + 1 },
      headers: {
        ...row.headers,
        'Upstash-Retries': String(Math.max(0, retries - 1)),
        ...(delayS > 0 ? { 'Upstash-Delay': `${delayS}s` } : {}),
      },
    };
  }

  let running = 0;

  /**
   * The row relayed now, for a saga over the inline limit: QStash queues it and lets
   * `maxInline` through at a time, so a burst waits in line instead of slowing every saga.
   */
  function handedOver(row: OutboxRecord): OutboxRecord {
    return {
      ...row,
      headers: {
        ...row.headers,
        'Upstash-Flow-Control-Key': `saga-${definition.name}`,
        'Upstash-Flow-Control-Value': `parallelism=${maxInline}`,
      },
    };
  }

  async function runChain(first: OutboxRecord, options: DriveOptions, relays: Promise<unknown>[]) {
    let row: OutboxRecord | undefined = first;
    while (row) {
      const body = row.body as WorkBody;
      let result: SagaHandleResult;
      try {
        await faults?.('before-inline', {
          sagaId: body.sagaId,
          kind: body.kind,
          index: body.index,
        });
        result = await handle(body, {
          attempt: (body.prior ?? 0) + 1,
          outboxId: row.id,
          ...(options.scope ? { scope: options.scope } : {}),
          ...(options.traceHeaders ? { traceHeaders: options.traceHeaders } : {}),
        });
      } catch (error) {
        // The row stays unpublished: the sweep relays it and QStash resumes the saga.
        console.error(`saga ${body.sagaId}: inline ${body.kind} ${body.index}: ${message(error)}`);
        return;
      }
      if (result.status === 'retry') {
        relays.push(options.relay.relay([forRetry(row, body)]));
        return;
      }
      if (result.status === 'duplicate') return;
      const next: OutboxRecord[] = result.outbox.filter(isWork);
      const rest = result.outbox.filter((entry) => !isWork(entry));
      if (rest.length > 0) relays.push(options.relay.relay(rest));
      row = next[0];
    }
  }

  return async function drive(rows, options) {
    const relays: Promise<unknown>[] = [];
    const rest = rows.filter((row) => !isWork(row));
    if (rest.length > 0) relays.push(options.relay.relay(rest));
    const chains = rows.filter(isWork).map(async (row) => {
      if (running >= maxInline) {
        relays.push(options.relay.relay([handedOver(row)]));
        return;
      }
      running += 1;
      try {
        await runChain(row, options, relays);
      } finally {
        running -= 1;
      }
    });
    await Promise.all(chains);
    await Promise.all(relays);
  };
}
