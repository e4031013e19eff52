import { bodyField, defineService, type CallPolicy } from '../../shared/service/index.ts';
import { ordersRoutes } from './app.ts';
import { orderRpcPath } from './rpc.ts';
import { orderSagaOf } from './saga.ts';
import { orderEventSchemas, ordersConfig } from './schema.ts';
import { sagaEventSchemas } from '../../shared/saga/index.ts';

/** Participants answer within seconds; the saga retries through QStash beyond that. */
const participantCalls: CallPolicy = {
  retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500 },
  attemptTimeoutMs: 4_000,
  deadlineMs: 8_000,
};

/** Orders: places orders and runs each one's place-order saga over inventory and payments. */
export default defineService({
  name: 'orders',
  port: 8789,
  config: ordersConfig,
  events: { ...orderEventSchemas, ...sagaEventSchemas },
  outbox: true,
  topics: ['order-events'],
  calls: { inventory: participantCalls, payments: participantCalls },
  // Saga steps retry through QStash anyway: probe again soon rather than after 30 s.
  breaker: { waitInOpenMs: 5_000 },
  rateLimits: {
    // One customer cannot place hundreds of orders a minute; one address not thousands.
    'POST /orders': [
      { name: 'orders-per-customer', limit: 30, windowMs: 60_000, by: bodyField('customerId') },
      { name: 'orders-per-address', limit: 3_000, windowMs: 60_000, by: 'address' },
    ],
    // The same order over RPC counts in the same per-address window (its body may be binary).
    [`POST ${orderRpcPath('createOrder')}`]: [
      { name: 'orders-per-address', limit: 3_000, windowMs: 60_000, by: 'address' as const },
    ],
  },
  deps: (base) => ({ saga: orderSagaOf(base) }),
  routes: ordersRoutes,
});
