import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import cart from '../../../../functions/cart/service.ts';
import inventory from '../../../../functions/inventory/service.ts';
import notifications from '../../../../functions/notifications/service.ts';
import orders from '../../../../functions/orders/service.ts';
import payments from '../../../../functions/payments/service.ts';
import shipping from '../../../../functions/shipping/service.ts';
import { validate } from '../../../../shared/http/index.ts';
import {
  openApiDocument,
  operation,
  type OpenApiDocument,
  type Operation,
} from '../../../../shared/openapi/index.ts';
import { testService, type Service } from '../../../../shared/service/index.ts';

const env = {
  SERVICE_INVENTORY_URL: 'http://inventory.test',
  SERVICE_PAYMENTS_URL: 'http://payments.test',
};

async function documentOf(service: Service): Promise<OpenApiDocument> {
  const response = await testService(service, { env }).request('/openapi.json');
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

function operations(document: OpenApiDocument): Array<[string, Operation]> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      op,
    ]),
  );
}

const services = { orders, inventory, payments, notifications, shipping, cart } as Record<
  string,
  Service
>;

describe.each(Object.keys(services))('the OpenAPI document of %s', (name) => {
  it('describes every route it serves, each with a summary, a success and problem+json errors', async () => {
    const document = await documentOf(services[name]!);
    expect(document.openapi).toBe('3.1.0');
    for (const [route, op] of operations(document)) {
      expect(op.summary, `${route} has no operation(...)`).toBeTruthy();
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((status) => status.startsWith('2')),
        route,
      ).toBe(true);
      for (const status of statuses.filter((s) => Number(s) >= 400 && Number(s) !== 503)) {
        expect(Object.keys((op.responses[status] as { content: object }).content), route).toEqual([
          'application/problem+json',
        ]);
      }
    }
    const routes = operations(document).map(([route]) => route);
    expect(routes).toEqual(
      expect.arrayContaining(['GET /health', 'GET /metrics', 'GET /openapi.json']),
    );
  });

  it('marks every guarded or QStash route internal, with its security scheme', async () => {
    const document = await documentOf(services[name]!);
    const { access = {}, subscriptions = [] } = services[name]!.definition;
    const guarded = Object.keys(access).map((route) => route.replace(/:(\w+)/g, '{$1}'));
    const consumers = subscriptions.map((s) => `POST ${s.path}`);
    for (const [route, op] of operations(document)) {
      if (guarded.includes(route) || consumers.includes(route)) {
        expect(op['x-internal'], route).toBe(true);
        expect(op.security, route).not.toEqual([]);
        expect(op.responses['401'], route).toBeDefined();
      }
      if (consumers.includes(route)) {
        expect(op.security).toEqual([{ qstashSignature: [] }]);
        expect(op.responses['489']).toBeDefined();
      }
    }
  });
});

describe('the orders document', () => {
  it('takes the body and the Idempotency-Key from the schemas that validate, and names its headers', async () => {
    const document = await documentOf(orders);
    const place = document.paths['/orders']!.post!;
    expect(place.parameters).toEqual([
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    ]);
    const body = (place.requestBody as { content: Record<string, { schema: object }> }).content[
      'application/json'
    ]!.schema;
    expect(body).toMatchObject({ required: ['customerId', 'items'] });
    expect(place.responses['202']).toMatchObject({ headers: { Location: { required: true } } });
    expect(place.responses['429']).toMatchObject({
      headers: { 'Retry-After': { required: true } },
    });
    expect(document.paths['/saga/steps']?.post?.security).toEqual([{ qstashSignature: [] }]);
  });

  it('lists the operator token for inventory stock and the service signature for reservations', async () => {
    const document = await documentOf(inventory);
    expect(document.paths['/stock/{sku}']!.put!.security).toEqual([{ operatorToken: [] }]);
    expect(document.paths['/reservations']!.post!['x-edgemesh-callers']).toEqual(['orders']);
    expect(document.paths['/reservations']!.post!.security).toEqual([{ serviceSignature: [] }]);
  });
});

describe('openApiDocument', () => {
  it('shows a route without operation(...) without a summary, so a test can catch it', async () => {
    const app = new Hono()
      .get('/described', operation({ summary: 'Described', responses: { 200: 'never' } }), (c) =>
        c.text('ok'),
      )
      .get('/bare', validate('query', z.object({ q: z.string() })), (c) => c.text('ok'));
    const document = await openApiDocument(app, { title: 't', version: '1' });
    expect(document.paths['/described']!.get!.summary).toBe('Described');
    expect(document.paths['/bare']!.get!.summary).toBeUndefined();
  });
});
