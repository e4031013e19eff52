import * as z from 'zod';

const isoTime = z.iso.datetime();

/** The data notifications needs from each order event it knows; other fields are kept. */
export const knownEventData = {
  OrderPlaced: z
    .object({
      orderId: z.string().min(1),
      customerId: z.string().min(1),
      total: z.number().int().nonnegative(),
      currency: z.string().regex(/^[A-Z]{3}$/),
    })
    .loose(),
  OrderConfirmed: z.object({ orderId: z.string().min(1) }).loose(),
  OrderCancelled: z.object({ orderId: z.string().min(1), reason: z.string().min(1) }).loose(),
} as const;

/** Message text per event type; `{field}` is replaced by the event data's field. */
export const defaultTemplates: Readonly<Record<string, string>> = {
  OrderPlaced: 'Order {orderId} placed: {total} {currency} (minor units).',
  OrderConfirmed: 'Order {orderId} is confirmed.',
  OrderCancelled: 'Order {orderId} was cancelled: {reason}.',
};

/** `NOTIFICATIONS_TEMPLATES`: a JSON object of event type → template, merged over the defaults. */
export const templatesVar = z
  .string()
  .trim()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object of event type → template' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().regex(/^[A-Z][A-Za-z0-9]{0,63}$/), z.string().min(1).max(500)));

/** The `{field}` names a template uses. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? '');
}

/**
 * The order-event envelope orders writes to its outbox, accepted only for event types that have
 * a template, and only when the data has every field the template uses.
 */
export function orderEventMessage(templates: Readonly<Record<string, string>>) {
  return z
    .object({
      eventId: z.string().min(1).max(128),
      type: z.string().min(1),
      streamId: z.string().min(1),
      streamVersion: z.number().int().positive(),
      occurredAt: isoTime,
      data: z.record(z.string(), z.unknown()),
    })
    .superRefine((message, ctx) => {
      const template = templates[message.type];
      if (template === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['type'],
          message: `no notification is defined for ${message.type}`,
        });
        return;
      }
      const known = knownEventData[message.type as keyof typeof knownEventData];
      const checked = (known ?? z.object({ orderId: z.string().min(1) }).loose()).safeParse(
        message.data,
      );
      if (!checked.success) {
        for (const issue of checked.error.issues) {
          ctx.addIssue({
            code: 'custom',
            path: ['data', ...issue.path.map(String)],
            message: issue.message,
          });
        }
        return;
      }
      for (const field of placeholders(template)) {
        if (message.data[field] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['data', field],
            message: 'required by the template',
          });
        }
      }
    });
}

export type OrderEventMessage = z.infer<ReturnType<typeof orderEventMessage>>;

export const notificationsQuery = z.object({ orderId: z.string().trim().min(1).max(128) });

export const notification = z.object({
  notificationId: z.string(),
  orderId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  channel: z.literal('log'),
  message: z.string(),
  /** The trace the event's handling belonged to (the order request's). */
  traceId: z.string().optional(),
  recordedAt: isoTime,
});

export type Notification = z.infer<typeof notification>;

/** What `GET /notifications` answers. */
export const notificationList = z.object({
  orderId: z.string(),
  notifications: z.array(notification),
});

/** zod schemas of the events notifications writes. */
export const notificationEventSchemas = {
  NotificationRecorded: notification,
};

/** The function's own variables. */
export const notificationsConfig = z.object({
  /** JSON object of event type → message template, merged over the defaults. */
  NOTIFICATIONS_TEMPLATES: templatesVar.optional(),
});
export type NotificationsConfig = z.infer<typeof notificationsConfig>;
