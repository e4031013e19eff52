/** One span as the devstack keeps it: ids in hex, times in nanoseconds as decimal strings. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: string;
  endNs: string;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
  attributes: Record<string, string | number | boolean>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpKeyValue {
  key: string;
  value?: OtlpValue;
}

interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[];
  status?: { code?: number };
}

interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

function scalar(value: OtlpValue | undefined): string | number | boolean | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map(scalar));
  return undefined;
}

function attributesOf(list: OtlpKeyValue[] | undefined): CollectedSpan['attributes'] {
  const out: CollectedSpan['attributes'] = {};
  for (const { key, value } of list ?? []) {
    const parsed = scalar(value);
    if (parsed !== undefined) out[key] = parsed;
  }
  return out;
}

// OTLP/JSON encodes ids as hex; some exporters send base64 (the protobuf JSON mapping).
function hexId(id: string | undefined, bytes: number): string | undefined {
  if (!id) return undefined;
  if (new RegExp(`^[0-9a-f]{${bytes * 2}}$`, 'i').test(id)) return id.toLowerCase();
  const decoded = Buffer.from(id, 'base64');
  return decoded.length === bytes ? decoded.toString('hex') : undefined;
}

/** Thrown for a body that is not an OTLP/JSON trace export. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

/** Flattens an OTLP/HTTP JSON `ExportTraceServiceRequest` into spans; skips spans without ids. */
export function decodeOtlpTraces(body: unknown): CollectedSpan[] {
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray((body as OtlpTraceRequest).resourceSpans)
  ) {
    throw new OtlpDecodeError('expected an ExportTraceServiceRequest with resourceSpans');
  }
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of (body as OtlpTraceRequest).resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    const service = String(resource['service.name'] ?? 'unknown');
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const traceId = hexId(span.traceId, 16);
        const spanId = hexId(span.spanId, 8);
        if (!traceId || !spanId) continue;
        const parentSpanId = hexId(span.parentSpanId, 8);
        spans.push({
          traceId,
          spanId,
          ...(parentSpanId ? { parentSpanId } : {}),
          name: span.name ?? '',
          service,
          kind: span.kind ?? 0,
          startNs: String(span.startTimeUnixNano ?? '0'),
          endNs: String(span.endTimeUnixNano ?? span.startTimeUnixNano ?? '0'),
          status: span.status?.code ?? 0,
          attributes: attributesOf(span.attributes),
        });
      }
    }
  }
  return spans;
}
