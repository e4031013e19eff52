import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPostgresBackend, type PostgresBackend } from '../../../../devstack/postgres/index.ts';
import type { QstashServer } from '../../../../devstack/qstash/index.ts';
import { clientFor, startReceiver, startTestQstash, type TestReceiver } from './support.ts';

let receiver: TestReceiver;
let pglite: PostgresBackend;
let pgliteDir: string;
const opened: QstashServer[] = [];

beforeAll(async () => {
  receiver = await startReceiver({
    current: 'sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r',
    next: 'sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs',
  });
  pgliteDir = await mkdtemp(join(tmpdir(), 'edgemesh-qstash-pglite-'));
  pglite = await startPostgresBackend({ dataDir: pgliteDir });
});

afterAll(async () => {
  await Promise.all(opened.map((server) => server.close()));
  await receiver?.close();
  await pglite?.close();
  if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
});

const backends = [
  { name: "the test run's Postgres", databaseUrl: () => inject('devstackVars').DATABASE_URL! },
  {
    name: 'embedded PGlite (one session shared by every connection)',
    databaseUrl: () => pglite.url,
  },
];

describe.each(backends)('many publishes at once right after start, on $name', ({ databaseUrl }) => {
  it('accepts every one of 64 parallel publishJSON calls to a URL group and delivers each', async () => {
    const server = await startTestQstash(databaseUrl(), { dropSchemaOnClose: true });
    opened.push(server);
    const client = clientFor(server);
    const group = `burst-${server.schema}`;
    const path = `/${group}`;
    await client.urlGroups.addEndpoints({
      name: group,
      endpoints: [{ url: `${receiver.url}${path}` }],
    });

    const results = await Promise.allSettled(
      Array.from({ length: 64 }, (_, n) => client.publishJSON({ urlGroup: group, body: { n } })),
    );

    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    const delivered = await receiver.waitFor(64, (r) => r.path === path);
    const bodies = delivered.map((r) => (JSON.parse(r.body.toString()) as { n: number }).n);
    expect(new Set(bodies).size).toBe(64);
  });
});
