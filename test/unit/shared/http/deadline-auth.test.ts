import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { problemErrorHandler } from '../../../../shared/errors/hono.ts';
import {
  requestSigner,
  signatureHeader,
  verifyServiceAuth,
  type CallerVariables,
} from '../../../../shared/http/auth.ts';
import { memoryReplayGuard } from '../../../../shared/http/replay-guard.ts';
import {
  deadlineHeader,
  deadlineMiddleware,
  forwardHeaders,
  type DeadlineVariables,
} from '../../../../shared/http/deadline.ts';

const secret = 'a-test-secret-of-enough-length';

describe('inbound deadline middleware', () => {
  let handled = 0;
  const app = new Hono<{ Variables: DeadlineVariables }>()
    .use(deadlineMiddleware())
    .get('/work', (c) => {
      handled += 1;
      return c.json({
        forwarded: forwardHeaders(c),
        hasSignal: c.var.deadlineSignal instanceof AbortSignal,
      });
    });
  app.onError(problemErrorHandler({ onServerError: () => {} }));

  it('rejects a spent deadline with 504 problem+json before the handler runs', async () => {
    const before = handled;
    const response = await app.request('/work', { headers: { [deadlineHeader]: '0' } });
    expect(response.status).toBe(504);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'TIMEOUT' });
    expect(handled).toBe(before);
  });

  it('hands the handler the remaining budget and the trace context to forward', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await app.request('/work', {
      headers: { [deadlineHeader]: '5000', traceparent },
    });
    const body = (await response.json()) as {
      forwarded: Record<string, string>;
      hasSignal: boolean;
    };
    expect(body.hasSignal).toBe(true);
    expect(body.forwarded.traceparent).toBe(traceparent);
    expect(Number(body.forwarded[deadlineHeader])).toBeGreaterThan(4_000);
    expect(Number(body.forwarded[deadlineHeader])).toBeLessThanOrEqual(5_000);
  });

  it('answers 400 for a malformed deadline header', async () => {
    const response = await app.request('/work', { headers: { [deadlineHeader]: 'soon' } });
    expect(response.status).toBe(400);
  });

  it('lets requests without a deadline through', async () => {
    expect((await app.request('/work')).status).toBe(200);
  });
});

describe('service auth signatures', () => {
  const app = new Hono()
    .use(verifyServiceAuth({ secrets: [secret] }))
    .post('/orders', async (c) => c.json(await c.req.json()));
  app.onError(problemErrorHandler({ onServerError: () => {} }));
  const body = JSON.stringify({ sku: 'kettle' });

  it('accepts a request signed with the shared secret, body intact', async () => {
    const signature = await requestSigner(secret).sign(
      'POST',
      '/orders',
      new TextEncoder().encode(body).buffer,
    );
    const response = await app.request('/orders', {
      method: 'POST',
      body,
      headers: { [signatureHeader]: signature, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sku: 'kettle' });
  });

  it('rejects an unsigned, tampered or foreign-key request with 401 SIGNATURE', async () => {
    const signature = await requestSigner(secret).sign(
      'POST',
      '/orders',
      new TextEncoder().encode(body).buffer,
    );
    const foreign = await requestSigner('another-secret-of-enough-length').sign(
      'POST',
      '/orders',
      new TextEncoder().encode(body).buffer,
    );
    const cases: Array<{ headers: Record<string, string>; body: string }> = [
      { headers: {}, body },
      { headers: { [signatureHeader]: signature }, body: body.replace('kettle', 'teapot') },
      { headers: { [signatureHeader]: foreign }, body },
    ];
    for (const { headers, body: sent } of cases) {
      const response = await app.request('/orders', { method: 'POST', body: sent, headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'SIGNATURE' });
    }
  });

  it('rejects a signature from outside the time window', async () => {
    const old = await requestSigner(secret, { now: () => Date.now() - 120_000 }).sign(
      'GET',
      '/orders',
    );
    const response = await app.request('/orders', {
      method: 'POST',
      headers: { [signatureHeader]: old },
    });
    expect(response.status).toBe(401);
  });

  it('refuses a short secret at construction', () => {
    expect(() => requestSigner('short')).toThrow(/SERVICE_AUTH_SECRET/);
    expect(() => verifyServiceAuth({ secrets: [secret, 'short'] })).toThrow(
      /SERVICE_AUTH_NEXT_SECRET/,
    );
  });
});

describe('service auth: caller, deadline, replay and rotation', () => {
  const next = 'the-next-secret-for-rotation';
  const build = (secrets: string[]) => {
    const replay = memoryReplayGuard();
    const refused: string[] = [];
    const app = new Hono<{ Variables: CallerVariables }>()
      .use(verifyServiceAuth({ secrets, replay, onRefused: (reason) => refused.push(reason) }))
      .post('/reservations', (c) => c.json({ caller: c.get('caller') }));
    app.onError(problemErrorHandler({ onServerError: () => {} }));
    return { app, refused };
  };
  const signed = async (signing: string, headers: Record<string, string> = {}) => {
    const signature = await requestSigner(signing, { caller: 'orders' }).sign(
      'POST',
      '/reservations',
      new TextEncoder().encode(body).buffer,
      { deadlineMs: headers[deadlineHeader] },
    );
    const all: Record<string, string> = { ...headers, [signatureHeader]: signature };
    return { method: 'POST', body, headers: all };
  };
  const body = '{"reservationId":"r-1"}';

  it('passes the verified caller on, and refuses the same signed request a second time', async () => {
    const { app, refused } = build([secret]);
    const request = await signed(secret);
    const first = await app.request('/reservations', request);
    expect(await first.json()).toEqual({ caller: 'orders' });
    const replayed = await app.request('/reservations', request);
    expect(replayed.status).toBe(401);
    expect(refused).toEqual(['replayed']);
  });

  it('signs the deadline: a request whose deadline header was changed is refused', async () => {
    const { app, refused } = build([secret]);
    const request = await signed(secret, { [deadlineHeader]: '800' });
    request.headers[deadlineHeader] = '60000';
    expect((await app.request('/reservations', request)).status).toBe(401);
    expect(refused).toEqual(['invalid']);
  });

  it('accepts the current and the next secret during a rotation, and no other', async () => {
    const { app } = build([secret, next]);
    expect((await app.request('/reservations', await signed(secret))).status).toBe(200);
    expect((await app.request('/reservations', await signed(next))).status).toBe(200);
    const other = await app.request('/reservations', await signed('a-third-secret-nobody-has'));
    expect(other.status).toBe(401);
  });
});
