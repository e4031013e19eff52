import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import ws from 'ws';
import { startPostgresBackend } from '../../../../devstack/postgres/index.ts';
import type { EventStore } from '../../../../shared/event-store/event-store.ts';
import { logStart } from '../../../../shared/event-store/event-store.ts';
import { eventStoreMigrations } from '../../../../shared/event-store/migrations.ts';
import { neonHttpEventStore, neonPoolEventStore } from '../../../../shared/event-store/neon.ts';
import { migrate } from '../../../../shared/postgres/migrate.ts';
import { coalescingWebSocket } from '../../../../devstack/postgres/coalescing-websocket.ts';
import { createPool, createSql, type PostgresConfig } from '../../../../shared/postgres/neon.ts';
import { undiciFetch } from '../../../../devstack/postgres/undici-fetch.ts';
import { eventStoreContract } from '../../../unit/shared/event-store/contract.ts';

// The contract suite through the official Neon driver and the devstack's endpoints: against the
// data plane's Postgres over HTTP and over WebSocket, and against an embedded PGlite of our own.

const vars = inject('devstackVars');
const planeKind = inject('postgresKind');
const planeConfig: PostgresConfig = {
  DATABASE_URL: vars.DATABASE_URL!,
  NEON_FETCH_ENDPOINT: vars.NEON_FETCH_ENDPOINT,
  NEON_WS_PROXY: vars.NEON_WS_PROXY,
};
// What Node users pass: `ws`, sending a query's messages as one frame without the driver's 1 ms
// wait, and undici's request for the HTTP path.
const webSocket = coalescingWebSocket(ws);
const schema = `es_it_${randomBytes(4).toString('hex')}`;
// PGlite runs one session at a time; the data plane's endpoint reaches it through its URL. It
// starts first: its WASM start-up blocks this worker for seconds, long enough for the endpoint
// to close an idle keep-alive socket that fetch would then reuse ("other side closed").
const pglite = await startPostgresBackend({ dataDir: 'memory://' });
const planeSql = createSql(planeConfig, { webSocketConstructor: webSocket, fetch: undiciFetch() });
const planePool = createPool(planeConfig, { webSocketConstructor: webSocket, max: 8 });
await migrate(planeSql, eventStoreMigrations(schema), { scope: `event-store/${schema}` });

const pgliteSql = createSql({ ...planeConfig, DATABASE_URL: pglite.url });
await migrate(pgliteSql, eventStoreMigrations(schema), { scope: 'event-store' });

afterAll(async () => {
  await planeSql.query(`drop schema if exists "${schema}" cascade`);
  await planeSql.query('delete from schema_migrations where scope = $1', [`event-store/${schema}`]);
  await planePool.end();
  await pglite.close();
});

eventStoreContract(`Postgres (${planeKind}) via Neon HTTP`, {
  store: (options) => neonHttpEventStore(planeSql, { schema, ...options }),
});
eventStoreContract(`Postgres (${planeKind}) via Neon WebSocket Pool`, {
  store: (options) => neonPoolEventStore(planePool, { schema, ...options }),
});
eventStoreContract(`Postgres (${planeKind}) via Neon WebSocket Pool, group commit`, {
  store: (options) =>
    neonPoolEventStore(planePool, { schema, batchAppends: { maxInFlight: 1 }, ...options }),
});
eventStoreContract(`Postgres (${planeKind}) via Neon HTTP, group commit`, {
  store: (options) =>
    neonHttpEventStore(planeSql, { schema, batchAppends: { maxInFlight: 1 }, ...options }),
});
eventStoreContract('PGlite via Neon HTTP', {
  store: (options) => neonHttpEventStore(pgliteSql, { schema, ...options }),
});

const lateCommitSkip =
  planeKind === 'pglite'
    ? ' (skipped: PGlite serves one session at a time, so no transaction can stay open while another commits)'
    : '';

describe.skipIf(planeKind === 'pglite')(`global log on Postgres${lateCommitSkip}`, () => {
  const reader: EventStore = neonHttpEventStore(planeSql, { schema });

  async function end(store: EventStore) {
    let after = logStart;
    for (;;) {
      const page = await store.readAll({ after, limit: 10_000 });
      if (page.length === 0) return after;
      after = page[page.length - 1]!.position;
    }
  }

  it('never skips an event that commits after a later one with a higher position', async () => {
    const start = await end(reader);
    const early = `late-${randomUUID()}`;
    const later = `later-${randomUUID()}`;
    const client = await planePool.connect();
    try {
      await client.query('begin');
      // Takes its position and transaction id first, then stays uncommitted.
      await neonPoolEventStore(client, { schema }).append(early, [{ type: 'Held', data: {} }], {
        streamType: 'test',
      });
      const committed = await reader.append(later, [{ type: 'Committed', data: {} }], {
        streamType: 'test',
      });
      expect(committed.status).toBe('appended');

      // A reader ordering by position alone would return `later` now and move past `early`.
      const whileHeld = await reader.readAll({ after: start });
      expect(whileHeld.map((event) => event.streamId)).not.toContain(later);

      await client.query('commit');
    } finally {
      client.release();
    }
    const deadline = Date.now() + 10_000;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = (await reader.readAll({ after: start })).map((event) => event.streamId);
      if (seen.includes(later)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen.filter((id) => id === early || id === later)).toEqual([early, later]);
  });

  it('writes an append as one statement, so a held client sees its own events only', async () => {
    const id = `own-${randomUUID()}`;
    const client = await planePool.connect();
    try {
      await client.query('begin');
      const held = neonPoolEventStore(client, { schema });
      await held.append(id, [{ type: 'Held', data: {} }], { streamType: 'test' });
      expect(await held.readStream(id)).toHaveLength(1);
      expect(await reader.readStream(id)).toEqual([]);
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(await reader.readStream(id)).toEqual([]);
  });
});

const sharedSessionSkip =
  planeKind === 'pglite'
    ? ' (skipped: PGlite serves every connection from one session, so statements are not per connection)'
    : '';

describe.skipIf(planeKind === 'pglite')(`WebSocket Pool statements${sharedSessionSkip}`, () => {
  async function preparedOn(prepared: boolean | undefined) {
    // A pool of its own: a fresh connection holds no statements of the suites above.
    const pool = createPool(planeConfig, { webSocketConstructor: webSocket, max: 1 });
    const client = await pool.connect();
    try {
      const store = neonPoolEventStore(client, {
        schema,
        ...(prepared === undefined ? {} : { prepared }),
      });
      const id = `prepared-${randomUUID()}`;
      for (let i = 0; i < 3; i += 1) {
        await store.append(id, [{ type: 'Counted', data: { i } }], { streamType: 'test' });
      }
      expect(await store.readStream(id)).toHaveLength(3);
      const { rows } = await client.query<{ name: string }>(
        'select name from pg_prepared_statements order by name',
      );
      return rows.map((row) => row.name);
    } finally {
      client.release();
      await pool.end();
    }
  }

  it('are prepared once per connection and reused: one append statement, one read', async () => {
    const names = await preparedOn(undefined);
    expect(names).toHaveLength(2);
    for (const name of names) expect(name).toMatch(/^edgemesh_[\da-z]+$/);
  });

  it('still run when the server lost them (a pooler ran DISCARD ALL): sent unprepared', async () => {
    const client = await planePool.connect();
    try {
      const store = neonPoolEventStore(client, { schema });
      const id = `discarded-${randomUUID()}`;
      await store.append(id, [{ type: 'Counted', data: { i: 0 } }], { streamType: 'test' });
      await client.query('deallocate all');
      await store.append(id, [{ type: 'Counted', data: { i: 1 } }], { streamType: 'test' });
      expect((await store.readStream(id)).map((event) => event.data)).toEqual([{ i: 0 }, { i: 1 }]);
    } finally {
      client.release();
    }
  });

  it('still run after a migration changed what a prepared statement returns', async () => {
    const own = `es_plan_${randomBytes(4).toString('hex')}`;
    await migrate(planeSql, eventStoreMigrations(own), { scope: `event-store/${own}` });
    const client = await planePool.connect();
    try {
      const store = neonPoolEventStore(client, { schema: own });
      const id = `plan-${randomUUID()}`;
      await store.append(id, [{ type: 'Counted', data: {} }], { streamType: 'test' });
      expect(await store.readStream(id)).toHaveLength(1);
      await client.query(`alter table "${own}".es_events alter column type type varchar(64)`);
      expect((await store.readStream(id)).map((event) => event.type)).toEqual(['Counted']);
    } finally {
      client.release();
      await planeSql.query(`drop schema if exists "${own}" cascade`);
      await planeSql.query('delete from schema_migrations where scope = $1', [
        `event-store/${own}`,
      ]);
    }
  });

  it('are sent unprepared when `prepared: false`, for poolers that cannot keep them', async () => {
    expect(await preparedOn(false)).toEqual([]);
  });
});

describe.skipIf(planeKind === 'pglite')(`group commit on Postgres${lateCommitSkip}`, () => {
  const counted = [{ type: 'Counted', data: {} }];

  it('sends appends that arrive while a statement runs as one transaction, each with its own result', async () => {
    const store = neonPoolEventStore(planePool, { schema, batchAppends: { maxInFlight: 1 } });
    const ids = Array.from({ length: 24 }, () => `batch-${randomUUID()}`);
    const results = await Promise.all(
      ids.map((id) =>
        store.append(id, counted, { streamType: 'test', expectedVersion: 'no_stream' }),
      ),
    );
    const transactions = new Set(
      results.map((result) =>
        result.status === 'appended' ? result.events[0]!.position.transactionId : 0,
      ),
    );
    expect(
      results.every((result) => result.status === 'appended' && result.nextVersion === 1),
    ).toBe(true);
    // The first goes alone, the 23 that queued behind it share a transaction or two.
    expect(transactions.size).toBeLessThan(ids.length / 2);
    for (const id of ids) expect(await store.readStream(id)).toHaveLength(1);
  });

  it('writes documents, snapshots, outbox rows and claims of a batch as single appends would', async () => {
    const store = neonPoolEventStore(planePool, { schema, batchAppends: { maxInFlight: 1 } });
    const scope = `batch-${randomUUID()}`;
    const projection = `totals-${randomUUID()}`;
    const claimedEarlier = `claimed-${randomUUID()}`;
    await store.append(claimedEarlier, counted, {
      streamType: 'test',
      idempotency: { scope, key: 'k1', requestHash: 'h1' },
    });
    const undocumented = `undocumented-${randomUUID()}`;
    await store.append(undocumented, counted, {
      streamType: 'test',
      documents: [{ projection, id: undocumented, doc: { total: 1 } }],
    });
    const [documented, snapshotted, relayed, replayed, fresh, deleted] = [
      'documented',
      'snapshotted',
      'relayed',
      'replayed',
      'fresh',
    ]
      .map((name) => `${name}-${randomUUID()}`)
      .concat(undocumented);
    const two = [
      { type: 'Counted', data: { n: 1 } },
      { type: 'Counted', data: { n: 2 } },
    ];
    const results = await Promise.all([
      store.append(`first-${randomUUID()}`, counted, { streamType: 'test' }),
      store.append(documented!, two, {
        streamType: 'test',
        documents: [{ projection, id: documented!, doc: { total: 3 } }],
      }),
      store.append(snapshotted!, two, {
        streamType: 'test',
        snapshot: { name: 'sum', state: { sum: 3 } },
      }),
      store.append(relayed!, counted, {
        streamType: 'test',
        outbox: [{ destination: 'topic', body: { hello: 1 } }],
      }),
      store.append(replayed!, counted, {
        streamType: 'test',
        idempotency: { scope, key: 'k1', requestHash: 'h1' },
      }),
      store.append(fresh!, counted, {
        streamType: 'test',
        expectedVersion: 'no_stream',
        idempotency: { scope, key: 'k2', requestHash: 'h2' },
      }),
      store.append(deleted!, counted, {
        streamType: 'test',
        expectedVersion: 1,
        documents: [{ projection, id: deleted!, doc: null }],
      }),
    ]);
    const [, ...batch] = results;
    const appended = batch.filter((result) => result.status === 'appended');
    // Everything but the replay was written, by one transaction.
    expect(appended.map((result) => result.streamId)).toEqual([
      documented,
      snapshotted,
      relayed,
      fresh,
      deleted,
    ]);
    expect(new Set(appended.map((result) => result.events[0]!.position.transactionId)).size).toBe(
      1,
    );
    expect(batch[3]).toEqual({ status: 'replayed', streamId: claimedEarlier });
    expect(await store.readStream(replayed!)).toEqual([]);

    expect(await store.readDocument(projection, documented!)).toEqual({
      id: documented,
      version: 2,
      doc: { total: 3 },
    });
    expect(await store.readDocument(projection, deleted!)).toBeUndefined();
    const aggregate = await store.aggregateStream(snapshotted!, {
      initialState: () => ({ sum: 0 }),
      evolve: (state: { sum: number }, event: { type: string; data: unknown }) => ({
        sum: state.sum + (event.data as { n: number }).n,
      }),
      snapshot: 'sum',
    });
    expect(aggregate).toEqual({ state: { sum: 3 }, version: 2, snapshotVersion: 2 });
    const relayedResult = batch[2];
    if (relayedResult.status !== 'appended') throw new Error('relayed append was not appended');
    const outbox = await planeSql.query(
      `select destination, body from "${schema}".es_outbox where id = $1`,
      [relayedResult.outbox[0]!.id],
    );
    expect(outbox).toEqual([{ destination: 'topic', body: { hello: 1 } }]);
    const again = await store.append(`again-${randomUUID()}`, counted, {
      streamType: 'test',
      idempotency: { scope, key: 'k2', requestHash: 'other' },
    });
    expect(again).toEqual({ status: 'mismatch', streamId: fresh });
  });

  it('fails only the append whose expected version is stale, not the rest of its batch', async () => {
    const store = neonPoolEventStore(planePool, { schema, batchAppends: { maxInFlight: 1 } });
    const stale = `stale-${randomUUID()}`;
    await store.append(stale, counted, { streamType: 'test' });
    const others = Array.from({ length: 6 }, () => `fresh-${randomUUID()}`);
    const outcomes = await Promise.allSettled([
      store.append(`first-${randomUUID()}`, counted, { streamType: 'test' }),
      ...others.map((id) => store.append(id, counted, { streamType: 'test' })),
      store.append(stale, counted, { streamType: 'test', expectedVersion: 'no_stream' }),
    ]);
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'CONCURRENCY',
      expected: 'no_stream',
      actual: 1,
    });
    for (const id of others) expect(await store.readStream(id)).toHaveLength(1);
    expect(await store.readStream(stale)).toHaveLength(1);
  });

  it('runs each append of a batch alone when one of them lost a race to another writer', async () => {
    const store = neonPoolEventStore(planePool, { schema, batchAppends: { maxInFlight: 1 } });
    const contested = `contested-${randomUUID()}`;
    const bystanders = Array.from({ length: 4 }, () => `bystander-${randomUUID()}`);
    const client = await planePool.connect();
    try {
      await client.query('begin');
      await neonPoolEventStore(client, { schema }).append(contested, counted, {
        streamType: 'test',
      });
      // The batch's insert of version 1 waits for the held transaction, then collides with it.
      const batch = Promise.all([
        store.append(`first-${randomUUID()}`, counted, { streamType: 'test' }),
        store.append(contested, [{ type: 'Later', data: {} }], { streamType: 'test' }),
        // Pinned versions do not retry: only running alone after the failed batch saves them.
        ...bystanders.map((id) =>
          store.append(id, counted, { streamType: 'test', expectedVersion: 'no_stream' }),
        ),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await client.query('commit');
      const results = await batch;
      expect(results.every((result) => result.status === 'appended')).toBe(true);
    } finally {
      client.release();
    }
    expect(
      (await store.readStream(contested)).map((event) => [event.type, event.streamVersion]),
    ).toEqual([
      ['Counted', 1],
      ['Later', 2],
    ]);
    for (const id of bystanders) expect(await store.readStream(id)).toHaveLength(1);
  });
});

describe('event store migrations', () => {
  it('apply once and record themselves under their scope', async () => {
    expect(
      await migrate(planeSql, eventStoreMigrations(schema), { scope: `event-store/${schema}` }),
    ).toEqual([]);
    const rows = await planeSql.query(
      'select version from schema_migrations where scope = $1 order by version',
      [`event-store/${schema}`],
    );
    expect(rows).toEqual([{ version: 1 }]);
  });
});
