import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlApp } from '../../../../devstack/faults/control-server.ts';
import type { RestartCommand } from '../../../../devstack/faults/restart.ts';
import { startTcpFaultProxy, type TcpFaultProxy } from '../../../../devstack/faults/tcp-proxy.ts';

let proxy: TcpFaultProxy;
const restarted: unknown[] = [];
const restarts: Record<string, RestartCommand> = {
  qstash: {
    description: 'local QStash',
    run: (options) => {
      restarted.push(options);
      return Promise.resolve('restarted');
    },
  },
  broken: { description: 'fails', run: () => Promise.reject(new Error('pg_ctlcluster: no')) },
};

beforeAll(async () => {
  // Nothing listens on port 9; no connection is made in these tests.
  proxy = await startTcpFaultProxy({ name: 'postgres', target: { host: '127.0.0.1', port: 9 } });
});

afterAll(async () => {
  await proxy.close();
});

const app = () => controlApp({ proxies: { postgres: proxy }, restarts });
const put = (path: string, body: unknown) =>
  app().request(path, {
    method: 'PUT',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

describe('the devstack control API', () => {
  it('switches a proxy’s faults on with PUT, shows them with GET and off with DELETE', async () => {
    const set = await put('/faults/postgres', { latencyMs: 250, jitterMs: 50, forMs: 60_000 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({
      name: 'postgres',
      faults: { latencyMs: 250, jitterMs: 50, forMs: 60_000 },
    });
    const listed = (await (await app().request('/faults')).json()) as { proxies: unknown[] };
    expect(listed.proxies).toMatchObject([{ name: 'postgres', faults: { latencyMs: 250 } }]);
    const cleared = await app().request('/faults/postgres', { method: 'DELETE' });
    expect(await cleared.json()).toMatchObject({ faults: {} });
    expect(proxy.state().expiresAt).toBeUndefined();
  });

  it('clears every proxy at once with DELETE /faults', async () => {
    await put('/faults/postgres', { blackhole: true });
    await app().request('/faults', { method: 'DELETE' });
    expect(proxy.state().faults).toEqual({});
  });

  it('refuses an invalid fault with a problem naming the field, and keeps the faults it had', async () => {
    await put('/faults/postgres', { latencyMs: 10 });
    const response = await put('/faults/postgres', { latencyMs: 10, bandwidthBytesPerSecond: 0 });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('VALIDATION');
    expect(problem.errors.map((issue) => issue.path)).toEqual(['bandwidthBytesPerSecond']);
    expect(proxy.state().faults).toEqual({ latencyMs: 10 });
    const unknownField = await put('/faults/postgres', { latency: 10 });
    expect(((await unknownField.json()) as { errors: Array<{ path: string }> }).errors).toEqual([
      expect.objectContaining({ path: 'latency' }),
    ]);
    expect((await put('/faults/postgres', '{not json')).status).toBe(400);
    proxy.clear();
  });

  it('answers 404 naming the known proxies for an unknown one', async () => {
    const response = await put('/faults/mysql', { latencyMs: 1 });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND', known: ['postgres'] });
  });

  it('lists restart commands and runs one, reporting how long it took', async () => {
    const listed: unknown = await (await app().request('/restarts')).json();
    expect(listed).toEqual({
      restarts: [
        { name: 'qstash', description: 'local QStash' },
        { name: 'broken', description: 'fails' },
      ],
    });
    const response = await app().request('/restarts/qstash', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: 'qstash',
      detail: 'restarted',
      tookMs: expect.any(Number) as number,
    });
    expect(restarted).toEqual([{}]);
  });

  it('refuses unknown restart options and reports a failed restart as 503 with its reason', async () => {
    const invalid = await app().request('/restarts/qstash', {
      method: 'POST',
      body: JSON.stringify({ keepData: 'yes' }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ errors: [{ path: 'keepData' }] });
    const failed = await app().request('/restarts/broken', { method: 'POST' });
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { detail: string }).detail).toContain('pg_ctlcluster: no');
    expect((await app().request('/restarts/nothing', { method: 'POST' })).status).toBe(404);
  });
});
