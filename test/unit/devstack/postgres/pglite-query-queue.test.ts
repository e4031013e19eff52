import type { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import {
  keepsBackend,
  PgliteQueryQueue,
} from '../../../../devstack/postgres/pglite-query-queue.ts';

const message = (type: string) => new Uint8Array([type.charCodeAt(0), 0, 0, 0, 4]);
const ready = (status: string) => new Uint8Array([0x5a, 0, 0, 0, 5, status.charCodeAt(0)]);
const parseComplete = new Uint8Array([0x31, 0, 0, 0, 4]);
const startup = new Uint8Array([0, 0, 0, 8, 0, 3, 0, 0]);

describe('keepsBackend', () => {
  it('keeps the backend until ReadyForQuery reports an idle session', () => {
    expect(keepsBackend(message('P'), parseComplete)).toBe(true);
    expect(keepsBackend(message('S'), ready('I'))).toBe(false);
    expect(keepsBackend(message('Q'), ready('T'))).toBe(true);
    expect(keepsBackend(message('Q'), ready('E'))).toBe(true);
    expect(keepsBackend(startup, ready('I'))).toBe(false);
  });

  it('releases the backend when a connection terminates', () => {
    expect(keepsBackend(message('X'), new Uint8Array())).toBe(false);
  });
});

// A stand-in for PGlite's protocol entry point: records the order messages reach the backend and
// answers Sync and Query with ReadyForQuery, like Postgres.
function fakeDb() {
  const seen: string[] = [];
  let status = 'I';
  const db = {
    runExclusive: <T>(fn: () => Promise<T>) => fn(),
    isInTransaction: () => status !== 'I',
    execProtocolRawStream: async (
      bytes: Uint8Array,
      { onRawData }: { onRawData: (data: Uint8Array) => void },
    ) => {
      await new Promise((resolve) => setImmediate(resolve));
      const type = String.fromCharCode(bytes[0] ?? 0);
      seen.push(type);
      const text = Buffer.from(bytes.subarray(5)).toString('latin1');
      if (type === 'Q' && text.startsWith('BEGIN')) status = 'T';
      if (type === 'Q' && /^(COMMIT|ROLLBACK)/.test(text)) status = 'I';
      onRawData(type === 'S' || type === 'Q' ? ready(status) : parseComplete);
    },
  };
  return { db: db as unknown as PGlite, seen };
}

const query = (text: string) => {
  const body = Buffer.from(`${text}\0`);
  const out = Buffer.alloc(5 + body.length);
  out.write('Q', 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return new Uint8Array(out);
};

// Sends a connection's messages one after another, as pglite-socket's handler does.
async function send(queue: PgliteQueryQueue, id: number, messages: Uint8Array[], log: string[]) {
  for (const bytes of messages) {
    await queue.enqueue(id, bytes, () => {});
    log.push(`${id}${String.fromCharCode(bytes[0] ?? 0)}`);
  }
}

describe('PgliteQueryQueue', () => {
  it('runs one connection extended-query sequence through Sync before another starts', async () => {
    const { db } = fakeDb();
    const queue = new PgliteQueryQueue(db);
    const log: string[] = [];
    const sequence = ['P', 'B', 'D', 'E', 'S'].map(message);
    await Promise.all([send(queue, 1, sequence, log), send(queue, 2, sequence, log)]);
    expect(log).toEqual(['1P', '1B', '1D', '1E', '1S', '2P', '2B', '2D', '2E', '2S']);
  });

  it('holds the backend for an open transaction and rolls it back when its connection leaves', async () => {
    const { db, seen } = fakeDb();
    const queue = new PgliteQueryQueue(db);
    const log: string[] = [];
    await send(queue, 1, [query('BEGIN')], log);
    const other = send(queue, 2, [message('P'), message('S')], log);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['1Q']);
    await queue.clearTransactionIfNeeded(1);
    await other;
    expect(log).toEqual(['1Q', '2P', '2S']);
    expect(db.isInTransaction()).toBe(false);
    expect(seen).toEqual(['Q', 'S', 'Q', 'P', 'S']);
  });

  it('rejects the queued messages of a connection that disconnected', async () => {
    const { db } = fakeDb();
    const queue = new PgliteQueryQueue(db);
    await queue.enqueue(1, query('BEGIN'), () => {});
    const stranded = queue.enqueue(2, message('P'), () => {});
    queue.clearQueueForHandler(2);
    await expect(stranded).rejects.toThrow('Handler disconnected');
    expect(queue.getQueueLength()).toBe(0);
  });
});
