import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Sends finished spans somewhere; resolves when they are accepted, rejects when not. */
export interface SpanSink {
  send(spans: readonly ReadableSpan[], signal?: AbortSignal): Promise<void>;
}

export interface OtlpHttpExporterOptions {
  /** The OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** Extra request headers, e.g. an API key (`OTEL_EXPORTER_OTLP_HEADERS`). */
  headers?: Readonly<Record<string, string>>;
  /** fetch to use. Default the global fetch. */
  fetch?: typeof fetch;
  /** How long one export may take, in ms. Default 5000. */
  timeoutMs?: number;
}

/** Parses `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values percent-decoded). */
export function parseOtlpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

/**
 * OTLP/HTTP span exporter over fetch with the JSON encoding: Web-standard, so it runs on
 * workerd, Deno and Node. One POST per batch; a non-2xx answer rejects.
 */
export function otlpHttpExporter({
  endpoint,
  headers = {},
  fetch: fetchFn = (input, init) => fetch(input, init),
  timeoutMs = 5000,
}: OtlpHttpExporterOptions): SpanSink {
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  return {
    async send(spans, signal) {
      if (spans.length === 0) return;
      const body = JsonTraceSerializer.serializeRequest([...spans]);
      if (!body) throw new Error('OTLP: spans could not be serialised');
      const timeout = AbortSignal.timeout(timeoutMs);
      const response = await fetchFn(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: body as Uint8Array<ArrayBuffer>,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      // Read to the end, not cancelled: a cancelled body closes the connection, a read one is reused.
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`OTLP export to ${url} answered ${response.status}`);
    },
  };
}
