// DBOS Transact: the order workflow as a DBOS workflow in a Node process of its own (see
// dbos-worker.ts), its system database on the bench's Postgres; every participant call is a
// DBOS step whose outcome is committed there before the workflow goes on.
import pg from 'pg';
import type { StartEngine } from './engine.ts';
import { startEngineChild, stopChild } from './engine-child.ts';
import { pinnedVersion } from './pinned-version.ts';

/** Postgres' own word on how durable a commit is. */
async function commitDurability(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const setting = async (name: string) =>
      (
        await client.query<{ setting: string }>('select setting from pg_settings where name = $1', [
          name,
        ])
      ).rows[0]?.setting ?? '?';
    return `synchronous_commit=${await setting('synchronous_commit')}, fsync=${await setting('fsync')}`;
  } finally {
    await client.end();
  }
}

export const startDbos: StartEngine = async ({ participants, databaseUrl }) => {
  // DBOS creates its system database and schema on launch, before the worker reports.
  const { url, child } = await startEngineChild('./dbos-worker.ts', participants, {
    systemDatabaseUrl: databaseUrl,
  });
  try {
    const durability = await commitDurability(databaseUrl);
    return {
      name: `DBOS Transact ${pinnedVersion('@dbos-inc/dbos-sdk')}`,
      durability: `each step's outcome a Postgres commit (system database, ${durability})`,
      async run(order) {
        const response = await fetch(`${url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(order),
        });
        if (!response.ok) {
          throw new Error(`DBOS workflow ${order.orderId} failed: ${await response.text()}`);
        }
        return ((await response.json()) as { outcome: 'confirmed' | 'cancelled' }).outcome;
      },
      pids: () => (child.pid === undefined ? [] : [child.pid]),
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
};
