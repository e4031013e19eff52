import { Hono, type Context } from 'hono';
import * as z from 'zod';
import {
  cartConflicts,
  formatVector,
  parseCart,
  parseVector,
  readCart,
  type CartView,
  type VersionVector,
} from '../../shared/consistency/index.ts';
import { EdgeMeshError } from '../../shared/errors/index.ts';
import type { EventStore } from '../../shared/event-store/index.ts';
import { validate } from '../../shared/http/index.ts';
import { operation } from '../../shared/openapi/index.ts';
import { consumeAck, type ServiceEnv } from '../../shared/service/index.ts';
import { decide, type CartCommand } from './domain.ts';
import { placeOrder } from './checkout.ts';
import {
  assertLinked,
  exchange,
  mergeInto,
  sweepOnce,
  syncRoutes,
  type CartDeps,
} from './replication.ts';
import {
  cartAnswer,
  cartParam,
  checkedOut,
  checkoutBody,
  checkoutHeaders,
  contextHeaders,
  contextQuery,
  itemParam,
  putItemBody,
  replicationMessage,
} from './schema.ts';
import { carts, replicationOf } from './store.ts';

/** The client's context: the `Cart-Context` header or the `context` field (the same if both). */
function contextOf(
  header: string | undefined,
  field: string | undefined,
): VersionVector | undefined {
  if (header !== undefined && field !== undefined && header !== field) {
    throw new EdgeMeshError('VALIDATION', 'The Cart-Context header and the context field differ.', {
      issues: [{ path: 'context', message: 'differs from the Cart-Context header' }],
    });
  }
  const text = field ?? header;
  return text === undefined ? undefined : parseVector(text);
}

function answer(c: Context, customerId: string, view: CartView, conflicts: { sku: string }[]) {
  const context = formatVector(view.context);
  c.header('Cart-Context', context);
  return { customerId, items: view.items, context, caughtUp: view.caughtUp, conflicts };
}

/**
 * A client whose context is ahead of this region (it wrote in the other one): ask the other
 * region for the cart first; when it cannot answer, the view says `caughtUp: false`.
 */
async function readFor(
  deps: CartDeps,
  store: EventStore,
  customerId: string,
  seen?: VersionVector,
) {
  const first = parseCart((await carts.read(store, customerId)).state);
  if (readCart(first, seen).caughtUp || !deps.config.SERVICE_CART_PEER_URL) return first;
  try {
    await exchange(deps, store, [customerId]);
  } catch (error) {
    deps.telemetry.log.warn('the other region did not answer a read repair', { error });
    return first;
  }
  return parseCart((await carts.read(store, customerId)).state);
}

/** Runs a local change and sends the new cart to the other region. */
async function change(
  c: Context,
  deps: CartDeps,
  customerId: string,
  command: CartCommand,
  seen?: VersionVector,
) {
  const regions = { self: deps.config.CART_REGION, peerUrl: deps.config.SERVICE_CART_PEER_URL };
  const result = await carts.handle(
    deps.eventsFor(c),
    customerId,
    (state) => decide(command, state),
    {
      at: command.at,
      outbox: replicationOf(regions, customerId),
    },
  );
  deps.outbox.afterCommit(c, result.outbox);
  const state = parseCart(result.state);
  return answer(c, customerId, readCart(state, seen), cartConflicts(state));
}

const cart = (description: string) => ({
  description,
  body: cartAnswer,
  headers: { 'Cart-Context': 'The context to send with the next write' },
});
const busy = 'CONCURRENCY: too many concurrent writes';

/** The cart: one add-wins, observed-remove map per customer, replicated between two regions. */
export function cartRoutes(deps: CartDeps) {
  const at = () => new Date(deps.now());
  return new Hono<ServiceEnv>()
    .get(
      '/carts/:customerId',
      operation({
        summary: "A customer's cart, in this region",
        responses: { 200: cart('The cart') },
      }),
      validate('param', cartParam),
      validate('header', contextHeaders),
      validate('query', contextQuery),
      async (c) => {
        const { customerId } = c.req.valid('param');
        const seen = contextOf(c.req.valid('header')['cart-context'], c.req.valid('query').context);
        const state = await readFor(deps, deps.eventsFor(c), customerId, seen);
        return c.json(answer(c, customerId, readCart(state, seen), cartConflicts(state)), 200);
      },
    )
    .put(
      '/carts/:customerId/items/:sku',
      operation({
        summary: 'Set the quantity of an item, given the context last seen',
        responses: { 200: cart('The cart after the change'), 409: busy },
      }),
      validate('param', itemParam),
      validate('header', contextHeaders),
      validate('json', putItemBody),
      async (c) => {
        const { customerId, sku } = c.req.valid('param');
        const { quantity, context } = c.req.valid('json');
        const seen = contextOf(c.req.valid('header')['cart-context'], context);
        const region = deps.config.CART_REGION;
        const command = {
          type: 'SetItem' as const,
          sku,
          quantity,
          region,
          at: at(),
          ...(seen ? { seen } : {}),
        };
        return c.json(await change(c, deps, customerId, command, seen), 200);
      },
    )
    .delete(
      '/carts/:customerId/items/:sku',
      operation({
        summary: 'Remove an item (what the context saw of it)',
        responses: { 200: cart('The cart after the change'), 409: busy },
      }),
      validate('param', itemParam),
      validate('header', contextHeaders),
      validate('query', contextQuery),
      async (c) => {
        const { customerId, sku } = c.req.valid('param');
        const seen = contextOf(c.req.valid('header')['cart-context'], c.req.valid('query').context);
        const command = { type: 'RemoveItem' as const, sku, at: at(), ...(seen ? { seen } : {}) };
        return c.json(await change(c, deps, customerId, command, seen), 200);
      },
    )
    .post(
      '/carts/:customerId/checkout',
      operation({
        summary: 'Place an order of the cart through orders',
        responses: {
          202: { description: 'Placed; the cart after it', body: checkedOut },
          409: `CONFLICT: the cart is empty, or orders refused the key; ${busy}`,
          502: 'UPSTREAM: orders failed',
          504: 'TIMEOUT: orders did not answer in time',
        },
      }),
      validate('param', cartParam),
      validate('header', checkoutHeaders),
      validate('json', checkoutBody),
      async (c) => {
        const { customerId } = c.req.valid('param');
        const body = c.req.valid('json');
        const headers = c.req.valid('header');
        const seen = contextOf(headers['cart-context'], body.context);
        const view = readCart(await readFor(deps, deps.eventsFor(c), customerId, seen), seen);
        const order = await placeOrder(deps, {
          customerId,
          view,
          body,
          key: headers['idempotency-key'],
        });
        const command = {
          type: 'CheckOut' as const,
          orderId: order.orderId,
          items: view.items,
          seen: view.context,
          at: at(),
        };
        const cart = await change(c, deps, customerId, command, view.context);
        return c.json({ ...order, cart }, 202);
      },
    )
    .post(
      '/replication/carts',
      operation({
        summary: "The other region's cart changes (QStash)",
        callers: ['qstash'],
        responses: {
          200: { description: 'Merged, or a duplicate', body: consumeAck },
          401: 'SIGNATURE: not a valid QStash delivery',
          489: 'UNPROCESSABLE_MESSAGE: never retried',
        },
      }),
      deps.consume({
        schema: replicationMessage,
        async handle(message, c) {
          assertLinked(deps);
          const { customerId, state, from } = message.body;
          await mergeInto(deps, deps.eventsFor(c), customerId, state, {
            from,
            idempotency: message.inbox,
          });
        },
      }),
    )
    .route('/', syncRoutes(deps))
    .post(
      '/replication/sweep',
      operation({
        summary: 'Anti-entropy: exchange carts with the other region (QStash schedule)',
        responses: {
          200: {
            description: 'How many carts were exchanged',
            body: z.object({ carts: z.number().int() }),
          },
        },
      }),
      async (c) => {
        await deps.signedBody(c, 'The anti-entropy sweep');
        return c.json(await sweepOnce(deps, c), 200);
      },
    );
}

export type CartApp = ReturnType<typeof cartRoutes>;
