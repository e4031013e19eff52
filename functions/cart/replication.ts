import { Hono, type Context } from 'hono';
import { parseCart } from '../../shared/consistency/index.ts';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import {
  logStart,
  type EventStore,
  type IdempotencyClaim,
  type LogPosition,
} from '../../shared/event-store/index.ts';
import { validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
import type { ServiceDeps, ServiceEnv } from '../../shared/service/index.ts';
import { customerOfStream, decide, localChangeTypes, type StoredCart } from './domain.ts';
import { syncAnswer, syncBody, type Config } from './schema.ts';
import { carts, readCarts } from './store.ts';

export type CartDeps = ServiceDeps<Config, { replication: { partitioned: boolean } }>;

/** The checkpoint of the anti-entropy sweep: this region's changes up to here reached the other. */
export const sweepCheckpoint = 'cart-anti-entropy';
const sweepRoundsPerCall = 10;

/** Refuses what comes from the other region while the partition switch is on. */
export function assertLinked(deps: CartDeps): void {
  if (deps.settings.current().replication.partitioned) {
    throw new EdgeMeshError('UNAVAILABLE', 'Replication is partitioned (replication.partitioned).');
  }
}

/** Merges a state the other region sent into this region's cart; answers the merged state. */
export async function mergeInto(
  deps: CartDeps,
  store: EventStore,
  customerId: string,
  incoming: StoredCart,
  { from, idempotency }: { from: string; idempotency?: IdempotencyClaim },
): Promise<StoredCart> {
  const command = {
    type: 'Merge' as const,
    from,
    state: parseCart(incoming),
    at: new Date(deps.now()),
  };
  const result = await carts.handle(store, customerId, (state) => decide(command, state), {
    at: command.at,
    ...(idempotency ? { idempotency } : {}),
  });
  return result.status === 'replayed' ? (await carts.read(store, customerId)).state : result.state;
}

/** `POST /replication/sync`: merge the carts the other region sent, answer ours merged. */
export function syncRoutes(deps: CartDeps) {
  return new Hono<ServiceEnv>().post(
    '/replication/sync',
    operation({
      summary: "Merge the other region's carts; answer ours merged",
      responses: {
        200: { description: 'This region’s carts, merged', body: syncAnswer },
        409: 'CONCURRENCY: too many concurrent writes',
      },
    }),
    validate('json', syncBody),
    async (c) => {
      assertLinked(deps);
      const { from, carts: sent } = c.req.valid('json');
      const store = deps.eventsFor(c);
      const merged = await Promise.all(
        sent.map(async ({ customerId, state }) => ({
          customerId,
          state: await mergeInto(deps, store, customerId, state, { from }),
        })),
      );
      return c.json({ from: deps.config.CART_REGION, carts: merged }, 200);
    },
  );
}

type SyncApp = ReturnType<typeof syncRoutes>;

/** Request bodies stay under the toolkit's 64 KiB input limit, with room to spare. */
const maxSyncBytes = 48 * 1024;

/** Splits carts into sync bodies of at most {@link maxSyncBytes} (a larger cart goes alone). */
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [[]];
  let size = 0;
  for (const item of items) {
    const bytes = JSON.stringify(item).length;
    if (size + bytes > maxSyncBytes && out.at(-1)!.length > 0) {
      out.push([]);
      size = 0;
    }
    out.at(-1)!.push(item);
    size += bytes;
  }
  return out;
}

/**
 * Anti-entropy for some carts: sends this region's states to the other region, which merges
 * them and answers its own, merged here. Afterwards both regions hold the same carts.
 */
export async function exchange(
  deps: CartDeps,
  store: EventStore,
  customerIds: readonly string[],
): Promise<void> {
  if (!deps.config.SERVICE_CART_PEER_URL || customerIds.length === 0) return;
  const stored = await readCarts(store, customerIds);
  const carts = [...stored].map(([customerId, state]) => ({ customerId, state }));
  for (const batch of chunks(carts)) {
    const json = { from: deps.config.CART_REGION, carts: batch };
    const response = await deps.client<SyncApp>('cart-peer').replication.sync.$post({ json });
    if (!response.ok) {
      throw new EdgeMeshError(
        'UPSTREAM',
        `The other region answered ${response.status} to a sync.`,
      );
    }
    const answer = await response.json();
    for (const { customerId, state } of answer.carts) {
      await mergeInto(deps, store, customerId, state, { from: answer.from });
    }
  }
}

/**
 * The anti-entropy sweep: every cart this region changed since the checkpoint is exchanged with
 * the other region, and the checkpoint moves only once the other region has merged it, so a
 * change that replication lost (partition, dead letter) is repaired by the next sweep.
 */
export async function sweepOnce(deps: CartDeps, c: Context): Promise<{ carts: number }> {
  if (!deps.config.SERVICE_CART_PEER_URL) return { carts: 0 };
  const store = deps.eventsFor(c);
  const limit = deps.config.CART_SWEEP_BATCH;
  let after: LogPosition | undefined = await store.readCheckpoint(sweepCheckpoint);
  let exchanged = 0;
  for (let round = 0; round < sweepRoundsPerCall; round += 1) {
    const events = await store.readAll({
      after: after ?? logStart,
      limit,
      types: localChangeTypes,
    });
    const last = events.at(-1);
    if (!last) break;
    const customers = [...new Set(events.map((event) => customerOfStream(event.streamId)))];
    await exchange(deps, store, customers);
    exchanged += customers.length;
    const moved = await store.commitProjection(sweepCheckpoint, {
      expected: after,
      next: last.position,
      documents: [],
    });
    if (!moved || events.length < limit) break;
    after = last.position;
  }
  return { carts: exchanged };
}
