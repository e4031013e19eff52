/** Delivery settings of a callback or failure callback (Upstash-(Failure-)Callback-*). */
export interface CallbackOptions {
  method?: string;
  timeoutMs?: number;
  retries?: number;
  retryDelay?: string;
  /** Upstash-Callback-Forward-* headers, unprefixed. */
  headers: Record<string, string>;
  /** The workflow run the callback message belongs to, if any. */
  workflow?: WorkflowTag;
}

/** How a message takes part in an Upstash Workflow run. */
export interface WorkflowTag {
  runId: string;
  /** The run's creation time, unix ms. */
  createdAt: number;
  /** The workflow endpoint. */
  url: string;
  /**
   * `step`: delivers the run's steps to the workflow endpoint; `call`: a `context.call` request to
   * a third party; `callback`: the third party's answer, delivered to the workflow endpoint.
   */
  role: 'step' | 'call' | 'callback';
  /** The run's first step: its endpoint must answer as an Upstash Workflow endpoint. */
  trigger?: boolean;
}

/** Upstash-Flow-Control-Key/-Value: at most `parallelism` in flight, `rate` starts per period. */
export interface FlowControl {
  key: string;
  parallelism?: number;
  rate?: number;
  periodMs: number;
}

/** Everything about one message to one URL that does not change between attempts. */
export interface MessageSpec {
  url: string;
  method: string;
  /** Delivered as is: Content-Type and the Upstash-Forward-* headers, unprefixed. */
  headers: Record<string, string>;
  maxRetries: number;
  retryDelay?: string;
  timeoutMs?: number;
  callback?: string;
  failureCallback?: string;
  callbackOptions?: CallbackOptions;
  failureCallbackOptions?: CallbackOptions;
  topicName?: string;
  endpointName?: string;
  queueName?: string;
  scheduleId?: string;
  flowControl?: FlowControl;
  labels?: string[];
  callerIp?: string;
  redact?: string;
  /** Callback messages carry a callback body and trigger no callbacks themselves. */
  kind?: 'callback' | 'failure-callback';
  /** Set when the message belongs to an Upstash Workflow run. */
  workflow?: WorkflowTag;
}

/** An accepted, not yet acknowledged message as the delivery engine holds it. */
export interface PendingMessage {
  id: string;
  /** Insertion order, the FIFO order of queues. */
  seq: number;
  spec: MessageSpec;
  body: Buffer;
  /** When the next attempt may start, unix ms. */
  dueAt: number;
  /** Attempts that already failed. */
  retried: number;
  createdAt: number;
  /** When the first attempt was due, unix ms (the API's `notBefore`). */
  notBefore: number;
}

/** A message that exhausted its retries, with the last response. */
export interface DeadLetter extends PendingMessage {
  dlqId: string;
  failedAt: number;
  responseStatus: number;
  responseHeader: Record<string, string[]>;
  responseBody: string;
}

/** Headers as QStash's API shows them: every value a list. */
export function headerLists(headers: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
}

/** The body as text when it is valid UTF-8, else as base64 (QStash's body / bodyBase64). */
export function bodyFields(body: Buffer): { body?: string; bodyBase64?: string } {
  if (body.length === 0) return {};
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  return Buffer.from(text, 'utf8').equals(body)
    ? { body: text }
    : { bodyBase64: body.toString('base64') };
}

/** The optional delivery settings a message and a schedule report alike, under QStash's names. */
export function deliveryOptionFields(spec: Omit<MessageSpec, 'url'>): Record<string, unknown> {
  return {
    ...(spec.retryDelay ? { retryDelayExpression: spec.retryDelay } : {}),
    ...(spec.callback ? { callback: spec.callback } : {}),
    ...(spec.failureCallback ? { failureCallback: spec.failureCallback } : {}),
    ...(spec.callerIp ? { callerIP: spec.callerIp, callerIp: spec.callerIp } : {}),
    ...(spec.queueName ? { queueName: spec.queueName } : {}),
    ...(spec.flowControl
      ? {
          flowControlKey: spec.flowControl.key,
          ...(spec.flowControl.parallelism ? { parallelism: spec.flowControl.parallelism } : {}),
          ...(spec.flowControl.rate
            ? { rate: spec.flowControl.rate, period: spec.flowControl.periodMs / 1000 }
            : {}),
        }
      : {}),
    ...(spec.labels?.length ? { label: spec.labels[0], labels: spec.labels } : {}),
  };
}

/** `GET /v2/messages/:id`'s shape. */
export function messageJson(message: PendingMessage): Record<string, unknown> {
  const { spec } = message;
  return {
    messageId: message.id,
    url: spec.url,
    ...(spec.topicName ? { topicName: spec.topicName, urlGroup: spec.topicName } : {}),
    ...(spec.endpointName ? { endpointName: spec.endpointName } : {}),
    method: spec.method,
    header: headerLists(spec.headers),
    ...bodyFields(message.body),
    maxRetries: spec.maxRetries,
    notBefore: message.notBefore,
    createdAt: message.createdAt,
    ...(spec.scheduleId ? { scheduleId: spec.scheduleId } : {}),
    ...deliveryOptionFields(spec),
    ...(spec.workflow
      ? {
          workflowRunId: spec.workflow.runId,
          workflowUrl: spec.workflow.url,
          workflowCreatedAt: spec.workflow.createdAt,
        }
      : {}),
  };
}

/** `GET /v2/dlq`'s entry shape. */
export function deadLetterJson(entry: DeadLetter): Record<string, unknown> {
  return {
    ...messageJson(entry),
    dlqId: entry.dlqId,
    responseStatus: entry.responseStatus,
    responseHeader: entry.responseHeader,
    responseBody: entry.responseBody,
  };
}
