import { describe, expect, it } from 'vitest';
import { embeddedRedisBackend } from '../../../../devstack/redis/embedded-backend.ts';
import { upstashRestApp } from '../../../../devstack/redis/rest-endpoint.ts';

const TOKEN = 't0ken';

function app() {
  return upstashRestApp({ backend: embeddedRedisBackend({ now: () => 0 }), token: TOKEN });
}

const post = (a: ReturnType<typeof app>, path: string, body: unknown, base64 = false) =>
  a.request(path, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(base64 ? { 'upstash-encoding': 'base64' } : {}),
    },
    body: JSON.stringify(body),
  });

describe('Upstash REST app on the embedded engine', () => {
  it('stringifies numeric and boolean arguments', async () => {
    const a = app();
    await post(a, '/', ['set', 'k', 12]);
    expect(await (await post(a, '/', ['incrby', 'k', 1])).json()).toEqual({ result: 13 });
    await post(a, '/', ['set', 'b', true]);
    expect(await (await post(a, '/', ['get', 'b'])).json()).toEqual({ result: 'true' });
  });

  it('answers a failing single command with 400 and its Redis error', async () => {
    const res = await post(app(), '/', ['incr', 'k', 'extra']);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "ERR wrong number of arguments for 'incr' command" });
  });

  it('sends {"result": null} for nil so the client does not crash', async () => {
    expect(await (await post(app(), '/', ['get', 'missing'])).json()).toEqual({ result: null });
  });

  it('base64-encodes nested arrays element by element', async () => {
    const a = app();
    await post(a, '/', ['zadd', 'z', 1.5, 'm']);
    const res = await post(a, '/', ['zrange', 'z', 0, -1, 'withscores'], true);
    expect(await res.json()).toEqual({ result: ['bQ==', 'MS41'] });
  });

  it('runs /multi-exec as a unit and reports runtime errors per item', async () => {
    const a = app();
    const res = await post(a, '/multi-exec', [
      ['set', 'k', 'v'],
      ['incr', 'k'],
      ['get', 'k'],
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 'v' },
    ]);
  });

  it('rejects a pipeline whose entries are not arrays', async () => {
    const res = await post(app(), '/pipeline', ['get', 'k']);
    expect(res.status).toBe(400);
    expect(await res.json()).toHaveProperty('error');
  });

  it('accepts the token as a _token query parameter', async () => {
    const res = await app().request('/ping/?_token=' + TOKEN);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'PONG' });
  });
});
