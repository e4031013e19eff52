import { beforeEach, describe, expect, it } from 'vitest';
import service from '../../../../functions/shipping/service.ts';
import { testService, type TestService } from '../../../../shared/service/index.ts';

let t: TestService;

beforeEach(() => {
  t = testService(service);
});

describe('shipping', () => {
  it('creates an item once and reads it back', async () => {
    const created = await t.send('POST', '/items', { id: 'i-1', note: 'first' });
    expect(created.status).toBe(201);
    await t.send('POST', '/items', { id: 'i-1', note: 'first' });
    expect(await (await t.request('/items/i-1')).json()).toMatchObject({
      id: 'i-1',
      status: 'open',
    });
    expect(await t.events.readStream('item-i-1')).toHaveLength(1);
  });

  it('closes an item; an unknown one is a 404 problem', async () => {
    await t.send('POST', '/items', { id: 'i-1', note: 'first' });
    expect(await (await t.send('POST', '/items/i-1/close')).json()).toMatchObject({
      status: 'closed',
    });
    const unknown = await t.send('POST', '/items/none/close');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
  });

  it('names each bad field in a 400 problem and writes nothing', async () => {
    const response = await t.send('POST', '/items', { id: '', note: 7 });
    expect(response.status).toBe(400);
    expect(await t.events.readAll()).toEqual([]);
  });

  it('records a order-events message once however often it is delivered, and refuses an unsigned one', async () => {
    const message = { eventId: 'e-1', type: 'Something', data: {} };
    expect((await t.deliver('/events/order-events', message, { messageId: 'm-1' })).status).toBe(
      200,
    );
    const again = await t.deliver('/events/order-events', message, { messageId: 'm-1' });
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    expect(await t.events.readStream('received-e-1')).toHaveLength(1);
    const unsigned = await t.request('/events/order-events', {
      method: 'POST',
      body: JSON.stringify(message),
    });
    expect(unsigned.status).toBe(401);
  });
});
