import * as z from 'zod';
import { outputSchema, problemResponse, type OperationDoc } from '../openapi/index.ts';

const isoTime = z.string();

const healthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  service: z.string(),
  checks: z.record(
    z.string(),
    z.object({
      status: z.enum(['ok', 'down']),
      latencyMs: z.number(),
      error: z.string().optional(),
    }),
  ),
  instance: z.string().optional(),
  settings: z
    .object({ revision: z.object({ global: z.number().int(), service: z.number().int() }) })
    .optional(),
});

/** `GET /health`. */
export const healthDoc: OperationDoc = {
  summary: 'Health of the function and what it depends on',
  tags: ['toolkit'],
  responses: {
    200: { description: 'Every check is ok', body: healthReport },
    503: { description: 'A check is down (degraded)', body: healthReport },
  },
};

/** `POST /outbox/sweep`. */
export const sweepDoc: OperationDoc = {
  summary: 'Publish outbox rows a crash left behind (QStash schedule)',
  tags: ['toolkit'],
  callers: ['qstash'],
  query: {
    minAgeMs: {
      description: 'Also relay rows younger than the default 10 s, ms',
      schema: { type: 'integer', minimum: 0, maximum: 600_000 },
    },
  },
  responses: {
    200: {
      description: 'What the sweep published',
      body: z.object({ published: z.number().int(), failed: z.number().int() }),
    },
  },
};

const deadLetter = z.object({
  dlqId: z.string().optional(),
  messageId: z.string(),
  url: z.string(),
  topic: z.string().optional(),
  status: z.number().int(),
  responseBody: z.string(),
  responseHeaders: z.record(z.string(), z.string()),
  retried: z.number().int(),
  maxRetries: z.number().int().optional(),
  messageBody: z.string(),
  recordedAt: isoTime,
});

/** `GET /dead-letters`. */
export const deadLettersDoc: OperationDoc = {
  summary: 'Messages the consumers gave up on, newest first',
  description: 'An operator route: it needs the operator token (message bodies are private).',
  tags: ['toolkit'],
  responses: {
    200: { description: 'The dead letters', body: z.object({ deadLetters: z.array(deadLetter) }) },
  },
};

/** `GET /openapi.json`. */
export const openApiDoc: OperationDoc = {
  summary: "This function's OpenAPI 3.1 document",
  tags: ['toolkit'],
  responses: {
    200: {
      description: 'The document',
      body: z.looseObject({
        openapi: z.string(),
        info: z.looseObject({}),
        paths: z.looseObject({}),
      }),
    },
  },
};

/** What a consumer answers to a delivery it handled (anything but 2xx makes QStash retry). */
export const consumeAck = z.object({
  status: z.enum(['processed', 'duplicate', 'expired']),
  messageId: z.string(),
  eventId: z.string().optional(),
});

/** `GET /metrics`, served in front of the app (as a path item). */
export const metricsPathItem = {
  get: {
    summary: 'Prometheus text exposition of every isolate',
    tags: ['toolkit'],
    operationId: 'getMetrics',
    responses: {
      200: {
        description: 'The metrics',
        content: { 'text/plain': { schema: outputSchema(z.string()) } },
      },
      500: problemResponse('INTERNAL: the metrics store cannot be read'),
    },
  },
};
