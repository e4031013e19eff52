// The EventStore contract: every adapter (memory, Postgres over HTTP, over WebSocket, on PGlite)
// runs this same suite.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type {
  EventSchemas,
  EventStore,
  RecordedEvent,
} from '../../../../shared/event-store/event-store.ts';
import { logStart } from '../../../../shared/event-store/event-store.ts';
import { createOutboxRelay } from '../../../../shared/event-store/outbox-relay.ts';
import {
  runProjection,
  type DocumentProjection,
} from '../../../../shared/event-store/projections.ts';
import { memoryPublisher } from '../../../../shared/event-store/publisher.ts';

export interface ContractOptions {
  /** Builds a store on the adapter's shared state (same database for every call). */
  store: (options?: { schemas?: EventSchemas }) => EventStore;
}

const at = new Date('2026-11-26T12:00:00.000Z');
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const counted = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ type: 'Counted', data: { n: i + 1 } }));

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error as { code?: unknown }).code,
  );
}

export function eventStoreContract(name: string, { store: make }: ContractOptions): void {
  describe(`EventStore contract: ${name}`, () => {
    const store = make();
    const stream = () => `counter-${randomUUID()}`;

    describe('append', () => {
      it('numbers a new stream from 1 and fills id, schema version, time and metadata', async () => {
        const id = stream();
        const result = await store.append(id, counted(2), {
          streamType: 'counter',
          expectedVersion: 'no_stream',
          at,
          metadata: { correlationId: 'flow-1', causationId: 'cmd-1', traceparent },
        });
        expect(result.status).toBe('appended');
        if (result.status !== 'appended') return;
        expect(result.nextVersion).toBe(2);
        const events = await store.readStream(id);
        expect(events.map((event) => event.streamVersion)).toEqual([1, 2]);
        expect(events[0]).toMatchObject({
          type: 'Counted',
          data: { n: 1 },
          schemaVersion: 1,
          streamId: id,
          streamType: 'counter',
          occurredAt: at.toISOString(),
          metadata: { correlationId: 'flow-1', causationId: 'cmd-1', traceparent },
        });
        expect(events[0]!.id).toMatch(/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/);
        expect(events.map((event) => event.id)).toEqual(result.events.map((event) => event.id));
        expect(events.map((event) => event.position)).toEqual(
          result.events.map((event) => event.position),
        );
      });

      it('appends at the exact expected version and refuses a stale one with actual and expected', async () => {
        const id = stream();
        await store.append(id, counted(2), { streamType: 'counter', expectedVersion: 'no_stream' });
        const ok = await store.append(id, counted(1), {
          streamType: 'counter',
          expectedVersion: 2,
        });
        expect(ok).toMatchObject({ status: 'appended', nextVersion: 3 });
        const stale = store.append(id, counted(1), { streamType: 'counter', expectedVersion: 2 });
        await expect(stale).rejects.toMatchObject({ code: 'CONCURRENCY', expected: 2, actual: 3 });
        expect(await store.readStream(id)).toHaveLength(3);
      });

      it('checks no_stream, stream_exists and any', async () => {
        const id = stream();
        expect(
          await codeOf(
            store.append(id, counted(1), {
              streamType: 'counter',
              expectedVersion: 'stream_exists',
            }),
          ),
        ).toBe('CONCURRENCY');
        await store.append(id, counted(1), { streamType: 'counter', expectedVersion: 'any' });
        expect(
          await codeOf(
            store.append(id, counted(1), { streamType: 'counter', expectedVersion: 'no_stream' }),
          ),
        ).toBe('CONCURRENCY');
        await store.append(id, counted(1), {
          streamType: 'counter',
          expectedVersion: 'stream_exists',
        });
        await store.append(id, counted(1), { streamType: 'counter' });
        expect((await store.readStream(id)).map((event) => event.streamVersion)).toEqual([1, 2, 3]);
      });

      it('lets exactly one of many writers at the same expected version win', async () => {
        const id = stream();
        await store.append(id, counted(1), { streamType: 'counter', expectedVersion: 'no_stream' });
        const outcomes = await Promise.all(
          Array.from({ length: 8 }, () =>
            codeOf(store.append(id, counted(1), { streamType: 'counter', expectedVersion: 1 })),
          ),
        );
        expect(outcomes.filter((outcome) => outcome === 'resolved')).toHaveLength(1);
        expect(outcomes.filter((outcome) => outcome === 'CONCURRENCY')).toHaveLength(7);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('keeps versions contiguous and unique when many writers append to one stream', async () => {
        const id = stream();
        await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            store.append(
              id,
              [
                { type: 'Counted', data: { writer: i } },
                { type: 'Counted', data: { writer: i } },
              ],
              {
                streamType: 'counter',
              },
            ),
          ),
        );
        const events = await store.readStream(id);
        expect(events.map((event) => event.streamVersion)).toEqual(
          Array.from({ length: 24 }, (_, i) => i + 1),
        );
        // each append's two events are adjacent: nothing interleaved inside one append
        for (let i = 0; i < 24; i += 2) {
          expect(events[i]!.data).toEqual(events[i + 1]!.data);
        }
      });
    });

    describe('bad input', () => {
      const validating = make({
        schemas: { Counted: z.object({ n: z.number().int().positive() }) },
      });

      it('rejects an empty or too long stream id or type, naming the field, and writes nothing', async () => {
        const valid = [stream(), stream(), stream()] as const;
        for (const [streamId, streamType, path] of [
          ['', 'counter', 'streamId'],
          ['x'.repeat(201), 'counter', 'streamId'],
          [valid[0], '', 'streamType'],
          [valid[1], 'y'.repeat(65), 'streamType'],
        ] as const) {
          const failure = await store
            .append(streamId, counted(1), { streamType })
            .catch((e: unknown) => e);
          expect(failure).toMatchObject({
            code: 'VALIDATION',
            issues: [expect.objectContaining({ path })],
          });
        }
        expect(await codeOf(store.append(valid[2], [], { streamType: 'counter' }))).toBe(
          'VALIDATION',
        );
        expect(await codeOf(store.readStream(''))).toBe('VALIDATION');
        for (const id of valid) expect(await store.readStream(id)).toEqual([]);
      });

      it('validates every payload with its zod schema before writing anything', async () => {
        const id = stream();
        const failure = await validating
          .append(
            id,
            [
              { type: 'Counted', data: { n: 1 } },
              { type: 'Counted', data: { n: -2 } },
              { type: 'Nope', data: {} },
            ],
            {
              streamType: 'counter',
            },
          )
          .catch((e: unknown) => e);
        expect(failure).toMatchObject({ code: 'VALIDATION' });
        expect(
          (failure as { issues: { path: string }[] }).issues.map((issue) => issue.path),
        ).toEqual(['events.1.data.n', 'events.2.type']);
        expect(await validating.readStream(id)).toEqual([]);
        const ok = await validating.append(
          id,
          [{ type: 'Counted', data: { n: 3, extra: 'dropped' } }],
          {
            streamType: 'counter',
          },
        );
        expect(ok.status).toBe('appended');
        expect((await validating.readStream(id))[0]!.data).toEqual({ n: 3 });
      });

      it('rejects a malformed traceparent', async () => {
        const result = store.append(stream(), counted(1), {
          streamType: 'counter',
          metadata: { traceparent: 'not-a-trace' },
        });
        await expect(result).rejects.toMatchObject({
          code: 'VALIDATION',
          issues: [{ path: 'metadata.traceparent' }],
        });
      });
    });

    describe('reading', () => {
      it('reads a stream forwards and backwards from a version with a limit', async () => {
        const id = stream();
        await store.append(id, counted(10), { streamType: 'counter' });
        const versions = (events: RecordedEvent[]) => events.map((event) => event.streamVersion);
        expect(versions(await store.readStream(id, { from: 4, limit: 3 }))).toEqual([4, 5, 6]);
        expect(
          versions(await store.readStream(id, { from: 4, direction: 'backwards', limit: 2 })),
        ).toEqual([4, 3]);
        expect(versions(await store.readStream(id, { direction: 'backwards', limit: 2 }))).toEqual([
          10, 9,
        ]);
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('reads the global log after a position, in order, filtered by type', async () => {
        const start = await lastPosition(store);
        const a = stream();
        const b = stream();
        const type = `Seen-${randomUUID()}`;
        await store.append(a, [{ type, data: { i: 1 } }], { streamType: 'counter' });
        await store.append(
          b,
          [
            { type, data: { i: 2 } },
            { type: 'Other', data: {} },
          ],
          { streamType: 'counter' },
        );
        await store.append(a, [{ type, data: { i: 3 } }], { streamType: 'counter' });
        // The global log is read only below the oldest running transaction in the whole
        // cluster, so another suite's open transaction may hold it back for a moment.
        // Events of earlier tests that were held back may also appear after `start`.
        await eventually(async () => {
          const all = await store.readAll({ after: start });
          const ours = all.filter((event) => event.streamId === a || event.streamId === b);
          expect(ours.map((event) => event.streamId)).toEqual([a, b, b, a]);
        });
        const seen = await store.readAll({ after: start, types: [type] });
        expect(seen.map((event) => event.data)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
        const rest = await store.readAll({ after: seen[0]!.position, types: [type], limit: 1 });
        expect(rest.map((event) => event.data)).toEqual([{ i: 2 }]);
      });

      it('aggregates a stream, from a snapshot when one was written', async () => {
        const id = stream();
        const evolve = (
          state: { sum: number; seen: number },
          event: { type: string; data: unknown },
        ) => ({
          sum: state.sum + (event.data as { n: number }).n,
          seen: state.seen + 1,
        });
        const initialState = () => ({ sum: 0, seen: 0 });
        await store.append(id, counted(3), {
          streamType: 'counter',
          snapshot: { name: 'sum-v1', state: { sum: 6, seen: 3 } },
        });
        await store.append(id, [{ type: 'Counted', data: { n: 10 } }], { streamType: 'counter' });
        const full = await store.aggregateStream(id, { initialState, evolve });
        expect(full).toEqual({ state: { sum: 16, seen: 4 }, version: 4, snapshotVersion: 0 });
        const fromSnapshot = await store.aggregateStream(id, {
          initialState,
          evolve,
          snapshot: 'sum-v1',
        });
        expect(fromSnapshot).toEqual({
          state: { sum: 16, seen: 4 },
          version: 4,
          snapshotVersion: 3,
        });
        const other = await store.aggregateStream(id, { initialState, evolve, snapshot: 'sum-v2' });
        expect(other.snapshotVersion).toBe(0);
        expect(
          await store.aggregateStream(stream(), { initialState, evolve, snapshot: 'sum-v1' }),
        ).toEqual({
          state: initialState(),
          version: 0,
          snapshotVersion: 0,
        });
      });
    });

    describe('inline projections and idempotency', () => {
      it('writes documents in the append with the new stream version, and deletes on null', async () => {
        const id = stream();
        const projection = `totals-${randomUUID()}`;
        await store.append(id, counted(2), {
          streamType: 'counter',
          documents: [{ projection, id, doc: { total: 3 } }],
        });
        expect(await store.readDocument(projection, id)).toEqual({
          id,
          version: 2,
          doc: { total: 3 },
        });
        await store.append(id, counted(1), {
          streamType: 'counter',
          expectedVersion: 2,
          documents: [{ projection, id, doc: null }],
        });
        expect(await store.readDocument(projection, id)).toBeUndefined();
      });

      it('writes no document when the expected version is wrong', async () => {
        const id = stream();
        const projection = `totals-${randomUUID()}`;
        await store.append(id, counted(1), { streamType: 'counter' });
        const result = store.append(id, counted(1), {
          streamType: 'counter',
          expectedVersion: 'no_stream',
          documents: [{ projection, id, doc: { total: 1 } }],
          outbox: [{ destination: 'topic', body: {} }],
        });
        await expect(result).rejects.toMatchObject({ code: 'CONCURRENCY' });
        expect(await store.readDocument(projection, id)).toBeUndefined();
      });

      it('replays the first append for the same key and request, and reports a mismatch for another', async () => {
        const scope = `test-${randomUUID()}`;
        const first = stream();
        const claim = { scope, key: 'k1', requestHash: 'h1' };
        const created = await store.append(first, counted(1), {
          streamType: 'counter',
          idempotency: claim,
        });
        expect(created.status).toBe('appended');
        const replay = await store.append(stream(), counted(1), {
          streamType: 'counter',
          idempotency: claim,
        });
        expect(replay).toEqual({ status: 'replayed', streamId: first });
        const mismatch = await store.append(stream(), counted(1), {
          streamType: 'counter',
          idempotency: { ...claim, requestHash: 'h2' },
        });
        expect(mismatch).toEqual({ status: 'mismatch', streamId: first });
        expect(await store.readStream(first)).toHaveLength(1);
      });

      it('creates one stream for concurrent appends with the same key', async () => {
        const scope = `test-${randomUUID()}`;
        const ids = Array.from({ length: 5 }, () => stream());
        const results = await Promise.all(
          ids.map((id) =>
            store.append(id, counted(1), {
              streamType: 'counter',
              idempotency: { scope, key: 'k', requestHash: 'h' },
            }),
          ),
        );
        expect(results.filter((r) => r.status === 'appended')).toHaveLength(1);
        const winner = results.find((r) => r.status === 'appended')!.streamId;
        expect(results.every((r) => r.streamId === winner)).toBe(true);
        const lengths = await Promise.all(
          ids.map(async (id) => (await store.readStream(id)).length),
        );
        expect(lengths.reduce((a, b) => a + b, 0)).toBe(1);
      });
    });

    describe('outbox', () => {
      it('relays rows right after commit and marks them published', async () => {
        const publisher = memoryPublisher();
        const relay = createOutboxRelay({ store, publisher: publisher.publish });
        const destination = `topic-${randomUUID()}`;
        const result = await store.append(stream(), counted(1), {
          streamType: 'counter',
          outbox: [{ destination, body: { hello: 1 }, headers: { traceparent } }],
        });
        if (result.status !== 'appended') throw new Error('not appended');
        const { createdAt } = result.outbox[0]!;
        expect(createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(Math.abs(Date.parse(createdAt) - Date.now())).toBeLessThan(60_000);
        expect(await relay.relay(result.outbox)).toEqual({ published: 1, failed: 0 });
        expect(publisher.messages).toEqual([
          { id: result.outbox[0]!.id, destination, body: { hello: 1 }, headers: { traceparent } },
        ]);
        const swept = await drain(relay, destination, publisher);
        expect(swept).toEqual([]);
      });

      it('marks the rows of concurrent relays published in one write', async () => {
        const publisher = memoryPublisher();
        const marks: string[][] = [];
        const counting: EventStore = {
          ...store,
          markOutboxPublished: (ids, options) => {
            marks.push([...ids]);
            return store.markOutboxPublished(ids, options);
          },
        };
        const relay = createOutboxRelay({ store: counting, publisher: publisher.publish });
        const destination = `topic-${randomUUID()}`;
        const results = await Promise.all(
          [1, 2, 3].map(() =>
            store.append(stream(), counted(1), {
              streamType: 'counter',
              outbox: [{ destination, body: {} }],
            }),
          ),
        );
        const outboxes = results.map((result) =>
          result.status === 'appended' ? result.outbox : [],
        );
        const reports = await Promise.all(outboxes.map((outbox) => relay.relay(outbox)));
        expect(reports).toEqual([1, 2, 3].map(() => ({ published: 1, failed: 0 })));
        expect(marks).toEqual([expect.arrayContaining(outboxes.flat().map((row) => row.id))]);
        expect(await drain(relay, destination, publisher)).toEqual([]);
      });

      it('publishes after a crash between commit and publish, on the next sweep', async () => {
        const publisher = memoryPublisher();
        const relay = createOutboxRelay({ store, publisher: publisher.publish });
        const destination = `topic-${randomUUID()}`;
        const result = await store.append(stream(), counted(1), {
          streamType: 'counter',
          outbox: [
            { destination, body: { n: 1 } },
            { destination, body: { n: 2 } },
          ],
        });
        if (result.status !== 'appended') throw new Error('not appended');
        // crash: the relay after commit never ran
        const swept = await drain(relay, destination, publisher);
        expect(swept.map((message) => message.body)).toEqual([{ n: 1 }, { n: 2 }]);
        expect(swept.map((message) => message.id)).toEqual(result.outbox.map((row) => row.id));
        expect(await drain(relay, destination, publisher)).toEqual([]);
      });

      it('marks the rows an append names done, so no sweep relays them; a refused append does not', async () => {
        const publisher = memoryPublisher();
        const relay = createOutboxRelay({ store, publisher: publisher.publish });
        const destination = `topic-${randomUUID()}`;
        const id = stream();
        const first = await store.append(id, counted(1), {
          streamType: 'counter',
          outbox: [
            { destination, body: { n: 1 } },
            { destination, body: { n: 2 } },
          ],
        });
        if (first.status !== 'appended') throw new Error('not appended');
        const done = first.outbox[0]!;
        const kept = first.outbox[1]!;
        await expect(
          store.append(id, counted(1), {
            streamType: 'counter',
            expectedVersion: 0,
            outboxDone: [done.id, kept.id],
          }),
        ).rejects.toMatchObject({ code: 'CONCURRENCY' });
        await store.append(id, counted(1), {
          streamType: 'counter',
          expectedVersion: 1,
          outboxDone: [done.id],
        });
        const swept = await drain(relay, destination, publisher);
        expect(swept.map((message) => message.id)).toEqual([kept.id]);
      });

      it('keeps a row whose publish failed and publishes it on a later sweep', async () => {
        const publisher = memoryPublisher();
        const relay = createOutboxRelay({ store, publisher: publisher.publish });
        const destination = `topic-${randomUUID()}`;
        const result = await store.append(stream(), counted(1), {
          streamType: 'counter',
          outbox: [{ destination, body: { n: 1 } }],
        });
        if (result.status !== 'appended') throw new Error('not appended');
        publisher.failNext(1);
        expect(await relay.relay(result.outbox)).toEqual({ published: 0, failed: 1 });
        const swept = await drain(relay, destination, publisher);
        expect(swept.map((message) => message.id)).toEqual([result.outbox[0]!.id]);
      });

      it('splits the rows between concurrent sweeps without publishing one twice', async () => {
        const destination = `topic-${randomUUID()}`;
        const ids: string[] = [];
        for (let i = 0; i < 6; i += 1) {
          const result = await store.append(stream(), counted(1), {
            streamType: 'counter',
            outbox: [{ destination, body: { i } }],
          });
          if (result.status === 'appended') ids.push(result.outbox[0]!.id);
        }
        const publisher = memoryPublisher();
        const relay = createOutboxRelay({ store, publisher: publisher.publish });
        await Promise.all(
          Array.from({ length: 3 }, () =>
            relay.sweep({ minAgeMs: 0, leaseMs: 60_000, limit: 1000 }),
          ),
        );
        const mine = publisher.messages.filter((message) => message.destination === destination);
        expect(mine.map((message) => message.id).sort()).toEqual([...ids].sort());
      });
    });

    describe('async projections', () => {
      const projectionFor = (type: string): DocumentProjection<{ count: number; sum: number }> => ({
        name: `sums-${randomUUID()}`,
        types: [type],
        documentId: (event) => event.streamId,
        evolve: (doc, event) => ({
          count: (doc?.count ?? 0) + 1,
          sum: (doc?.sum ?? 0) + (event.data as { n: number }).n,
        }),
      });

      it('follows the global log with a checkpoint, and a replay from zero equals the live state', async () => {
        const type = `Added-${randomUUID()}`;
        const projection = projectionFor(type);
        const streams = [stream(), stream(), stream()];
        const live = async () => runProjection(store, projection, { batchSize: 4 });
        for (let round = 1; round <= 3; round += 1) {
          for (const id of streams) {
            await store.append(id, [{ type, data: { n: round } }], { streamType: 'counter' });
          }
          await live();
        }
        const liveDocs = await eventually(async () => {
          await live();
          const docs = await store.readDocuments(projection.name, streams);
          expect(docs.map((doc) => doc.doc)).toEqual(streams.map(() => ({ count: 3, sum: 6 })));
          return docs;
        });
        expect(await store.readCheckpoint(projection.name)).toBeDefined();

        await store.resetProjection(projection.name);
        expect(await store.readDocuments(projection.name, streams)).toEqual([]);
        let replayed = 0;
        await eventually(async () => {
          replayed += (await runProjection(store, projection, { batchSize: 2 })).processed;
          expect(replayed).toBe(9);
        });
        const byId = (docs: typeof liveDocs) =>
          Object.fromEntries(docs.map((doc) => [doc.id, doc.doc]));
        expect(byId(await store.readDocuments(projection.name, streams))).toEqual(byId(liveDocs));
      });

      it('applies each event once when runners race', async () => {
        const type = `Added-${randomUUID()}`;
        const projection = projectionFor(type);
        const id = stream();
        for (let i = 1; i <= 10; i += 1) {
          await store.append(id, [{ type, data: { n: i } }], { streamType: 'counter' });
        }
        const runs = await Promise.all(
          Array.from({ length: 4 }, () => runProjection(store, projection, { batchSize: 3 })),
        );
        let processed = runs.reduce((sum, run) => sum + run.processed, 0);
        await eventually(async () => {
          processed += (await runProjection(store, projection)).processed;
          expect(processed).toBe(10);
        });
        expect((await store.readDocument(projection.name, id))?.doc).toEqual({
          count: 10,
          sum: 55,
        });
      });
    });
  });
}

async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function lastPosition(store: EventStore) {
  let after = logStart;
  for (;;) {
    const page = await store.readAll({ after, limit: 10_000 });
    if (page.length === 0) return after;
    after = page[page.length - 1]!.position;
  }
}

/** Sweeps until nothing is left, returning what was published to `destination`. */
async function drain(
  relay: ReturnType<typeof createOutboxRelay>,
  destination: string,
  publisher: ReturnType<typeof memoryPublisher>,
) {
  const before = publisher.messages.length;
  for (let i = 0; i < 20; i += 1) {
    const report = await relay.sweep({ minAgeMs: 0, leaseMs: 60_000, limit: 1000 });
    if (report.claimed === 0) break;
  }
  return publisher.messages.slice(before).filter((message) => message.destination === destination);
}
