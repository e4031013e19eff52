import { randomUUID } from 'node:crypto';
import { Receiver } from '@upstash/qstash';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { signDelivery } from '../../../../devstack/qstash/signing.ts';
import { problemErrorHandler } from '../../../../shared/errors/hono.ts';
import { memoryEventStore } from '../../../../shared/event-store/memory.ts';
import { consumer } from '../../../../shared/queue/consumer.ts';
import {
  deadLetterEventSchemas,
  deadLetterHandler,
  readDeadLetters,
} from '../../../../shared/queue/dead-letters.ts';
import { nonRetryable } from '../../../../shared/queue/non-retryable.ts';
import { messageDeadlineHeader } from '../../../../shared/queue/publisher.ts';
import { qstashVerifier } from '../../../../shared/queue/signature.ts';

const keys = { current: 'sig_current_key_for_tests', next: 'sig_next_key_for_tests' };
const verify = qstashVerifier(
  new Receiver({ currentSigningKey: keys.current, nextSigningKey: keys.next }),
);
const event = z.object({ eventId: z.string(), orderId: z.string(), note: z.string().optional() });
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

function setup({
  failures = 0,
  recordDeadLetters = false,
}: { failures?: number; recordDeadLetters?: boolean } = {}) {
  const store = memoryEventStore(
    recordDeadLetters ? { schemas: { Handled: z.unknown(), ...deadLetterEventSchemas } } : {},
  );
  const handled: Array<{ traceId?: string; retried: number }> = [];
  let left = failures;
  const app = new Hono();
  app.post(
    '/events',
    consumer({
      name: 'test',
      schema: event,
      verify,
      store,
      recordDeadLetters,
      async handle(message) {
        if (left-- > 0) throw new Error('database unavailable');
        if (message.body.note === 'never') throw nonRetryable('notes of never are refused');
        handled.push({
          retried: message.retried,
          ...(message.traceId ? { traceId: message.traceId } : {}),
        });
        await message.append(
          `order-${message.body.orderId}`,
          [{ type: 'Handled', data: { eventId: message.eventId } }],
          { streamType: 'test' },
        );
      },
    }),
  );
  app.post('/dead', deadLetterHandler({ name: 'test', verify, store }));
  app.onError(problemErrorHandler({ onServerError: () => {} }));
  const written = async (orderId: string) => (await store.readStream(`order-${orderId}`)).length;
  return { app, store, handled, written };
}

interface Delivery {
  body?: string;
  key?: string;
  signedBody?: string;
  signedUrl?: string;
  at?: number;
  messageId?: string;
  headers?: Record<string, string>;
  signature?: string | null;
  path?: string;
}

async function deliver(app: Hono, d: Delivery = {}): Promise<Response> {
  const path = d.path ?? '/events';
  const body = d.body ?? JSON.stringify({ eventId: randomUUID(), orderId: randomUUID() });
  const signature =
    d.signature === null
      ? undefined
      : (d.signature ??
        signDelivery(
          d.key ?? keys.current,
          d.signedUrl ?? `http://consumer.test${path}`,
          Buffer.from(d.signedBody ?? body),
          d.at ?? Date.now(),
        ));
  return app.request(`http://consumer.test${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'upstash-message-id': d.messageId ?? `msg_${randomUUID()}`,
      ...(signature ? { 'upstash-signature': signature } : {}),
      ...d.headers,
    },
    body,
  });
}

const order = () => {
  const orderId = randomUUID();
  return { orderId, body: JSON.stringify({ eventId: randomUUID(), orderId }) };
};

describe('consumer middleware', () => {
  it('processes a signed message once and answers 200 after the write', async () => {
    const { app, written } = setup();
    const { orderId, body } = order();
    const response = await deliver(app, { body });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'processed' });
    expect(await written(orderId)).toBe(1);
  });

  it('accepts a message signed with the next key', async () => {
    const { app, written } = setup();
    const { orderId, body } = order();
    expect((await deliver(app, { body, key: keys.next })).status).toBe(200);
    expect(await written(orderId)).toBe(1);
  });

  it.each([
    ['missing', { signature: null }],
    ['signed with another key', { key: 'sig_someone_else' }],
    ['tampered (signed for another body)', { signedBody: '{"eventId":"x","orderId":"y"}' }],
    ['signed for another URL', { signedUrl: 'http://elsewhere.test/events' }],
    ['expired', { at: Date.now() - 10 * 60_000 }],
  ] as const)(
    'answers 401 problem+json and writes nothing when the signature is %s',
    async (_, d) => {
      const { app, handled, written } = setup();
      const { orderId, body } = order();
      const response = await deliver(app, { body, ...d });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe('SIGNATURE');
      expect(handled).toEqual([]);
      expect(await written(orderId)).toBe(0);
    },
  );

  it('checks the signature before parsing: an unsigned non-JSON body is 401, not 489', async () => {
    const { app } = setup();
    expect((await deliver(app, { body: 'not json', signature: null })).status).toBe(401);
  });

  it.each([
    ['not JSON', 'not json'],
    ['missing a field', JSON.stringify({ eventId: 'e-1' })],
  ])('answers 489 non-retryable for a body that is %s', async (_, body) => {
    const { app, handled } = setup();
    const response = await deliver(app, { body });
    expect(response.status).toBe(489);
    expect(response.headers.get('upstash-nonretryable-error')).toBe('true');
    expect(((await response.json()) as { code: string }).code).toBe('UNPROCESSABLE_MESSAGE');
    expect(handled).toEqual([]);
  });

  it('answers 489 non-retryable when the handler says the message can never succeed', async () => {
    const { app } = setup();
    const body = JSON.stringify({ eventId: randomUUID(), orderId: randomUUID(), note: 'never' });
    const response = await deliver(app, { body });
    expect(response.status).toBe(489);
    expect(response.headers.get('upstash-nonretryable-error')).toBe('true');
  });

  it('writes once when the same message is delivered twice', async () => {
    const { app, written } = setup();
    const { orderId, body } = order();
    const messageId = `msg_${randomUUID()}`;
    const first = await deliver(app, { body, messageId });
    const second = await deliver(app, { body, messageId });
    expect(await first.json()).toMatchObject({ status: 'processed' });
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ status: 'duplicate' });
    expect(await written(orderId)).toBe(1);
  });

  it('writes once when the same event arrives in two messages', async () => {
    const { app, written } = setup();
    const { orderId, body } = order();
    await deliver(app, { body });
    const again = await deliver(app, { body });
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    expect(await written(orderId)).toBe(1);
  });

  it('writes once under concurrent duplicate deliveries', async () => {
    const { app, written } = setup();
    const { orderId, body } = order();
    const responses = await Promise.all(Array.from({ length: 5 }, () => deliver(app, { body })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await written(orderId)).toBe(1);
  });

  it('answers 5xx while the handler fails, so QStash retries, then processes once', async () => {
    const { app, written } = setup({ failures: 2 });
    const { orderId, body } = order();
    const statuses = [];
    for (let retried = 0; retried < 3; retried++) {
      statuses.push(
        (await deliver(app, { body, headers: { 'upstash-retried': String(retried) } })).status,
      );
    }
    expect(statuses).toEqual([500, 500, 200]);
    expect(await written(orderId)).toBe(1);
  });

  it('acknowledges without work a message whose deadline passed', async () => {
    const { app, handled, written } = setup();
    const { orderId, body } = order();
    const response = await deliver(app, {
      body,
      headers: { [messageDeadlineHeader]: String(Date.now() - 1) },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'expired' });
    expect(handled).toEqual([]);
    expect(await written(orderId)).toBe(0);
  });

  it('handles a message whose deadline is still ahead', async () => {
    const { app, written } = setup();
    const { orderId, body } = order();
    const response = await deliver(app, {
      body,
      headers: { [messageDeadlineHeader]: String(Date.now() + 60_000) },
    });
    expect(await response.json()).toMatchObject({ status: 'processed' });
    expect(await written(orderId)).toBe(1);
  });

  it('continues the publisher’s trace', async () => {
    const { app, handled } = setup();
    await deliver(app, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(handled[0]?.traceId).toBe(traceId);
  });
});

describe('dead-letter callback', () => {
  const callback = (dlqId: string, messageId: string) =>
    JSON.stringify({
      status: 489,
      header: { 'upstash-nonretryable-error': ['true'] },
      body: Buffer.from('{"code":"UNPROCESSABLE_MESSAGE"}').toString('base64'),
      retried: 0,
      maxRetries: 3,
      sourceMessageId: messageId,
      topicName: 'order-events',
      url: 'http://consumer.test/events',
      method: 'POST',
      sourceBody: Buffer.from('{"eventId":"e-1"}').toString('base64'),
      dlqId,
    });

  it('records a dead letter with the last response, once per DLQ entry', async () => {
    const { app, store } = setup();
    const dlqId = `dlq_${randomUUID()}`;
    const body = callback(dlqId, 'msg_poison');
    expect((await deliver(app, { path: '/dead', body })).status).toBe(200);
    const again = await deliver(app, { path: '/dead', body });
    expect(await again.json()).toEqual({ status: 'duplicate' });
    const letters = await readDeadLetters(store, 'test');
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      dlqId,
      messageId: 'msg_poison',
      status: 489,
      responseBody: '{"code":"UNPROCESSABLE_MESSAGE"}',
      responseHeaders: { 'upstash-nonretryable-error': 'true' },
      messageBody: '{"eventId":"e-1"}',
      topic: 'order-events',
      retried: 0,
    });
  });

  it('refuses an unsigned callback and records nothing', async () => {
    const { app, store } = setup();
    const response = await deliver(app, {
      path: '/dead',
      body: callback('dlq_x', 'msg_x'),
      signature: null,
    });
    expect(response.status).toBe(401);
    expect(await readDeadLetters(store, 'test')).toEqual([]);
  });
});

describe('dead letters recorded by the consumer', () => {
  it('records a poison message once, with the problem it answered', async () => {
    const { app, store } = setup({ recordDeadLetters: true });
    const body = JSON.stringify({ eventId: 'e-poison', orderId: 'o-1', note: 'never' });
    const messageId = `msg_${randomUUID()}`;
    expect((await deliver(app, { body, messageId })).status).toBe(489);
    expect((await deliver(app, { body, messageId })).status).toBe(489);
    const letters = await readDeadLetters(store, 'test');
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ messageId, status: 489, retried: 0, messageBody: body });
    expect(JSON.parse(letters[0]!.responseBody)).toMatchObject({ code: 'UNPROCESSABLE_MESSAGE' });
  });

  it('records a failure only on the last attempt the publisher announced', async () => {
    const { app, store } = setup({ failures: 5, recordDeadLetters: true });
    const messageId = `msg_${randomUUID()}`;
    const body = JSON.stringify({ eventId: 'e-fail', orderId: 'o-2' });
    const attempt = (retried: number) =>
      deliver(app, {
        body,
        messageId,
        headers: { 'upstash-retried': String(retried), 'x-edgemesh-max-retries': '2' },
      });
    expect((await attempt(0)).status).toBe(500);
    expect((await attempt(1)).status).toBe(500);
    expect(await readDeadLetters(store, 'test')).toEqual([]);
    expect((await attempt(2)).status).toBe(500);
    expect(await readDeadLetters(store, 'test')).toEqual([
      expect.objectContaining({ messageId, retried: 2, maxRetries: 2, status: 500 }),
    ]);
  });

  it('records nothing unless asked to', async () => {
    const { app, store } = setup();
    const body = JSON.stringify({ eventId: 'e-p', orderId: 'o-3', note: 'never' });
    expect((await deliver(app, { body })).status).toBe(489);
    expect(await readDeadLetters(store, 'test')).toEqual([]);
  });
});
