import { defineService, type CallPolicy } from '../../shared/service/index.ts';
import { cartRoutes } from './app.ts';
import { config, eventSchemas, settings } from './schema.ts';

/** Calls between regions are short: a read repair waits at most about a second. */
const peerCalls: CallPolicy = {
  retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200 },
  attemptTimeoutMs: 1_000,
  deadlineMs: 2_000,
};

/** Cart: a customer's cart, writable in either region under partition; regions converge. */
export default defineService({
  name: 'cart',
  port: 8792,
  config,
  settings,
  events: eventSchemas,
  outbox: true,
  calls: { orders: { attemptTimeoutMs: 4_000, deadlineMs: 8_000 }, 'cart-peer': peerCalls },
  access: { 'POST /replication/sync': ['cart'] },
  schedules: [{ id: 'anti-entropy', path: '/replication/sweep', cron: '* * * * *' }],
  routes: cartRoutes,
});
