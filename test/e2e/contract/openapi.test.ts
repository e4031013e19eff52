// Every function in workerd and in Deno, called on every route it documents: each real response
// must be one its GET /openapi.json describes (route, status, content type, required headers, JSON
// body), and a client generated from the orders document (openapi-typescript + openapi-fetch)
// places an order through the saga.
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listFunctions } from '../../../devstack/functions/catalog.ts';
import type { RunningFunction } from '../../../devstack/functions/running.ts';
import { startFunctions, type FunctionRuntime } from '../../../devstack/functions/start.ts';
import { freePort } from '../../../devstack/listen.ts';
import { requestSigner } from '../../../shared/http/index.ts';
import type { OpenApiDocument } from '../../../shared/openapi/index.ts';
import { signQstashMessage } from '../../../shared/queue/qstash-signing.ts';
import { contractFetch } from '../../support/contract.ts';
import type { paths } from '../../support/openapi/orders.ts';

const runtimes: FunctionRuntime[] = ['workerd', 'deno'];
const names = ['inventory', 'notifications', 'orders', 'payments', 'shipping'] as const;
type Name = (typeof names)[number];

describe.each(runtimes)('the functions against their OpenAPI documents, in %s', (runtime) => {
  const vars = inject('devstackVars');
  const run = randomUUID().slice(0, 8);
  const secret = `e2e-contract-secret-${randomUUID()}`;
  const operatorToken = `e2e-contract-operator-${randomUUID()}`;
  const ports: Record<string, number> = {};
  let running: RunningFunction[] = [];
  let contract: ReturnType<typeof contractFetch>;
  const url = (name: Name) => `http://127.0.0.1:${ports[name]}`;

  beforeAll(async () => {
    for (const name of names) ports[name] = await freePort();
    running = await startFunctions(
      listFunctions().filter((spec) => (names as readonly string[]).includes(spec.name)),
      {
        runtime,
        ports,
        vars: {
          ...vars,
          SERVICE_AUTH_SECRET: secret,
          EDGEMESH_OPERATOR_TOKEN: operatorToken,
          ...Object.fromEntries(
            names.map((name) => [`SERVICE_${name.toUpperCase()}_URL`, url(name)]),
          ),
          // Order events go straight to notifications, signed by the devstack's QStash.
          ORDERS_EVENTS_DESTINATION: `${url('notifications')}/events/orders`,
        },
      },
    );
    const documents: Record<string, OpenApiDocument> = {};
    for (const name of names) {
      documents[name] = (await (
        await fetch(`${url(name)}/openapi.json`)
      ).json()) as OpenApiDocument;
    }
    contract = contractFetch(documents);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(running.map((fn) => fn.stop()));
  });

  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const call = (name: Name, path: string, init: RequestInit = {}) =>
    contract.fetch(name, `${url(name)}${path}`, init);
  const signedBy = async (caller: string, method: string, path: string, body = '') => ({
    method,
    body: body === '' ? undefined : body,
    headers: {
      'content-type': 'application/json',
      'x-edgemesh-signature': await requestSigner(secret, { caller }).sign(
        method,
        path,
        new TextEncoder().encode(body).buffer,
      ),
    },
  });
  const delivered = async (name: Name, path: string, message: unknown) => {
    const body = JSON.stringify(message);
    const signature = await signQstashMessage({
      key: vars.QSTASH_CURRENT_SIGNING_KEY!,
      url: `${url(name)}${path}`,
      body,
    });
    return call(name, path, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'upstash-signature': signature,
        'upstash-message-id': `msg-${randomUUID()}`,
      },
    });
  };
  const statusOf = async (response: Promise<Response>) => (await response).status;

  it('answers every documented route as documented, and nothing undocumented', async () => {
    const sku = `contract-${run}`;
    for (const name of names) {
      expect(await statusOf(call(name, '/health'))).toBe(200);
      expect(await statusOf(call(name, '/metrics'))).toBe(200);
      expect(await statusOf(call(name, '/openapi.json'))).toBe(200);
    }

    // inventory: operator stock, TCC reservations signed by orders, a QStash expiry.
    const stock = json({ available: 10 }, { authorization: `Bearer ${operatorToken}` });
    expect(await statusOf(call('inventory', `/stock/${sku}`, { method: 'PUT', ...stock }))).toBe(
      200,
    );
    expect(
      await statusOf(
        call('inventory', `/stock/${sku}`, { method: 'PUT', ...json({ available: 1 }) }),
      ),
    ).toBe(401);
    expect(await statusOf(call('inventory', `/stock/${sku}`))).toBe(200);
    expect(await statusOf(call('inventory', `/stock/none-${run}`))).toBe(404);
    const reserve = (id: string) =>
      JSON.stringify({ reservationId: id, orderId: `o-${id}`, items: [{ sku, quantity: 1 }] });
    const [held, released] = [`r1-${run}`, `r2-${run}`];
    for (const id of [held, released]) {
      const init = await signedBy('orders', 'POST', '/reservations', reserve(id));
      expect(await statusOf(call('inventory', '/reservations', init))).toBe(201);
    }
    const forbidden = await signedBy('payments', 'POST', '/reservations', reserve(`r3-${run}`));
    expect(await statusOf(call('inventory', '/reservations', forbidden))).toBe(403);
    expect(
      await statusOf(call('inventory', '/reservations', { method: 'POST', ...json({}) })),
    ).toBe(401);
    expect(await statusOf(call('inventory', `/reservations/${held}`))).toBe(200);
    expect(await statusOf(call('inventory', `/reservations/none-${run}`))).toBe(404);
    const confirm = await signedBy('orders', 'POST', `/reservations/${held}/confirm`);
    expect(await statusOf(call('inventory', `/reservations/${held}/confirm`, confirm))).toBe(200);
    const cancel = await signedBy('orders', 'POST', `/reservations/${released}/cancel`);
    expect(await statusOf(call('inventory', `/reservations/${released}/cancel`, cancel))).toBe(200);
    expect(await statusOf(delivered('inventory', `/reservations/${released}/expire`, {}))).toBe(
      200,
    );
    expect(await statusOf(call('inventory', '/outbox/sweep', { method: 'POST' }))).toBe(401);

    // payments: authorize, decline, capture, void.
    const authorize = (paymentId: string, customerId: string) =>
      JSON.stringify({
        paymentId,
        orderId: `o-${paymentId}`,
        customerId,
        amount: 1250,
        currency: 'EUR',
      });
    const [paid, voided, declined] = [`p1-${run}`, `p2-${run}`, `p3-${run}`];
    for (const id of [paid, voided]) {
      const init = await signedBy('orders', 'POST', '/payments', authorize(id, `c-${run}`));
      expect(await statusOf(call('payments', '/payments', init))).toBe(201);
    }
    const decline = await signedBy(
      'orders',
      'POST',
      '/payments',
      authorize(declined, `decline-${run}`),
    );
    expect(await statusOf(call('payments', '/payments', decline))).toBe(402);
    expect(await statusOf(call('payments', `/payments/${paid}`))).toBe(200);
    expect(await statusOf(call('payments', `/payments/none-${run}`))).toBe(404);
    const capture = await signedBy('orders', 'POST', `/payments/${paid}/confirm`);
    expect(await statusOf(call('payments', `/payments/${paid}/confirm`, capture))).toBe(200);
    const voiding = await signedBy('orders', 'POST', `/payments/${voided}/cancel`);
    expect(await statusOf(call('payments', `/payments/${voided}/cancel`, voiding))).toBe(200);

    // orders: place (with a key), the same key with another body, bad input, reads, QStash routes.
    const order = { customerId: `c-${run}`, items: [{ sku, quantity: 1, unitPrice: 1250 }] };
    const placed = await call('orders', '/orders', {
      method: 'POST',
      ...json(order, { 'idempotency-key': `k-${run}` }),
    });
    expect(placed.status).toBe(202);
    const { orderId } = (await placed.json()) as { orderId: string };
    const reused = json({ ...order, currency: 'EUR' }, { 'idempotency-key': `k-${run}` });
    expect(await statusOf(call('orders', '/orders', { method: 'POST', ...reused }))).toBe(409);
    expect(
      await statusOf(call('orders', '/orders', { method: 'POST', ...json({ items: [] }) })),
    ).toBe(400);
    expect(await statusOf(call('orders', `/orders/${orderId}`))).toBe(200);
    expect(await statusOf(call('orders', `/orders/none-${run}`))).toBe(404);
    expect(await statusOf(call('orders', `/orders/${orderId}/saga`))).toBe(200);
    for (const path of ['/saga/steps', '/saga/failures', '/outbox/sweep']) {
      expect(await statusOf(call('orders', path, { method: 'POST', ...json({}) }))).toBe(401);
    }

    // notifications and shipping: signed deliveries, a poison message, unsigned ones, reads.
    const confirmed = {
      eventId: `e-${run}`,
      type: 'OrderConfirmed',
      streamId: `order-${orderId}`,
      streamVersion: 2,
      occurredAt: new Date().toISOString(),
      data: { orderId, customerId: `c-${run}`, items: [{ sku, quantity: 1, unitPrice: 1250 }] },
    };
    expect(await statusOf(delivered('notifications', '/events/orders', confirmed))).toBe(200);
    expect(await statusOf(delivered('notifications', '/events/orders', { eventId: 'x' }))).toBe(
      489,
    );
    expect(
      await statusOf(
        call('notifications', '/events/orders', { method: 'POST', ...json(confirmed) }),
      ),
    ).toBe(401);
    expect(await statusOf(call('notifications', `/notifications?orderId=${orderId}`))).toBe(200);
    expect(await statusOf(delivered('shipping', '/events/order-events', confirmed))).toBe(200);
    expect(
      await statusOf(
        call('shipping', '/events/order-events', { method: 'POST', ...json(confirmed) }),
      ),
    ).toBe(401);
    expect(await statusOf(call('shipping', `/shipments?orderId=${orderId}`))).toBe(200);
    expect(
      await statusOf(
        call('shipping', `/shipments/shipment-${orderId}/dispatch`, { method: 'POST' }),
      ),
    ).toBe(200);
    expect(
      await statusOf(call('shipping', `/shipments/none-${run}/dispatch`, { method: 'POST' })),
    ).toBe(404);
    for (const name of ['notifications', 'shipping'] as const) {
      const operator = { headers: { authorization: `Bearer ${operatorToken}` } };
      expect(await statusOf(call(name, '/dead-letters', operator))).toBe(200);
      expect(await statusOf(call(name, '/dead-letters'))).toBe(401);
    }

    expect(contract.problems).toEqual([]);
    expect(contract.unexercised()).toEqual([]);
  }, 120_000);

  it('places an order end to end with a client generated from the orders document', async () => {
    const sku = `contract-client-${run}`;
    const stock = json({ available: 5 }, { authorization: `Bearer ${operatorToken}` });
    expect(await statusOf(call('inventory', `/stock/${sku}`, { method: 'PUT', ...stock }))).toBe(
      200,
    );
    const client = createClient<paths>({
      baseUrl: url('orders'),
      fetch: (request: Request) => contract.fetch('orders', request),
    });
    const placed = await client.POST('/orders', {
      params: { header: { 'idempotency-key': `client-${run}` } },
      body: { customerId: `client-${run}`, items: [{ sku, quantity: 2, unitPrice: 990 }] },
    });
    expect(placed.response.status).toBe(202);
    const orderId = placed.data!.orderId;
    let status: string | undefined;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const read = await client.GET('/orders/{id}', { params: { path: { id: orderId } } });
      status = read.data?.status;
      if (status && status !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('confirmed');
    const { data: order } = await client.GET('/orders/{id}', { params: { path: { id: orderId } } });
    expect(order).toMatchObject({ total: 1980, currency: 'USD', items: [{ sku, quantity: 2 }] });
    expect(contract.problems).toEqual([]);
  }, 60_000);
});
