import * as z from 'zod';
import type { SagaState } from './state.ts';
import type { SagaStart } from './decide.ts';

const stateSchema = z.custom<SagaState>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'string' &&
    Array.isArray((value as { steps?: unknown }).steps),
  { message: 'expected a saga state' },
);

const startSchema = z.object({
  sagaId: z.string().min(1),
  input: z.unknown(),
  startedAt: z.iso.datetime(),
}) satisfies z.ZodType<SagaStart>;

/** The body of a QStash message that drives a saga: run a step, a compensation, or the deadline. */
export const sagaMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('step'),
    saga: z.string().min(1),
    sagaId: z.string().min(1),
    index: z.number().int().nonnegative(),
    /** The stream version `state` reflects: the expected version of the append that records the outcome. */
    version: z.number().int().nonnegative(),
    state: stateSchema,
    /** Present until SagaStarted is recorded (with the first step's outcome). */
    start: startSchema.optional(),
    /** Attempts made inline before the message was relayed for QStash to retry. */
    prior: z.number().int().nonnegative().optional(),
  }),
  z.object({
    kind: z.literal('compensate'),
    saga: z.string().min(1),
    sagaId: z.string().min(1),
    index: z.number().int().nonnegative(),
    version: z.number().int().nonnegative(),
    state: stateSchema,
    prior: z.number().int().nonnegative().optional(),
  }),
  z.object({
    kind: z.literal('deadline'),
    saga: z.string().min(1),
    sagaId: z.string().min(1),
    start: startSchema.optional(),
  }),
]);

/** A saga message, as published through the outbox and delivered by QStash. */
export type SagaMessage = z.infer<typeof sagaMessageSchema>;

/** The JSON QStash POSTs to a failure callback: the original message is `sourceBody`, base64. */
export const failureCallbackSchema = z.object({
  sourceBody: z.string().min(1),
  status: z.number().int().optional(),
  retried: z.number().int().optional(),
  dlqId: z.string().optional(),
});

/** Decodes base64 (standard or URL alphabet) to UTF-8 text. */
export function decodeBase64(text: string): string {
  const normal = text.replaceAll('-', '+').replaceAll('_', '/');
  const binary = atob(normal + '='.repeat((4 - (normal.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}
