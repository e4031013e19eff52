import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  loopbackHost,
  operatorWrites,
  securityHeaders,
} from '../../../../devstack/console/guard.ts';
import { problemErrorHandler } from '../../../../shared/errors/hono.ts';

function app() {
  const hono = new Hono();
  hono.use(
    '*',
    securityHeaders,
    loopbackHost(() => 8098),
    operatorWrites('s3cret-token'),
  );
  hono.get('/api/x', (c) => c.json({ read: true }));
  hono.post('/api/x', (c) => c.json({ wrote: true }));
  hono.onError(problemErrorHandler({ onServerError: () => {} }));
  return hono;
}

const at = (host: string, init: RequestInit = {}) =>
  app().request('/api/x', {
    ...init,
    headers: { host, ...(init.headers as Record<string, string>) },
  });

describe('console guard', () => {
  it('answers reads on loopback names only', async () => {
    expect((await at('127.0.0.1:8098')).status).toBe(200);
    expect((await at('localhost:8098')).status).toBe(200);
    const rebound = await at('attacker.example:8098');
    expect(rebound.status).toBe(403);
    expect(await rebound.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('needs the operator token for a change', async () => {
    const post = (authorization?: string) =>
      at('127.0.0.1:8098', { method: 'POST', headers: authorization ? { authorization } : {} });
    expect(await (await post()).json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(await (await post('Bearer wrong')).json()).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect((await post('Bearer s3cret-token')).status).toBe(200);
  });

  it('lets the page load scripts from the console only', async () => {
    const policy = (await at('127.0.0.1:8098')).headers.get('content-security-policy');
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'none'");
  });
});
