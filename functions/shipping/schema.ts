import { z } from 'zod';

const id = z.string().trim().min(1).max(128);
const isoTime = z.iso.datetime();

export const idParam = z.object({ id });
export const createBody = z.object({ id, note: z.string().trim().min(1).max(500) });

export const itemView = z.object({
  id,
  note: z.string(),
  status: z.enum(['open', 'closed']),
  createdAt: isoTime,
});

/** zod schemas of the events this function writes, checked before anything is appended. */
export const eventSchemas = {
  ItemCreated: z.object({ id, note: z.string(), at: isoTime }),
  ItemClosed: z.object({ id, at: isoTime }),
  MessageReceived: z.object({ eventId: z.string(), type: z.string(), at: isoTime }),
};

/** A message of the `order-events` topic: an envelope with an event id, type and data. */
export const topicMessage = z.object({
  eventId: z.string().min(1).max(128),
  type: z.string().min(1).max(64),
  data: z.record(z.string(), z.unknown()),
});

/** This function's own variables (the toolkit's are added). */
export const config = z.object({
  /** An example setting: the longest note accepted, characters. Default 500. */
  SHIPPING_MAX_NOTE: z.coerce.number().int().min(1).max(500).default(500),
});
export type Config = z.infer<typeof config>;
