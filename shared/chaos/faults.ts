import { problemResponse, type ErrorCode } from '../errors/index.ts';
import type { Fault } from './rule.ts';

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** The delay of a latency fault: `ms ± jitterMs`, never below 0. */
export function latencyOf(fault: { ms: number; jitterMs: number }, random = Math.random): number {
  return Math.max(0, fault.ms + (random() * 2 - 1) * fault.jitterMs);
}

const codesByStatus: Readonly<Record<number, ErrorCode>> = {
  400: 'VALIDATION',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
  502: 'UPSTREAM',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

/** The error code of an injected status (a 5xx without one of its own is INTERNAL). */
function codeOf(status: number): ErrorCode {
  return codesByStatus[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION');
}

/** The problem+json answer of an `error` fault. */
export function injectedProblem(rule: string, fault: Extract<Fault, { kind: 'error' }>): Response {
  return problemResponse(
    {
      type: 'https://edgemesh.dev/problems/chaos',
      title: 'Injected fault',
      status: fault.status,
      detail: fault.detail ?? `chaos rule ${rule} answered ${fault.status}`,
      code: codeOf(fault.status),
      chaosRule: rule,
    },
    { 'x-chaos-rule': rule },
  );
}

/** The error a reset connection gives fetch. */
export function resetError(rule: string): TypeError {
  return new TypeError(`fetch failed: connection reset (chaos rule ${rule})`);
}

/** `response` with a body that breaks off, as when the connection is reset mid-body. */
export function brokenBody(response: Response, rule: string): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(resetError(rule));
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** `response` with its body paced at `bytesPerSecond`, in slices of a tenth of a second. */
export function slowBody(response: Response, bytesPerSecond: number): Response {
  if (!response.body) return response;
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  const reader = response.body.getReader();
  let pending: Uint8Array | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!pending || pending.length === 0) {
        const next = await reader.read();
        if (next.done) return controller.close();
        pending = next.value;
      }
      await sleep((Math.min(slice, pending.length) / bytesPerSecond) * 1000);
      controller.enqueue(pending.slice(0, slice));
      pending = pending.subarray(slice);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, headers });
}
