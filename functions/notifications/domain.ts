import type { Notification, OrderEventMessage } from './schema.ts';

export interface RecordNotification {
  type: 'RecordNotification';
  event: OrderEventMessage;
  notificationId: string;
  traceId?: string;
  at: Date;
}

export type NotificationRecorded = { type: 'NotificationRecorded'; data: Notification };

/** The stream of one order's notifications. */
export const notificationStream = (orderId: string) => `notifications-order-${orderId}`;

export function render(template: string, data: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, field: string) => String(data[field]));
}

/** One notification per order event, rendered from the event type's template. */
export function decide(
  command: RecordNotification,
  templates: Readonly<Record<string, string>>,
): NotificationRecorded[] {
  const { event } = command;
  const template = templates[event.type];
  if (template === undefined) return [];
  return [
    {
      type: 'NotificationRecorded',
      data: {
        notificationId: command.notificationId,
        orderId: String(event.data.orderId),
        eventId: event.eventId,
        eventType: event.type,
        channel: 'log',
        message: render(template, event.data),
        ...(command.traceId ? { traceId: command.traceId } : {}),
        recordedAt: command.at.toISOString(),
      },
    },
  ];
}
