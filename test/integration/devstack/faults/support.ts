import { randomBytes } from 'node:crypto';
import { Client } from '@upstash/qstash';
import { expect } from 'vitest';
import ws from 'ws';
import { dataPlaneSql, type DataPlane } from '../../../../devstack/data-plane.ts';
import { devCredentials } from '../../../../devstack/qstash/credentials.ts';
import { createPool } from '../../../../shared/postgres/neon.ts';
import { startReceiver, type TestReceiver } from '../qstash/support.ts';

export { startReceiver, type TestReceiver };

/** A receiver that verifies deliveries with the local QStash's signing keys. */
export function startPlaneReceiver(): Promise<TestReceiver> {
  return startReceiver({
    current: devCredentials.currentSigningKey,
    next: devCredentials.nextSigningKey,
  });
}

/** A QStash schema of this test run only. */
export function uniqueQstashSchema(): string {
  return `qstash_faults_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The official QStash client on the plane, without retries hiding errors. */
export function qstashOf(plane: DataPlane): Client {
  return new Client({ baseUrl: plane.qstash.url, token: plane.qstash.token, retry: false });
}

/** A Neon `Pool` over the plane's WebSocket proxy. */
export function wsPoolOf(plane: DataPlane, max = 2) {
  return createPool(
    {
      DATABASE_URL: plane.vars.DATABASE_URL!,
      NEON_FETCH_ENDPOINT: plane.postgres.fetchEndpoint,
      NEON_WS_PROXY: plane.postgres.wsProxy,
    },
    { webSocketConstructor: ws, max },
  );
}

/**
 * Asserts the plane serves every protocol: a query through `neon()` over HTTP, one through a
 * `Pool` over the WebSocket proxy, and a QStash publish delivered (and signed) to `receiver`.
 */
export async function expectPlaneServes(
  plane: DataPlane,
  receiver: TestReceiver,
  label: string,
): Promise<void> {
  const sql = dataPlaneSql(plane);
  expect(await sql`select 1 + 1 as two`).toEqual([{ two: 2 }]);
  const pool = wsPoolOf(plane);
  pool.on('error', () => {});
  try {
    const { rows } = await pool.query<{ three: number }>('select 1 + 2 as three');
    expect(rows).toEqual([{ three: 3 }]);
  } finally {
    await pool.end();
  }
  const path = `/${label}-${randomBytes(3).toString('hex')}`;
  const { messageId } = await qstashOf(plane).publish({
    url: `${receiver.url}${path}`,
    body: label,
  });
  const [delivered] = await receiver.waitFor(1, (request) => request.path === path, 15_000);
  expect(delivered!.headers['upstash-message-id']).toBe(messageId);
  expect(delivered!.verified).toBe(true);
}

/** What a promise settles to: its value, or the error's SQLSTATE/message. */
export function outcome(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return promise.then(
    () => ({ message: 'resolved' }),
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      return {
        ...(typeof code === 'string' ? { code } : {}),
        message: error instanceof Error ? error.message : String(error),
      };
    },
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
