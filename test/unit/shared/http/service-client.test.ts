import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createBreakerSet } from '../../../../shared/breaker/breakers.ts';
import { isCircuitOpenError } from '../../../../shared/breaker/circuit-open-error.ts';
import { memoryBreakerStore } from '../../../../shared/breaker/memory-store.ts';
import { bindingRegistry } from '../../../../shared/discovery/bindings.ts';
import { fallbackRegistry } from '../../../../shared/discovery/fallback.ts';
import { staticRegistry } from '../../../../shared/discovery/static.ts';
import { hasCode } from '../../../../shared/errors/edgemesh-error.ts';
import { signatureHeader } from '../../../../shared/http/auth.ts';
import { deadlineHeader } from '../../../../shared/http/deadline.ts';
import { createServiceClient, createServiceFetch } from '../../../../shared/http/service-client.ts';

const stockApp = new Hono()
  .get('/stock/:sku', (c) => c.json({ sku: c.req.param('sku'), available: 3 }))
  .post('/reservations', (c) => c.json({ ok: true }, 201));
type StockApp = typeof stockApp;

const registry = staticRegistry({ SERVICE_INVENTORY_URL: 'http://a.test,http://b.test' });

/** A network stand-in: records requests and answers per host. */
function network(answer: (url: URL, request: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request);
    return answer(new URL(request.url), request);
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

const noWait = { baseDelayMs: 1, maxDelayMs: 1 };

describe('service client', () => {
  it('calls a discovered endpoint through the typed client with deadline, signature and hook headers', async () => {
    const net = network((url, request) => stockApp.request(url.pathname, request));
    const client = createServiceClient<StockApp>({
      service: 'inventory',
      registry,
      fetch: net.fetch,
      authSecret: 'a-test-secret-of-enough-length',
      headers: () => ({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
    });
    const response = await client.stock[':sku'].$get({ param: { sku: 'kettle' } });
    expect(await response.json()).toEqual({ sku: 'kettle', available: 3 });
    const sent = net.seen[0]!;
    expect(new URL(sent.url).origin).toBe('http://a.test');
    expect(Number(sent.headers.get(deadlineHeader))).toBeGreaterThan(14_000);
    expect(sent.headers.get(signatureHeader)).toMatch(
      /^t=\d+,c=anonymous,d=\d+,n=[\da-f]{32},v2=[\da-f]{64}$/,
    );
    expect(sent.headers.get('traceparent')).toMatch(/^00-/);
  });

  it('fails at construction for an unknown service, a malformed URL or an out-of-range option', () => {
    expect(() => createServiceFetch({ service: 'payments', registry })).toThrow(
      /unknown service "payments"/,
    );
    expect(() => staticRegistry({ SERVICE_INVENTORY_URL: 'ftp://x' })).toThrow(
      /SERVICE_INVENTORY_URL/,
    );
    expect(() => staticRegistry({ SERVICE_INVENTORY_URL: 'not a url' })).toThrow(/not a URL/);
    expect(() =>
      createServiceFetch({ service: 'inventory', registry, attemptTimeoutMs: 0 }),
    ).toThrow(/attemptTimeoutMs/);
    expect(() =>
      createServiceFetch({ service: 'inventory', registry, retry: { maxAttempts: 99 } }),
    ).toThrow(/maxAttempts/);
    expect(() => createServiceFetch({ service: 'Bad_Name', registry })).toThrow(
      /invalid service name/,
    );
  });

  it('retries an idempotent call on another endpoint after a 503', async () => {
    const net = network(
      (url) => new Response(url.hostname, { status: url.hostname === 'a.test' ? 503 : 200 }),
    );
    const call = createServiceFetch({
      service: 'inventory',
      registry,
      fetch: net.fetch,
      retry: noWait,
    });
    const response = await call('http://inventory.service/stock/kettle');
    expect(await response.text()).toBe('b.test');
    expect(net.seen.map((r) => new URL(r.url).hostname)).toEqual(['a.test', 'b.test']);
  });

  it('never retries a POST without Idempotency-Key, and retries one with it', async () => {
    const net = network(() => new Response('busy', { status: 503 }));
    const call = createServiceFetch({
      service: 'inventory',
      registry,
      fetch: net.fetch,
      retry: { ...noWait, maxAttempts: 3 },
    });
    const plain = await call('http://inventory.service/reservations', {
      method: 'POST',
      body: '{}',
    });
    expect(plain.status).toBe(503);
    expect(net.seen).toHaveLength(1);
    await call('http://inventory.service/reservations', {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'idempotency-key': 'k1' },
    });
    expect(net.seen).toHaveLength(4);
    expect(await net.seen[3]!.text()).toBe('{"a":1}');
  });

  it('skips an endpoint whose breaker is OPEN while another is available', async () => {
    const net = network(
      (url) => new Response(url.hostname, { status: url.hostname === 'a.test' ? 500 : 200 }),
    );
    const breakers = createBreakerSet({
      store: memoryBreakerStore(),
      minimumCalls: 2,
      log: () => {},
    });
    const call = createServiceFetch({
      service: 'inventory',
      registry,
      fetch: net.fetch,
      breakers,
      breakerScope: 'endpoint',
      retry: false,
    });
    for (let i = 0; i < 4; i += 1) await call('http://inventory.service/stock/x');
    expect(breakers.get('inventory', 'http://a.test').state().kind).toBe('OPEN');
    net.seen.length = 0;
    for (let i = 0; i < 4; i += 1)
      expect(await (await call('http://inventory.service/stock/x')).text()).toBe('b.test');
    expect(net.seen.every((r) => new URL(r.url).hostname === 'b.test')).toBe(true);
  });

  it('fails fast with CircuitOpenError once the service breaker opens', async () => {
    const net = network(() => new Response('down', { status: 500 }));
    const breakers = createBreakerSet({
      store: memoryBreakerStore(),
      minimumCalls: 3,
      log: () => {},
    });
    const call = createServiceFetch({
      service: 'inventory',
      registry,
      fetch: net.fetch,
      breakers,
      retry: false,
    });
    for (let i = 0; i < 3; i += 1)
      expect((await call('http://inventory.service/stock/x')).status).toBe(500);
    await expect(call('http://inventory.service/stock/x')).rejects.toSatisfy(isCircuitOpenError);
    expect(net.seen).toHaveLength(3);
  });

  it('never sends a call whose inbound deadline is spent', async () => {
    const net = network(() => new Response('ok'));
    const call = createServiceFetch({ service: 'inventory', registry, fetch: net.fetch });
    await expect(
      call('http://inventory.service/stock/x', { headers: { [deadlineHeader]: '0' } }),
    ).rejects.toSatisfy((e) => hasCode(e, 'TIMEOUT'));
    expect(net.seen).toHaveLength(0);
  });

  it('aborts the real request when an attempt times out', async () => {
    let aborted = false;
    const net = network(
      (_url, request) =>
        new Promise<Response>((_resolve, reject) => {
          request.signal.addEventListener('abort', () => {
            aborted = true;
            reject(request.signal.reason as Error);
          });
        }),
    );
    const call = createServiceFetch({
      service: 'inventory',
      registry,
      fetch: net.fetch,
      attemptTimeoutMs: 20,
      retry: false,
    });
    await expect(call('http://inventory.service/stock/x')).rejects.toSatisfy((e) =>
      hasCode(e, 'TIMEOUT'),
    );
    expect(aborted).toBe(true);
  });

  it('goes through a service binding when one exists instead of the network', async () => {
    const net = network(() => new Response('network'));
    const binding = {
      fetch: (input: Request | string | URL, init?: RequestInit) =>
        stockApp.request(new URL(new Request(input).url).pathname, init),
    };
    const both = fallbackRegistry([bindingRegistry({ INVENTORY: binding }), registry]);
    const client = createServiceClient<StockApp>({
      service: 'inventory',
      registry: both,
      fetch: net.fetch,
    });
    const response = await client.stock[':sku'].$get({ param: { sku: 'kettle' } });
    expect(await response.json()).toMatchObject({ sku: 'kettle' });
    expect(net.seen).toHaveLength(0);
  });
});
