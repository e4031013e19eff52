import { getJson, send } from '../api.ts';
import { action } from '../actions.ts';
import { badge, h, swap, table, time } from '../dom.ts';
import type { Panel } from '../panel.ts';

interface Log {
  time: number;
  state: string;
  messageId: string;
  url?: string;
  topicName?: string;
  error?: string;
  nextDeliveryTime?: number;
}
interface Queues {
  topics: { name: string; endpoints: { name?: string; url: string }[] }[];
  schedules: { scheduleId: string; cron: string; destination: string; isPaused?: boolean }[];
  logs: Log[];
  inFlight: Log[];
  scheduled: Log[];
  dlq: {
    dlqId: string;
    messageId: string;
    url: string;
    topicName?: string;
    createdAt: number;
    responseStatus?: number;
    body?: string;
    responseBody?: string;
  }[];
}

const cut = (text: string | undefined, n = 120) =>
  text && text.length > n ? `${text.slice(0, n - 1)}…` : (text ?? '');

function logRows(logs: Log[]) {
  return logs.map((l) => [
    time(l.time),
    badge(l.state),
    h('span', { class: 'mono' }, l.messageId),
    l.topicName ? `${l.topicName} → ${l.url ?? ''}` : (l.url ?? ''),
    cut(l.error),
  ]);
}

/** Topics, schedules, messages in flight, delivery logs, and the DLQ with replay and delete. */
export const queuesPanel: Panel = {
  id: 'queues',
  title: 'Queues',
  mount(root) {
    const body = h('div');
    root.append(h('h2', {}, 'Queues'), body);
    const refresh = async () => {
      const q = await getJson<Queues>('/api/queues');
      swap(
        body,
        table(
          'Dead letters',
          ['dead letter', 'message', 'destination', 'status', 'body', 'response', 'died', 'act'],
          q.dlq.map((m) => [
            h('span', { class: 'mono' }, m.dlqId),
            h('span', { class: 'mono' }, m.messageId),
            m.topicName ? `${m.topicName} → ${m.url}` : m.url,
            String(m.responseStatus ?? '–'),
            h('span', { class: 'mono' }, cut(m.body)),
            h('span', { class: 'mono' }, cut(m.responseBody)),
            time(m.createdAt),
            h(
              'div',
              { class: 'row' },
              action(
                'Replay',
                `replay-${m.dlqId}`,
                async () => {
                  const { replayed } = await send<{ replayed: string[] }>(
                    'POST',
                    `/api/dlq/${encodeURIComponent(m.dlqId)}/replay`,
                  );
                  return `Replayed ${m.messageId} as ${replayed.join(', ')}`;
                },
                refresh,
                { describe: `Replay dead letter ${m.messageId}` },
              ),
              action(
                'Delete',
                `delete-${m.dlqId}`,
                async () => {
                  await send('DELETE', `/api/dlq/${encodeURIComponent(m.dlqId)}`);
                  return `Deleted dead letter ${m.messageId}`;
                },
                refresh,
                { danger: true, describe: `Delete dead letter ${m.messageId}` },
              ),
            ),
          ]),
        ),
        table(
          'In flight',
          ['since', 'state', 'message', 'destination', 'error'],
          logRows(q.inFlight),
        ),
        table(
          'Scheduled (waiting for a delay or a retry)',
          ['since', 'state', 'message', 'destination', 'error'],
          logRows(q.scheduled),
        ),
        table(
          'Topics and subscribers',
          ['topic', 'subscribers'],
          q.topics.map((t) => [
            t.name,
            h(
              'ul',
              {},
              t.endpoints.map((e) =>
                h('li', {}, e.name ? `${e.name}: ` : '', h('span', { class: 'mono' }, e.url)),
              ),
            ),
          ]),
        ),
        table(
          'Schedules',
          ['schedule', 'cron', 'destination', 'paused'],
          q.schedules.map((s) => [
            s.scheduleId,
            h('span', { class: 'mono' }, s.cron),
            s.destination,
            s.isPaused ? 'yes' : 'no',
          ]),
        ),
        table(
          'Delivery log (newest first)',
          ['time', 'state', 'message', 'destination', 'error'],
          logRows(q.logs),
        ),
      );
    };
    return refresh;
  },
};
