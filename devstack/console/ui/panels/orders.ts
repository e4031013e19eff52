import { getJson } from '../api.ts';
import { badge, h, swap, table, time, type Child } from '../dom.ts';
import type { Panel } from '../panel.ts';

interface OrderRow {
  orderId: string;
  status: string;
  reason?: string;
  customerId?: string;
  total?: number;
  currency?: string;
  traceId?: string;
  updatedAt: string;
}
interface Step {
  name: string;
  status: string;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  reason?: string;
  error?: string;
  compensation?: { attempts: number; at: string; error?: string };
}
interface Saga {
  status: string;
  reason?: string;
  startedAt?: string;
  endedAt?: string;
  steps: Step[];
}

const money = (total?: number, currency?: string) =>
  total === undefined ? '–' : `${(total / 100).toFixed(2)} ${currency ?? ''}`;

const ms = (value?: string) => (value ? new Date(value).getTime() : undefined);

/** The saga as a picture: one bar per step on a shared time axis, compensations hatched. */
function timeline(saga: Saga): HTMLElement {
  const times = saga.steps.flatMap((s) => [ms(s.startedAt), ms(s.endedAt), ms(s.compensation?.at)]);
  const known = [ms(saga.startedAt), ms(saga.endedAt), ...times].filter(
    (t): t is number => t !== undefined,
  );
  const start = Math.min(...known);
  const end = Math.max(...known, start + 1);
  const left = (t: number) => `${(((t - start) / (end - start)) * 100).toFixed(2)}%`;
  const rows: Child[][] = saga.steps.map((step) => {
    const from = ms(step.startedAt);
    const to = ms(step.endedAt) ?? (from !== undefined ? Date.now() : undefined);
    const bars: Child[] = [];
    if (from !== undefined && to !== undefined) {
      bars.push(
        h('span', {
          class: `bar ${step.status}`,
          style: `left:${left(from)};width:${left(start + Math.max(to - from, 0))}`,
        }),
      );
    }
    const comp = ms(step.compensation?.at);
    if (comp !== undefined)
      bars.push(h('span', { class: 'bar compensation', style: `left:${left(comp)};width:4px` }));
    const took =
      from !== undefined && ms(step.endedAt) !== undefined ? `${ms(step.endedAt)! - from} ms` : '–';
    return [
      step.name,
      badge(step.status),
      String(step.attempts),
      took,
      h(
        'div',
        {
          class: 'bars',
          role: 'img',
          'aria-label': `${step.name}: ${step.status} after ${step.attempts} attempt(s), ${took}`,
        },
        bars,
      ),
      [
        step.reason ?? '',
        step.error ? h('div', { class: 'errors' }, step.error) : null,
        step.compensation
          ? h(
              'div',
              {},
              `compensated after ${step.compensation.attempts} attempt(s)`,
              step.compensation.error ? ` (${step.compensation.error})` : '',
            )
          : null,
      ],
    ];
  });
  return table(
    `Saga: ${saga.status}${saga.reason ? ` (${saga.reason})` : ''}`,
    ['step', 'status', 'attempts', 'took', 'timeline', 'notes'],
    rows,
  );
}

function detail(root: HTMLElement, orderId: string) {
  const body = h('div');
  root.append(
    h('p', {}, h('a', { href: '#/orders' }, '← all orders')),
    h('h2', {}, 'Order ', h('span', { class: 'mono' }, orderId)),
    body,
  );
  return async () => {
    const { order, saga } = await getJson<{
      order: Record<string, unknown> & {
        traceId?: string;
        status: string;
        reason?: string;
        items?: { sku: string; quantity: number; unitPrice: number }[];
        total?: number;
        currency?: string;
        customerId?: string;
      };
      saga: Saga | null;
    }>(`/api/orders/${encodeURIComponent(orderId)}`);
    const traceHref =
      order.traceId && /^[0-9a-f]{32}$/.test(order.traceId)
        ? `#/traces/${order.traceId}`
        : `#/traces/search/${encodeURIComponent(orderId)}`;
    swap(
      body,
      h(
        'p',
        { class: 'row' },
        'Status ',
        badge(order.status),
        order.reason ? ` reason: ${order.reason}` : '',
        ` · customer ${order.customerId ?? '–'} · total ${money(order.total, order.currency)} · `,
        h('a', { href: traceHref, 'data-key': 'trace-link' }, 'Open its trace'),
      ),
      table(
        'Items',
        ['sku', 'quantity', 'unit price'],
        (order.items ?? []).map((i) => [
          i.sku,
          String(i.quantity),
          money(i.unitPrice, order.currency),
        ]),
      ),
      saga ? timeline(saga) : h('p', {}, 'No saga recorded.'),
    );
  };
}

/** Recent orders; `#/orders/<id>` shows one with its saga timeline and a link to its trace. */
export const ordersPanel: Panel = {
  id: 'orders',
  title: 'Orders',
  mount(root, params) {
    if (params[0]) return detail(root, params[0]);
    const list = h('div');
    root.append(h('h2', {}, 'Orders'), list);
    return async () => {
      const { orders } = await getJson<{ orders: OrderRow[] }>('/api/orders');
      swap(
        list,
        table(
          'Newest orders first',
          ['order', 'status', 'reason', 'customer', 'total', 'updated'],
          orders.map((o) => [
            h(
              'a',
              {
                href: `#/orders/${encodeURIComponent(o.orderId)}`,
                class: 'mono',
                'data-key': `order-${o.orderId}`,
              },
              o.orderId,
            ),
            badge(o.status),
            o.reason ?? '',
            o.customerId ?? '',
            money(o.total, o.currency),
            time(o.updatedAt),
          ]),
        ),
      );
    };
  },
};
