import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTcpFaultProxy, type TcpFaultProxy } from '../../../../devstack/faults/tcp-proxy.ts';
import { pingsWithin } from '../../../../devstack/redis/probe.ts';
import { hasCode } from '../../../../shared/errors/index.ts';

const databaseUrl = new URL(inject('devstackVars').DATABASE_URL!);
const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const redisAnswers = await pingsWithin(redisUrl.hostname, Number(redisUrl.port || 6379), 500);

const elapsed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a TCP fault proxy in front of Postgres', () => {
  let proxy: TcpFaultProxy;
  const clients: pg.Client[] = [];

  /** A pg client through the proxy; errors after a reset are expected, so they are kept. */
  async function client(options: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
    const url = new URL(databaseUrl);
    url.hostname = proxy.host;
    url.port = String(proxy.port);
    const made = new pg.Client({ connectionString: url.toString(), ...options });
    made.on('error', () => {});
    clients.push(made);
    await made.connect();
    return made;
  }

  beforeAll(async () => {
    proxy = await startTcpFaultProxy({
      name: 'postgres',
      target: { host: databaseUrl.hostname, port: Number(databaseUrl.port || 5432) },
    });
  });

  afterEach(() => {
    proxy.clear();
  });

  afterAll(async () => {
    await Promise.all(clients.map((made) => made.end().catch(() => {})));
    await proxy.close();
  });

  it('forwards queries unchanged when no fault is set', async () => {
    const db = await client();
    const { rows } = await db.query<{ sum: number }>('select 20 + 22 as sum');
    expect(rows).toEqual([{ sum: 42 }]);
    expect(proxy.state().stats.bytesDownstream).toBeGreaterThan(0);
  });

  it('adds the latency in each direction to a query round trip, on an open connection', async () => {
    const db = await client();
    await db.query('select 1');
    proxy.set({ latencyMs: 150 });
    expect(await elapsed(() => db.query('select 1'))).toBeGreaterThanOrEqual(295);
    proxy.set({ latencyMs: 150, latencyDirection: 'downstream' });
    expect(await elapsed(() => db.query('select 1'))).toBeGreaterThanOrEqual(145);
  });

  it('keeps bytes in order under jitter', async () => {
    const db = await client();
    proxy.set({ latencyMs: 5, jitterMs: 5 });
    const { rows } = await db.query<{ text: string }>(
      "select string_agg(lpad(i::text, 6, '0'), '') as text from generate_series(1, 50000) as i",
    );
    const expected = Array.from({ length: 50_000 }, (_, i) => String(i + 1).padStart(6, '0'));
    expect(rows[0]!.text).toBe(expected.join(''));
  });

  it('resets open connections, so their next query fails, and serves new ones', async () => {
    const db = await client();
    proxy.set({ reset: 'existing' });
    await expect(db.query('select 1')).rejects.toThrow();
    const fresh = await client();
    expect((await fresh.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    expect(proxy.state().stats.reset).toBeGreaterThanOrEqual(1);
  });

  it('resets every new connection while reset is new, until cleared', async () => {
    proxy.set({ reset: 'new' });
    await expect(client()).rejects.toThrow();
    proxy.clear();
    const db = await client();
    expect((await db.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('times out a client with a short timeout under blackhole, and serves again when cleared', async () => {
    const open = await client({ query_timeout: 300 });
    proxy.set({ blackhole: true });
    await expect(client({ connectionTimeoutMillis: 300 })).rejects.toThrow(/timeout/i);
    await expect(open.query('select 1')).rejects.toThrow(/timeout/i);
    expect(proxy.state().stats.blackholed).toBeGreaterThanOrEqual(1);
    proxy.clear();
    const db = await client();
    expect((await db.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('slows a large result to the bandwidth limit', async () => {
    const db = await client();
    const bytes = 200_000;
    proxy.set({ bandwidthBytesPerSecond: 400_000, bandwidthDirection: 'downstream' });
    const limited = await elapsed(() => db.query(`select repeat('x', ${bytes}) as big`));
    // The first 1/20 s of budget goes at once; the rest is paced.
    expect(limited).toBeGreaterThanOrEqual(((bytes - 20_000) / 400_000) * 1000 - 10);
  });

  it('clears its faults by itself after forMs', async () => {
    proxy.set({ latencyMs: 500, forMs: 100 });
    expect(proxy.state().expiresAt).toBeDefined();
    await sleep(200);
    expect(proxy.state().faults).toEqual({});
    const db = await client();
    expect(await elapsed(() => db.query('select 1'))).toBeLessThan(500);
  });

  it('refuses invalid faults, naming the field, and keeps the faults it had', () => {
    proxy.set({ latencyMs: 10 });
    let thrown: unknown;
    try {
      proxy.set({ latencyMs: -5 });
    } catch (error) {
      thrown = error;
    }
    expect(hasCode(thrown, 'VALIDATION')).toBe(true);
    expect((thrown as Error).message).toContain('latencyMs');
    expect(() => proxy.set({ latency: 5 } as never)).toThrow(/latency/);
    expect(proxy.state().faults).toEqual({ latencyMs: 10 });
  });
});

describe.skipIf(!redisAnswers)(
  redisAnswers
    ? 'a TCP fault proxy in front of Redis'
    : `a TCP fault proxy in front of Redis (skipped: nothing answers PING at ${redisUrl.host})`,
  () => {
    let proxy: TcpFaultProxy;
    const clients: Redis[] = [];
    const prefix = `faults-test:${randomUUID()}:`;

    function client(options: { commandTimeout?: number; retries?: number } = {}): Redis {
      const made = new Redis({
        host: proxy.host,
        port: proxy.port,
        maxRetriesPerRequest: options.retries ?? 0,
        connectTimeout: 1000,
        ...(options.commandTimeout ? { commandTimeout: options.commandTimeout } : {}),
      });
      made.on('error', () => {});
      clients.push(made);
      return made;
    }

    beforeAll(async () => {
      proxy = await startTcpFaultProxy({
        name: 'redis',
        target: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
      });
    });

    afterEach(() => {
      proxy.clear();
    });

    afterAll(async () => {
      const cleanup = client();
      proxy.clear();
      const keys = await cleanup.keys(`${prefix}*`);
      if (keys.length > 0) await cleanup.del(...keys);
      for (const made of clients) made.disconnect();
      await proxy.close();
    });

    it('adds latency to every command round trip', async () => {
      const redis = client();
      await redis.ping();
      proxy.set({ latencyMs: 100 });
      expect(await elapsed(() => redis.ping())).toBeGreaterThanOrEqual(195);
    });

    it('fails commands on a reset connection, and the client reconnects', async () => {
      const redis = new Redis({ host: proxy.host, port: proxy.port, maxRetriesPerRequest: 0 });
      const errors: Error[] = [];
      redis.on('error', (error: Error) => errors.push(error));
      clients.push(redis);
      await redis.set(`${prefix}reset`, 'v');
      proxy.set({ reset: 'existing' });
      await sleep(50);
      expect(errors.some((error) => /ECONNRESET/.test(error.message))).toBe(true);
      await redis.ping().catch(() => undefined);
      await sleep(300);
      expect(await redis.get(`${prefix}reset`)).toBe('v');
    });

    it('times out commands under blackhole and answers again once cleared', async () => {
      const redis = client({ commandTimeout: 300, retries: 1 });
      await redis.ping();
      proxy.set({ blackhole: true });
      await expect(redis.ping()).rejects.toThrow(/timed out/i);
      proxy.clear();
      const fresh = client();
      expect(await fresh.ping()).toBe('PONG');
    });

    it('slows a large value to the bandwidth limit', async () => {
      const redis = client();
      const key = `${prefix}big`;
      await redis.set(key, 'y'.repeat(200_000));
      proxy.set({ bandwidthBytesPerSecond: 400_000 });
      const limited = await elapsed(() => redis.get(key));
      expect(limited).toBeGreaterThanOrEqual(440);
      proxy.clear();
      expect(await redis.strlen(key)).toBe(200_000);
    });
  },
);
