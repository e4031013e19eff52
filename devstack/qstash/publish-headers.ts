import { parseDuration, parseInteger } from './durations.ts';
import { badInput } from './input-error.ts';
import type { CallbackOptions, FlowControl, MessageSpec } from './message.ts';
import { compileRetryDelay } from './retry-delay.ts';

/** What a publish request's headers ask for, before the destination is resolved. */
export interface PublishOptions {
  template: Omit<MessageSpec, 'url'>;
  /** Delay before the first attempt, ms (Upstash-Delay). */
  delayMs: number;
  /** Absolute first-attempt time, unix ms (Upstash-Not-Before); beats the delay. */
  notBefore?: number;
  deduplicationId?: string;
  contentBasedDeduplication: boolean;
}

/** Limits applied while reading publish headers. */
export interface PublishLimits {
  /** Upstash-Retries when absent; QStash's default is 3. */
  defaultRetries: number;
  /** The largest Upstash-Retries accepted. */
  maxRetries: number;
}

const methods = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const maxDelayMs = 7 * 365 * 86_400_000;

/** Upstash-Callback and friends must be absolute http(s) URLs. */
export function httpUrlOrThrow(value: string, header: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badInput(`invalid ${header} "${value}": expected an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badInput(`invalid ${header} "${value}": expected an http(s) URL`);
  return value;
}

function method(value: string | null, header: string): string | undefined {
  if (value === null) return undefined;
  const upper = value.trim().toUpperCase();
  if (!methods.has(upper))
    throw badInput(`invalid ${header} "${value}": expected one of ${[...methods].join(', ')}`);
  return upper;
}

/** Upstash-Flow-Control-Value: `parallelism=2, rate=10, period=1m`. */
export function parseFlowControl(key: string, value: string | null): FlowControl {
  if (!key.trim()) throw badInput('invalid Upstash-Flow-Control-Key: must not be empty');
  const control: FlowControl = { key, periodMs: 1000 };
  if (value === null || !value.trim())
    throw badInput('Upstash-Flow-Control-Value is required with Upstash-Flow-Control-Key');
  for (const part of value.split(',')) {
    const [name = '', raw = ''] = part.split('=').map((item) => item.trim());
    if (name === 'parallelism')
      control.parallelism = parseInteger(raw, 'flow control parallelism', 10_000);
    else if (name === 'rate') control.rate = parseInteger(raw, 'flow control rate', 1_000_000);
    else if (name === 'period') control.periodMs = parseDuration(raw, 'flow control period', 's');
    else
      throw badInput(
        `invalid Upstash-Flow-Control-Value "${value}": unknown setting "${name}" (use parallelism, rate, period)`,
      );
  }
  if (control.parallelism === 0 || control.rate === 0 || control.periodMs === 0)
    throw badInput(`invalid Upstash-Flow-Control-Value "${value}": values must be positive`);
  if (control.parallelism === undefined && control.rate === undefined)
    throw badInput(`invalid Upstash-Flow-Control-Value "${value}": give parallelism or rate`);
  return control;
}

function callbackOptions(
  headers: Headers,
  prefix: 'upstash-callback-' | 'upstash-failure-callback-',
  limits: PublishLimits,
): CallbackOptions | undefined {
  const options: CallbackOptions = { headers: {} };
  let any = false;
  for (const [name, value] of headers) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const header = `${prefix}${rest}`;
    any = true;
    if (rest.startsWith('forward-')) options.headers[rest.slice('forward-'.length)] = value;
    else if (rest === 'method') options.method = method(value, header);
    else if (rest === 'timeout') options.timeoutMs = parseDuration(value, header, 's');
    else if (rest === 'retries') options.retries = parseInteger(value, header, limits.maxRetries);
    else if (rest === 'retry-delay') {
      compileRetryDelay(value);
      options.retryDelay = value;
    }
  }
  return any ? options : undefined;
}

/**
 * Reads the Upstash-* headers of a publish, enqueue, batch entry or schedule (PROTOCOLS §2.2);
 * every malformed value is a 400 naming the header.
 */
export function parsePublishHeaders(
  headers: Headers,
  limits: PublishLimits,
  nowMs: number,
): PublishOptions {
  const forwarded: Record<string, string> = {};
  const contentType = headers.get('content-type');
  if (contentType !== null) forwarded['Content-Type'] = contentType;
  for (const [name, value] of headers) {
    if (name.startsWith('upstash-forward-'))
      forwarded[name.slice('upstash-forward-'.length)] = value;
  }

  const template: Omit<MessageSpec, 'url'> = {
    method: method(headers.get('upstash-method'), 'Upstash-Method') ?? 'POST',
    headers: forwarded,
    maxRetries: limits.defaultRetries,
  };
  const retries = headers.get('upstash-retries');
  if (retries !== null)
    template.maxRetries = parseInteger(retries, 'Upstash-Retries', limits.maxRetries);
  const retryDelay = headers.get('upstash-retry-delay');
  if (retryDelay !== null) {
    compileRetryDelay(retryDelay);
    template.retryDelay = retryDelay;
  }
  const timeout = headers.get('upstash-timeout');
  if (timeout !== null) {
    template.timeoutMs = parseDuration(timeout, 'Upstash-Timeout', 's');
    if (template.timeoutMs === 0) throw badInput('invalid Upstash-Timeout: must be positive');
  }
  const callback = headers.get('upstash-callback');
  if (callback !== null) template.callback = httpUrlOrThrow(callback, 'Upstash-Callback');
  const failureCallback = headers.get('upstash-failure-callback');
  if (failureCallback !== null)
    template.failureCallback = httpUrlOrThrow(failureCallback, 'Upstash-Failure-Callback');
  const onCallback = callbackOptions(headers, 'upstash-callback-', limits);
  if (onCallback) template.callbackOptions = onCallback;
  const onFailure = callbackOptions(headers, 'upstash-failure-callback-', limits);
  if (onFailure) template.failureCallbackOptions = onFailure;
  const flowKey = headers.get('upstash-flow-control-key');
  if (flowKey !== null)
    template.flowControl = parseFlowControl(flowKey, headers.get('upstash-flow-control-value'));
  const label = headers.get('upstash-label');
  if (label !== null) {
    const labels = label
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    if (labels.length > 0) template.labels = labels;
  }
  const redact = headers.get('upstash-redact-fields');
  if (redact !== null) template.redact = redact;

  const options: PublishOptions = {
    template,
    delayMs: 0,
    contentBasedDeduplication: false,
  };
  const delay = headers.get('upstash-delay');
  if (delay !== null) {
    options.delayMs = parseDuration(delay, 'Upstash-Delay', 's');
    if (options.delayMs > maxDelayMs)
      throw badInput(`invalid Upstash-Delay "${delay}": too far away`);
  }
  const notBefore = headers.get('upstash-not-before');
  if (notBefore !== null) {
    const seconds = parseInteger(
      notBefore,
      'Upstash-Not-Before (unix seconds)',
      Math.floor((nowMs + maxDelayMs) / 1000),
    );
    options.notBefore = seconds * 1000;
  }
  const deduplicationId = headers.get('upstash-deduplication-id');
  if (deduplicationId !== null) {
    if (!deduplicationId.trim() || deduplicationId.length > 500)
      throw badInput('invalid Upstash-Deduplication-Id: expected 1 to 500 characters');
    options.deduplicationId = deduplicationId;
  }
  const contentBased = headers.get('upstash-content-based-deduplication');
  if (contentBased !== null) {
    const normalized = contentBased.trim().toLowerCase();
    if (normalized !== 'true' && normalized !== 'false')
      throw badInput(
        `invalid Upstash-Content-Based-Deduplication "${contentBased}": expected true or false`,
      );
    options.contentBasedDeduplication = normalized === 'true';
  }
  return options;
}

/** When the first attempt is due, unix ms. */
export function firstDueAt(options: PublishOptions, nowMs: number): number {
  return options.notBefore ?? nowMs + options.delayMs;
}
