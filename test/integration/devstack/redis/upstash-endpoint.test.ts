import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  startRedisBackend,
  startUpstashEndpoint,
  type RedisBackend,
  type UpstashEndpoint,
} from '../../../../devstack/redis/index.ts';

const TOKEN = 'devstack-redis-test-token';
// Real Redis is shared (db 0), so every key lives under a per-run prefix and only those are deleted.
const RUN = `edgemesh-test:redis:${process.pid}:${Date.now()}:`;

/** Counts batch calls so tests can tell that the client really auto-pipelined. */
function counting(backend: RedisBackend) {
  const counts = { single: 0, batch: 0 };
  const wrapped: RedisBackend = {
    ...backend,
    execute: (command) => {
      counts.single += 1;
      return backend.execute(command);
    },
    executeBatch: (commands, atomic) => {
      counts.batch += 1;
      return backend.executeBatch(commands, atomic);
    },
  };
  return { backend: wrapped, counts };
}

interface Target {
  name: string;
  backend: RedisBackend;
  endpoint: UpstashEndpoint;
  redis: Redis;
  counts: { single: number; batch: number };
}

async function startTarget(name: string, backend: RedisBackend): Promise<Target> {
  const { backend: wrapped, counts } = counting(backend);
  const endpoint = await startUpstashEndpoint({ backend: wrapped, token: TOKEN });
  const redis = new Redis({ url: endpoint.url, token: TOKEN, enableTelemetry: false });
  return { name, backend, endpoint, redis, counts };
}

// Selection order: REDIS_URL, 127.0.0.1:6379, a spawned redis-server; embedded means none worked.
const realBackend = await startRedisBackend();
const haveReal = realBackend.kind !== 'embedded';
const real = await startTarget(`real (${realBackend.description})`, realBackend);
const embedded = await startTarget('embedded', await startRedisBackend({ force: 'embedded' }));

let testNumber = 0;
/** A fresh key namespace for one test, the same on both targets. */
const namespace = () => {
  testNumber += 1;
  const base = `${RUN}${testNumber}:`;
  return (name: string) => `${base}${name}`;
};

/** Runs the same scenario on real Redis and on the embedded engine; returns both results. */
async function onBoth<T>(scenario: (redis: Redis, key: (name: string) => string) => Promise<T>) {
  const key = namespace();
  const fromReal = await scenario(real.redis, key);
  const fromEmbedded = await scenario(embedded.redis, key);
  return { fromReal, fromEmbedded };
}

/** Outcome of a promise as data, so rejections can be compared too. */
const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: (error as Error).message }),
  );

const rawPost = (
  target: Target,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  fetch(`${target.endpoint.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function rawJson(response: Response) {
  return { status: response.status, body: (await response.json()) as unknown };
}

afterAll(async () => {
  if (haveReal) {
    let cursor = '0';
    do {
      const reply = await realBackend.execute([
        'scan',
        cursor,
        'match',
        `${RUN}*`,
        'count',
        '1000',
      ]);
      const [next, keys] = reply.kind === 'array' && reply.value ? reply.value : [];
      cursor = next?.kind === 'bulk' ? (next.value ?? '0') : '0';
      const names = keys?.kind === 'array' ? (keys.value ?? []) : [];
      const toDelete = names.flatMap((k) => (k.kind === 'bulk' && k.value ? [k.value] : []));
      if (toDelete.length > 0) await realBackend.execute(['del', ...toDelete]);
    } while (cursor !== '0');
  }
  for (const target of [real, embedded]) {
    await target.endpoint.close();
    await target.backend.close();
  }
});

describe.skipIf(!haveReal)(
  haveReal
    ? 'differential: real Redis and the embedded engine answer the official client alike'
    : 'differential (skipped: no real Redis available — REDIS_URL, 127.0.0.1:6379 and redis-server all failed)',
  () => {
    it('answers an auto-pipelined burst of mixed commands identically', async () => {
      const before = { real: real.counts.batch, embedded: embedded.counts.batch };
      // The client batches reads and writes separately and sends both at once, so a burst
      // that reads what it writes would race; writes and reads go in two bursts.
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        const writes = await Promise.all([
          redis.set(key('s'), 'hello'),
          redis.incr(key('n')),
          redis.incrby(key('n'), 41),
          redis.hset(key('h'), { a: 1, b: 'two' }),
          redis.zadd(key('z'), { score: 1.5, member: 'x' }, { score: 3, member: 'y' }),
          redis.sadd(key('set'), 'a', 'b', 'a'),
          redis.rpush(key('l'), 'a', 'b', 'c'),
          redis.append(key('s'), ' world'),
          redis.del(key('missing')),
        ]);
        const reads = await Promise.all([
          redis.get(key('s')),
          redis.hget(key('h'), 'b'),
          redis.zscore(key('z'), 'x'),
          redis.scard(key('set')),
          redis.lrange(key('l'), 0, -1),
          redis.exists(key('s'), key('missing')),
          redis.strlen(key('s')),
          redis.mget(key('s'), key('missing')),
          redis.type(key('h')),
        ]);
        return { writes, reads };
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal).toEqual({
        writes: ['OK', 1, 42, 2, 2, 2, 3, 11, 0],
        reads: [
          'hello world',
          'two',
          1.5,
          2,
          ['a', 'b', 'c'],
          1,
          11,
          ['hello world', null],
          'hash',
        ],
      });
      expect(real.counts.batch).toBeGreaterThan(before.real);
      expect(embedded.counts.batch).toBeGreaterThan(before.embedded);
    });

    it('runs multi() atomically and pipeline() in order with the same results', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        const transaction = await redis
          .multi()
          .set(key('a'), '1')
          .incr(key('a'))
          .get(key('a'))
          .expire(key('a'), 100)
          .ttl(key('a'))
          .exec();
        const pipeline = await redis
          .pipeline()
          .lpush(key('l'), 'x', 'y', 'z')
          .lrange(key('l'), 0, -1)
          .rpop(key('l'), 2)
          .llen(key('l'))
          .exec();
        return { transaction, pipeline };
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal).toEqual({
        transaction: ['OK', 2, 2, 1, 100],
        pipeline: [3, ['z', 'y', 'x'], ['x', 'y'], 1],
      });
    });

    it('rejects a command on the wrong type with the same WRONGTYPE error', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        await redis.hset(key('h'), { f: 'v' });
        return settle(redis.incr(key('h')));
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal.ok).toBe(false);
      expect(fromReal.ok ? '' : fromReal.error).toContain(
        'WRONGTYPE Operation against a key holding the wrong kind of value',
      );
    });

    it('keeps per-item pipeline errors next to the successful results', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        await redis.set(key('s'), 'not a number');
        return redis
          .pipeline()
          .incr(key('s'))
          .get(key('s'))
          .hincrby(key('s'), 'f', 1)
          .exec({ keepErrors: true });
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal.map((item) => item.error)).toEqual([
        'ERR value is not an integer or out of range',
        undefined,
        'WRONGTYPE Operation against a key holding the wrong kind of value',
      ]);
    });

    it('answers unknown commands, bad arity and bad JSON bodies with the same status and error', async () => {
      const requests: [string, unknown][] = [
        ['/', ['nosuchcommand', 'a', 'b']],
        ['/', ['get']],
        ['/', ['set', 'k', 'v', 'ex', 'soon']],
        ['/pipeline', [['ping'], ['nosuchcommand'], ['echo', 'hi']]],
        ['/', { not: 'an array' }],
        ['/pipeline', 'not json'],
      ];
      for (const [path, body] of requests) {
        const fromReal = await rawJson(await rawPost(real, path, body));
        const fromEmbedded = await rawJson(await rawPost(embedded, path, body));
        expect(fromEmbedded).toEqual(fromReal);
      }
      expect(await rawJson(await rawPost(real, '/', ['nosuchcommand', 'a', 'b']))).toEqual({
        status: 400,
        body: { error: "ERR unknown command 'nosuchcommand', with args beginning with: 'a' 'b' " },
      });
    });

    it('discards a transaction with a queued unknown command on both, with a non-2xx status', async () => {
      const key = namespace();
      const body = [
        ['set', key('t'), 'v'],
        ['nosuchcommand', 'x'],
      ];
      const fromReal = await rawJson(await rawPost(real, '/multi-exec', body));
      const fromEmbedded = await rawJson(await rawPost(embedded, '/multi-exec', body));
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal).toEqual({
        status: 400,
        body: { error: 'EXECABORT Transaction discarded because of previous errors.' },
      });
      expect(await real.redis.exists(key('t'))).toBe(0);
      expect(await embedded.redis.exists(key('t'))).toBe(0);
    });

    it('expires keys set with a small px on both', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        await redis.set(key('e'), 'soon gone', { px: 150 });
        const before = await redis.get(key('e'));
        const ttlBefore = await redis.ttl(key('e'));
        await new Promise((resolve) => setTimeout(resolve, 250));
        return {
          before,
          ttlBefore,
          after: await redis.get(key('e')),
          ttl: await redis.pttl(key('e')),
        };
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal).toEqual({ before: 'soon gone', ttlBefore: 0, after: null, ttl: -2 });
    });

    it('round-trips JSON values through automatic deserialization identically', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        await redis.mset({
          [key('object')]: { a: 1, nested: { list: [1, 'two', null] } },
          [key('array')]: [1, 2, 3],
          [key('number')]: 42,
          [key('leadingZero')]: '0123',
          [key('bigInt')]: '12345678901234567890',
          [key('text')]: 'plain text',
          [key('unicode')]: 'héllo wörld ✓',
        });
        return redis.mget(
          key('object'),
          key('array'),
          key('number'),
          key('leadingZero'),
          key('bigInt'),
          key('text'),
          key('unicode'),
        );
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal).toEqual([
        { a: 1, nested: { list: [1, 'two', null] } },
        [1, 2, 3],
        42,
        '0123',
        '12345678901234567890',
        'plain text',
        'héllo wörld ✓',
      ]);
    });

    it('turns hgetall into an object, and a missing hash into null', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        await redis.hset(key('h'), { name: 'edge', count: 3, json: { x: 1 } });
        return { full: await redis.hgetall(key('h')), missing: await redis.hgetall(key('none')) };
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal).toEqual({ full: { name: 'edge', count: 3, json: { x: 1 } }, missing: null });
    });

    it('ranges sorted sets by rank, score and in reverse with scores formatted alike', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        await redis.zadd(
          key('z'),
          { score: 1, member: 'a' },
          { score: 2.5, member: 'b' },
          { score: 0.1, member: 'c' },
          { score: 10, member: 'd' },
        );
        return Promise.all([
          redis.zrange(key('z'), 0, -1, { withScores: true }),
          redis.zrange(key('z'), 1, 10, { byScore: true }),
          redis.zrange(key('z'), '+inf', '(1', { byScore: true, rev: true, withScores: true }),
          redis.zrange(key('z'), 0, 100, { byScore: true, offset: 1, count: 2 }),
          redis.zincrby(key('z'), 0.2, 'c'),
          redis.zcount(key('z'), '(1', '+inf'),
          redis.zremrangebyscore(key('z'), '-inf', 1),
          redis.zcard(key('z')),
        ]);
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal.slice(0, 4)).toEqual([
        // 0.1 comes back as "0.10000000000000001" (%.17g), which the client leaves a string.
        ['c', '0.10000000000000001', 'a', 1, 'b', 2.5, 'd', 10],
        ['a', 'b', 'd'],
        ['d', 10, 'b', 2.5],
        ['a', 'b'],
      ]);
    });

    it('formats float results the way Redis does', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        const raw = await Promise.all([
          rawPost(redis === real.redis ? real : embedded, '/pipeline', [
            ['set', key('f'), '10'],
            ['incrbyfloat', key('f'), '0.5'],
            ['incrbyfloat', key('f'), '0.1'],
            ['set', key('g'), '10000000000.1'],
            ['incrbyfloat', key('g'), '0'],
            ['zadd', key('z'), '0.1', 'm', '3', 'n', '1e20', 'o'],
            ['zrange', key('z'), '0', '-1', 'withscores'],
            ['zincrby', key('z'), '0.2', 'm'],
          ]).then((response) => response.json()),
        ]);
        return raw[0] as unknown;
      });
      expect(fromEmbedded).toEqual(fromReal);
      expect(fromReal).toEqual([
        { result: 'OK' },
        { result: '10.5' },
        { result: '10.6' },
        { result: 'OK' },
        { result: '10000000000.09999999962747097' },
        { result: 3 },
        { result: ['m', '0.10000000000000001', 'n', '3', 'o', '1e+20'] },
        { result: '0.30000000000000004' },
      ]);
    });

    it('finds the same keys with a full SCAN iteration using MATCH, COUNT and TYPE', async () => {
      const { fromReal, fromEmbedded } = await onBoth(async (redis, key) => {
        const setup = redis.pipeline();
        for (let i = 0; i < 25; i++) setup.set(key(`str:${i}`), i);
        for (let i = 0; i < 5; i++) setup.hset(key(`hash:${i}`), { i });
        await setup.exec();
        const scanAll = async (options: { match: string; count: number; type?: string }) => {
          const found: string[] = [];
          let cursor: string | number = 0;
          let calls = 0;
          do {
            const [next, keys]: [string | number, string[]] = await redis.scan(cursor, options);
            found.push(...keys);
            cursor = next;
            calls += 1;
          } while (String(cursor) !== '0');
          return { keys: [...new Set(found)].sort(), manyCalls: calls > 1 };
        };
        return {
          all: await scanAll({ match: key('*'), count: 5 }),
          hashes: await scanAll({ match: key('*'), count: 7, type: 'hash' }),
          keys: (await redis.keys(key('hash:*'))).sort(),
        };
      });
      expect(fromEmbedded.all.keys).toEqual(fromReal.all.keys);
      expect(fromEmbedded.hashes.keys).toEqual(fromReal.hashes.keys);
      expect(fromEmbedded.keys).toEqual(fromReal.keys);
      expect(fromReal.all.keys).toHaveLength(30);
      expect(fromReal.hashes.keys).toHaveLength(5);
      expect(fromEmbedded.all.manyCalls).toBe(true);
    });
  },
);

describe('the REST endpoint itself', () => {
  it('refuses requests without a token or with a wrong one', async () => {
    const noToken = await fetch(`${embedded.endpoint.url}/`, {
      method: 'POST',
      body: JSON.stringify(['ping']),
    });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ error: 'Unauthorized' });
    const wrongToken = await rawPost(embedded, '/', ['ping'], { authorization: 'Bearer nope' });
    expect(wrongToken.status).toBe(401);
    const client = new Redis({ url: embedded.endpoint.url, token: 'nope', enableTelemetry: false });
    await expect(client.get('anything')).rejects.toThrow(/Unauthorized/);
  });

  it('base64-encodes every string, keeping integers and nil, when asked to', async () => {
    const key = namespace();
    const response = await rawPost(
      embedded,
      '/pipeline',
      [
        ['set', key('u'), 'héllo'],
        ['get', key('u')],
        ['ping'],
        ['strlen', key('u')],
        ['get', key('missing')],
        ['mget', key('u'), key('missing')],
        ['incr', key('u')],
      ],
      { 'upstash-encoding': 'base64' },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { result: 'T0s=' },
      { result: 'aMOpbGxv' },
      { result: 'UE9ORw==' },
      { result: 6 },
      { result: null },
      { result: ['aMOpbGxv', null] },
      { error: 'ERR value is not an integer or out of range' },
    ]);
  });

  it('sends plain strings without the base64 header and accepts text/plain bodies', async () => {
    const response = await rawPost(embedded, '/', ['echo', 'plain'], {
      'content-type': 'text/plain',
    });
    expect(await response.json()).toEqual({ result: 'plain' });
  });

  it('echoes an increasing upstash-sync-token', async () => {
    const first = await rawPost(embedded, '/', ['ping']);
    const second = await rawPost(embedded, '/', ['ping']);
    const a = Number(first.headers.get('upstash-sync-token'));
    const b = Number(second.headers.get('upstash-sync-token'));
    expect(b).toBeGreaterThan(a);
  });

  it('answers unknown routes with a JSON 404 and bad bodies with a JSON 400', async () => {
    const notFound = await fetch(`${embedded.endpoint.url}/pipeline`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toHaveProperty('error');
    const notArray = await rawPost(embedded, '/pipeline', { set: 'x' });
    expect(notArray.status).toBe(400);
    expect(await notArray.json()).toHaveProperty('error');
  });

  it('runs path-style commands with query options', async () => {
    const key = namespace();
    const auth = { authorization: `Bearer ${TOKEN}` };
    const set = await fetch(
      `${embedded.endpoint.url}/set/${encodeURIComponent(key('p'))}/v?EX=100`,
      {
        headers: auth,
      },
    );
    expect(await set.json()).toEqual({ result: 'OK' });
    const ttl = await fetch(`${embedded.endpoint.url}/ttl/${encodeURIComponent(key('p'))}`, {
      headers: auth,
    });
    expect(await ttl.json()).toEqual({ result: 100 });
  });

  it('refuses commands that would hijack the shared connection', async () => {
    const response = await rawPost(embedded, '/', ['select', '1']);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "ERR Command is not available: 'select'" });
  });
});
