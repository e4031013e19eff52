// DoH and Consul adapters against a local HTTP server speaking their JSON APIs.
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consulRegistry } from '../../../../shared/discovery/consul.ts';
import { dohSrvRegistry } from '../../../../shared/discovery/doh-srv.ts';
import { hasCode } from '../../../../shared/errors/edgemesh-error.ts';

const fixture = new Hono()
  .get('/dns-query', (c) => {
    if (c.req.header('accept') !== 'application/dns-json') return c.text('wrong accept', 415);
    const name = c.req.query('name');
    if (c.req.query('type') !== 'SRV') return c.json({ Status: 0, Answer: [] });
    if (name === '_http._tcp.inventory') {
      return c.json({
        Status: 0,
        Answer: [
          { name, type: 33, TTL: 30, data: '10 5 8443 inv-b.internal.' },
          { name, type: 33, TTL: 30, data: '10 0 8443 inv-a.internal.' },
          { name, type: 33, TTL: 30, data: '20 1 8443 inv-backup.internal.' },
          { name, type: 5, TTL: 30, data: 'alias.internal.' },
        ],
      });
    }
    if (name === '_http._tcp.broken') return c.json({ Status: 2 });
    return c.json({ Status: 3 });
  })
  .get('/v1/health/service/:name', (c) => {
    if (c.req.query('passing') !== 'true') return c.json([]);
    if (c.req.header('x-consul-token') !== 'secret-token') return c.text('ACL not found', 403);
    if (c.req.param('name') !== 'payments') return c.json([]);
    const tagged = c.req.query('tag') === 'canary';
    return c.json([
      {
        Node: { Address: '10.0.0.5' },
        Service: { Address: '', Port: 9000, Weights: { Passing: 2 } },
      },
      ...(tagged
        ? []
        : [
            {
              Node: { Address: '10.0.0.6' },
              Service: { Address: '10.0.1.6', Port: 9001, Weights: { Passing: 1 } },
            },
          ]),
    ]);
  });

let server: ServerType;
let base: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => {
    server = serve({ fetch: fixture.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('DNS SRV over DoH', () => {
  const registry = () => dohSrvRegistry({ resolverUrl: `${base}/dns-query`, fetch });

  it('returns the lowest-priority SRV targets with their weights', async () => {
    expect(await registry().resolve('inventory')).toEqual([
      { url: 'https://inv-a.internal:8443', weight: 1 },
      { url: 'https://inv-b.internal:8443', weight: 5 },
    ]);
  });

  it('answers NXDOMAIN with no endpoints and a server failure with UPSTREAM', async () => {
    expect(await registry().resolve('nothing')).toEqual([]);
    await expect(registry().resolve('broken')).rejects.toSatisfy((e) => hasCode(e, 'UPSTREAM'));
  });

  it('rejects a malformed resolver URL at construction', () => {
    expect(() => dohSrvRegistry({ resolverUrl: 'dns://x', fetch })).toThrow(/resolverUrl/);
  });
});

describe('Consul health API', () => {
  const registry = (tag?: string) =>
    consulRegistry({ baseUrl: base, token: 'secret-token', fetch, ...(tag ? { tag } : {}) });

  it('returns passing instances, falling back to the node address, with weights', async () => {
    expect(await registry().resolve('payments')).toEqual([
      { url: 'http://10.0.0.5:9000', weight: 2 },
      { url: 'http://10.0.1.6:9001', weight: 1 },
    ]);
    expect(await registry('canary').resolve('payments')).toEqual([
      { url: 'http://10.0.0.5:9000', weight: 2 },
    ]);
  });

  it('reports a refused token as UPSTREAM and an unknown service as no endpoints', async () => {
    expect(await registry().resolve('ghost')).toEqual([]);
    await expect(consulRegistry({ baseUrl: base, fetch }).resolve('payments')).rejects.toSatisfy(
      (e) => hasCode(e, 'UPSTREAM'),
    );
  });
});
