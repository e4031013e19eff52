import type { CallbackOptions, FlowControl } from '../message.ts';

/** A run's state as `/v2/workflows/events` reports it. */
export type RunState = 'RUN_STARTED' | 'RUN_SUCCESS' | 'RUN_FAILED' | 'RUN_CANCELED';

/** Delivery settings the trigger gave, applied to every step that does not set its own. */
export interface RunConfig {
  retries?: number;
  retryDelay?: string;
  timeoutMs?: number;
  flowControl?: FlowControl;
  failureCallback?: string;
  failureCallbackOptions?: CallbackOptions;
}

/** The run that started this one with `context.invoke`, and how to answer it. */
export interface Invoker {
  runId: string;
  createdAt: number;
  url: string;
  /** The headers to publish the invoke step's result with (Go-style lists). */
  headers: Record<string, string[]>;
  /** The invoker's step waiting for the result. */
  step: Record<string, unknown>;
}

/** One step of a run as QStash stores it: the message that carried it and its body. */
export interface StoredStep {
  messageId: string;
  /** The trigger's payload for the first step, the step's JSON for the others. */
  body: Buffer;
  createdAt: number;
}

/** An Upstash Workflow run. */
export interface Run {
  id: string;
  url: string;
  createdAt: number;
  state: RunState;
  completedAt?: number;
  /** What the route function returned (the body of the completing DELETE). */
  result?: string;
  labels?: string[];
  /** The trigger's forwarded headers, delivered with every step (context.headers). */
  userHeaders: Record<string, string>;
  config: RunConfig;
  invoker?: Invoker;
  dlqId?: string;
  steps: StoredStep[];
}

/** A `context.waitForEvent` (or `waitForWebhook`) waiting for a notify or its deadline. */
export interface Waiter {
  id: string;
  runId: string;
  eventId: string;
  url: string;
  /** Unix ms. */
  deadline: number;
  /** Publish headers of the step that carries the event to `url` (Go-style lists). */
  headers: Record<string, string[]>;
  timeoutUrl: string;
  timeoutHeaders: Record<string, string[]>;
  timeoutBody?: string;
  /** The wait step as the SDK described it (stepId, stepName, stepType, concurrent, targetStep). */
  step: Record<string, unknown>;
  /** The SDK's timeout expression, e.g. `7d`. */
  timeout: string;
}

/** A notify for a run that was not waiting yet, kept for its next wait on the event. */
export interface Lookback {
  id: string;
  runId: string;
  eventId: string;
  data: Buffer;
  createdAt: number;
}

/** One entry of the body QStash delivers to a workflow endpoint: a step, base64-encoded. */
export interface RawStep {
  messageId: string;
  body: string;
  callType: 'step';
}

/** The body of a delivery to the workflow endpoint: every step of the run so far. */
export function rawStepsBody(steps: readonly StoredStep[]): Buffer {
  const raw: RawStep[] = steps.map((step) => ({
    messageId: step.messageId,
    body: step.body.toString('base64'),
    callType: 'step',
  }));
  return Buffer.from(JSON.stringify(raw));
}

/** The trigger's payload, base64, from a delivery body made by `rawStepsBody`. */
export function initialPayloadBase64(body: Buffer): string | undefined {
  try {
    const raw = JSON.parse(body.toString('utf8')) as unknown;
    if (!Array.isArray(raw)) return undefined;
    const first = raw[0] as { body?: unknown } | undefined;
    return typeof first?.body === 'string' ? first.body : undefined;
  } catch {
    return undefined;
  }
}

/** Go-style header lists (`{"Name": ["v"]}`), as QStash's workflow API writes headers. */
export function headerListsOf(headers: Headers): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  headers.forEach((value, name) => {
    (lists[name] ??= []).push(value);
  });
  return lists;
}

/** Headers from Go-style lists (or plain strings). */
export function headersOfLists(lists: Record<string, unknown> | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(lists ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string') headers.append(name, item);
    }
  }
  return headers;
}
