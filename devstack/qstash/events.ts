import type { PendingMessage } from './message.ts';

/** Message states as `/v2/events` reports them. */
export type EventState =
  | 'CREATED'
  | 'ACTIVE'
  | 'IN_PROGRESS'
  | 'DELIVERED'
  | 'ERROR'
  | 'RETRY'
  | 'FAILED'
  | 'CANCEL_REQUESTED'
  | 'CANCELLED';

/** One row of the message log. */
export interface EventRecord {
  time: number;
  state: EventState;
  messageId: string;
  data: Record<string, unknown>;
}

/** An event about `message`, carrying the fields `/v2/events` filters on. */
export function messageEvent(
  message: PendingMessage,
  state: EventState,
  time: number,
  extra: Record<string, unknown> = {},
): EventRecord {
  const { spec } = message;
  return {
    time,
    state,
    messageId: message.id,
    data: {
      url: spec.url,
      ...(spec.topicName ? { topicName: spec.topicName } : {}),
      ...(spec.endpointName ? { endpointName: spec.endpointName } : {}),
      ...(spec.queueName ? { queueName: spec.queueName } : {}),
      ...(spec.scheduleId ? { scheduleId: spec.scheduleId } : {}),
      ...(spec.labels?.length ? { label: spec.labels[0], labels: spec.labels } : {}),
      ...(spec.flowControl ? { flowControlKey: spec.flowControl.key } : {}),
      ...extra,
    },
  };
}
