import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undiciFetch } from '../../../../devstack/postgres/undici-fetch.ts';

let url = '';
const seen: { method?: string; headers: IncomingMessage['headers']; body: string }[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ method: req.method, headers: req.headers, body });
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
    if (req.url === '/empty') return void res.writeHead(204).end();
    res.writeHead(req.url === '/bad' ? 400 : 200, {
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
    });
    res.end(JSON.stringify({ echoed: body }));
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('undiciFetch', () => {
  const fetchOnUndici = undiciFetch();

  it('sends method, headers and body, and answers with status, headers and body', async () => {
    const response = await fetchOnUndici(`${url}/sql`, {
      method: 'POST',
      headers: { 'Neon-Connection-String': 'postgres://x', 'content-type': 'application/json' },
      body: '{"query":"select 1"}',
    });
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await response.json()).toEqual({ echoed: '{"query":"select 1"}' });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      headers: { 'neon-connection-string': 'postgres://x' },
    });
  });

  it('takes Headers as well as a record, and reports an error status as fetch does', async () => {
    const response = await fetchOnUndici(new URL(`${url}/bad`), {
      method: 'POST',
      headers: new Headers({ 'x-probe': 'yes' }),
      body: 'x',
    });
    expect([response.ok, response.status]).toEqual([false, 400]);
    expect(seen.at(-1)?.headers['x-probe']).toBe('yes');
    const empty = await fetchOnUndici(`${url}/empty`);
    expect([empty.status, await empty.text()]).toEqual([204, '']);
  });

  it('answers with a Response whose body reads once, as text, bytes, a stream or a clone', async () => {
    const response = await fetchOnUndici(`${url}/sql`, { method: 'POST', body: 'abc' });
    expect(response).toBeInstanceOf(Response);
    expect(response.bodyUsed).toBe(false);
    const copy = response.clone();
    expect(new TextDecoder().decode(await response.arrayBuffer())).toBe('{"echoed":"abc"}');
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
    expect(() => response.clone()).toThrow(TypeError);
    expect(await new Response(copy.body).json()).toEqual({ echoed: 'abc' });
    const empty = await fetchOnUndici(`${url}/empty`);
    expect(empty.body).toBeNull();
  });

  it('stops when the signal aborts', async () => {
    const started = Date.now();
    await expect(
      fetchOnUndici(`${url}/slow`, { signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
